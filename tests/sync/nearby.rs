//! "Sync nearby" by mDNS between two processes in their own network namespaces, joined by a veth
//! pair that this test makes (needs root and iproute2; otherwise the test says why it skips).
//! Each process is `examples/sync_peer` (in-memory store, real iroh endpoint, real mDNS).

use std::process::Command;

use carenet::space::Role;

use crate::support::*;

fn ip(args: &[&str]) -> bool {
    Command::new("ip").args(args).output().map(|o| o.status.success()).unwrap_or(false)
}

struct Namespaces(Vec<String>);

impl Drop for Namespaces {
    fn drop(&mut self) {
        for n in &self.0 {
            ip(&["netns", "del", n]);
        }
    }
}

#[test]
fn two_devices_in_separate_network_namespaces_find_each_other_and_sync() {
    let tag = std::process::id() % 100_000;
    let (na, nb) = (format!("cnA{tag}"), format!("cnB{tag}"));
    if !ip(&["netns", "add", &na]) {
        eprintln!(
            "SKIPPED: cannot create network namespaces here (needs root and iproute2); mDNS discovery not tested"
        );
        return;
    }
    let _cleanup = Namespaces(vec![na.clone(), nb.clone()]);
    let (va, vb) = (format!("va{tag}"), format!("vb{tag}"));
    let ok = ip(&["netns", "add", &nb])
        && ip(&["link", "add", &va, "type", "veth", "peer", "name", &vb])
        && ip(&["link", "set", &va, "netns", &na])
        && ip(&["link", "set", &vb, "netns", &nb])
        && ip(&["-n", &na, "addr", "add", "10.231.0.1/24", "dev", &va])
        && ip(&["-n", &nb, "addr", "add", "10.231.0.2/24", "dev", &vb])
        && ip(&["-n", &na, "link", "set", &va, "up"])
        && ip(&["-n", &nb, "link", "set", &vb, "up"])
        && ip(&["-n", &na, "link", "set", "lo", "up"])
        && ip(&["-n", &nb, "link", "set", "lo", "up"])
        && ip(&["-n", &na, "route", "add", "224.0.0.0/4", "dev", &va])
        && ip(&["-n", &nb, "route", "add", "224.0.0.0/4", "dev", &vb]);
    assert!(ok, "namespaces were made but the veth pair could not be set up");

    let (a, b) = (device("A"), device("B"));
    let s = space(&a, &[(&b, Role::Member)]);
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, dev: &Device, items: Vec<Vec<u8>>| {
        let all: Vec<String> = s.op_bytes().into_iter().chain(items).map(hex::encode).collect();
        let v = serde_json::json!({ "secret": hex::encode(dev.key.to_bytes()), "space": hex::encode(s.id.0), "items": all });
        let p = dir.path().join(name);
        std::fs::write(&p, v.to_string()).unwrap();
        p
    };
    let fa = write("a.json", &a, (0..5u8).map(|i| s.change(&a, [i; 16], b"from A")).collect());
    let fb = write("b.json", &b, (0..3u8).map(|i| s.change(&b, [i; 16], b"from B")).collect());
    let exe = std::env::current_exe().unwrap();
    let peer = exe.parent().unwrap().parent().unwrap().join("examples/sync_peer");
    assert!(peer.exists(), "build the example first: cargo build --example sync_peer");
    let run = |ns: &str, f: &std::path::Path| {
        Command::new("ip").args(["netns", "exec", ns]).arg(&peer).arg(f).args(["--for", "20"]).output().unwrap()
    };
    let (ra, rb) = std::thread::scope(|sc| {
        let ha = sc.spawn(|| run(&na, &fa));
        let hb = sc.spawn(|| run(&nb, &fb));
        (ha.join().unwrap(), hb.join().unwrap())
    });
    let parse = |o: &std::process::Output| -> serde_json::Value {
        serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|_| panic!("peer failed: {}", String::from_utf8_lossy(&o.stderr)))
    };
    let (ja, jb) = (parse(&ra), parse(&rb));
    let total = s.ops.len() + 5 + 3;
    assert_eq!(ja["items"], total, "A: {ja} / stderr {}", String::from_utf8_lossy(&ra.stderr));
    assert_eq!(jb["items"], total, "B: {jb} / stderr {}", String::from_utf8_lossy(&rb.stderr));
    assert_eq!(ja["synced"].as_u64().unwrap() + jb["synced"].as_u64().unwrap(), 1, "exactly one side dials");
}
