//! Any bytes as a USB bundle: reading never panics and never accepts what was not written.
//!
//! The first byte picks what the rest is:
//! - even: the whole file as it would come off a stick (age header and body, hostile), read with
//!   this device's identity and no passphrase;
//! - odd: the bundle's plaintext (magic, version, space, items, hash), encrypted here to this
//!   device so that the parser behind age sees arbitrary bytes (age alone would refuse nearly
//!   every mutation before the parser).
//!
//! Whatever is accepted must re-serialise: a bundle written from what was read reads back the same.
#![no_main]
use std::sync::OnceLock;

use carenet::bundle::{self, BundleLock};
use libfuzzer_sys::fuzz_target;

fn identity() -> &'static age::x25519::Identity {
    static ID: OnceLock<age::x25519::Identity> = OnceLock::new();
    ID.get_or_init(age::x25519::Identity::generate)
}

fn encrypt(plain: &[u8]) -> Option<Vec<u8>> {
    let r = identity().to_public();
    let enc = age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient)).ok()?;
    let mut out = Vec::new();
    let mut w = enc.wrap_output(&mut out).ok()?;
    std::io::Write::write_all(&mut w, plain).ok()?;
    w.finish().ok()?;
    Some(out)
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let file = if mode % 2 == 0 {
        rest.to_vec()
    } else {
        match encrypt(rest) {
            Some(f) => f,
            None => return,
        }
    };
    if let Ok(b) = bundle::read(&file, identity(), None) {
        let again = bundle::write(b.space, &b.items, &BundleLock::Recipients(vec![identity().to_public()]))
            .expect("a bundle that was read can be written");
        let back = bundle::read(&again, identity(), None).expect("a written bundle reads back");
        assert_eq!(back.space, b.space);
        assert_eq!(back.items, b.items);
    }
});
