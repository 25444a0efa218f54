//! Replays every input the fuzzers ever crashed on (fuzz/regressions/<target>/), plus a few
//! hand-made edge cases, through the same decoders: none may panic.

use std::path::Path;

use carenet::bundle::{self, BundleLock};
use carenet::sealed::SealedChange;
use carenet::sync::message::{frame_len, Message};

fn inputs(target: &str) -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut out: Vec<Vec<u8>> = vec![vec![], vec![0; 4], vec![0xFF; 64], b"CNSC\x01".to_vec(), b"CNSO\x02".to_vec()];
    for dir in [root.join("regressions").join(target), root.join("seeds").join(target)] {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                if let Ok(b) = std::fs::read(e.path()) {
                    out.push(b);
                }
            }
        }
    }
    out
}

#[test]
fn sync_message_regressions_do_not_panic() {
    for data in inputs("sync_message") {
        if data.len() >= 4 {
            let _ = frame_len([data[0], data[1], data[2], data[3]]);
        }
        if let Ok((seq, msg)) = Message::decode(&data) {
            assert_eq!(&msg.frame(seq)[4..], &data[..]);
        }
    }
}

#[test]
fn sealed_change_regressions_do_not_panic() {
    for data in inputs("sealed_change") {
        let _ = carenet::tombstone::Tombstone::decode(&data);
        if let Ok(c) = SealedChange::decode(&data) {
            let _ = c.verify();
        }
        if let Ok(item) = carenet::sync_item::SyncItem::decode(&data) {
            assert_eq!(item.encode(), &data[..]);
        }
    }
}

/// The seeds hold one membership operation of each kind (create, add, remove, name): each
/// decodes, and every cut or flipped byte of each is refused without a panic.
#[test]
fn every_operation_kind_decodes_and_each_damaged_copy_is_refused() {
    use carenet::space::{OpBody, SpaceOp};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/sealed_change");
    let mut kinds = std::collections::BTreeSet::new();
    for name in ["op_create", "op_add", "op_remove", "op_name"] {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let op = SpaceOp::decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        kinds.insert(match op.body {
            OpBody::Create { .. } => 1,
            OpBody::Add { .. } => 2,
            OpBody::Remove { .. } => 3,
            OpBody::Name { .. } => 4,
        });
        for cut in 0..bytes.len() {
            assert!(SpaceOp::decode(&bytes[..cut]).is_err(), "{name} cut at {cut}");
        }
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x80;
            assert!(SpaceOp::decode(&b).is_err(), "{name} flipped at {i}");
        }
    }
    assert_eq!(kinds.len(), 4);
}

/// As the `bundle_reader` target: the first byte says whether the rest is a whole file (even) or
/// a plaintext to encrypt to this device first (odd); what reads must write and read back.
#[test]
fn bundle_reader_regressions_do_not_panic() {
    let identity = age::x25519::Identity::generate();
    for data in inputs("bundle_reader") {
        let Some((&mode, rest)) = data.split_first() else { continue };
        let file = if mode % 2 == 0 {
            rest.to_vec()
        } else {
            let r = identity.to_public();
            let enc = age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient)).unwrap();
            let mut out = Vec::new();
            let mut w = enc.wrap_output(&mut out).unwrap();
            std::io::Write::write_all(&mut w, rest).unwrap();
            w.finish().unwrap();
            out
        };
        if let Ok(b) = bundle::read(&file, &identity, None) {
            let again = bundle::write(b.space, &b.items, &BundleLock::Recipients(vec![identity.to_public()])).unwrap();
            let back = bundle::read(&again, &identity, None).unwrap();
            assert_eq!((back.space, back.items), (b.space, b.items));
        }
    }
}

/// Text a person pastes (fuzz target `pasted_text`): a real card and a real invite ticket, each
/// cut at every character and with every character changed, plus the stored inputs, are refused
/// or accepted without a panic; only the untouched texts are accepted.
#[test]
fn pasted_cards_and_tickets_cut_or_changed_are_refused_without_panic() {
    use carenet::space::{ticket, MemberCard};
    let dir = tempfile::tempdir().unwrap();
    let pass = carenet::SecretString::from("a test passphrase for cards".to_owned());
    let opts = carenet::VaultOptions { work_factor: 10 };
    let mut a = carenet::Vault::create_with(&dir.path().join("a"), &pass, &opts).unwrap();
    let b = carenet::Vault::create_with(&dir.path().join("b"), &pass, &opts).unwrap();
    let (card, card_text) = b.member_card("Bea of the river").unwrap();
    let space = a.create_space("Lawyers").unwrap();
    let invite = a.invite(&space, &card, carenet::space::Role::Member).unwrap();
    assert!(MemberCard::from_text(&card_text).is_ok() && ticket::decode(&invite).is_ok());

    // The stored inputs (seeds and any crasher): no panic.
    for data in inputs("pasted_text") {
        if let Some(text) = data.split_first().and_then(|(_, rest)| String::from_utf8(rest.to_vec()).ok()) {
            let _ = (MemberCard::from_text(&text), ticket::decode(&text), text.parse::<carenet::sync::Ticket>());
        }
    }
    // The seeds (a card, an invite, a sync ticket, made by the CLI) stay valid, so the fuzzer
    // starts from inputs that reach the checks behind the parsers.
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/pasted_text");
    let seed = |name: &str| String::from_utf8(std::fs::read(seeds.join(name)).unwrap()[1..].to_vec()).unwrap();
    assert!(MemberCard::from_text(&seed("card")).is_ok());
    assert!(ticket::decode(&seed("invite")).is_ok());
    assert!(seed("sync").parse::<carenet::sync::Ticket>().is_ok());
    let mut texts: Vec<String> = Vec::new();
    for good in [&card_text, &invite] {
        let chars: Vec<char> = good.chars().collect();
        for i in 0..chars.len() {
            texts.push(chars[..i].iter().collect());
            for other in ['A', '_', '-', '0', 'é'] {
                if chars[i] != other {
                    let mut changed = chars.clone();
                    changed[i] = other;
                    texts.push(changed.into_iter().collect());
                }
            }
        }
    }
    for text in &texts {
        let card_ok = MemberCard::from_text(text).is_ok();
        let ticket_ok = ticket::decode(text).is_ok();
        let _ = text.parse::<carenet::sync::Ticket>();
        // Every byte of a card is signed; a ticket's unsigned header (space, invitee) must
        // agree with its signed operations. base64url without padding refuses a last character
        // whose unused low bits are set.
        assert!(!card_ok || text.trim() == card_text, "a changed card was accepted: {text}");
        assert!(!ticket_ok || text.trim() == invite, "a changed ticket was accepted: {text}");
    }
}
