//! Any bytes as a sealed change, as a tombstone payload and as any sync item (membership
//! operations of every kind, `Name` included): decoding and verifying never panic.
#![no_main]
use carenet::sealed::SealedChange;
use carenet::sync_item::SyncItem;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = carenet::tombstone::Tombstone::decode(data);
    if let Ok(c) = SealedChange::decode(data) {
        let _ = c.verify();
        let _ = c.id();
    }
    if let Ok(item) = SyncItem::decode(data) {
        assert_eq!(item.encode(), data);
    }
});
