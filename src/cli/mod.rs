//! Command-line arguments and dispatch. Every command opens the vault, does one thing, prints,
//! and locks the vault again.

mod checkins;
mod files;
mod print;
mod records;
mod secrets;
mod spaces;
mod sync;

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use carenet::export::{self, ExportFormat, ExportOptions, Protection};
use carenet::model::{PartialDate, RecordKind};
use carenet::{Error, LockStatus, Query, Result, Vault};

pub use records::{ContactCmd, NoteCmd, ReprisalCmd};
use secrets::Source;

/// Carenet: an encrypted, offline vault of notes, contacts and reprisal records.
#[derive(Parser, Debug)]
#[command(name = "carenet", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Vault folder (default: the platform data folder, e.g. ~/.local/share/carenet).
    #[arg(long, global = true, env = "CARENET_VAULT", value_name = "DIR")]
    pub vault: Option<PathBuf>,
    /// Read the passphrase from this file (its content, less a final newline) instead of asking.
    #[arg(long, global = true, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// Print machine-readable JSON (listings, records, ids, errors).
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create a new vault (asks for a passphrase twice).
    Init,
    /// Tell whether a vault exists here and whether a process has it open.
    LockStatus,
    /// Passphrase commands.
    Passphrase {
        /// Passphrase subcommand.
        #[command(subcommand)]
        cmd: PassphraseCmd,
    },
    /// Notes: add, list, show, edit, rm.
    Note {
        /// Note subcommand.
        #[command(subcommand)]
        cmd: NoteCmd,
    },
    /// Contacts and the contact tree: add, list, show, edit, rm, tree.
    Contact {
        /// Contact subcommand.
        #[command(subcommand)]
        cmd: ContactCmd,
    },
    /// Reprisal records (HURIDOCS events): add, list, show, edit, rm.
    Reprisal {
        /// Reprisal subcommand.
        #[command(subcommand)]
        cmd: ReprisalCmd,
    },
    /// Check-ins: who checks in, how often, who is alerted when one is missed; add, list, now,
    /// show, edit, rm.
    Checkin {
        /// Check-in subcommand.
        #[command(subcommand)]
        cmd: checkins::CheckInCmd,
    },
    /// Files kept with notes and reprisal records: add, list, get, rm.
    File {
        /// File subcommand.
        #[command(subcommand)]
        cmd: files::FileCmd,
    },
    /// Search every record (words must all appear; case and accents ignored).
    Search(SearchArgs),
    /// Export records as JSON or CSV, encrypted with age unless --plaintext.
    Export(ExportArgs),
    /// Indicators: what the reprisal records on this device show (reprisals, interventions, the
    /// results noted after them) and who in the care network is watched over. Counted from this
    /// device's records only; small numbers can point to a person.
    Indicators(IndicatorArgs),
    /// List the controlled vocabularies (act types, mechanisms, ...).
    Vocab,
    /// Print this device's member card (text, and a QR code on a terminal) for a coordinator.
    Id(spaces::IdArgs),
    /// Spaces: create, list, members, invite, join, remove, share, carry.
    Space {
        /// Space subcommand.
        #[command(subcommand)]
        cmd: spaces::SpaceCmd,
    },
    /// USB bundles of a space's items: export, import, have.
    Bundle {
        /// Bundle subcommand.
        #[command(subcommand)]
        cmd: spaces::BundleCmd,
    },
    /// Sync with other devices: --listen, --peer TICKET, --nearby, or `sync status`.
    Sync(sync::SyncArgs),
    /// Run a headless, always-on courier or mailbox from a config file.
    Serve(sync::ServeArgs),
    /// Panic wipe: destroy the vault's keys, then its files, at once and without the passphrase.
    /// Nothing in it can be read again, by anyone. It cannot reach copies made before (backups,
    /// exports, other members' devices, a disk image).
    Wipe {
        /// Required: wiping cannot be undone.
        #[arg(long)]
        yes: bool,
    },
}

/// `passphrase` subcommands.
#[derive(Subcommand, Debug)]
pub enum PassphraseCmd {
    /// Wipe the vault after N wrong passphrases in a row on this device (3 to 99), or --off.
    /// It stops guessing through Carenet, not on a copy of the folder; the setting is stored
    /// in clear next to the vault.
    Guard {
        /// Wipe after this many wrong passphrases in a row.
        #[arg(long, value_name = "N", conflicts_with = "off", required_unless_present = "off")]
        wipe_after: Option<u32>,
        /// Never wipe after wrong passphrases (the default).
        #[arg(long)]
        off: bool,
    },
    /// Change the passphrase (records are not re-encrypted; only the key file is re-wrapped).
    Change {
        /// Read the new passphrase from this file.
        #[arg(long, value_name = "FILE")]
        new_passphrase_file: Option<PathBuf>,
    },
}

