//! Sync protocol messages and their framing.
//!
//! Every frame on the stream is `length u32 | seq u32 | kind u8 | body`, little-endian, where
//! `length` counts everything after itself and never exceeds [`MAX_FRAME`]. `seq` numbers the
//! frames each side sends on a connection, from 0, one by one: a frame whose `seq` is not the
//! next one expected is a replayed or re-ordered message, and the connection is closed.
//!
//! Must never: panic on any input, or allocate more than the frame length that was checked.

use crate::model::SpaceId;
use crate::wire::Reader;

/// Magic bytes at the start of a hello.
pub const MAGIC: &[u8; 4] = b"CNSY";
/// The protocol version this build speaks.
pub const VERSION: u8 = 1;
/// Largest frame accepted or sent (a sealed change is at most 4 MiB; batches stay under this).
pub const MAX_FRAME: usize = 5 * 1024 * 1024;
/// Most spaces named in one hello.
pub const MAX_SPACES: usize = 4096;
/// Most ids in one `Have` or `Want`.
pub const MAX_IDS: usize = 32 * 1024;
/// Most items in one `Items` batch.
pub const MAX_ITEMS: usize = 8192;
/// Bytes of items after which a batch is closed (one larger item still travels alone).
pub const BATCH_BYTES: usize = 1024 * 1024;
/// Largest range-reconciliation message (negentropy frame limit plus slack).
pub const MAX_RECONCILE: usize = 128 * 1024;
/// The negentropy frame size limit used by both sides.
pub const RECONCILE_FRAME: u64 = 64 * 1024;

/// A 32-byte item id: the BLAKE3 hash of the item's bytes.
pub type ItemId = [u8; 32];

/// Why a frame was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Not a well-formed message.
    #[error("malformed sync message")]
    Malformed,
    /// Longer than the protocol allows.
    #[error("sync message too large")]
    Oversize,
    /// A hello with another protocol version.
    #[error("sync protocol version {0} is not supported")]
    UnknownVersion(u8),
}

/// One protocol message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// First message each way: the protocol version and the spaces the sender would sync with
    /// this peer (those in which the peer is an active member or courier).
    Hello {
        /// Protocol version.
        version: u8,
        /// Spaces offered.
        spaces: Vec<SpaceId>,
    },
    /// A negentropy range-reconciliation message for one space.
    Reconcile {
        /// The space.
        space: SpaceId,
        /// Negentropy bytes.
        payload: Vec<u8>,
    },
    /// "I hold these items": the peer answers with a `Want` (possibly empty).
    Have {
        /// The space.
        space: SpaceId,
        /// Item ids.
        ids: Vec<ItemId>,
    },
    /// "Send me these items": answered by `Items` batches, the last with `left_items == 0`.
    Want {
        /// The space.
        space: SpaceId,
        /// Item ids.
        ids: Vec<ItemId>,
    },
    /// A batch of requested items.
    Items {
        /// The space.
        space: SpaceId,
        /// Items still to come after this batch for the same request.
        left_items: u32,
        /// Bytes still to come after this batch.
        left_bytes: u64,
        /// The items' bytes.
        items: Vec<Vec<u8>>,
    },
    /// Items the initiator learnt by reconciliation that the responder lacks, sent without a
    /// `Want` (saves a round trip and 64 bytes per item); accepted only by the responder, only for
    /// a space whose reconciliation it answered.
    Push {
        /// The space.
        space: SpaceId,
        /// Items still to come after this batch.
        left_items: u32,
        /// Bytes still to come after this batch.
        left_bytes: u64,
        /// The items' bytes.
        items: Vec<Vec<u8>>,
    },
    /// The one-shot initiator is done; the responder answers `Bye` once it has stored all before.
    Bye,
}

const HELLO: u8 = 1;
const RECONCILE: u8 = 2;
const HAVE: u8 = 3;
const WANT: u8 = 4;
const ITEMS: u8 = 5;
const BYE: u8 = 6;
const PUSH: u8 = 7;

fn put_ids(out: &mut Vec<u8>, space: &SpaceId, ids: &[ItemId]) {
    out.extend_from_slice(&space.0);
    out.extend_from_slice(&(ids.len() as u32).to_le_bytes());
    for id in ids {
        out.extend_from_slice(id);
    }
}

impl Message {
    /// Encodes this message as one frame with sequence number `seq` (length prefix included).
    pub fn frame(&self, seq: u32) -> Vec<u8> {
        let mut out = vec![0u8; 4];
        out.extend_from_slice(&seq.to_le_bytes());
        match self {
            Message::Hello { version, spaces } => {
                out.push(HELLO);
                out.extend_from_slice(MAGIC);
                out.push(*version);
                out.extend_from_slice(&(spaces.len() as u32).to_le_bytes());
                for s in spaces {
                    out.extend_from_slice(&s.0);
                }
            }
            Message::Reconcile { space, payload } => {
                out.push(RECONCILE);
                out.extend_from_slice(&space.0);
                out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
                out.extend_from_slice(payload);
            }
            Message::Have { space, ids } => {
                out.push(HAVE);
                put_ids(&mut out, space, ids);
            }
            Message::Want { space, ids } => {
                out.push(WANT);
                put_ids(&mut out, space, ids);
            }
            Message::Items { space, left_items, left_bytes, items }
            | Message::Push { space, left_items, left_bytes, items } => {
                out.push(if matches!(self, Message::Push { .. }) { PUSH } else { ITEMS });
                out.extend_from_slice(&space.0);
                out.extend_from_slice(&left_items.to_le_bytes());
                out.extend_from_slice(&left_bytes.to_le_bytes());
                out.extend_from_slice(&(items.len() as u32).to_le_bytes());
                for i in items {
                    out.extend_from_slice(&(i.len() as u32).to_le_bytes());
                    out.extend_from_slice(i);
                }
            }
            Message::Bye => out.push(BYE),
        }
        let len = (out.len() - 4) as u32;
        out[..4].copy_from_slice(&len.to_le_bytes());
        out
    }

