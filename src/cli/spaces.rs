//! `carenet id`, `carenet space ...` and `carenet bundle ...`: thin over the vault's space and
//! bundle API. Commands that create something print it alone on their last line.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::json;

use carenet::bundle::{self, BundleLock};
use carenet::model::RecordId;
use carenet::space::{MemberCard, Role};
use carenet::{Error, Result, Vault};

use super::secrets::Source;
use super::Cli;

/// `id` arguments.
#[derive(Args, Debug)]
pub struct IdArgs {
    /// Set the display name others see on your card (it need not be your real name); it is
    /// kept for later cards and becomes your name in every space you read (members see it after
    /// their next sync). Without it, the kept name (or "Carenet member").
    #[arg(long)]
    pub name: Option<String>,
    /// Also draw the card as a QR code (drawn by default on a terminal).
    #[arg(long)]
    pub qr: bool,
    /// Never draw the QR code.
    #[arg(long, conflicts_with = "qr")]
    pub no_qr: bool,
}

/// `space` subcommands.
#[derive(Subcommand, Debug)]
pub enum SpaceCmd {
    /// Create a space with you as its coordinator; prints its id on the last line.
    Create {
        /// Its name (only members can read it).
        name: String,
    },
    /// List the spaces this device holds.
    List,
    /// List a space's members.
    Members {
        /// Space id (or a unique prefix) or name.
        space: String,
    },
    /// Add a member by their card; prints the invite ticket to give them on the last line.
    Invite {
        /// Space id (or a unique prefix) or name.
        space: String,
        /// Their member card (carenet-card1:...), or @FILE to read it from a file.
        #[arg(long)]
        member: String,
        /// coordinator, member or courier (a courier carries what it cannot read).
        #[arg(long, default_value = "member")]
        role: String,
    },
    /// Join a space from an invite ticket (carenet-invite1:..., or @FILE); prints the space id.
    Join {
        /// The ticket.
        ticket: String,
    },
    /// Remove a member: a new key epoch starts that their device never receives.
    Remove {
        /// Space id (or a unique prefix) or name.
        space: String,
        /// The member's device key (a unique prefix of 4+ hex digits) or display name.
        member: String,
    },
    /// Move a record (or with --branch a contact and everyone below it) into a space.
    Share {
        /// Space id (or a unique prefix) or name.
        space: String,
        /// The record's id (or a unique prefix).
        record: String,
        /// Also move every contact this contact alerts, down the chain.
        #[arg(long)]
        branch: bool,
    },
    /// Carry a space's items for others without reading them (opt-in, for couriers).
    Carry {
        /// The space id (32 hex digits).
        space: String,
    },
    /// Travel mode: show whether a space can be stowed, or is stowed.
    Travel {
        /// Space id (or a unique prefix) or name.
        space: String,
    },
    /// Travel mode: remove a space's records from this device, once a sync that finished has
    /// confirmed another device holds all of them. The membership stays; `bring-back` and a
    /// sync restore the records.
    Stow {
        /// Space id (or a unique prefix) or name.
        space: String,
        /// Confirm: the records leave this device until a member syncs them back.
        #[arg(long)]
        yes: bool,
    },
    /// Travel mode: let the next sync with a member bring a stowed space back.
    BringBack {
        /// Space id (or a unique prefix) or name.
        space: String,
    },
}

/// What travel mode does not cover, printed with every stow.
pub const STOW_LIMITS: &str = "Not covered: the space's name and its members stay on this device (readable with your passphrase), and copies made before stowing (exports, backups, a disk image) are out of reach.";

fn when(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map_or_else(|| "an unknown time".into(), |t| t.format("%Y-%m-%d %H:%M UTC").to_string())
}

/// `bundle` subcommands.
#[derive(Subcommand, Debug)]
pub enum BundleCmd {
    /// Write a space's items into one age-encrypted file.
    Export(BundleExportArgs),
    /// Verify and import a bundle; imports nothing if any part fails.
    Import {
        /// The bundle file.
        file: PathBuf,
        /// Read the bundle's passphrase from this file (else CARENET_BUNDLE_PASSPHRASE, else ask).
        #[arg(long, value_name = "FILE")]
        bundle_passphrase_file: Option<PathBuf>,
    },
    /// Print the ids of the items held for a space (give the file to `bundle export --have`).
    Have {
        /// Space id (or a unique prefix) or name.
        #[arg(long)]
        space: String,
    },
}

