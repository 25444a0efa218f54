//! The commands the window may call: one-line adapters over the core `Vault`.
//!
//! Every command is async and runs the (synchronous, SQLite- and scrypt-bound) core on a blocking
//! thread, so the window never freezes; the vault sits in a `Mutex<Option<Vault>>` (None: locked).
//! Passphrases arrive as strings and become `SecretString` at once; nothing secret goes back out.
//!
//! Must never: hold business logic (it belongs in the core), log user content, or return a key.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use carenet::model::vocab;
use carenet::model::{CheckIn as CoreCheckIn, Contact as CoreContact, Note as CoreNote, RecordId};
use carenet::{RecordKind, ReprisalRecord, SecretString, Vault};

use crate::ipc::{self, convert, IpcError, IpcResult};

/// Longest passphrase accepted across IPC, in characters.
pub const MAX_PASSPHRASE: usize = 1024;
/// Longest search text accepted across IPC, in characters.
pub const MAX_QUERY: usize = 500;
/// Most rows one query may select (a whole 10,000-record vault); the window receives them a page
/// at a time through `list_page` and `search_page`.
pub const MAX_ROWS: usize = 10_000;
/// Most rows in one page of `list_page` or `search_page` (the window asks for 100 at a time).
pub const MAX_PAGE: u32 = 500;

/// What the shell keeps between commands.
pub struct AppState {
    /// The unlocked vault, or None while locked.
    pub vault: Arc<Mutex<Option<Vault>>>,
    /// The vault's folder.
    pub dir: PathBuf,
    /// Where the preferences file lives.
    pub settings_path: PathBuf,
    /// The sync node, when the user started one.
    pub sync: Arc<crate::sync::Sync>,
}

pub(crate) type State<'a> = tauri::State<'a, AppState>;

/// Runs `f` on a blocking thread.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> IpcResult<T> + Send + 'static) -> IpcResult<T> {
    tauri::async_runtime::spawn_blocking(f).await.map_err(|_| IpcError::internal())?
}

/// Runs `f` on the unlocked vault, on a blocking thread.
pub(crate) async fn with_vault<T: Send + 'static>(
    state: State<'_>,
    f: impl FnOnce(&mut Vault) -> IpcResult<T> + Send + 'static,
) -> IpcResult<T> {
    let slot = state.vault.clone();
    blocking(move || {
        let mut guard = slot.lock().unwrap_or_else(|p| p.into_inner());
        f(guard.as_mut().ok_or_else(IpcError::locked)?)
    })
    .await
}

fn secret(field: &str, text: String) -> IpcResult<SecretString> {
    if text.chars().count() > MAX_PASSPHRASE {
        return Err(IpcError::too_long(field, MAX_PASSPHRASE));
    }
    Ok(SecretString::from(text))
}

pub(crate) fn id(text: &str) -> IpcResult<RecordId> {
    Ok(text.parse::<RecordId>()?)
}

fn kind(k: ipc::Kind) -> RecordKind {
    match k {
        ipc::Kind::Note => RecordKind::Note,
        ipc::Kind::Contact => RecordKind::Contact,
        ipc::Kind::Reprisal => RecordKind::Reprisal,
        ipc::Kind::CheckIn => RecordKind::CheckIn,
    }
}

fn date(field: &str, text: &Option<String>) -> IpcResult<Option<carenet::model::PartialDate>> {
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) if t.len() > 10 => Err(IpcError::too_long(field, 10)),
        Some(t) => Ok(Some(t.parse()?)),
    }
}

pub(crate) fn query(q: &ipc::QueryInput) -> IpcResult<carenet::Query> {
    if q.text.chars().count() > MAX_QUERY {
        return Err(IpcError::too_long("search text", MAX_QUERY));
    }
    let tag = q.tag.as_deref().map(str::trim).filter(|t| !t.is_empty());
    if let Some(t) = tag {
        carenet::model::check_line("tag", t)?;
    }
    let limit = if q.limit == 0 { MAX_ROWS } else { (q.limit as usize).min(MAX_ROWS) };
    Ok(carenet::Query {
        text: q.text.clone(),
        kind: q.kind.map(kind),
        tag: tag.map(str::to_owned),
        from: date("start date", &q.from)?,
        to: date("end date", &q.to)?,
        limit,
    })
}