/// Filters shared by listings and search.
#[derive(Args, Debug, Default, Clone)]
pub struct FilterArgs {
    /// Only records with this tag.
    #[arg(long)]
    pub tag: Option<String>,
    /// Only records dated on or after this date (YYYY, YYYY-MM or YYYY-MM-DD).
    #[arg(long)]
    pub from: Option<String>,
    /// Only records dated on or before this date.
    #[arg(long)]
    pub to: Option<String>,
    /// At most this many results.
    #[arg(long, default_value_t = 0)]
    pub limit: usize,
}

impl FilterArgs {
    fn query(&self, kind: Option<RecordKind>, text: &str) -> Result<Query> {
        Ok(Query {
            text: text.to_owned(),
            kind,
            tag: self.tag.clone(),
            from: self.from.as_deref().map(str::parse::<PartialDate>).transpose()?,
            to: self.to.as_deref().map(str::parse::<PartialDate>).transpose()?,
            limit: self.limit,
        })
    }
}

/// `search` arguments.
#[derive(Args, Debug)]
pub struct SearchArgs {
    /// Words to look for.
    pub query: String,
    /// Only this record type (note, contact, reprisal, checkin).
    #[arg(long = "type")]
    pub kind: Option<String>,
    /// Filters.
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// `indicators` arguments.
#[derive(Args, Debug)]
pub struct IndicatorArgs {
    /// Only events that took place or went on from this date (YYYY, YYYY-MM or YYYY-MM-DD): an
    /// ongoing event counts up to today, an ended one up to its end date. Undated records are
    /// then left out and counted.
    #[arg(long)]
    pub from: Option<String>,
    /// Only events that began on or before this date.
    #[arg(long)]
    pub to: Option<String>,
    /// Only events in this country (ISO 3166-1 alpha-2, e.g. BY).
    #[arg(long)]
    pub country: Option<String>,
    /// Only records with this tag.
    #[arg(long)]
    pub tag: Option<String>,
}

/// `export` arguments.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// json or csv.
    #[arg(long)]
    pub format: String,
    /// File to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Only this record type.
    #[arg(long = "type")]
    pub kind: Option<String>,
    /// How the file is protected.
    #[command(flatten)]
    pub protect: ProtectArgs,
    /// Include contacts' real names (left out by default).
    #[arg(long)]
    pub include_sensitive: bool,
    /// Also write every file kept with the records: the file is then a tar archive (records,
    /// files/, and files.json with each file's record and SHA-256), e.g. `--out case.tar.age`.
    #[arg(long)]
    pub with_files: bool,
    /// Filters.
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// How a file written out of the vault is protected: age to recipients, age to a passphrase (the
/// default), or, only when asked, in clear.
#[derive(Args, Debug)]
pub struct ProtectArgs {
    /// Encrypt to these age recipients (age1...) instead of a passphrase.
    #[arg(long = "recipient", value_name = "AGE_RECIPIENT")]
    pub recipients: Vec<String>,
    /// Read the file's passphrase from this file (else CARENET_EXPORT_PASSPHRASE, else ask).
    #[arg(long, value_name = "FILE")]
    pub export_passphrase_file: Option<PathBuf>,
    /// Write a readable, unencrypted file. Anyone who finds it can read it.
    #[arg(long)]
    pub plaintext: bool,
}

impl ProtectArgs {
    /// The protection asked for (asks for the passphrase now if it is the one).
    pub fn protection(&self) -> Result<Protection> {
        if self.plaintext {
            if !self.recipients.is_empty() {
                return Err(Error::invalid("Choose either --plaintext or --recipient, not both."));
            }
            return Ok(Protection::Plaintext);
        }
        if !self.recipients.is_empty() {
            return Ok(Protection::Recipients(parse_recipients(&self.recipients)?));
        }
        Ok(Protection::Passphrase(
            Source {
                file: self.export_passphrase_file.as_deref(),
                env: "CARENET_EXPORT_PASSPHRASE",
                prompt: "Passphrase for the file: ",
                confirm: true,
            }
            .read()?,
        ))
    }
}

pub use carenet::export::parse_recipients;

/// The vault folder: `--vault`, else the platform data folder.
fn vault_dir(cli: &Cli) -> Result<PathBuf> {
    if let Some(v) = &cli.vault {
        return Ok(v.clone());
    }
    directories::ProjectDirs::from("org", "Carenet", "carenet")
        .map(|d| d.data_dir().to_owned())
        .ok_or_else(|| Error::invalid("No home folder found: give the vault folder with --vault DIR."))
}

fn passphrase(cli: &Cli, confirm: bool) -> Source<'_> {
    Source {
        file: cli.passphrase_file.as_deref(),
        env: "CARENET_PASSPHRASE",
        prompt: if confirm { "New vault passphrase: " } else { "Vault passphrase: " },
        confirm,
    }
}