    /// Decodes a frame body (what follows the length prefix): its sequence number and message.
    pub fn decode(body: &[u8]) -> Result<(u32, Message), FrameError> {
        if body.len() > MAX_FRAME {
            return Err(FrameError::Oversize);
        }
        let mut r = Reader::new(body, FrameError::Malformed);
        let seq = r.u32()?;
        let msg = match r.u8()? {
            HELLO => {
                if r.take(4)? != MAGIC {
                    return Err(FrameError::Malformed);
                }
                let version = r.u8()?;
                if version != VERSION {
                    return Err(FrameError::UnknownVersion(version));
                }
                let n = count(&mut r, MAX_SPACES)?;
                let spaces = (0..n).map(|_| r.array().map(SpaceId)).collect::<Result<Vec<_>, _>>()?;
                Message::Hello { version, spaces }
            }
            RECONCILE => {
                let space = SpaceId(r.array()?);
                let payload = r.bytes()?;
                if payload.len() > MAX_RECONCILE {
                    return Err(FrameError::Oversize);
                }
                Message::Reconcile { space, payload: payload.to_vec() }
            }
            kind @ (HAVE | WANT) => {
                let space = SpaceId(r.array()?);
                let n = count(&mut r, MAX_IDS)?;
                let ids = (0..n).map(|_| r.array()).collect::<Result<Vec<ItemId>, _>>()?;
                if kind == HAVE {
                    Message::Have { space, ids }
                } else {
                    Message::Want { space, ids }
                }
            }
            kind @ (ITEMS | PUSH) => {
                let space = SpaceId(r.array()?);
                let left_items = r.u32()?;
                let left_bytes = u64::from_le_bytes(r.array()?);
                let n = count(&mut r, MAX_ITEMS)?;
                let mut items = Vec::with_capacity(n.min(1024));
                for _ in 0..n {
                    let b = r.bytes()?;
                    if b.is_empty() {
                        return Err(FrameError::Malformed);
                    }
                    items.push(b.to_vec());
                }
                if kind == ITEMS {
                    Message::Items { space, left_items, left_bytes, items }
                } else {
                    Message::Push { space, left_items, left_bytes, items }
                }
            }
            BYE => Message::Bye,
            _ => return Err(FrameError::Malformed),
        };
        if !r.is_done() {
            return Err(FrameError::Malformed);
        }
        Ok((seq, msg))
    }
}

fn count(r: &mut Reader<'_, FrameError>, max: usize) -> Result<usize, FrameError> {
    let n = r.u32()? as usize;
    if n > max {
        return Err(FrameError::Oversize);
    }
    Ok(n)
}

/// Reads a frame's length prefix; refuses lengths over [`MAX_FRAME`] before reading the body.
pub fn frame_len(prefix: [u8; 4]) -> Result<usize, FrameError> {
    let n = u32::from_le_bytes(prefix) as usize;
    if n > MAX_FRAME {
        return Err(FrameError::Oversize);
    }
    if n < 5 {
        return Err(FrameError::Malformed);
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(m: Message) {
        let f = m.frame(7);
        assert_eq!(frame_len(f[..4].try_into().unwrap()).unwrap(), f.len() - 4);
        assert_eq!(Message::decode(&f[4..]).unwrap(), (7, m));
    }

    #[test]
    fn every_message_round_trips() {
        let s = SpaceId([3; 16]);
        round(Message::Hello { version: VERSION, spaces: vec![s, SpaceId([9; 16])] });
        round(Message::Reconcile { space: s, payload: vec![1, 2, 3] });
        round(Message::Have { space: s, ids: vec![[1; 32], [2; 32]] });
        round(Message::Want { space: s, ids: vec![] });
        round(Message::Items { space: s, left_items: 3, left_bytes: 99, items: vec![vec![1], vec![2, 3]] });
        round(Message::Push { space: s, left_items: 0, left_bytes: 0, items: vec![vec![4]] });
        round(Message::Bye);
    }

    #[test]
    fn unknown_version_and_truncation_are_refused() {
        let mut f = Message::Hello { version: VERSION, spaces: vec![] }.frame(0);
        f[13] = 2;
        assert_eq!(Message::decode(&f[4..]), Err(FrameError::UnknownVersion(2)));
        let f = Message::Have { space: SpaceId([1; 16]), ids: vec![[1; 32]] }.frame(0);
        for cut in 4..f.len() {
            assert!(Message::decode(&f[4..cut]).is_err(), "cut at {cut}");
        }
        assert_eq!(frame_len((MAX_FRAME as u32 + 1).to_le_bytes()), Err(FrameError::Oversize));
    }
}
