//! Any bytes as a sealed change, and as a tombstone payload: decoding and verifying never panic.
#![no_main]
use carenet::sealed::SealedChange;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = carenet::tombstone::Tombstone::decode(data);
    if let Ok(c) = SealedChange::decode(data) {
        let _ = c.verify();
        let _ = c.id();
    }
});