/// Whether there is a vault, and whether it is open here or elsewhere.
#[tauri::command]
pub async fn vault_status(state: State<'_>) -> IpcResult<ipc::VaultState> {
    if state.vault.lock().unwrap_or_else(|p| p.into_inner()).is_some() {
        return Ok(ipc::VaultState::Unlocked);
    }
    Ok(match Vault::status(&state.dir)? {
        carenet::LockStatus::NoVault => ipc::VaultState::NoVault,
        carenet::LockStatus::Locked => ipc::VaultState::Locked,
        carenet::LockStatus::OpenElsewhere => ipc::VaultState::OpenElsewhere,
    })
}

/// Creates the vault (about a second of scrypt) and leaves it unlocked.
#[tauri::command]
pub async fn create_vault(state: State<'_>, passphrase: String) -> IpcResult<()> {
    let pass = secret("passphrase", passphrase)?;
    let (slot, dir) = (state.vault.clone(), state.dir.clone());
    blocking(move || {
        let vault = Vault::create(&dir, &pass)?;
        *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(vault);
        Ok(())
    })
    .await
}

/// Unlocks the vault (about a second of scrypt, then every record is decrypted).
#[tauri::command]
pub async fn unlock_vault(state: State<'_>, passphrase: String) -> IpcResult<()> {
    let pass = secret("passphrase", passphrase)?;
    let (slot, dir) = (state.vault.clone(), state.dir.clone());
    blocking(move || {
        let mut guard = slot.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            *guard = Some(Vault::unlock(&dir, &pass)?);
        }
        Ok(())
    })
    .await
}

/// Locks the vault: keys and decrypted records leave memory.
#[tauri::command]
pub async fn lock_vault(app: tauri::AppHandle, state: State<'_>) -> IpcResult<()> {
    crate::clipboard::clear(&app, None);
    crate::carry::close_dialog(&app);
    state.sync.stop().await;
    state.sync.forget();
    let slot = state.vault.clone();
    blocking(move || {
        let taken = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
        match taken {
            Some(v) => Ok(v.lock()?),
            None => Ok(()),
        }
    })
    .await
}

/// Panic wipe: destroys the vault's key files first, then its files, without the passphrase.
/// An unlocked vault is wiped through its own handle, so its keys and records leave memory
/// (zeroized) as its files go; any sync stops first.
#[tauri::command]
pub async fn wipe_vault(app: tauri::AppHandle, state: State<'_>) -> IpcResult<()> {
    crate::clipboard::clear(&app, None);
    crate::carry::close_dialog(&app);
    state.sync.stop().await;
    state.sync.forget();
    let (slot, dir) = (state.vault.clone(), state.dir.clone());
    blocking(move || wipe_in(&slot, &dir)).await
}

/// What `wipe_vault` does once sync has stopped: the open vault in `slot` wipes itself (and
/// leaves the slot empty), or, when locked, the folder `dir` is wiped.
pub(crate) fn wipe_in(slot: &std::sync::Mutex<Option<Vault>>, dir: &std::path::Path) -> IpcResult<()> {
    let taken = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
    match taken {
        Some(v) => v.wipe()?,
        None => carenet::vault::wipe(dir)?,
    };
    Ok(())
}

/// The number of wrong passphrases in a row after which the vault wipes itself, if set.
#[tauri::command]
pub async fn unlock_guard(state: State<'_>) -> IpcResult<Option<u32>> {
    Ok(Vault::wipe_after(&state.dir))
}

/// Sets (3 to 99) or removes (`null`) the wipe after that many wrong passphrases in a row.
#[tauri::command]
pub async fn set_unlock_guard(state: State<'_>, limit: Option<u32>) -> IpcResult<()> {
    with_vault(state, move |v| Ok(v.set_wipe_after(limit)?)).await
}

/// Re-wraps the keyring under a new passphrase.
#[tauri::command]
pub async fn change_passphrase(state: State<'_>, current: String, new: String) -> IpcResult<()> {
    let (current, new) = (secret("current passphrase", current)?, secret("new passphrase", new)?);
    with_vault(state, move |v| Ok(v.change_passphrase(&current, &new)?)).await
}

