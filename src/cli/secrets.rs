//! Where passphrases come from: a file, an environment variable (less safe: other processes of
//! the same user may read it), or the terminal, in that order.

use std::path::Path;

use carenet::{Error, Result, SecretString};
use zeroize::Zeroizing;

/// A source of one passphrase.
pub struct Source<'a> {
    /// `--...-file` path, if given.
    pub file: Option<&'a Path>,
    /// Environment variable to read.
    pub env: &'static str,
    /// Prompt shown on the terminal.
    pub prompt: &'static str,
    /// Ask twice on the terminal (new passphrases).
    pub confirm: bool,
}

impl Source<'_> {
    /// Reads the passphrase from the first source that has one.
    pub fn read(&self) -> Result<SecretString> {
        if let Some(path) = self.file {
            let raw = Zeroizing::new(std::fs::read(path).map_err(|e| Error::Io {
                action: "read the passphrase file",
                path: path.display().to_string(),
                source: e,
            })?);
            let text =
                std::str::from_utf8(&raw).map_err(|_| Error::invalid("The passphrase file is not UTF-8 text."))?;
            return Ok(SecretString::from(strip_newline(text).to_owned()));
        }
        if let Ok(v) = std::env::var(self.env) {
            let v = Zeroizing::new(v);
            return Ok(SecretString::from(v.as_str().to_owned()));
        }
        use std::io::IsTerminal;
        let no_terminal = || {
            Error::invalid(format!(
                "No passphrase given and no terminal to ask on: use --passphrase-file FILE or set {}.",
                self.env
            ))
        };
        if !std::io::stdin().is_terminal() {
            return Err(no_terminal());
        }
        let ask = |prompt: &str| rpassword::prompt_password(prompt).map(Zeroizing::new).map_err(|_| no_terminal());
        let first = ask(self.prompt)?;
        if self.confirm {
            let again = ask("Type it again: ")?;
            if *first != *again {
                return Err(Error::invalid("The two passphrases differ. Nothing was changed."));
            }
        }
        Ok(SecretString::from(first.as_str().to_owned()))
    }
}

fn strip_newline(s: &str) -> &str {
    s.strip_suffix("\r\n").or_else(|| s.strip_suffix('\n')).unwrap_or(s)
}
