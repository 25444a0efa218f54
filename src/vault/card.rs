//! This device's member card and the display name it is kept under, and that name in every
//! space the device reads: setting the card's name signs a `Name` operation (sealed under the
//! space's current key) in each space where this device's name differs, so members see the new
//! name after their next sync. Cards already given keep the old name.
//!
//! The name is the user's choice (it need not be a real name) and is kept, encrypted under the
//! row key, in the `spaces` table under the personal space's id, which no shared space can have
//! (no schema change: an older Carenet sees a space row without a log and shows nothing).
//!
//! Must never: store the name in clear, or list the personal row as a space.

use super::Vault;
use crate::error::{Error, Result};
use crate::model::SpaceId;
use crate::space::{self, MemberCard};

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
        let plain = self
            .row_key
            .open(&card_aad(&personal), body)
            .ok_or_else(|| Error::DatabaseDamaged("the member card row does not decrypt".into()))?;
        match plain.split_first() {
            Some((&CARD_FORMAT, name)) => {
                let name = std::str::from_utf8(name)
                    .map_err(|_| Error::DatabaseDamaged("the member card row is unusable".into()))?;
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

    /// Sets and keeps the display name of this device's card (checked like any card name), and
    /// makes it this device's name in every space it reads (a signed `Name` operation per space
    /// where the name differs; none where it already matches). Returns how many spaces got one.
    /// Cards already given to others keep the old name until a new card is given.
    pub fn set_card_name(&mut self, name: &str) -> Result<usize> {
        self.settle()?;
        let (card, _) = self.member_card(name)?;
        if self.spaces.card_name.as_deref() != Some(card.name.as_str()) {
            let personal = self.keys.personal_space;
            let mut plain = zeroize::Zeroizing::new(vec![CARD_FORMAT]);
            plain.extend_from_slice(card.name.as_bytes());
            let body = self.row_key.seal(&card_aad(&personal), &plain);
            self.store.save_space(&personal.0, Some(&body), &[])?;
            self.spaces.card_name = Some(card.name);
        }
        let spaces: Vec<SpaceId> = self.spaces.entries.keys().copied().collect();
        let mut named = 0;
        for space in spaces {
            named += usize::from(self.name_me_in(space)?);
        }
        Ok(named)
    }

    /// Signs this device's card name into `space` when the user has chosen one, the device
    /// reads the space and its name there differs (or was never set); true when an operation
    /// was written.
    pub(super) fn name_me_in(&mut self, space: SpaceId) -> Result<bool> {
        let Some(wanted) = self.spaces.card_name.clone() else { return Ok(false) };
        let me = self.keys.device_public();
        let entry = self.entry(&space)?;
        let Some(state) = entry.state.as_ref() else { return Ok(false) };
        let Some(member) = state.members.get(&me).filter(|m| !m.removed && m.role.reads()) else { return Ok(false) };
        if !entry.keys.contains_key(&state.epoch) {
            return Ok(false);
        }
        if space::member_name(space, &entry.keys, member).as_deref() == Some(wanted.as_str()) {
            return Ok(false);
        }
        let op = space::set_name(&self.keys.device, state, &entry.keys, &wanted)?;
        self.save_own_ops(space, vec![op])?;
        Ok(true)
    }

    /// This device's member card under its kept display name (text form on the side).
    pub fn card(&self) -> Result<(MemberCard, String)> {
        self.member_card(self.card_name())
    }
}