pub(crate) fn summary(s: &carenet::model::Summary, score: Option<u32>) -> IpcResult<ipc::Summary> {
    let mut out: ipc::Summary = convert(s)?;
    out.score = score;
    Ok(out)
}

/// The number of rows a page asked for over IPC, refused above `MAX_PAGE`.
pub(crate) fn page_size(count: u32) -> IpcResult<usize> {
    if count > MAX_PAGE {
        return Err(IpcError::new("invalid_input", &format!("A page of a list holds at most {MAX_PAGE} rows.")));
    }
    Ok(count as usize)
}

/// One page: `rows`, which the core cut from a list of `total` starting at `offset`.
pub(crate) fn page<T>(
    rows: &[T],
    offset: u32,
    total: usize,
    row: impl Fn(&T) -> IpcResult<ipc::Summary>,
) -> IpcResult<ipc::Page> {
    Ok(ipc::Page {
        total: u32::try_from(total).unwrap_or(u32::MAX),
        offset: offset.min(u32::try_from(total).unwrap_or(u32::MAX)),
        rows: rows.iter().map(row).collect::<IpcResult<_>>()?,
    })
}

/// A page of the records the query lets through, newest first, leaving out `exclude` if given.
/// The core filters and orders references to its summaries; only the page is copied and
/// crosses IPC.
pub(crate) fn list_page_of(
    v: &Vault,
    query: &ipc::QueryInput,
    offset: u32,
    count: u32,
    exclude: Option<&str>,
) -> IpcResult<ipc::Page> {
    let count = page_size(count)?;
    let q = carenet::Query { limit: 0, ..self::query(query)? };
    let exclude = exclude.map(id).transpose()?;
    let (rows, total) = v.list_page(&q, |s| Some(s.id) != exclude, offset as usize, count);
    page(&rows, offset, total, |s| summary(s, None))
}

/// A page of search results, best first.
pub(crate) fn search_page_of(v: &Vault, query: &ipc::QueryInput, offset: u32, count: u32) -> IpcResult<ipc::Page> {
    let count = page_size(count)?;
    let q = carenet::Query { limit: 0, ..self::query(query)? };
    let (hits, total) = v.search_page(&q, offset as usize, count);
    page(&hits, offset, total, |h| summary(&h.summary, Some(h.score)))
}

/// Lists records a page at a time, newest first, with optional filters (and one record left out).
#[tauri::command]
pub async fn list_page(
    state: State<'_>,
    query: ipc::QueryInput,
    offset: u32,
    count: u32,
    exclude: Option<String>,
) -> IpcResult<ipc::Page> {
    with_vault(state, move |v| list_page_of(v, &query, offset, count, exclude.as_deref())).await
}

/// Searches every record (case and accents ignored), best first, a page at a time.
#[tauri::command]
pub async fn search_page(state: State<'_>, query: ipc::QueryInput, offset: u32, count: u32) -> IpcResult<ipc::Page> {
    with_vault(state, move |v| search_page_of(v, &query, offset, count)).await
}

/// Reads one record.
#[tauri::command]
pub async fn get_record(state: State<'_>, id: String) -> IpcResult<ipc::StoredRecord> {
    let rid = self::id(&id)?;
    with_vault(state, move |v| stored(v, &rid)).await
}

fn stored(v: &Vault, id: &RecordId) -> IpcResult<ipc::StoredRecord> {
    let s = v.record(id)?;
    Ok(ipc::StoredRecord {
        id: s.id.to_string(),
        created_ms: s.created_ms,
        updated_ms: s.updated_ms,
        record: convert(&s.value)?,
    })
}

/// Adds a record (no id) or saves an editor's copy of one. With `base`, the record as the editor
/// showed it, only what the editor changed from it is written, so a change that reached the
/// record meanwhile (a sync, the tree screen) stays; without it the record's fields are replaced.
/// Returns the record as stored.
#[tauri::command]
pub async fn save_record(
    state: State<'_>,
    id: Option<String>,
    record: ipc::Record,
    base: Option<ipc::Record>,
) -> IpcResult<ipc::SavedRecord> {
    let rid = id.as_deref().map(self::id).transpose()?;
    with_vault(state, move |v| save_in(v, rid, record, base)).await
}

