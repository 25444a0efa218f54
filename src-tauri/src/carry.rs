//! Carrying data out of the window and back in: exports of records for a partner or a UN
//! mechanism, a copy of a file kept with a record, and USB bundles of a space. One-line adapters
//! over `carenet::export`, `Vault::read_attachment` and `carenet::bundle`.
//!
//! Where a file goes (or which file comes in) is asked here, in the shell, with GTK's own file
//! dialog on the main thread: the window never names a path, so a page that went wrong cannot
//! write or read anywhere by itself. The dialog's words come from the window (its language).
//!
//! Exports and copies are age-encrypted to a passphrase or to recipients unless the person asks
//! for a readable file; bundles are always encrypted. The names suggested for encrypted files say
//! nothing of what they hold (a file's own name is suggested for a readable copy only).
//!
//! Must never: write a readable file the person did not ask for, log a path or a file's name,
//! leave a partial file (writes are atomic), or import part of a bundle that fails a check.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime};
use ts_rs::TS;

use carenet::archive::Archive;
use carenet::bundle::BundleLock;
use carenet::export::{ExportFormat, ExportOptions, Protection};
use carenet::{SecretString, Vault};

use crate::commands::{with_vault, State, MAX_PASSPHRASE};
use crate::ipc::{IpcError, IpcResult, QueryInput};

/// Most recipients one file may be encrypted to.
pub const MAX_RECIPIENTS: usize = 20;
/// Longest text of a dialog (title, button), in characters.
pub const MAX_DIALOG_TEXT: usize = 400;
/// Largest bundle file read for an import (the bundle's own limit and age's overhead).
const MAX_BUNDLE_FILE: u64 = carenet::bundle::MAX_BUNDLE_LEN + (1 << 20);

/// How a file written out of the vault is protected.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Protect {
    /// age, to a passphrase (scrypt): a bundle is imported with Carenet, an export or a copy is
    /// opened with `age -d`.
    Passphrase { passphrase: String },
    /// age, to these recipients (`age1...`): only their holders can open it.
    Recipients { recipients: Vec<String> },
    /// Not encrypted: anyone who finds the file can read it.
    Readable,
    /// age, to the keys of the bundled space's current members (from its membership log): any
    /// member's device opens it with its own key, no other device can. Bundles only.
    Members,
}

/// The format of an export.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, TS, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Every field, as JSON.
    Json,
    /// One row per record, the fields partners use most.
    Csv,
}

/// The words of a file dialog, in the window's language.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
pub struct DialogText {
    /// The dialog's title.
    pub title: String,
    /// The button that saves or opens.
    pub accept: String,
    /// The button that cancels.
    pub cancel: String,
}

/// A file written (None from a command: the person cancelled the dialog).
#[derive(Clone, Debug, Serialize, Deserialize, TS, PartialEq)]
pub struct Written {
    /// The file's name.
    pub name: String,
    /// The folder it is in.
    pub folder: String,
    /// How many records (export) or items (bundle) it holds; 1 for a file's copy.
    pub count: u32,
    /// Whether it is encrypted.
    pub encrypted: bool,
    /// An export with files: how many files it holds (0 otherwise).
    pub files: u32,
    /// An export with files: files that could not be read (not all of their parts have arrived,
    /// or damaged); `files.json` in the archive lists them.
    pub missing_files: u32,
}

/// What a bundle import brought (None from the command: the person cancelled the dialog).
#[derive(Clone, Debug, Serialize, Deserialize, TS, PartialEq)]
pub struct Imported {
    /// Items this vault did not have.
    pub new_items: u32,
    /// Items it already had.
    pub already_here: u32,
    /// Records that changed.
    pub changed_records: u32,
    /// Records a member deleted for the space.
    pub deleted_records: u32,
}

#[cfg(test)]
pub fn declarations() -> Vec<String> {
    vec![Protect::decl(), Format::decl(), DialogText::decl(), Written::decl(), Imported::decl()]
}

fn secret(text: String) -> IpcResult<SecretString> {
    if text.chars().count() > MAX_PASSPHRASE {
        return Err(IpcError::too_long("passphrase", MAX_PASSPHRASE));
    }
    Ok(SecretString::from(text))
}