/// `bundle export` arguments.
#[derive(Args, Debug)]
pub struct BundleExportArgs {
    /// Space id (or a unique prefix) or name.
    #[arg(long)]
    pub space: String,
    /// File to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Encrypt to these age recipients (age1..., from the receiver's card) instead of a passphrase.
    #[arg(long = "recipient", value_name = "AGE_RECIPIENT", conflicts_with = "to_members")]
    pub recipients: Vec<String>,
    /// Encrypt to the age keys of the space's current members (from its membership log), this
    /// device's included, instead of a passphrase: any member's device opens it, no other.
    #[arg(long, conflicts_with = "bundle_passphrase_file")]
    pub to_members: bool,
    /// Read the bundle's passphrase from this file (else CARENET_BUNDLE_PASSPHRASE, else ask).
    #[arg(long, value_name = "FILE")]
    pub bundle_passphrase_file: Option<PathBuf>,
    /// Leave out the items listed in this file (the receiver's `bundle have` output).
    #[arg(long, value_name = "FILE")]
    pub have: Option<PathBuf>,
}

fn read_arg(text: &str) -> Result<String> {
    match text.strip_prefix('@') {
        Some(path) => {
            std::fs::read_to_string(path).map_err(|e| Error::Io { action: "read", path: path.to_owned(), source: e })
        }
        None => Ok(text.to_owned()),
    }
}

fn parse_role(text: &str) -> Result<Role> {
    match text.trim().to_ascii_lowercase().as_str() {
        "coordinator" => Ok(Role::Coordinator),
        "member" => Ok(Role::Member),
        "courier" => Ok(Role::Courier),
        _ => Err(Error::invalid("A role is coordinator, member or courier.")),
    }
}

fn role_word(r: Option<Role>) -> &'static str {
    match r {
        Some(Role::Coordinator) => "coordinator",
        Some(Role::Member) => "member",
        Some(Role::Courier) => "courier",
        None => "-",
    }
}

/// `carenet id`: the card as text (last line), with a QR code on a terminal or on request.
pub fn id(cli: &Cli, vault: &mut Vault, args: &IdArgs) -> Result<()> {
    let named = match &args.name {
        Some(name) => vault.set_card_name(name)?,
        None => 0,
    };
    let (card, text) = vault.card()?;
    if cli.json {
        println!(
            "{}",
            json!({ "card": text, "device": hex::encode(card.device), "recipient": card.recipient, "name": card.name, "fingerprint": card.fingerprint(), "spaces_named": named })
        );
        return Ok(());
    }
    if named > 0 {
        println!(
            "Your name is now {} in {named} space{}; members see it after their next sync.",
            card.name,
            if named == 1 { "" } else { "s" }
        );
    }
    if args.qr || (!args.no_qr && std::io::stdout().is_terminal()) {
        let code = qrcode::QrCode::new(text.as_bytes())
            .map_err(|e| Error::invalid(format!("The card does not fit a QR code ({e}).")))?;
        println!("{}", code.render::<qrcode::render::unicode::Dense1x2>().quiet_zone(true).build());
    }
    println!("Fingerprint (compare it aloud): {}", card.fingerprint());
    println!("{text}");
    Ok(())
}