/// `save_record` on an unlocked vault.
pub(crate) fn save_in(
    v: &mut Vault,
    id: Option<RecordId>,
    record: ipc::Record,
    base: Option<ipc::Record>,
) -> IpcResult<ipc::SavedRecord> {
    let (id, (merged, overwrote)) = match (id, base) {
        (None, Some(_)) => {
            return Err(IpcError::new("invalid_input", "A new record has no earlier version to merge with."))
        }
        (None, None) => (add(v, record)?, (false, false)),
        (Some(id), None) => (replace(v, id, record)?, (false, false)),
        (Some(id), Some(base)) => (id, save_edit(v, id, record, base)?),
    };
    Ok(ipc::SavedRecord { stored: stored(v, &id)?, merged, overwrote })
}

fn add(v: &mut Vault, record: ipc::Record) -> IpcResult<RecordId> {
    Ok(match record {
        ipc::Record::Note(n) => v.add(&convert::<_, CoreNote>(&n)?)?,
        ipc::Record::Contact(c) => v.add(&convert::<_, CoreContact>(&c)?)?,
        ipc::Record::Reprisal(r) => v.add(&convert::<_, ReprisalRecord>(&r)?)?,
        ipc::Record::CheckIn(c) => v.save_check_in(None, convert::<_, CoreCheckIn>(&c)?)?,
    })
}

fn replace(v: &mut Vault, id: RecordId, record: ipc::Record) -> IpcResult<RecordId> {
    fn put<T: carenet::model::RecordType>(v: &mut Vault, id: RecordId, value: T) -> IpcResult<RecordId> {
        Ok(v.update::<T>(&id, |old| *old = value)?.id)
    }
    match record {
        ipc::Record::Note(n) => put(v, id, convert::<_, CoreNote>(&n)?),
        ipc::Record::Contact(c) => put(v, id, convert::<_, CoreContact>(&c)?),
        ipc::Record::Reprisal(r) => put(v, id, convert::<_, ReprisalRecord>(&r)?),
        ipc::Record::CheckIn(c) => Ok(v.save_check_in(Some(&id), convert::<_, CoreCheckIn>(&c)?)?),
    }
}

/// Saves `record` over `base` (see `Vault::save_edit`): whether what is stored now differs from
/// `record`, and whether `record` replaced changes made elsewhere.
fn save_edit(v: &mut Vault, id: RecordId, record: ipc::Record, base: ipc::Record) -> IpcResult<(bool, bool)> {
    fn edit<T: carenet::model::RecordType>(v: &mut Vault, id: RecordId, base: &T, value: T) -> IpcResult<(bool, bool)> {
        let saved = v.save_edit::<T>(&id, base, value)?;
        Ok((saved.merged, saved.overwrote))
    }
    use ipc::Record as R;
    match (record, base) {
        (R::Note(n), R::Note(b)) => edit(v, id, &convert::<_, CoreNote>(&b)?, convert::<_, CoreNote>(&n)?),
        (R::Contact(c), R::Contact(b)) => edit(v, id, &convert::<_, CoreContact>(&b)?, convert::<_, CoreContact>(&c)?),
        (R::Reprisal(r), R::Reprisal(b)) => {
            edit(v, id, &convert::<_, ReprisalRecord>(&b)?, convert::<_, ReprisalRecord>(&r)?)
        }
        (R::CheckIn(c), R::CheckIn(b)) => {
            let saved = v.edit_check_in(&id, &convert::<_, CoreCheckIn>(&b)?, convert::<_, CoreCheckIn>(&c)?)?;
            Ok((saved.merged, saved.overwrote))
        }
        _ => Err(IpcError::new("invalid_input", "The earlier version given is a record of another kind.")),
    }
}

/// Deletes a record (and its links in the contact tree).
#[tauri::command]
pub async fn delete_record(state: State<'_>, id: String) -> IpcResult<()> {
    let rid = self::id(&id)?;
    with_vault(state, move |v| Ok(v.delete(&rid)?)).await
}

