//! `carenet sync` and `carenet serve`: the vault on the network, over iroh.
//!
//! Output: what a script needs on stdout (a ticket alone on its line, a summary as the last
//! line); progress on stderr, counts only. Logs never carry content or device keys.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::{Args, Subcommand};
use serde_json::json;

use carenet::sync::{Node, NodeOptions, SyncEvent, SyncSummary, Ticket};
use carenet::{Error, Result, SecretString, Vault};

use super::{passphrase, Cli};

/// `sync` arguments.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SyncArgs {
    /// `status`: what this device holds per space.
    #[command(subcommand)]
    pub cmd: Option<SyncCmd>,
    /// Wait for peers: print a ticket, serve until stopped (Ctrl-C) or --for elapses.
    #[arg(long, conflicts_with_all = ["peer", "nearby"])]
    pub listen: bool,
    /// Sync once with the device of this ticket (the line `sync --listen` printed there).
    #[arg(long, value_name = "TICKET", conflicts_with = "nearby")]
    pub peer: Option<String>,
    /// Find Carenet devices on this network by mDNS and sync with each. This device is
    /// announced to the whole network while it runs, then no more.
    #[arg(long)]
    pub nearby: bool,
    /// Stop after this many seconds (listen: forever by default; nearby: 300).
    #[arg(long = "for", value_name = "SECONDS")]
    pub duration: Option<u64>,
    /// Also print the ticket as a QR code (on stderr).
    #[arg(long)]
    pub qr: bool,
    /// Listen on this address (ip:port) instead of every interface on a random port.
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
    /// A self-hosted iroh-relay URL (off by default: no relay is ever contacted otherwise).
    #[arg(long, value_name = "URL")]
    pub relay: Option<String>,
}

/// `sync` subcommands.
#[derive(Subcommand, Debug)]
pub enum SyncCmd {
    /// Spaces held here, their items, and with whom they sync.
    Status,
}

/// `serve` arguments.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// JSON config: {"vault": DIR, "passphrase_file": FILE, "bind": "0.0.0.0:7000", "relay": URL}.
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Stop after this many seconds (default: run until stopped).
    #[arg(long = "for", value_name = "SECONDS")]
    pub duration: Option<u64>,
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().map_err(|e| Error::Io {
        action: "start",
        path: "the network runtime".into(),
        source: e,
    })
}

fn options(bind: Option<&str>, relay: Option<String>, nearby: bool) -> Result<NodeOptions> {
    let bind = bind
        .map(|b| b.parse().map_err(|_| Error::invalid(format!("'{b}' is not an address like 0.0.0.0:7000."))))
        .transpose()?;
    Ok(NodeOptions { relay, bind, nearby })
}

