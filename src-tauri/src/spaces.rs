//! The spaces commands: this device's member card, create, list, members, invite by card, join
//! by ticket, remove a member, share a record or a branch of the contact tree, and a space's
//! records. Each `#[tauri::command]` is a one-line adapter over a plain function on `&mut Vault`
//! (tested without a window in `tests_spaces.rs`).
//!
//! Must never: hold business logic (it is in the core's `vault::spaces`), log names or ids.

use carenet::model::SpaceId;
use carenet::space::{self, MemberCard};
use carenet::Vault;

use crate::commands::{page, page_size, summary, with_vault, State};
use crate::ipc::{IpcError, IpcResult, Page, QueryInput};
use crate::ipc_spaces::{MemberCardView, MemberView, Role, Shown, SpaceView, TravelView};

/// Longest space or display name accepted across IPC, in characters.
pub const MAX_NAME: usize = 100;
/// Longest member card accepted across IPC, in bytes.
pub const MAX_CARD: usize = 2048;
/// Longest invite ticket accepted across IPC, in bytes (it carries the space's signed log).
pub const MAX_INVITE: usize = 256 * 1024;

fn name(field: &str, text: &str) -> IpcResult<String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(IpcError::new("invalid_input", &format!("Give a {field}.")));
    }
    if t.chars().count() > MAX_NAME {
        return Err(IpcError::too_long(field, MAX_NAME));
    }
    Ok(t.to_owned())
}

fn bounded(field: &str, text: &str, max: usize) -> IpcResult<String> {
    let t = text.trim();
    if t.len() > max {
        return Err(IpcError::too_long(field, max));
    }
    Ok(t.to_owned())
}

pub(crate) fn space_id(text: &str) -> IpcResult<SpaceId> {
    let mut b = [0u8; 16];
    hex::decode_to_slice(text.trim(), &mut b).map_err(|_| {
        IpcError::new("invalid_input", "That space id is not valid: choose the space again from the list.")
    })?;
    Ok(SpaceId(b))
}

fn device(text: &str) -> IpcResult<[u8; 32]> {
    let mut b = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut b).map_err(|_| {
        IpcError::new("invalid_input", "That device key is not valid: choose the member again from the list.")
    })?;
    Ok(b)
}

/// Text with its QR code.
pub fn shown(text: String) -> Shown {
    let qr = crate::qr::encode(&text);
    Shown { text, qr }
}

fn role_out(r: space::Role) -> Role {
    match r {
        space::Role::Coordinator => Role::Coordinator,
        space::Role::Member => Role::Member,
        space::Role::Courier => Role::Courier,
    }
}

fn role_in(r: Role) -> space::Role {
    match r {
        Role::Coordinator => space::Role::Coordinator,
        Role::Member => space::Role::Member,
        Role::Courier => space::Role::Courier,
    }
}

/// This device's card under `display_name`.
pub fn card(v: &mut Vault, display_name: &str) -> IpcResult<MemberCardView> {
    let chosen = name("display name", display_name)?;
    // Kept (encrypted, in the vault), so the card shows the same name next time and in the CLI,
    // and made this device's name in every space it reads (a no-op where it already is).
    v.set_card_name(&chosen)?;
    let (card, text) = v.member_card(&chosen)?;
    Ok(MemberCardView { card: shown(text), fingerprint: card.fingerprint() })
}

/// The display name kept for this device's card, or none while the user has never chosen one.
pub fn kept_name(v: &Vault) -> Option<String> {
    let name = v.card_name();
    (name != carenet::vault::DEFAULT_CARD_NAME).then(|| name.to_owned())
}

/// Every space held here.
pub fn list(v: &Vault) -> Vec<SpaceView> {
    v.spaces()
        .into_iter()
        .map(|s| SpaceView {
            id: s.id.to_string(),
            name: s.name,
            role: s.role.map(role_out),
            epoch: s.epoch,
            members: s.members as u32,
            carried: s.carried,
            records: s.records as u32,
            stowed: s.stowed,
        })
        .collect()
}

/// A space's members, active and removed.
pub fn members(v: &Vault, space: &str) -> IpcResult<Vec<MemberView>> {
    Ok(v.space_members(&space_id(space)?)?
        .into_iter()
        .map(|m| MemberView {
            device: hex::encode(m.device),
            name: m.name,
            role: role_out(m.role),
            removed: m.removed,
            this_device: m.this_device,
        })
        .collect())
}

/// Adds the device of `card` with `role`; returns the invite ticket to give them.
pub fn invite(v: &mut Vault, space: &str, card: &str, role: Role) -> IpcResult<Shown> {
    let card = MemberCard::from_text(&bounded("member card", card, MAX_CARD)?)?;
    Ok(shown(v.invite(&space_id(space)?, &card, role_in(role))?))
}

/// Rows `offset..offset + count` of the records of a space held here, newest first, and how
/// many there are (a space can hold most of the vault: the window draws it a page at a time).
pub fn records(v: &Vault, space: &str, offset: u32, count: u32) -> IpcResult<Page> {
    let count = page_size(count)?;
    let space = space_id(space)?;
    let (rows, total) =
        v.list_page(&carenet::Query::default(), |s| v.space_of(&s.id) == Some(space), offset as usize, count);
    page(&rows, offset, total, |s| summary(s, None))
}