fn checked_recipients(list: &[String]) -> IpcResult<Vec<String>> {
    let list: Vec<String> = list.iter().map(|r| r.trim().to_owned()).filter(|r| !r.is_empty()).collect();
    if list.is_empty() {
        return Err(IpcError::new("invalid_input", "Give at least one recipient (a key that starts with age1)."));
    }
    if list.len() > MAX_RECIPIENTS || list.iter().any(|r| r.len() > 100) {
        return Err(IpcError::new(
            "invalid_input",
            &format!("Give at most {MAX_RECIPIENTS} recipients, each a key that starts with age1."),
        ));
    }
    Ok(list)
}

/// The core's protection for a `Protect`, checked (a passphrase strong enough, recipients that
/// parse) before any dialog opens.
pub(crate) fn protection(p: Protect) -> IpcResult<Protection> {
    Ok(match p {
        Protect::Passphrase { passphrase } => {
            let pass = secret(passphrase)?;
            carenet::keyring::check_passphrase_strength(&pass)?;
            Protection::Passphrase(pass)
        }
        Protect::Recipients { recipients } => {
            Protection::Recipients(carenet::export::parse_recipients(&checked_recipients(&recipients)?)?)
        }
        Protect::Readable => Protection::Plaintext,
        Protect::Members => {
            return Err(IpcError::new(
                "invalid_input",
                "Only a bundle of a space can be encrypted to its members: choose a passphrase or a recipient.",
            ))
        }
    })
}

fn bundle_lock(p: Protect) -> IpcResult<BundleLock> {
    match protection(p)? {
        Protection::Passphrase(pass) => Ok(BundleLock::Passphrase(pass)),
        Protection::Recipients(list) => Ok(BundleLock::Recipients(list)),
        Protection::Plaintext => {
            Err(IpcError::new("invalid_input", "A bundle is always encrypted: choose a passphrase or a recipient."))
        }
    }
}

fn today() -> String {
    chrono::Local::now().format("%Y-%m-%d").to_string()
}

/// A file's own name as a suggestion for a readable copy: no folders, no control or invisible
/// format characters (a name synced from someone else could hide its real extension behind a
/// right-to-left override), at most 150 bytes (room for the extension within a file system's 255),
/// not empty.
pub(crate) fn plain_name(name: &str) -> String {
    carenet::archive::safe_file_name(name).unwrap_or_else(|| format!("carenet-file-{}", today()))
}

fn written(path: &std::path::Path, count: usize, encrypted: bool) -> Written {
    Written {
        name: path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        folder: path.parent().map(|p| p.display().to_string()).unwrap_or_default(),
        count: u32::try_from(count).unwrap_or(u32::MAX),
        encrypted,
        files: 0,
        missing_files: 0,
    }
}

fn check_text(t: &DialogText) -> IpcResult<()> {
    for s in [&t.title, &t.accept, &t.cancel] {
        if s.chars().count() > MAX_DIALOG_TEXT {
            return Err(IpcError::too_long("dialog text", MAX_DIALOG_TEXT));
        }
    }
    Ok(())
}

/// Refuses a place inside the vault's own folder: overwriting the keyring or the database there
/// (GTK asks before replacing a file, but a person may say yes) would lose the vault.
pub(crate) fn outside_vault(vault_dir: &Path, chosen: &Path) -> IpcResult<()> {
    let folder = chosen.parent().unwrap_or(chosen);
    let (Ok(folder), Ok(vault)) = (folder.canonicalize(), vault_dir.canonicalize()) else { return Ok(()) };
    if folder.starts_with(&vault) {
        return Err(IpcError::new(
            "inside_vault_folder",
            "Choose a folder outside Carenet's own vault folder: a file written there could replace the vault.",
        ));
    }
    Ok(())
}

/// One file dialog at a time: a second command asking while one is open is refused.
static DIALOG_OPEN: AtomicBool = AtomicBool::new(false);

/// The right to open the file dialog, taken at the start of a command (before it decrypts
/// anything) and given back when the command ends, however it ends.
struct DialogTurn;

impl DialogTurn {
    fn take() -> IpcResult<DialogTurn> {
        if DIALOG_OPEN.swap(true, Ordering::SeqCst) {
            return Err(IpcError::new("dialog_busy", "A file dialog is already open: finish with it first."));
        }
        Ok(DialogTurn)
    }
}

