//! A child process for `tests/crash.rs`: it writes to a vault as fast as it can until it is killed,
//! and acknowledges each write on stdout only once the vault has returned from it.
//!
//! Usage: `crash_writer <vault folder> [add|add-update]`, passphrase in `CARENET_PASSPHRASE`.
//!
//! Lines on stdout, one per acknowledged write, flushed at once:
//! - `add <id> <name>`: a note titled `<name> #0` with an empty body was added;
//! - `update <id> <seq>`: the note's title is now `<name> #<seq>` and its body gained the line
//!   `edit <seq>` (one line per update so far, in order).
//!
//! In `add-update` mode it alternates adding a note and updating a random note of the vault,
//! including notes written by earlier runs (it reads their sequence number from their title).

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use carenet::{Note, Query, RecordId, RecordKind, SecretString, Vault};
use rand::Rng;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: crash_writer <vault folder> [add|add-update]");
        return ExitCode::from(2);
    };
    let update = match args.next().as_deref().map(|m| m.to_string_lossy().into_owned()).as_deref() {
        None | Some("add") => false,
        Some("add-update") => true,
        Some(other) => {
            eprintln!("crash_writer: unknown mode {other:?}");
            return ExitCode::from(2);
        }
    };
    let Ok(pass) = std::env::var("CARENET_PASSPHRASE") else {
        eprintln!("crash_writer: set CARENET_PASSPHRASE");
        return ExitCode::from(2);
    };
    let mut vault = match Vault::unlock(&dir, &SecretString::from(pass)) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("crash_writer: unlock failed: {e} ({})", e.code());
            return ExitCode::from(1);
        }
    };
    match run(&mut vault, update) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crash_writer: {e}");
            ExitCode::from(1)
        }
    }
}

/// Sequence number of a note titled `<name> #<seq>`.
fn seq_of(title: &str) -> Option<u64> {
    title.rsplit_once(" #")?.1.parse().ok()
}

fn run(vault: &mut Vault, update: bool) -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = rand::thread_rng();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // What every note written so far is at, so that an update knows the next number.
    let mut notes: HashMap<RecordId, u64> = HashMap::new();
    let mut ids: Vec<RecordId> = Vec::new();
    for s in vault.list(&Query { kind: Some(RecordKind::Note), ..Default::default() }) {
        if let Some(seq) = seq_of(&s.title) {
            notes.insert(s.id, seq);
            ids.push(s.id);
        }
    }
    let mut step = 0u64;
    loop {
        step += 1;
        if update && step.is_multiple_of(2) && !ids.is_empty() {
            let id = ids[rng.gen_range(0..ids.len())];
            let seq = notes[&id] + 1;
            vault.update::<Note>(&id, |n| {
                let name = n.title.rsplit_once(" #").map(|(name, _)| name.to_owned()).unwrap_or_default();
                n.title = format!("{name} #{seq}");
                n.body.push_str(&format!("edit {seq}\n"));
            })?;
            notes.insert(id, seq);
            writeln!(out, "update {id} {seq}")?;
        } else {
            let name = format!("crash-{:016x}", rng.gen::<u64>());
            let id = vault.add(&Note {
                title: format!("{name} #0"),
                body: String::new(),
                tags: vec!["crash".into()],
                ..Default::default()
            })?;
            notes.insert(id, 0);
            ids.push(id);
            writeln!(out, "add {id} {name}")?;
        }
        out.flush()?;
    }
}