/// What the share picker offers: records in no space yet (a record is in one space at most)
/// that match `query`, newest first, a page of them and how many there are.
pub fn share_candidates_of(v: &Vault, query: &QueryInput, offset: u32, count: u32) -> IpcResult<Page> {
    let count = page_size(count)?;
    let q = carenet::Query { limit: 0, ..crate::commands::query(query)? };
    let (rows, total) = v.list_page(&q, |s| v.space_of(&s.id).is_none(), offset as usize, count);
    page(&rows, offset, total, |s| summary(s, None))
}

/// Travel mode of a space, with the confirming device's name when it can be read.
pub fn travel(v: &Vault, space: &str) -> IpcResult<TravelView> {
    let space = space_id(space)?;
    let t = v.travel_status(&space)?;
    let held_by_name = t
        .held_by
        .as_ref()
        .and_then(|hex| v.space_members(&space).ok()?.into_iter().find(|m| hex::encode(m.device) == *hex)?.name);
    Ok(TravelView {
        held_by: t.held_by,
        held_by_name,
        held_at_ms: t.held_at_ms,
        can_stow: t.can_stow,
        stowed: t.stowed.is_some(),
        stowed_at_ms: t.stowed.as_ref().map(|s| s.at_ms),
        stowed_records: t.stowed.as_ref().map_or(0, |s| s.records as u32),
        returning: t.stowed.as_ref().is_some_and(|s| s.returning),
    })
}

/// Removes a space's records from this device (refused unless a finished sync confirmed
/// another device holds all of them); returns the new travel state.
pub fn stow(v: &mut Vault, space: &str) -> IpcResult<TravelView> {
    v.stow_space(&space_id(space)?)?;
    travel(v, space)
}

/// Lets the next sync with a member bring a stowed space back.
pub fn bring_back(v: &mut Vault, space: &str) -> IpcResult<TravelView> {
    v.bring_back(&space_id(space)?)?;
    travel(v, space)
}

/// Travel mode of a space.
#[tauri::command]
pub async fn space_travel(state: State<'_>, space: String) -> IpcResult<TravelView> {
    with_vault(state, move |v| travel(v, &space)).await
}

/// Stows a space for travel.
#[tauri::command]
pub async fn stow_space(state: State<'_>, space: String) -> IpcResult<TravelView> {
    with_vault(state, move |v| stow(v, &space)).await
}

/// Asks for a stowed space back at the next sync.
#[tauri::command]
pub async fn bring_back_space(state: State<'_>, space: String) -> IpcResult<TravelView> {
    with_vault(state, move |v| bring_back(v, &space)).await
}

/// This device's member card (text and QR) under the name others will see.
#[tauri::command]
pub async fn member_card(state: State<'_>, display_name: String) -> IpcResult<MemberCardView> {
    with_vault(state, move |v| card(v, &display_name)).await
}

/// The display name kept for this device's card (none until one is chosen), to prefill the form.
#[tauri::command]
pub async fn card_name(state: State<'_>) -> IpcResult<Option<String>> {
    with_vault(state, |v| Ok(kept_name(v))).await
}

/// Creates a space with this device as its coordinator; returns its id.
#[tauri::command]
pub async fn create_space(state: State<'_>, name: String) -> IpcResult<String> {
    with_vault(state, move |v| Ok(v.create_space(&self::name("space name", &name)?)?.to_string())).await
}

/// The spaces this device holds.
#[tauri::command]
pub async fn list_spaces(state: State<'_>) -> IpcResult<Vec<SpaceView>> {
    with_vault(state, |v| Ok(list(v))).await
}

/// A space's members with their roles.
#[tauri::command]
pub async fn space_members(state: State<'_>, space: String) -> IpcResult<Vec<MemberView>> {
    with_vault(state, move |v| members(v, &space)).await
}

/// Adds a member by card; returns the invite ticket (text and QR).
#[tauri::command]
pub async fn invite_member(state: State<'_>, space: String, card: String, role: Role) -> IpcResult<Shown> {
    with_vault(state, move |v| invite(v, &space, &card, role)).await
}

/// Joins a space from an invite ticket made for this device; returns the space id.
#[tauri::command]
pub async fn join_space(state: State<'_>, ticket: String) -> IpcResult<String> {
    with_vault(state, move |v| Ok(v.join(&bounded("invite ticket", &ticket, MAX_INVITE)?)?.to_string())).await
}

/// Removes a member: a new key epoch starts that their device never receives.
#[tauri::command]
pub async fn remove_member(state: State<'_>, space: String, device: String) -> IpcResult<()> {
    with_vault(state, move |v| Ok(v.remove_member(&space_id(&space)?, &self::device(&device)?)?)).await
}

/// Moves a record (or a contact and everyone below it) into a space; returns the ids moved.
#[tauri::command]
pub async fn share_into_space(state: State<'_>, space: String, record: String, branch: bool) -> IpcResult<Vec<String>> {
    with_vault(state, move |v| {
        Ok(v.share(&space_id(&space)?, &crate::commands::id(&record)?, branch)?.iter().map(|r| r.to_string()).collect())
    })
    .await
}

/// The records of a space held here, a page at a time.
#[tauri::command]
pub async fn space_records(state: State<'_>, space: String, offset: u32, count: u32) -> IpcResult<Page> {
    with_vault(state, move |v| records(v, &space, offset, count)).await
}

/// Records that can be shared into a space (in none yet) matching a query, a page at a time.
#[tauri::command]
pub async fn share_candidates(state: State<'_>, query: QueryInput, offset: u32, count: u32) -> IpcResult<Page> {
    with_vault(state, move |v| share_candidates_of(v, &query, offset, count)).await
}