/// Runs a `space` subcommand.
pub fn space(cli: &Cli, vault: &mut Vault, cmd: &SpaceCmd) -> Result<()> {
    match cmd {
        SpaceCmd::Create { name } => {
            let id = vault.create_space(name)?;
            if cli.json {
                println!("{}", json!({ "space": id }));
            } else {
                println!("Space created; you are its coordinator.");
                println!("{id}");
            }
        }
        SpaceCmd::List => {
            let list = vault.spaces();
            if cli.json {
                println!("{}", serde_json::to_string(&list).unwrap_or_else(|_| "[]".into()));
            } else if list.is_empty() {
                println!("No spaces.");
            } else {
                for s in list {
                    let name = s.name.as_deref().unwrap_or("(carried: name not readable here)");
                    println!(
                        "{}  {:<11}  epoch {}  {} members  {} records{}  {}",
                        s.id,
                        role_word(s.role),
                        s.epoch,
                        s.members,
                        s.records,
                        if s.stowed { " (stowed)" } else { "" },
                        name
                    );
                }
            }
        }
        SpaceCmd::Members { space } => {
            let space = vault.resolve_space(space)?;
            let members = vault.space_members(&space)?;
            if cli.json {
                println!("{}", serde_json::to_string(&members).unwrap_or_else(|_| "[]".into()));
            } else {
                for m in members {
                    let status = if m.removed { "removed" } else { "active" };
                    let me = if m.this_device { "  (this device)" } else { "" };
                    let device = hex::encode(m.device);
                    let name = m.name.clone().unwrap_or_else(|| format!("Device {}", &device[..8]));
                    println!("{}  {:<11}  {:<7}  {}{}", &device[..16], role_word(Some(m.role)), status, name, me);
                }
            }
        }
        SpaceCmd::Invite { space, member, role } => {
            let space = vault.resolve_space(space)?;
            let card = MemberCard::from_text(&read_arg(member)?)?;
            let ticket = vault.invite(&space, &card, parse_role(role)?)?;
            if cli.json {
                println!("{}", json!({ "ticket": ticket }));
            } else {
                println!("Added {} ({}). Give them this ticket to join:", card.name, card.fingerprint());
                println!("{ticket}");
            }
        }
        SpaceCmd::Join { ticket } => {
            let space = vault.join(&read_arg(ticket)?)?;
            if cli.json {
                println!("{}", json!({ "space": space }));
            } else {
                println!("Joined the space.");
                println!("{space}");
            }
        }
        SpaceCmd::Remove { space, member } => {
            let space = vault.resolve_space(space)?;
            let device = vault.resolve_member(&space, member)?;
            vault.remove_member(&space, &device)?;
            super::print::done(
                cli.json,
                "Member removed; a new key epoch started that their device never receives.",
                &hex::encode(device),
                "removed",
            );
        }
        SpaceCmd::Share { space, record, branch } => {
            let space = vault.resolve_space(space)?;
            let id = vault.resolve(record)?;
            let moved = vault.share(&space, &id, *branch)?;
            if cli.json {
                println!("{}", json!({ "moved": moved }));
            } else {
                println!("Moved {} record{} into the space.", moved.len(), if moved.len() == 1 { "" } else { "s" });
                for id in moved {
                    println!("{id}");
                }
            }
        }
        SpaceCmd::Carry { space } => {
            let mut b = [0u8; 16];
            hex::decode_to_slice(space.trim(), &mut b)
                .map_err(|_| Error::invalid("Give the full space id (32 hex digits)."))?;
            vault.carry(carenet::model::SpaceId(b))?;
            super::print::done(cli.json, "This device now carries the space's items.", space.trim(), "space");
        }
        SpaceCmd::Travel { space } => {
            let space = vault.resolve_space(space)?;
            let t = vault.travel_status(&space)?;
            if cli.json {
                println!("{}", serde_json::to_string(&t).unwrap_or_else(|_| "{}".into()));
            } else {
                match (&t.stowed, &t.held_by, t.held_at_ms) {
                    (Some(s), _, _) => println!(
                        "Stowed since {}: {} record{} removed from this device. {}",
                        when(s.at_ms),
                        s.records,
                        if s.records == 1 { "" } else { "s" },
                        if s.returning {
                            "It comes back at the next sync with a member."
                        } else {
                            "Run `carenet space bring-back` and sync with a member to restore it."
                        }
                    ),
                    (None, Some(peer), Some(at)) if t.can_stow => println!(
                        "Can be stowed: device {} confirmed holding all of it at {}.",
                        &peer[..16],
                        when(at)
                    ),
                    (None, Some(peer), Some(at)) => println!(
                        "Not yet: device {} confirmed holding it at {}, but items were added here since. Sync again first.",
                        &peer[..16],
                        when(at)
                    ),
                    _ => println!("Not yet: no sync has confirmed that another device holds all of it. Sync with a member first."),
                }
            }
        }
        SpaceCmd::Stow { space, yes } => {
            let space = vault.resolve_space(space)?;
            if !*yes {
                return Err(Error::invalid(
                    "Stowing removes the space's records from this device until a member syncs them back: add --yes to do it.",
                ));
            }
            let s = vault.stow_space(&space)?;
            if cli.json {
                println!("{}", json!({ "space": space, "stowed": s }));
            } else {
                println!(
                    "Stowed: {} record{} removed from this device; device {} holds them.",
                    s.records,
                    if s.records == 1 { "" } else { "s" },
                    &hex::encode(s.peer)[..16]
                );
                println!("{STOW_LIMITS}");
                println!("{space}");
            }
        }
        SpaceCmd::BringBack { space } => {
            let space = vault.resolve_space(space)?;
            vault.bring_back(&space)?;
            super::print::done(
                cli.json,
                "The space comes back at the next sync with a member (carenet sync --peer TICKET).",
                &space.to_string(),
                "space",
            );
        }
    }
    Ok(())
}