fn unlock(cli: &Cli, dir: &Path) -> Result<Vault> {
    unlock_with(dir, &passphrase(cli, false).read()?)
}

fn unlock_with(dir: &Path, pass: &carenet::SecretString) -> Result<Vault> {
    if Vault::status(dir)? == LockStatus::NoVault {
        return Err(Error::NoVault(dir.display().to_string()));
    }
    let vault = Vault::unlock(dir, pass)?;
    for (id, e) in vault.damaged() {
        eprintln!("carenet: warning: record {id} cannot be read ({}).", e.code());
    }
    Ok(vault)
}

/// Runs one command.
pub fn run(cli: &Cli) -> Result<()> {
    let dir = vault_dir(cli)?;
    match &cli.command {
        Command::Init => {
            if Vault::status(&dir)? != LockStatus::NoVault {
                return Err(Error::VaultExists(dir.display().to_string()));
            }
            let pass = passphrase(cli, true).read()?;
            let vault = Vault::create(&dir, &pass)?;
            let device = vault.device_id();
            vault.lock()?;
            print::done(cli.json, &format!("Vault created in {}.", dir.display()), &device, "device");
            Ok(())
        }
        Command::Wipe { yes } => {
            if !yes {
                return Err(Error::invalid(format!(
                    "Wiping destroys the vault in {} for good, and cannot be undone. Run `carenet wipe --yes` to do it.",
                    dir.display()
                )));
            }
            let open_elsewhere = Vault::status(&dir)? == LockStatus::OpenElsewhere;
            let wiped = carenet::vault::wipe(&dir)?;
            if cli.json {
                println!(
                    "{}",
                    serde_json::json!({ "vault": dir.display().to_string(), "key_files": wiped.key_files,
                        "other_files": wiped.other_files, "folder_removed": wiped.folder_removed,
                        "open_elsewhere": open_elsewhere })
                );
            } else {
                println!(
                    "Wiped {}: {} key file(s) destroyed, {} other file(s) removed. Nothing in this vault can be read again.",
                    dir.display(),
                    wiped.key_files,
                    wiped.other_files
                );
                if open_elsewhere {
                    println!("Another Carenet process had this vault open: it holds the keys in memory until it locks or quits. Close it now.");
                }
            }
            Ok(())
        }
        Command::LockStatus => {
            let status = Vault::status(&dir)?;
            let guard = if status == LockStatus::NoVault { None } else { Vault::wipe_after(&dir) };
            if cli.json {
                println!(
                    "{}",
                    serde_json::json!({ "vault": dir.display().to_string(), "status": status, "wipe_after": guard })
                );
            } else {
                let words = match status {
                    LockStatus::NoVault => "no vault here",
                    LockStatus::Locked => "locked",
                    LockStatus::OpenElsewhere => "open in another Carenet process",
                };
                println!("{}: {words}", dir.display());
                if let Some(n) = guard {
                    println!("wipes itself after {n} wrong passphrases in a row");
                }
            }
            Ok(())
        }
        Command::Passphrase { cmd: PassphraseCmd::Guard { wipe_after, off } } => {
            let mut vault = Vault::unlock(&dir, &passphrase(cli, false).read()?)?;
            let limit = if *off { None } else { *wipe_after };
            let set = vault.set_wipe_after(limit);
            vault.lock()?;
            set?;
            let sentence = match limit {
                Some(n) => format!("This vault now wipes itself after {n} wrong passphrases in a row."),
                None => "This vault never wipes itself after wrong passphrases.".to_owned(),
            };
            print::done(
                cli.json,
                &sentence,
                &limit.map(|n| n.to_string()).unwrap_or_else(|| "off".into()),
                "wipe_after",
            );
            Ok(())
        }
        Command::Passphrase { cmd: PassphraseCmd::Change { new_passphrase_file } } => {
            let current = passphrase(cli, false).read()?;
            let mut vault = Vault::unlock(&dir, &current)?;
            let new = Source {
                file: new_passphrase_file.as_deref(),
                env: "CARENET_NEW_PASSPHRASE",
                prompt: "New passphrase: ",
                confirm: true,
            }
            .read()?;
            vault.change_passphrase(&current, &new)?;
            vault.lock()?;
            print::done(cli.json, "Passphrase changed.", "ok", "status");
            Ok(())
        }
        Command::Note { cmd } => {
            let mut vault = unlock(cli, &dir)?;
            records::note(cli, &mut vault, cmd)?;
            vault.lock()
        }
        Command::Contact { cmd } => {
            let mut vault = unlock(cli, &dir)?;
            records::contact(cli, &mut vault, cmd)?;
            vault.lock()
        }
        Command::Reprisal { cmd } => {
            let mut vault = unlock(cli, &dir)?;
            records::reprisal(cli, &mut vault, cmd)?;
            vault.lock()
        }
        Command::Checkin { cmd } => {
            let mut vault = unlock(cli, &dir)?;
            checkins::checkin(cli, &mut vault, cmd)?;
            vault.lock()
        }
        Command::File { cmd } => {
            let mut vault = unlock(cli, &dir)?;
            let res = files::file(cli, &mut vault, cmd);
            vault.lock()?;
            res
        }
        Command::Search(args) => {
            let kind = args.kind.as_deref().map(str::parse).transpose()?;
            let q = args.filter.query(kind, &args.query)?;
            let vault = unlock(cli, &dir)?;
            print::hits(cli.json, &vault.search(&q));
            vault.lock()
        }
        Command::Export(args) => export_cmd(cli, &dir, args),
        Command::Indicators(args) => {
            let filter = carenet::indicators::IndicatorFilter::parse(
                args.from.as_deref(),
                args.to.as_deref(),
                args.country.as_deref(),
                args.tag.as_deref(),
            )?;
            let vault = unlock(cli, &dir)?;
            print::indicators(cli.json, &vault.indicators(&filter, carenet::vault::now_ms()));
            vault.lock()
        }
        Command::Vocab => {
            print::vocab(cli.json);
            Ok(())
        }
        Command::Id(args) => {
            let mut vault = unlock(cli, &dir)?;
            let res = spaces::id(cli, &mut vault, args);
            vault.lock()?;
            res
        }
        Command::Space { cmd } => {
            let mut vault = unlock(cli, &dir)?;
            spaces::space(cli, &mut vault, cmd)?;
            vault.lock()
        }
        Command::Bundle { cmd } => {
            let mut vault = unlock(cli, &dir)?;
            spaces::bundle(cli, &mut vault, cmd)?;
            vault.lock()
        }
        Command::Sync(args) => sync::sync(cli, &dir, args),
        Command::Serve(args) => sync::serve(cli, args),
    }
}