impl Drop for DialogTurn {
    fn drop(&mut self) {
        DIALOG_OPEN.store(false, Ordering::SeqCst);
    }
}

/// What the dialog answered: a place, a cancel (None), or that it could not work.
type Answer = Result<Option<PathBuf>, ()>;

/// Asks where to save (`suggested`: the name offered) or which file to open (None), with GTK's
/// dialog on the main thread, modal to the window. The dialog is shown, not run: the main loop
/// (and other work queued on it, such as clearing the clipboard at lock) goes on meanwhile, and
/// its answer comes back on a channel. Locking or wiping closes it (`close_dialog`), as a cancel.
/// None: cancelled.
async fn ask<R: Runtime>(
    app: &AppHandle<R>,
    _turn: &DialogTurn,
    text: DialogText,
    suggested: Option<String>,
) -> IpcResult<Option<PathBuf>> {
    check_text(&text)?;
    let (tx, rx) = tokio::sync::oneshot::channel::<Answer>();
    let handle = app.clone();
    app.run_on_main_thread(move || show_dialog(&handle, &text, suggested, tx)).map_err(|_| unavailable())?;
    match rx.await {
        Ok(Ok(path)) => Ok(path),
        _ => Err(unavailable()),
    }
}

fn unavailable() -> IpcError {
    IpcError::new("dialog_unavailable", "The file dialog could not be opened: try again, or use the carenet command.")
}

/// The open dialog's chooser and the channel its answer goes to, until it answers.
#[cfg(target_os = "linux")]
type Pending = std::rc::Rc<std::cell::RefCell<Option<(gtk::FileChooserNative, tokio::sync::oneshot::Sender<Answer>)>>>;

#[cfg(target_os = "linux")]
thread_local! {
    /// The dialog open now (main thread only).
    static OPEN_DIALOG: std::cell::RefCell<Option<Pending>> = const { std::cell::RefCell::new(None) };
}

/// Closes the open file dialog, if any, as a cancel: at lock and wipe, so that a dialog left open
/// does not stay over the unlock screen (it names a file for a readable copy and browses the
/// disk). Queued on the main thread.
#[cfg(target_os = "linux")]
pub fn close_dialog<R: Runtime>(app: &AppHandle<R>) {
    use gtk::prelude::*;
    let _ = app.run_on_main_thread(|| {
        let Some(pending) = OPEN_DIALOG.with(|open| open.borrow_mut().take()) else { return };
        let Some((chooser, tx)) = pending.borrow_mut().take() else { return };
        chooser.hide();
        chooser.destroy();
        let _ = tx.send(Ok(None));
    });
}

#[cfg(not(target_os = "linux"))]
pub fn close_dialog<R: Runtime>(_app: &AppHandle<R>) {}

#[cfg(target_os = "linux")]
fn show_dialog<R: Runtime>(
    app: &AppHandle<R>,
    text: &DialogText,
    suggested: Option<String>,
    tx: tokio::sync::oneshot::Sender<Answer>,
) {
    use gtk::prelude::*;
    use std::cell::RefCell;
    use std::rc::Rc;
    use tauri::Manager;
    let parent = app.get_webview_window("main").and_then(|w| w.gtk_window().ok());
    let action = if suggested.is_some() { gtk::FileChooserAction::Save } else { gtk::FileChooserAction::Open };
    let chooser =
        gtk::FileChooserNative::new(Some(&text.title), parent.as_ref(), action, Some(&text.accept), Some(&text.cancel));
    chooser.set_modal(true);
    chooser.set_local_only(true);
    if let Some(name) = suggested {
        chooser.set_do_overwrite_confirmation(true);
        chooser.set_current_folder(gtk::glib::home_dir());
        chooser.set_current_name(&name);
    }
    // The chooser and the sender live in the handler (and in OPEN_DIALOG, for `close_dialog`)
    // until the answer; taking them out then breaks the cycle (chooser -> handler -> chooser),
    // so the chooser is freed.
    let pending: Pending = Rc::new(RefCell::new(Some((chooser.clone(), tx))));
    OPEN_DIALOG.with(|open| *open.borrow_mut() = Some(pending.clone()));
    chooser.connect_response(move |_, response| {
        OPEN_DIALOG.with(|open| open.borrow_mut().take());
        let Some((chooser, tx)) = pending.borrow_mut().take() else { return };
        let answer = if response == gtk::ResponseType::Accept {
            // Accepted without a local path (set_local_only forbids it; say so rather than
            // report a cancel).
            chooser.filename().map(Some).ok_or(())
        } else {
            Ok(None)
        };
        chooser.destroy();
        let _ = tx.send(answer);
    });
    chooser.show();
}

