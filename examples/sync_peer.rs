//! A sync peer for tests that must run in another process or network namespace (the mDNS test):
//! reads a JSON file `{"secret": hex, "space": hex, "items": [hex, ...]}` (the items include the
//! space's membership ops), runs "sync nearby" for `--for SECONDS`, then prints one JSON line
//! `{"items": N, "dialled": N, "synced": N}`. The store is the in-memory `MemoryHost`.
//!
//! Usage: sync_peer FILE --for SECONDS

use std::sync::{Arc, Mutex};
use std::time::Duration;

use carenet::model::SpaceId;
use carenet::sync::memory::MemoryHost;
use carenet::sync::{Node, NodeOptions, SyncHost};

fn fail(msg: &str) -> ! {
    eprintln!("sync_peer: {msg}");
    std::process::exit(2)
}

fn hex32<const N: usize>(v: &serde_json::Value) -> [u8; N] {
    let mut out = [0u8; N];
    hex::decode_to_slice(v.as_str().unwrap_or_default(), &mut out).unwrap_or_else(|_| fail("bad hex"));
    out
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let file = args.get(1).unwrap_or_else(|| fail("usage: sync_peer FILE --for SECONDS"));
    let secs: u64 =
        args.iter().position(|a| a == "--for").and_then(|i| args.get(i + 1)).and_then(|s| s.parse().ok()).unwrap_or(10);
    let text = std::fs::read_to_string(file).unwrap_or_else(|_| fail("cannot read the input file"));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|_| fail("the input is not JSON"));
    let secret: [u8; 32] = hex32(&v["secret"]);
    let space = SpaceId(hex32(&v["space"]));
    let items: Vec<Vec<u8>> = v["items"]
        .as_array()
        .unwrap_or_else(|| fail("no items"))
        .iter()
        .map(|i| hex::decode(i.as_str().unwrap_or_default()).unwrap_or_else(|_| fail("bad item hex")))
        .collect();
    let mut host = MemoryHost::new();
    host.hold(space);
    host.ingest(space, items).unwrap_or_else(|e| fail(&format!("items refused: {}", e.code())));
    let host = Arc::new(Mutex::new(host));
    let node = Node::start(host.clone(), &secret, NodeOptions { nearby: true, ..Default::default() })
        .await
        .unwrap_or_else(|e| fail(&e.to_string()));
    let _serving = node.serve();
    let results = node.sync_nearby(Duration::from_secs(secs)).await.unwrap_or_else(|e| fail(&e.to_string()));
    node.close().await;
    let synced = results.iter().filter(|(_, r)| r.is_ok()).count();
    for (_, r) in &results {
        if let Err(e) = r {
            eprintln!("sync_peer: a nearby sync failed: {e}");
        }
    }
    let count = host.lock().map(|h| h.item_ids(space).map(|v| v.len()).unwrap_or(0)).unwrap_or(0);
    println!("{}", serde_json::json!({ "items": count, "dialled": results.len(), "synced": synced }));
}
