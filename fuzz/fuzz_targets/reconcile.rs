//! Any bytes as a range-reconciliation message from a peer, answered by a responder holding a
//! few ids: never a panic (the responder runs the negentropy crate on network input).
#![no_main]
use libfuzzer_sys::fuzz_target;
use negentropy::{Id, Negentropy, NegentropyStorageVector};

fuzz_target!(|data: &[u8]| {
    let mut s = NegentropyStorageVector::new();
    for i in 0..20u8 {
        let _ = s.insert(0, Id::from_byte_array([i.wrapping_mul(13); 32]));
    }
    let _ = s.seal();
    if let Ok(mut n) = Negentropy::owned(s, 64 * 1024) {
        let _ = n.reconcile(data);
    }
});