#[cfg(not(target_os = "linux"))]
fn show_dialog<R: Runtime>(
    _app: &AppHandle<R>,
    _text: &DialogText,
    _suggested: Option<String>,
    tx: tokio::sync::oneshot::Sender<Answer>,
) {
    // No dialog is built for this platform yet: an error, not a cancel.
    let _ = tx.send(Err(()));
}

/// Turns GTK's record of recently used files off for the whole process, before any file dialog
/// exists (this one's, and WebKit's own for `<input type=file>`): GTK would otherwise note the
/// full path of a chosen file, an attached piece of evidence included, in
/// ~/.local/share/recently-used.xbel, in clear. Called once on the main thread at start. A dialog
/// run by a desktop portal (Flatpak, `GTK_USE_PORTAL=1`) lives in another process that this does
/// not reach.
#[cfg(target_os = "linux")]
pub fn forget_recent_files() {
    use gtk::prelude::*;
    match gtk::Settings::default() {
        Some(settings) => settings.set_gtk_recent_files_enabled(false),
        None => tracing::warn!("GTK's settings could not be reached: recent files may be recorded"),
    }
}

#[cfg(not(target_os = "linux"))]
pub fn forget_recent_files() {}

/// Runs `f` on a blocking thread, without the vault (encrypting and writing happen there, so a
/// lock or a panic wipe never waits for them).
async fn off_vault<T: Send + 'static>(f: impl FnOnce() -> IpcResult<T> + Send + 'static) -> IpcResult<T> {
    tauri::async_runtime::spawn_blocking(f).await.map_err(|_| IpcError::internal())?
}

/// Encrypts (unless readable) and writes what was read from the vault, off the vault; the bytes
/// are wiped when dropped.
async fn write_out(
    path: PathBuf,
    bytes: zeroize::Zeroizing<Vec<u8>>,
    protection: Protection,
    count: usize,
) -> IpcResult<Option<Written>> {
    off_vault(move || {
        carenet::export::write(&path, &bytes, &protection)?;
        Ok(Some(written(&path, count, !matches!(protection, Protection::Plaintext))))
    })
    .await
}

/// Fails with `vault_locked` when the vault is locked (checked before a dialog opens).
async fn unlocked(state: &State<'_>) -> IpcResult<()> {
    with_vault(state.clone(), |_| Ok(())).await
}

/// This device's age recipient (`age1...`): what a member encrypts a bundle to so that only this
/// device opens it. Public.
#[tauri::command]
pub async fn device_age_key(state: State<'_>) -> IpcResult<String> {
    with_vault(state, |v| Ok(v.age_recipient())).await
}

/// Writes the records a query selects (the search as shown) as JSON or CSV, where the person
/// chooses. Contacts' real names only with `include_real_names`; with `with_files`, one archive
/// with the records' files (`write_archive`). The records are rendered with the vault held;
/// encrypting and writing happen after it is released.
// A command's arguments are its IPC fields, each typed and checked on its own.
#[allow(clippy::too_many_arguments)]
#[tauri::command]
pub async fn export_records<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_>,
    query: QueryInput,
    format: Format,
    include_real_names: bool,
    with_files: bool,
    protect: Protect,
    dialog: DialogText,
) -> IpcResult<Option<Written>> {
    let turn = DialogTurn::take()?;
    let mut query = crate::commands::query(&query)?;
    query.limit = 0;
    let protection = protection(protect)?;
    let encrypted = !matches!(protection, Protection::Plaintext);
    unlocked(&state).await?;
    let (format, ext) = match format {
        Format::Json => (ExportFormat::Json, "json"),
        Format::Csv => (ExportFormat::Csv, "csv"),
    };
    let ext = if with_files { "tar" } else { ext };
    let name = format!("carenet-export-{}.{ext}{}", today(), if encrypted { ".age" } else { "" });
    let Some(path) = ask(&app, &turn, dialog, Some(name)).await? else { return Ok(None) };
    drop(turn);
    outside_vault(&state.dir, &path)?;
    let opts = ExportOptions { format, query, include_sensitive: include_real_names };
    if with_files {
        return export_archive(state, opts, path, protection).await;
    }
    let (bytes, count) = with_vault(state, move |v| Ok(carenet::export::render_counted(v, &opts)?)).await?;
    write_out(path, bytes, protection, count).await
}