fn bundle_passphrase(file: Option<&std::path::Path>, confirm: bool) -> Source<'_> {
    Source { file, env: "CARENET_BUNDLE_PASSPHRASE", prompt: "Bundle passphrase: ", confirm }
}

/// `bundle export`: reads what it needs before unlocking, writes after locking.
pub fn bundle_export(vault: &Vault, args: &BundleExportArgs, lock: BundleLock) -> Result<usize> {
    let space = vault.resolve_space(&args.space)?;
    let mut ids = vault.item_ids(space)?;
    if let Some(path) = &args.have {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
            action: "read",
            path: path.display().to_string(),
            source: e,
        })?;
        let have: HashSet<[u8; 32]> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let mut id = [0u8; 32];
                hex::decode_to_slice(l.trim(), &mut id).map(|_| id).map_err(|_| {
                    Error::invalid("The --have file must list item ids, one per line (from `carenet bundle have`).")
                })
            })
            .collect::<Result<_>>()?;
        ids.retain(|id| !have.contains(id));
    }
    let items = vault.items(space, &ids)?;
    let bytes = bundle::write(space, &items, &lock)?;
    bundle::save(&args.out, &bytes)?;
    Ok(items.len())
}

/// The protection a `bundle export` asked for.
pub fn bundle_lock(vault: &Vault, args: &BundleExportArgs) -> Result<BundleLock> {
    if args.to_members {
        return Ok(BundleLock::Recipients(vault.space_recipients(&vault.resolve_space(&args.space)?)?));
    }
    if args.recipients.is_empty() {
        return Ok(BundleLock::Passphrase(bundle_passphrase(args.bundle_passphrase_file.as_deref(), true).read()?));
    }
    Ok(BundleLock::Recipients(super::parse_recipients(&args.recipients)?))
}

/// Runs a `bundle` subcommand on an unlocked vault.
pub fn bundle(cli: &Cli, vault: &mut Vault, cmd: &BundleCmd) -> Result<()> {
    match cmd {
        BundleCmd::Export(args) => {
            let lock = bundle_lock(vault, args)?;
            let n = bundle_export(vault, args, lock)?;
            super::print::done(
                cli.json,
                &format!("Wrote {n} item{} to {}.", if n == 1 { "" } else { "s" }, args.out.display()),
                &args.out.display().to_string(),
                "file",
            );
        }
        BundleCmd::Import { file, bundle_passphrase_file } => {
            let bytes = std::fs::read(file).map_err(|e| Error::Io {
                action: "read",
                path: file.display().to_string(),
                source: e,
            })?;
            let needs_pass = bytes.windows(9).take(512).any(|w| w == b"-> scrypt");
            let pass = if needs_pass {
                Some(bundle_passphrase(bundle_passphrase_file.as_deref(), false).read()?)
            } else {
                None
            };
            let b = vault.open_bundle(&bytes, pass.as_ref())?;
            let report = vault.ingest(b.space, b.items)?;
            if cli.json {
                println!("{}", serde_json::to_string(&report).unwrap_or_else(|_| "{}".into()));
            } else {
                let new = report.ops + report.applied + report.carried;
                println!(
                    "Imported {new} new item{} ({} already here); {} record{} changed.",
                    if new == 1 { "" } else { "s" },
                    report.duplicates,
                    report.changed_records.len(),
                    if report.changed_records.len() == 1 { "" } else { "s" }
                );
                if !report.deleted_records.is_empty() {
                    let n = report.deleted_records.len();
                    println!("{n} record{} deleted for the space by a member.", if n == 1 { " was" } else { "s were" });
                }
            }
        }
        BundleCmd::Have { space } => {
            let space = vault.resolve_space(space)?;
            let ids = vault.item_ids(space)?;
            if cli.json {
                println!("{}", json!(ids.iter().map(hex::encode).collect::<Vec<_>>()));
            } else {
                for id in ids {
                    println!("{}", hex::encode(id));
                }
            }
        }
    }
    Ok(())
}

/// Stores a new record in `space` when one is given, else in the personal space.
pub fn add_in<T: carenet::model::RecordType>(vault: &mut Vault, space: Option<&str>, value: &T) -> Result<RecordId> {
    match space {
        Some(s) => {
            let space = vault.resolve_space(s)?;
            vault.add_to_space(&space, value)
        }
        None => vault.add(value),
    }
}