/// Waits for `secs` seconds, or forever, or until Ctrl-C.
async fn until_stopped(secs: Option<u64>) {
    let stop = async {
        match secs {
            Some(s) => tokio::time::sleep(Duration::from_secs(s)).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = stop => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

/// Reports events on stderr (counts only) and tallies what arrived.
fn report(node: &Node<Vault>, json: bool) -> tokio::task::JoinHandle<()> {
    let mut events = node.subscribe();
    tokio::spawn(async move {
        while let Ok(ev) = events.recv().await {
            match ev {
                SyncEvent::Connected { spaces, .. } => {
                    tracing::info!(spaces, "peer connected");
                    if !json {
                        eprintln!("carenet: a peer connected ({spaces} shared space(s)).");
                    }
                }
                SyncEvent::Progress { received, left_items, left_bytes, .. } => {
                    if !json {
                        eprintln!(
                            "carenet: received {received} item(s); {left_items} item(s), {left_bytes} bytes to go."
                        );
                    }
                }
                SyncEvent::Closed { code, .. } => {
                    tracing::info!(code = code.unwrap_or("done"), "peer connection ended");
                    if let (Some(code), false) = (code, json) {
                        eprintln!("carenet: a connection ended ({code}).");
                    }
                }
            }
        }
    })
}

fn summary_line(json: bool, s: &SyncSummary) {
    if json {
        println!(
            "{}",
            json!({ "received_items": s.received_items, "sent_items": s.sent_items, "received_bytes": s.received_bytes, "sent_bytes": s.sent_bytes })
        );
    } else {
        println!("Synced: received {} item(s), sent {} item(s).", s.received_items, s.sent_items);
    }
}

fn finish(host: Arc<Mutex<Vault>>) -> Result<()> {
    match Arc::try_unwrap(host) {
        Ok(m) => match m.into_inner() {
            Ok(vault) => vault.lock(),
            Err(_) => Ok(()),
        },
        // A connection task still holds the vault: it is closed when the process exits.
        Err(_) => Ok(()),
    }
}

/// Runs `carenet sync ...`.
pub fn sync(cli: &Cli, dir: &Path, args: &SyncArgs) -> Result<()> {
    let pass = passphrase(cli, false).read()?;
    let vault = super::unlock_with(dir, &pass)?;
    if let Some(SyncCmd::Status) = args.cmd {
        return status(cli, vault);
    }
    if !args.listen && args.peer.is_none() && !args.nearby {
        vault.lock()?;
        return Err(Error::invalid("Say how to sync: --listen, --peer TICKET or --nearby (or `sync status`)."));
    }
    let ticket: Option<Ticket> = args.peer.as_deref().map(str::parse).transpose()?;
    let secret = vault.device_secret();
    let host = Arc::new(Mutex::new(vault));
    let rt = runtime()?;
    let res = rt.block_on(async {
        let node =
            Node::start(host.clone(), &secret, options(args.bind.as_deref(), args.relay.clone(), args.nearby)?).await?;
        let reporter = report(&node, cli.json);
        let out = if let Some(t) = &ticket {
            node.sync_with(t).await.map(|s| summary_line(cli.json, &s)).map_err(Error::from)
        } else if args.listen {
            let _serving = node.serve();
            let t = node.ticket().await;
            if args.qr {
                if let Some(qr) = t.qr_text() {
                    eprintln!("{qr}");
                }
            }
            print_ticket(cli.json, &t);
            until_stopped(args.duration).await;
            Ok(())
        } else {
            let _serving = node.serve();
            let secs = args.duration.unwrap_or(300);
            eprintln!("carenet: syncing nearby for {secs} s; this device is visible on the local network until then.");
            let results = node.sync_nearby(Duration::from_secs(secs)).await?;
            let ok = results.iter().filter(|(_, r)| r.is_ok()).count();
            let received: u64 = results.iter().filter_map(|(_, r)| r.as_ref().ok()).map(|s| s.received_items).sum();
            if cli.json {
                println!("{}", json!({ "peers": results.len(), "synced": ok, "received_items": received }));
            } else {
                println!("Synced with {ok} of {} nearby device(s); received {received} item(s).", results.len());
            }
            Ok(())
        };
        node.close().await;
        reporter.abort();
        out
    });
    drop(rt);
    finish(host)?;
    res
}

fn status(cli: &Cli, vault: Vault) -> Result<()> {
    let mut rows = Vec::new();
    for s in vault.spaces() {
        let items = vault.item_ids(s.id).map(|v| v.len()).unwrap_or(0);
        rows.push((
            s.id.to_string(),
            s.name.clone().unwrap_or_else(|| "(carried, unreadable here)".into()),
            s.members,
            items,
            s.carried,
        ));
    }
    vault.lock()?;
    if cli.json {
        let list: Vec<_> = rows.iter().map(|(id, name, members, items, carried)| json!({ "space": id, "name": name, "members": members, "items": items, "carried": carried })).collect();
        println!("{}", serde_json::Value::Array(list));
    } else if rows.is_empty() {
        println!("No shared space: nothing to sync. Create one with `carenet space create NAME` or join one.");
    } else {
        for (id, name, members, items, carried) in rows {
            println!("{id}  {name}  {members} member(s)  {items} item(s){}", if carried { "  [courier]" } else { "" });
        }
    }
    Ok(())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ServeConfig {
    vault: PathBuf,
    passphrase_file: Option<PathBuf>,
    bind: Option<String>,
    relay: Option<String>,
}

/// Runs `carenet serve --config FILE`: a headless always-on courier or mailbox.
pub fn serve(cli: &Cli, args: &ServeArgs) -> Result<()> {
    let text = std::fs::read_to_string(&args.config).map_err(|e| Error::Io {
        action: "read",
        path: args.config.display().to_string(),
        source: e,
    })?;
    let config: ServeConfig = serde_json::from_str(&text).map_err(|e| {
        Error::invalid(format!(
            "The config file {} is not valid ({e}); see `carenet serve --help`.",
            args.config.display()
        ))
    })?;
    let pass: SecretString = super::secrets::Source {
        file: config.passphrase_file.as_deref(),
        env: "CARENET_PASSPHRASE",
        prompt: "Vault passphrase: ",
        confirm: false,
    }
    .read()?;
    let vault = super::unlock_with(&config.vault, &pass)?;
    let secret = vault.device_secret();
    let host = Arc::new(Mutex::new(vault));
    let rt = runtime()?;
    let res = rt.block_on(async {
        let node =
            Node::start(host.clone(), &secret, options(config.bind.as_deref(), config.relay.clone(), false)?).await?;
        let reporter = report(&node, true);
        let _serving = node.serve();
        let t = node.ticket().await;
        tracing::warn!("serving");
        print_ticket(cli.json, &t);
        until_stopped(args.duration).await;
        node.close().await;
        reporter.abort();
        Ok::<(), Error>(())
    });
    drop(rt);
    finish(host)?;
    res
}

/// Prints a ticket alone on its line (or as JSON) and flushes, so a script reading our output
/// gets it while we keep serving.
fn print_ticket(json: bool, t: &impl std::fmt::Display) {
    if json {
        println!("{}", json!({ "ticket": t.to_string() }));
    } else {
        println!("{t}");
    }
    use std::io::Write;
    let _ = std::io::stdout().flush();
}