/// The contact tree, a page at a time: `count` roots (contacts nobody alerts, by alias) from
/// `offset`, each with who they alert below; only those roots' branches are walked and sent.
#[tauri::command]
pub async fn contact_tree(state: State<'_>, offset: u32, count: u32) -> IpcResult<ipc::TreePage> {
    with_vault(state, move |v| tree_page(v, offset, count)).await
}

/// `count` roots of the contact tree from `offset`, with their branches.
pub(crate) fn tree_page(v: &Vault, offset: u32, count: u32) -> IpcResult<ipc::TreePage> {
    let count = page_size(count)?;
    let roots = v.tree_roots();
    let page = roots.iter().skip(offset as usize).take(count);
    Ok(ipc::TreePage {
        total: u32::try_from(roots.len()).unwrap_or(u32::MAX),
        roots: page.map(|r| Ok(ipc::TreeNode::from(&v.contact_tree(r)?))).collect::<IpcResult<_>>()?,
    })
}

/// `from` alerts `to` (refused if it would make a loop).
#[tauri::command]
pub async fn link_alert(state: State<'_>, from: String, to: String) -> IpcResult<()> {
    let (from, to) = (id(&from)?, id(&to)?);
    with_vault(state, move |v| Ok(v.link_alert(&from, &to)?)).await
}

/// `from` no longer alerts `to`.
#[tauri::command]
pub async fn unlink_alert(state: State<'_>, from: String, to: String) -> IpcResult<()> {
    let (from, to) = (id(&from)?, id(&to)?);
    with_vault(state, move |v| Ok(v.unlink_alert(&from, &to)?)).await
}

fn terms<T: Copy + std::fmt::Display>(all: &[T]) -> Vec<String> {
    all.iter().map(|t| t.to_string()).collect()
}

/// The reprisal vocabularies, for the form's pickers.
#[tauri::command]
pub async fn vocabularies() -> IpcResult<ipc::Vocabularies> {
    Ok(ipc::Vocabularies {
        act_type: terms(vocab::ActType::ALL),
        mechanism: terms(vocab::Mechanism::ALL),
        engagement_form: terms(vocab::EngagementForm::ALL),
        intervention_kind: terms(vocab::InterventionKind::ALL),
        intervention_result: terms(vocab::InterventionResult::ALL),
        source_kind: terms(vocab::SourceKind::ALL),
        perpetrator_type: terms(vocab::PerpetratorType::ALL),
        event_status: terms(vocab::EventStatus::ALL),
        follow_up: terms(vocab::FollowUp::ALL),
    })
}

/// Reads the preferences (defaults when there are none yet).
#[tauri::command]
pub async fn load_settings(state: State<'_>) -> IpcResult<ipc::Settings> {
    Ok(crate::settings::load(&state.settings_path))
}

/// Stores the preferences.
#[tauri::command]
pub async fn save_settings(state: State<'_>, settings: ipc::Settings) -> IpcResult<()> {
    let path = state.settings_path.clone();
    blocking(move || crate::settings::save(&path, &settings)).await
}

/// Every check-in arrangement and where it stands by this device's clock, most urgent first.
#[tauri::command]
pub async fn check_ins(state: State<'_>) -> IpcResult<ipc::CheckInList> {
    with_vault(state, move |v| check_in_list(v, carenet::vault::now_ms())).await
}

pub(crate) fn check_in_list(v: &Vault, now_ms: i64) -> IpcResult<ipc::CheckInList> {
    Ok(ipc::CheckInList { now_ms, rows: convert(&v.check_ins(now_ms))? })
}

/// Checks in now on an arrangement (as the person, or as a watcher noting what they heard).
#[tauri::command]
pub async fn check_in(state: State<'_>, id: String, status: ipc::CheckInStatus, message: String) -> IpcResult<()> {
    with_vault(state, move |v| post_check_in(v, &id, status, &message)).await
}

pub(crate) fn post_check_in(v: &mut Vault, id: &str, status: ipc::CheckInStatus, message: &str) -> IpcResult<()> {
    let rid = self::id(id)?;
    if message.chars().count() > carenet::model::MAX_MESSAGE {
        return Err(IpcError::too_long("check-in message", carenet::model::MAX_MESSAGE));
    }
    v.check_in(&rid, convert(&status)?, message)?;
    Ok(())
}