fn export_cmd(cli: &Cli, dir: &Path, args: &ExportArgs) -> Result<()> {
    let format: ExportFormat = args.format.parse()?;
    let kind = args.kind.as_deref().map(str::parse).transpose()?;
    let query = args.filter.query(kind, "")?;
    let protection = args.protect.protection()?;
    let vault = unlock(cli, dir)?;
    let opts = ExportOptions { format, query, include_sensitive: args.include_sensitive };
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let what = if args.with_files {
        // The files are read one at a time while the archive is written: the vault stays open.
        let written = carenet::archive::write_with_files(&vault, &opts, &args.out, &protection);
        vault.lock()?;
        let written = written?;
        if written.missing > 0 {
            eprintln!(
                "carenet: warning: {} could not be read (not all of their parts have arrived, or damaged); files.json in the archive lists them.",
                plural(written.missing, "file")
            );
        }
        format!("{} and {}", plural(written.records, "record"), plural(written.files, "file"))
    } else {
        // The count is of what the file holds (a record that cannot be read is left out).
        let (bytes, count) = export::render_counted(&vault, &opts)?;
        vault.lock()?;
        export::write(&args.out, &bytes, &protection)?;
        plural(count, "record")
    };
    if args.protect.plaintext {
        eprintln!("carenet: warning: {} is not encrypted; anyone who finds it can read it.", args.out.display());
    }
    print::done(
        cli.json,
        &format!("Exported {what} to {}.", args.out.display()),
        &args.out.display().to_string(),
        "file",
    );
    Ok(())
}
