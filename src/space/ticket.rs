//! Invite tickets: the text a coordinator hands to a new member (or courier) so that it can join
//! a space. A ticket carries the space's signed membership operations so far, including the one
//! that adds the invitee with its key envelopes; it holds no key in clear (envelopes are
//! encrypted to the invitee's age recipient) and nothing that is not already signed.
//!
//! Text form: `carenet-invite1:` followed by base64url (no padding) of
//! `"CNIV" | version u8 | space [16] | invitee device [32] | op count u32 | (length u32 | op)*`.

use base64::Engine;

use super::log::{DeviceKey, MAX_OP_LEN};
use super::SpaceOp;
use crate::error::{Error, Result};
use crate::model::SpaceId;

const PREFIX: &str = "carenet-invite1:";
const MAGIC: &[u8; 4] = b"CNIV";
const VERSION: u8 = 1;
/// Longest ticket text accepted.
pub const MAX_TICKET_TEXT: usize = 8 * 1024 * 1024;
const MAX_OPS: u32 = 100_000;

/// A decoded ticket: the space, who it invites, and the verified operations.
pub struct Ticket {
    /// The space.
    pub space: SpaceId,
    /// The invited device.
    pub invitee: DeviceKey,
    /// The space's operations (each signature-checked).
    pub ops: Vec<SpaceOp>,
}

/// Writes a ticket's text.
pub fn encode(space: SpaceId, invitee: &DeviceKey, ops: &[SpaceOp]) -> String {
    let mut b = Vec::with_capacity(64 + ops.iter().map(|o| o.as_bytes().len() + 4).sum::<usize>());
    b.extend_from_slice(MAGIC);
    b.push(VERSION);
    b.extend_from_slice(&space.0);
    b.extend_from_slice(invitee);
    b.extend_from_slice(&(ops.len() as u32).to_le_bytes());
    for op in ops {
        b.extend_from_slice(&(op.as_bytes().len() as u32).to_le_bytes());
        b.extend_from_slice(op.as_bytes());
    }
    format!("{PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b))
}

/// Parses a ticket and verifies every operation in it; never panics.
pub fn decode(text: &str) -> Result<Ticket> {
    let bad = || {
        Error::invalid("This is not a Carenet invite ticket, or it was cut or changed: ask for it again (it starts with carenet-invite1:).")
    };
    let text = text.trim();
    if text.len() > MAX_TICKET_TEXT {
        return Err(bad());
    }
    let body = text.strip_prefix(PREFIX).ok_or_else(bad)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(body).map_err(|_| bad())?;
    let mut r = crate::wire::Reader::new(&bytes, ());
    if r.take(4).map_err(|_| bad())? != MAGIC {
        return Err(bad());
    }
    let version = r.u8().map_err(|_| bad())?;
    if version != VERSION {
        return Err(Error::invalid(
            "This invite ticket was made by a newer version of Carenet: update Carenet to use it.",
        ));
    }
    let space = SpaceId(r.array().map_err(|_| bad())?);
    let invitee: DeviceKey = r.array().map_err(|_| bad())?;
    let n = r.u32().map_err(|_| bad())?;
    if n == 0 || n > MAX_OPS {
        return Err(bad());
    }
    let mut ops = Vec::with_capacity(n.min(1024) as usize);
    for _ in 0..n {
        let op = r.bytes().map_err(|_| bad())?;
        if op.len() > MAX_OP_LEN {
            return Err(bad());
        }
        let op = SpaceOp::decode(op).map_err(|e| match e {
            super::log::OpError::UnknownVersion(_) => {
                Error::invalid("This invite ticket holds a space operation made by a newer version of Carenet: update Carenet to join.")
            }
            _ => bad(),
        })?;
        if op.space != space {
            return Err(bad());
        }
        ops.push(op);
    }
    if !r.is_done() {
        return Err(bad());
    }
    // The invitee field is not signed: it must name a device that the signed operations make a
    // member (an addition, or the creation by that device), so a ticket changed in transit is
    // refused here rather than at join.
    let named = |op: &SpaceOp| match &op.body {
        super::OpBody::Add { member, .. } => *member == invitee,
        super::OpBody::Create { .. } => op.author == invitee,
        _ => false,
    };
    if !ops.iter().any(named) {
        return Err(bad());
    }
    Ok(Ticket { space, invitee, ops })
}
