//! `carenet file`: files kept with notes and reprisal records.

use std::path::PathBuf;

use clap::Subcommand;
use serde_json::json;

use carenet::model::PartialDate;
use carenet::vault::NewFile;
use carenet::{Error, Result, Vault};

use super::{print, Cli, ProtectArgs};

/// `file` subcommands.
#[derive(Subcommand, Debug)]
pub enum FileCmd {
    /// Attach a file to a note or a reprisal record (encrypted into the vault; the file you give
    /// is left where it is: delete it yourself if it must not stay on this disk). Prints the
    /// file's id on the last line.
    Add {
        /// The record (id or unique prefix).
        record: String,
        /// The file to attach (at most 50 MB).
        path: PathBuf,
        /// Name to keep (default: the file's name).
        #[arg(long)]
        name: Option<String>,
        /// Media type (default: guessed from the name's extension).
        #[arg(long = "type", value_name = "MEDIA_TYPE")]
        media_type: Option<String>,
        /// When the evidence was captured: YYYY-MM-DD, or YYYY-MM-DDTHH:MM (UTC).
        #[arg(long, value_name = "WHEN")]
        captured: Option<String>,
    },
    /// List a record's files: id, name, size, SHA-256, and who signed them.
    List {
        /// The record.
        record: String,
    },
    /// Write a file out of the vault (age-encrypted unless --plaintext), after checking it
    /// against the SHA-256 its record holds.
    Get {
        /// The record.
        record: String,
        /// The file's id (or a unique prefix of at least 4 digits).
        file: String,
        /// Where to write it (refused if it exists).
        #[arg(long, value_name = "PATH")]
        out: PathBuf,
        /// How the written file is protected.
        #[command(flatten)]
        protect: ProtectArgs,
    },
    /// Remove a file from its record, and erase it from this vault.
    Rm {
        /// The record.
        record: String,
        /// The file's id (or a unique prefix).
        file: String,
    },
}

fn captured_ms(text: &str) -> Result<i64> {
    let t = text.trim();
    if let Ok(dt) = chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M") {
        return Ok(dt.and_utc().timestamp_millis());
    }
    let date: PartialDate = t.parse().map_err(|_| {
        Error::invalid(format!("'{t}' is not a capture time: use YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC)."))
    })?;
    date.range().0.and_hms_opt(0, 0, 0).map(|d| d.and_utc().timestamp_millis()).ok_or_else(|| {
        Error::invalid(format!("'{t}' is not a capture time: use YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC)."))
    })
}

fn when(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default()
}

/// Runs a `file` subcommand.
pub fn file(cli: &Cli, vault: &mut Vault, cmd: &FileCmd) -> Result<()> {
    match cmd {
        FileCmd::Add { record, path, name, media_type, captured } => {
            let id = vault.resolve(record)?;
            let meta = std::fs::metadata(path).map_err(|e| Error::io("read", path, e))?;
            if meta.len() > carenet::model::attachment::MAX_ATTACHMENT_BYTES as u64 {
                return Err(Error::invalid(format!(
                    "{} is too large: Carenet keeps files up to {} MB.",
                    path.display(),
                    carenet::model::attachment::MAX_ATTACHMENT_BYTES / (1024 * 1024)
                )));
            }
            let bytes = zeroize::Zeroizing::new(std::fs::read(path).map_err(|e| Error::io("read", path, e))?);
            let name = match name {
                Some(n) => n.clone(),
                None => path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            };
            let guessed;
            let media_type = match media_type {
                Some(t) => t.as_str(),
                None => {
                    guessed = mime_guess::from_path(&name).first_or_octet_stream().essence_str().to_owned();
                    guessed.as_str()
                }
            };
            let captured_ms = captured.as_deref().map(captured_ms).transpose()?;
            let a = vault.attach(&id, &NewFile { name: &name, media_type, bytes: &bytes, captured_ms })?;
            if cli.json {
                println!("{}", json!({ "id": a.id, "sha256": a.sha256 }));
            } else {
                println!("Attached {} ({} bytes, SHA-256 {}).", a.name, a.size, a.sha256);
                println!("{}", a.id);
            }
            Ok(())
        }
        FileCmd::List { record } => {
            let id = vault.resolve(record)?;
            let stored = vault.record(&id)?;
            let list = stored.value.attachments().to_vec();
            if cli.json {
                let out: Vec<_> = list
                    .iter()
                    .map(|a| {
                        let s = vault.signer_of(&id, a);
                        let mut v = serde_json::to_value(a).unwrap_or_default();
                        if let Some(o) = v.as_object_mut() {
                            o.insert("signer".into(), serde_json::to_value(&s).unwrap_or_default());
                        }
                        v
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(out));
                return Ok(());
            }
            if list.is_empty() {
                println!("No files.");
            }
            // A description that came by sync is not checked yet: nothing in it reaches the
            // terminal as a control character.
            let clean = |t: &str| t.chars().filter(|c| !c.is_control()).collect::<String>();
            for a in &list {
                let s = vault.signer_of(&id, a);
                let who = match (s.valid, s.this_device, &s.name) {
                    (false, _, _) => "SIGNATURE DOES NOT VERIFY".to_owned(),
                    (true, true, _) => "signed by this device".to_owned(),
                    (true, false, Some(n)) => format!("signed by {} (device {})", clean(n), &a.device[..12]),
                    (true, false, None) => format!("signed by device {}", &a.device[..12]),
                };
                let captured = a.captured_ms.map(|t| format!(", captured {}", when(t))).unwrap_or_default();
                let id: String = a.id.chars().take(10).collect();
                println!("{}  {}  {} bytes  {}", clean(&id), clean(&a.name), a.size, clean(&a.media_type));
                println!("            SHA-256 {}", clean(&a.sha256));
                println!("            added {}{captured}, {who}", when(a.added_ms));
            }
            Ok(())
        }
        FileCmd::Get { record, file, out, protect } => {
            let id = vault.resolve(record)?;
            if out.exists() {
                return Err(Error::invalid(format!("{} already exists: choose another --out.", out.display())));
            }
            let read = vault.read_attachment(&id, file)?;
            let protection = protect.protection()?;
            carenet::export::write(out, &read.bytes, &protection)?;
            if protect.plaintext {
                eprintln!("carenet: warning: {} is not encrypted; anyone who finds it can read it.", out.display());
            }
            if !read.signer.valid {
                eprintln!("carenet: warning: the signature of this file's description does not verify.");
            }
            print::done(
                cli.json,
                &format!(
                    "Wrote {} ({} bytes, SHA-256 checked) to {}.",
                    read.attachment.name,
                    read.bytes.len(),
                    out.display()
                ),
                &out.display().to_string(),
                "file",
            );
            Ok(())
        }
        FileCmd::Rm { record, file } => {
            let id = vault.resolve(record)?;
            vault.detach(&id, file)?;
            print::done(cli.json, "File removed and erased from this vault.", "ok", "status");
            Ok(())
        }
    }
}