/// Writes the indicators of a query (the figures as the screen shows them, with the filter they
/// answer and what they are not) as CSV or JSON where the person chooses; encrypted unless asked
/// otherwise, like an export. Small numbers can point to a person: the window says so.
#[tauri::command]
pub async fn export_indicators<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_>,
    query: crate::ipc_indicators::IndicatorQuery,
    format: Format,
    protect: Protect,
    dialog: DialogText,
) -> IpcResult<Option<Written>> {
    let turn = DialogTurn::take()?;
    let filter = crate::ipc_indicators::filter_of(&query)?;
    let protection = protection(protect)?;
    let encrypted = !matches!(protection, Protection::Plaintext);
    unlocked(&state).await?;
    let ext = match format {
        Format::Json => "json",
        Format::Csv => "csv",
    };
    let name = format!("carenet-indicators-{}.{ext}{}", today(), if encrypted { ".age" } else { "" });
    let Some(path) = ask(&app, &turn, dialog, Some(name)).await? else { return Ok(None) };
    drop(turn);
    outside_vault(&state.dir, &path)?;
    let (bytes, count) =
        with_vault(state, move |v| crate::ipc_indicators::render(v, &filter, format, carenet::vault::now_ms())).await?;
    write_out(path, bytes, protection, count).await
}

/// Runs `f` on the vault under its mutex, or fails with `vault_locked`.
fn on_unlocked<T>(slot: &std::sync::Mutex<Option<Vault>>, f: impl FnOnce(&Vault) -> IpcResult<T>) -> IpcResult<T> {
    let guard = slot.lock().unwrap_or_else(|p| p.into_inner());
    f(guard.as_ref().ok_or_else(IpcError::locked)?)
}

/// An export with the records' files, as one archive (`carenet::archive`), off the async runtime.
async fn export_archive(
    state: State<'_>,
    opts: ExportOptions,
    path: PathBuf,
    protection: Protection,
) -> IpcResult<Option<Written>> {
    let slot = state.vault.clone();
    off_vault(move || write_archive(&slot, &opts, &path, &protection).map(Some)).await
}

/// Writes an export with files. The records and the list of their files are read under the
/// vault's mutex; then each file is read under it in turn and written with the mutex released,
/// so a lock or a panic wipe waits for one file at most, and a vault locked meanwhile stops the
/// export (`vault_locked`), which leaves nothing behind.
pub(crate) fn write_archive(
    slot: &std::sync::Mutex<Option<Vault>>,
    opts: &ExportOptions,
    path: &Path,
    protection: &Protection,
) -> IpcResult<Written> {
    write_archive_with(slot, opts, path, protection, &mut || {})
}

/// [`write_archive`], calling `between` after each file is written (tests lock the vault there).
pub(crate) fn write_archive_with(
    slot: &std::sync::Mutex<Option<Vault>>,
    opts: &ExportOptions,
    path: &Path,
    protection: &Protection,
    between: &mut dyn FnMut(),
) -> IpcResult<Written> {
    let (bytes, files, count) = on_unlocked(slot, |v| {
        let (bytes, ids) = carenet::export::render_selected(v, opts)?;
        Ok((bytes, carenet::archive::files_of(v, &ids), ids.len()))
    })?;
    let mut archive = Archive::create(path, protection)?;
    archive.add_records(opts.format, &bytes)?;
    drop(bytes);
    for (id, file) in files {
        // The mutex is held while one file is read, and released before it is written.
        let read = on_unlocked(slot, |v| Ok(v.read_attachment(&id, &file.id)))?;
        archive.add_read(&id, &file, read)?;
        between();
    }
    // Locked (or wiped) after the last file was read: no export appears either.
    on_unlocked(slot, |_| Ok(()))?;
    let (files, missing) = (archive.files(), archive.missing());
    archive.finish()?;
    let mut done = written(path, count, !matches!(protection, Protection::Plaintext));
    done.files = u32::try_from(files).unwrap_or(u32::MAX);
    done.missing_files = u32::try_from(missing).unwrap_or(u32::MAX);
    Ok(done)
}

