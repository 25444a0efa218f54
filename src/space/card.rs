//! Member cards: what a device shows (as text or a QR code) so that a coordinator can add it to a
//! space. A card names the device's Ed25519 key, its age recipient (where space keys are sent)
//! and a display name, and is signed by the device key, so a card cannot pair someone's device
//! key with another party's age recipient.
//!
//! Text form: `carenet-card1:` followed by base64url (no padding) of
//! `"CNMC" | version u8 | device [32] | recipient length u8 | recipient | name length u16 | name | signature [64]`.

use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use crate::error::{Error, Result};
use crate::model::check_line;

const PREFIX: &str = "carenet-card1:";
const MAGIC: &[u8; 4] = b"CNMC";
const VERSION: u8 = 1;
/// Longest card text accepted (bounds hostile input).
pub const MAX_CARD_TEXT: usize = 2048;

/// A device's public card.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct MemberCard {
    /// The device's Ed25519 public key, hex in JSON.
    #[serde(with = "hex::serde")]
    pub device: [u8; 32],
    /// The device's age X25519 recipient (`age1...`).
    pub recipient: String,
    /// The name its owner chose to be shown to others.
    pub name: String,
}

impl MemberCard {
    /// Makes and signs this device's card.
    pub fn sign(device: &SigningKey, recipient: String, name: &str) -> Result<(MemberCard, String)> {
        let name = name.trim().to_owned();
        if name.is_empty() {
            return Err(Error::invalid("Choose a display name for your card (it need not be your real name)."));
        }
        check_line("display name", &name)?;
        let card = MemberCard { device: device.verifying_key().to_bytes(), recipient, name };
        let mut bytes = card.unsigned_bytes();
        bytes.extend_from_slice(&device.sign(&bytes).to_bytes());
        let text = format!("{PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes));
        Ok((card, text))
    }

    fn unsigned_bytes(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(128 + self.name.len());
        b.extend_from_slice(MAGIC);
        b.push(VERSION);
        b.extend_from_slice(&self.device);
        b.push(self.recipient.len() as u8);
        b.extend_from_slice(self.recipient.as_bytes());
        b.extend_from_slice(&(self.name.len() as u16).to_le_bytes());
        b.extend_from_slice(self.name.as_bytes());
        b
    }

    /// Parses and verifies a card's text form.
    pub fn from_text(text: &str) -> Result<MemberCard> {
        let bad = || {
            Error::invalid("This is not a Carenet member card: ask for the card again (it starts with carenet-card1:).")
        };
        let text = text.trim();
        if text.len() > MAX_CARD_TEXT {
            return Err(bad());
        }
        let body = text.strip_prefix(PREFIX).ok_or_else(bad)?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(body).map_err(|_| bad())?;
        if bytes.len() < 4 + 1 + 32 + 1 + 2 + 64 || &bytes[..4] != MAGIC {
            return Err(bad());
        }
        if bytes[4] != VERSION {
            return Err(Error::invalid("This card was made by a newer version of Carenet: update Carenet to use it."));
        }
        let (signed, sig) = bytes.split_at(bytes.len() - 64);
        let mut device = [0u8; 32];
        device.copy_from_slice(&signed[5..37]);
        let rlen = signed[37] as usize;
        let recipient = signed.get(38..38 + rlen).ok_or_else(bad)?;
        let nlen_at = 38 + rlen;
        let nlen = u16::from_le_bytes(signed.get(nlen_at..nlen_at + 2).ok_or_else(bad)?.try_into().map_err(|_| bad())?)
            as usize;
        let name = signed.get(nlen_at + 2..nlen_at + 2 + nlen).ok_or_else(bad)?;
        if nlen_at + 2 + nlen != signed.len() {
            return Err(bad());
        }
        let recipient = std::str::from_utf8(recipient).map_err(|_| bad())?.to_owned();
        recipient.parse::<age::x25519::Recipient>().map_err(|_| bad())?;
        let name = std::str::from_utf8(name).map_err(|_| bad())?.to_owned();
        check_line("display name", &name)?;
        let key = VerifyingKey::from_bytes(&device).map_err(|_| bad())?;
        let sig = Signature::from_slice(sig).map_err(|_| bad())?;
        key.verify_strict(signed, &sig).map_err(|_| {
            Error::invalid("This member card's signature does not match: it was altered. Ask for it again.")
        })?;
        Ok(MemberCard { device, recipient, name })
    }

    /// A short fingerprint of the device key for people to compare aloud (8 groups of 4 hex).
    pub fn fingerprint(&self) -> String {
        let h = blake3::hash(&self.device);
        hex::encode(&h.as_bytes()[..16])
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card() -> (MemberCard, String) {
        let dev = SigningKey::generate(&mut rand::rngs::OsRng);
        let recipient = age::x25519::Identity::generate().to_public().to_string();
        MemberCard::sign(&dev, recipient, "Dana (Minsk)").unwrap()
    }

    #[test]
    fn card_text_round_trips_and_verifies() {
        let (c, text) = card();
        assert!(text.starts_with("carenet-card1:"));
        assert_eq!(MemberCard::from_text(&text).unwrap(), c);
        assert_eq!(c.fingerprint().split(' ').count(), 8);
    }

    #[test]
    fn altered_or_cut_cards_are_refused() {
        let (_, text) = card();
        let body = text.strip_prefix(PREFIX).unwrap();
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(body).unwrap();
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x20;
            let t = format!("{PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&b));
            assert!(MemberCard::from_text(&t).is_err(), "flip at {i} accepted");
        }
        for cut in 0..text.len() {
            assert!(MemberCard::from_text(&text[..cut]).is_err());
        }
        assert!(MemberCard::from_text("carenet-card1:!!!").is_err());
    }
}
