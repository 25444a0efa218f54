//! Any bytes as a sync frame (length prefix then body): never a panic; what decodes re-encodes
//! to the same bytes.
#![no_main]
use carenet::sync::message::{frame_len, Message};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() >= 4 {
        let _ = frame_len([data[0], data[1], data[2], data[3]]);
    }
    if let Ok((seq, msg)) = Message::decode(data) {
        assert_eq!(&msg.frame(seq)[4..], data);
    }
});