/// Writes a copy of a file kept with a record where the person chooses. The file is read and
/// checked against its SHA-256 before the dialog opens (a damaged or missing file fails at once),
/// and read again after it, so a vault locked meanwhile writes nothing; the bytes are wiped from
/// memory once written.
#[tauri::command]
pub async fn save_file_copy<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_>,
    id: String,
    file: String,
    protect: Protect,
    dialog: DialogText,
) -> IpcResult<Option<Written>> {
    let turn = DialogTurn::take()?;
    let rid = crate::commands::id(&id)?;
    crate::files::check_file_id(&file)?;
    let protection = protection(protect)?;
    let encrypted = !matches!(protection, Protection::Plaintext);
    let asked = file.clone();
    let own_name = with_vault(state.clone(), move |v| Ok(v.read_attachment(&rid, &asked)?.attachment.name)).await?;
    let name = if encrypted { format!("carenet-file-{}.age", today()) } else { plain_name(&own_name) };
    let Some(path) = ask(&app, &turn, dialog, Some(name)).await? else { return Ok(None) };
    drop(turn);
    outside_vault(&state.dir, &path)?;
    let bytes = with_vault(state, move |v| Ok(v.read_attachment(&rid, &file)?.bytes)).await?;
    write_out(path, bytes, protection, 1).await
}

/// Writes a USB bundle of a space (every item this vault holds for it), always encrypted, where
/// the person chooses. The items are read with the vault held; encrypting and writing happen
/// after it is released.
#[tauri::command]
pub async fn export_bundle<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_>,
    space: String,
    protect: Protect,
    dialog: DialogText,
) -> IpcResult<Option<Written>> {
    let turn = DialogTurn::take()?;
    // To the members: their keys are read from the space's log with the items, after the dialog,
    // so a removal that arrives while it is open is taken into account.
    let lock = if matches!(protect, Protect::Members) { None } else { Some(bundle_lock(protect)?) };
    let space = with_vault(state.clone(), move |v| {
        let space = v.resolve_space(&space)?;
        // The count an import accepts, checked before the dialog; the size needs the items.
        if v.item_ids(space)?.len() > carenet::vault::MAX_BATCH_ITEMS {
            return Err(too_large());
        }
        Ok(space)
    })
    .await?;
    let name = format!("carenet-bundle-{}.age", today());
    let Some(path) = ask(&app, &turn, dialog, Some(name)).await? else { return Ok(None) };
    drop(turn);
    outside_vault(&state.dir, &path)?;
    let (items, lock) = with_vault(state, move |v| {
        let lock = match lock {
            Some(lock) => lock,
            None => BundleLock::Recipients(v.space_recipients(&space)?),
        };
        Ok((bundle_items(v, space)?, lock))
    })
    .await?;
    off_vault(move || {
        let count = write_bundle(space, &items, &lock, &path)?;
        Ok(Some(written(&path, count, true)))
    })
    .await
}

fn too_large() -> IpcError {
    IpcError::new(
        "bundle_space_too_large",
        "This space holds more than one bundle can carry: sync over the network, or make a bundle of what the other laptop lacks with `carenet bundle export --have`.",
    )
}

/// Every item this vault holds for a space, refused when one bundle cannot carry them (an import
/// takes at most `MAX_BATCH_ITEMS` items and `MAX_BUNDLE_LEN` bytes).
pub(crate) fn bundle_items(v: &Vault, space: carenet::model::SpaceId) -> IpcResult<Vec<Vec<u8>>> {
    let ids = v.item_ids(space)?;
    if ids.len() > carenet::vault::MAX_BATCH_ITEMS {
        return Err(too_large());
    }
    let items = v.items(space, &ids)?;
    if items.iter().map(|i| i.len() as u64 + 4).sum::<u64>() + 64 > carenet::bundle::MAX_BUNDLE_LEN {
        return Err(too_large());
    }
    Ok(items)
}

