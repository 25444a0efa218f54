//! This device's member card and the display name it is kept under.
//!
//! The name is the user's choice (it need not be a real name) and is kept, encrypted under the
//! row key, in the `spaces` table under the personal space's id, which no shared space can have
//! (no schema change: an older Carenet sees a space row without a log and shows nothing).
//!
//! Must never: store the name in clear, or list the personal row as a space.

use super::Vault;
use crate::error::{Error, Result};
use crate::model::SpaceId;
use crate::space::MemberCard;

/// The display name of a card whose user never chose one.
pub const DEFAULT_CARD_NAME: &str = "Carenet member";

const CARD_FORMAT: u8 = 1;

fn card_aad(personal: &SpaceId) -> Vec<u8> {
    let mut aad = b"carenet/card-row/v1/".to_vec();
    aad.extend_from_slice(&personal.0);
    aad
}

impl Vault {
    /// Reads the kept display name from its row (called at unlock by `load_spaces`).
    pub(super) fn load_card_name(&mut self, body: &[u8]) -> Result<()> {
        let personal = self.keys.personal_space;
        let plain = self.row_key.open(&card_aad(&personal), body).ok_or_else(|| Error::DatabaseDamaged("the member card row does not decrypt".into()))?;
        match plain.split_first() {
            Some((&CARD_FORMAT, name)) => {
                let name = std::str::from_utf8(name).map_err(|_| Error::DatabaseDamaged("the member card row is unusable".into()))?;
                self.spaces.card_name = Some(name.to_owned());
                Ok(())
            }
            _ => Err(Error::DatabaseDamaged("the member card row is unusable".into())),
        }
    }

    /// The display name this device's card carries (the kept one, or the default).
    pub fn card_name(&self) -> &str {
        self.spaces.card_name.as_deref().unwrap_or(DEFAULT_CARD_NAME)
    }

    /// Sets and keeps the display name of this device's card (checked like any card name).
    /// Cards already given to others keep the old name until a new card is given.
    pub fn set_card_name(&mut self, name: &str) -> Result<()> {
        self.settle()?;
        let (card, _) = self.member_card(name)?;
        let personal = self.keys.personal_space;
        let mut plain = zeroize::Zeroizing::new(vec![CARD_FORMAT]);
        plain.extend_from_slice(card.name.as_bytes());
        let body = self.row_key.seal(&card_aad(&personal), &plain);
        self.store.save_space(&personal.0, Some(&body), &[])?;
        self.spaces.card_name = Some(card.name);
        Ok(())
    }

    /// This device's member card under its kept display name (text form on the side).
    pub fn card(&self) -> Result<(MemberCard, String)> {
        self.member_card(self.card_name())
    }
}
