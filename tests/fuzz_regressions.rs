//! Replays every input the fuzzers ever crashed on (fuzz/regressions/<target>/), plus a few
//! hand-made edge cases, through the same decoders: none may panic.

use std::path::Path;

use carenet::sealed::SealedChange;
use carenet::sync::message::{frame_len, Message};

fn inputs(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions").join(target);
    let mut out: Vec<Vec<u8>> = vec![vec![], vec![0; 4], vec![0xFF; 64], b"CNSC\x01".to_vec()];
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if let Ok(b) = std::fs::read(e.path()) {
                out.push(b);
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
        if let Ok(c) = SealedChange::decode(&data) {
            let _ = c.verify();
        }
    }
}