/// Encrypts and writes a bundle; returns how many items it holds.
pub(crate) fn write_bundle(
    space: carenet::model::SpaceId,
    items: &[Vec<u8>],
    lock: &BundleLock,
    path: &Path,
) -> IpcResult<usize> {
    let bytes = carenet::bundle::write(space, items, lock)?;
    carenet::bundle::save(path, &bytes)?;
    Ok(items.len())
}

/// Imports a USB bundle the person picks: everything in it is verified first, and nothing is
/// imported if any part fails. `passphrase`: for a bundle made with one (empty otherwise). The
/// file is read before the vault is taken.
#[tauri::command]
pub async fn import_bundle<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_>,
    passphrase: String,
    dialog: DialogText,
) -> IpcResult<Option<Imported>> {
    let turn = DialogTurn::take()?;
    let pass = if passphrase.is_empty() { None } else { Some(secret(passphrase)?) };
    unlocked(&state).await?;
    let Some(path) = ask(&app, &turn, dialog, None).await? else { return Ok(None) };
    drop(turn);
    // A passphrase bundle is decrypted (scrypt, about a second) before the vault is taken, so a
    // lock or a panic wipe asked meanwhile does not wait for it. One made for this device's key
    // needs the vault only to unwrap its file key (X25519, quick); its body (up to 1 GiB) is
    // decrypted and checked outside. The vault is held again only to verify and store the items.
    let opened = off_vault(move || open_without_vault(read_bundle_file(&path)?, pass.as_ref())).await?;
    let bundle = match opened {
        Opened::Ready(b) => b,
        Opened::ForThisDevice(bytes) => {
            let sealed = with_vault(state.clone(), move |v| Ok(v.unwrap_bundle(bytes)?)).await?;
            off_vault(move || Ok(sealed.read()?)).await?
        }
    };
    with_vault(state, move |v| Ok(Some(import_opened(v, bundle)?))).await
}

/// A bundle decrypted without the vault, or the bytes of one that needs the vault's key.
pub(crate) enum Opened {
    Ready(carenet::bundle::Bundle),
    ForThisDevice(Vec<u8>),
}

/// Decrypts a passphrase bundle without the vault (see `bundle::read_with_passphrase`); keeps the
/// bytes of one encrypted to devices' keys for `import_opened`.
pub(crate) fn open_without_vault(bytes: Vec<u8>, pass: Option<&SecretString>) -> IpcResult<Opened> {
    Ok(match carenet::bundle::read_with_passphrase(&bytes, pass)? {
        Some(b) => Opened::Ready(b),
        None => Opened::ForThisDevice(bytes),
    })
}

/// A bundle file's bytes, bounded: a file that is not a regular file, or larger than any bundle,
/// is refused before it is read whole.
pub(crate) fn read_bundle_file(path: &Path) -> IpcResult<Vec<u8>> {
    use std::io::Read;
    let io = |e| carenet::Error::io("read", path, e);
    // Looked at before opening: opening a named pipe would wait for a writer forever.
    if !std::fs::metadata(path).map_err(io)?.is_file() {
        return Err(carenet::Error::Bundle(carenet::bundle::BundleProblem::Damaged).into());
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(MAX_BUNDLE_FILE + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > MAX_BUNDLE_FILE {
        return Err(carenet::Error::Bundle(carenet::bundle::BundleProblem::TooLarge).into());
    }
    Ok(bytes)
}

/// Verifies and imports a bundle's bytes, in the command's steps.
#[cfg(test)]
pub(crate) fn import(v: &mut Vault, bytes: &[u8], pass: Option<&SecretString>) -> IpcResult<Imported> {
    let b = match open_without_vault(bytes.to_vec(), pass)? {
        Opened::Ready(b) => b,
        Opened::ForThisDevice(bytes) => v.unwrap_bundle(bytes)?.read()?,
    };
    import_opened(v, b)
}

/// Verifies and imports a decrypted bundle's items.
pub(crate) fn import_opened(v: &mut Vault, b: carenet::bundle::Bundle) -> IpcResult<Imported> {
    let report = v.ingest(b.space, b.items)?;
    let n = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
    Ok(Imported {
        new_items: n(report.ops + report.applied + report.carried),
        already_here: n(report.duplicates),
        changed_records: n(report.changed_records.len()),
        deleted_records: n(report.deleted_records.len()),
    })
}
