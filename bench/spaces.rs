//! Benchmarks of the vault's side of sync: a member vault ingesting a space of 1,000 notes with 5
//! changes each (cold, into an empty vault), the same batch again (every item a duplicate),
//! stowing that space for travel and bringing it back, and writing then reading a USB bundle of
//! it. The network engineer's benches measure the wire;
//! these measure what `Vault::ingest` and bundles cost on their own. Numbers: bench/README.md.
//!
//! Under `cargo test --all-targets` (no `--bench` argument) it runs once on 50 notes, so that
//! the bench cannot rot.

use std::hint::black_box;
use std::time::Duration;

use carenet::bundle::{self, BundleLock};
use carenet::model::SpaceId;
use carenet::space::Role;
use carenet::{Note, SecretString, Vault, VaultOptions};
use criterion::{BatchSize, Criterion};

const NOTES: usize = 1_000;
const SMOKE_NOTES: usize = 50;
const EDITS: usize = 4;
const PASSPHRASE: &str = "correct horse battery staple";

fn new_vault(root: &std::path::Path, name: &str) -> Vault {
    let pass = SecretString::from(PASSPHRASE.to_owned());
    Vault::create_with(&root.join(name), &pass, &VaultOptions { work_factor: 10 }).expect("create a bench vault")
}

/// A coordinator's vault holding `notes` notes in a space, each with 1 + EDITS changes.
fn source(root: &std::path::Path, notes: usize) -> (Vault, SpaceId) {
    let mut a = new_vault(root, "source");
    let space = a.create_space("Bench space").expect("space");
    for i in 0..notes {
        let id = a
            .add_to_space(
                &space,
                &Note {
                    title: format!("Note {i}"),
                    body: "Checkpoint on the northern road".into(),
                    tags: vec![],
                    ..Default::default()
                },
            )
            .expect("add");
        for e in 0..EDITS {
            a.update::<Note>(&id, |n| n.body.push_str(&format!(" edit {e}"))).expect("edit");
        }
    }
    (a, space)
}

fn member(root: &std::path::Path, a: &mut Vault, space: SpaceId, n: usize) -> Vault {
    let mut b = new_vault(root, &format!("member-{n}"));
    let card = b.member_card("B").expect("card").0;
    let ticket = a.invite(&space, &card, Role::Member).expect("invite");
    b.join(&ticket).expect("join");
    b
}

fn main() {
    let smoke = !std::env::args().any(|a| a == "--bench");
    let notes = if smoke { SMOKE_NOTES } else { NOTES };
    let root = tempfile::Builder::new()
        .prefix("carenet-bench-spaces-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("bench folder");
    let (mut a, space) = source(root.path(), notes);
    let ids = a.item_ids(space).expect("ids");
    let items = a.items(space, &ids).expect("items");
    let payload: usize = items.iter().map(Vec::len).sum();
    println!("space: {notes} notes, {} items, {payload} bytes of items", items.len());

    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .measurement_time(Duration::from_secs(if smoke { 1 } else { 20 }));
    let mut n = 0;
    c.bench_function("ingest_cold", |bch| {
        bch.iter_batched(
            || {
                n += 1;
                member(root.path(), &mut a, space, n)
            },
            |mut b| {
                black_box(b.ingest(space, items.clone()).expect("ingest"));
                b
            },
            BatchSize::PerIteration,
        )
    });
    n += 1;
    let mut warm = member(root.path(), &mut a, space, n);
    warm.ingest(space, items.clone()).expect("ingest");
    let ids = a.item_ids(space).expect("ids");
    let items = a.items(space, &ids).expect("items");
    c.bench_function("ingest_all_duplicates", |bch| {
        bch.iter(|| black_box(warm.ingest(space, items.clone()).expect("ingest")))
    });
    // Travel mode: stowing the space on a member holding all of it (confirmed as a finished sync
    // confirms it), and bringing it back (its items ingested again into the stowed vault).
    let mut stowed_member = |n: &mut usize, stow: bool| {
        *n += 1;
        let mut b = member(root.path(), &mut a, space, *n);
        b.ingest(space, items.clone()).expect("ingest");
        let held = b.item_ids(space).expect("ids").into_iter().collect();
        assert!(b.note_peer_holds(&[9; 32], space, &held).expect("confirm"));
        if stow {
            b.stow_space(&space).expect("stow");
            b.bring_back(&space).expect("bring back");
        }
        b
    };
    c.bench_function("stow_space", |bch| {
        bch.iter_batched(
            || stowed_member(&mut n, false),
            |mut b| {
                black_box(b.stow_space(&space).expect("stow"));
                b
            },
            BatchSize::PerIteration,
        )
    });
    c.bench_function("bring_back_ingest", |bch| {
        bch.iter_batched(
            || stowed_member(&mut n, true),
            |mut b| {
                black_box(b.ingest(space, items.clone()).expect("ingest"));
                assert!(!b.spaces()[0].stowed, "back once every item is in");
                b
            },
            BatchSize::PerIteration,
        )
    });
    let recipient: age::x25519::Recipient =
        warm.member_card("B").expect("card").0.recipient.parse().expect("recipient");
    let lock = BundleLock::Recipients(vec![recipient]);
    c.bench_function("bundle_write", |bch| bch.iter(|| black_box(bundle::write(space, &items, &lock).expect("write"))));
    let file = bundle::write(space, &items, &lock).expect("write");
    println!("bundle: {} bytes for {payload} bytes of items ({:.3}x)", file.len(), file.len() as f64 / payload as f64);
    c.bench_function("bundle_read", |bch| bch.iter(|| black_box(warm.open_bundle(&file, None).expect("read"))));
    c.final_summary();
}
