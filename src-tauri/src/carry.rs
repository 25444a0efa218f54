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

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime};
use ts_rs::TS;

use carenet::bundle::BundleLock;
use carenet::export::{ExportFormat, ExportOptions, Protection};
use carenet::{SecretString, Vault};

use crate::commands::{with_vault, State, MAX_PASSPHRASE};
use crate::ipc::{IpcError, IpcResult, QueryInput};

/// Most recipients one file may be encrypted to.
pub const MAX_RECIPIENTS: usize = 20;
/// Longest text of a dialog (title, button), in characters.
pub const MAX_DIALOG_TEXT: usize = 200;
/// Largest bundle file read for an import (the bundle's own limit and age's overhead).
const MAX_BUNDLE_FILE: u64 = carenet::bundle::MAX_BUNDLE_LEN + (1 << 20);

/// How a file written out of the vault is protected.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Protect {
    /// age, to a passphrase (scrypt): open with Carenet or `age -d`.
    Passphrase { passphrase: String },
    /// age, to these recipients (`age1...`): only their holders can open it.
    Recipients { recipients: Vec<String> },
    /// Not encrypted: anyone who finds the file can read it.
    Readable,
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

/// A file's own name as a suggestion: no folders, no control characters, not empty.
fn plain_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| if c == '/' || c == '\\' || c.is_control() { '_' } else { c })
        .collect::<String>()
        .trim()
        .trim_start_matches('.')
        .chars()
        .take(120)
        .collect();
    if clean.is_empty() {
        format!("carenet-file-{}", today())
    } else {
        clean
    }
}

fn written(path: &std::path::Path, count: usize, encrypted: bool) -> Written {
    Written {
        name: path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        folder: path.parent().map(|p| p.display().to_string()).unwrap_or_default(),
        count: u32::try_from(count).unwrap_or(u32::MAX),
        encrypted,
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

/// Asks where to save (`suggested`: the name offered) or which file to open (None), with GTK's
/// dialog on the main thread, modal to the window. None: cancelled.
async fn ask<R: Runtime>(
    app: &AppHandle<R>,
    text: DialogText,
    suggested: Option<String>,
) -> IpcResult<Option<PathBuf>> {
    check_text(&text)?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let handle = app.clone();
    app.run_on_main_thread(move || {
        let _ = tx.send(dialog(&handle, &text, suggested));
    })
    .map_err(|_| unavailable())?;
    rx.await.map_err(|_| unavailable())
}

fn unavailable() -> IpcError {
    IpcError::new("dialog_unavailable", "The file dialog could not be opened: try again, or use the carenet command.")
}

#[cfg(target_os = "linux")]
fn dialog<R: Runtime>(app: &AppHandle<R>, text: &DialogText, suggested: Option<String>) -> Option<PathBuf> {
    use gtk::prelude::*;
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
    // GTK would otherwise note the chosen file in ~/.local/share/recently-used.xbel, in clear.
    if let Some(settings) = gtk::Settings::default() {
        settings.set_gtk_recent_files_enabled(false);
        settings.set_gtk_recent_files_max_age(0);
    }
    let answer = chooser.run();
    let path = if answer == gtk::ResponseType::Accept { chooser.filename() } else { None };
    chooser.destroy();
    path
}

#[cfg(not(target_os = "linux"))]
fn dialog<R: Runtime>(_app: &AppHandle<R>, _text: &DialogText, _suggested: Option<String>) -> Option<PathBuf> {
    None
}

/// Writes the records a query selects (the list's current filter) as JSON or CSV, where the
/// person chooses. Contacts' real names only with `include_real_names`.
#[tauri::command]
pub async fn export_records<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_>,
    query: QueryInput,
    format: Format,
    include_real_names: bool,
    protect: Protect,
    dialog: DialogText,
) -> IpcResult<Option<Written>> {
    let mut query = crate::commands::query(&query)?;
    query.limit = 0;
    let protection = protection(protect)?;
    let encrypted = !matches!(protection, Protection::Plaintext);
    let ext = match format {
        Format::Json => "json",
        Format::Csv => "csv",
    };
    let name = format!("carenet-export-{}.{ext}{}", today(), if encrypted { ".age" } else { "" });
    let Some(path) = ask(&app, dialog, Some(name)).await? else { return Ok(None) };
    let format = match format {
        Format::Json => ExportFormat::Json,
        Format::Csv => ExportFormat::Csv,
    };
    with_vault(state, move |v| {
        let count = write_export(v, &path, query, format, include_real_names, &protection)?;
        Ok(Some(written(&path, count, encrypted)))
    })
    .await
}

/// Renders and writes an export; returns how many records it holds.
pub(crate) fn write_export(
    v: &Vault,
    path: &std::path::Path,
    query: carenet::Query,
    format: ExportFormat,
    include_sensitive: bool,
    protection: &Protection,
) -> IpcResult<usize> {
    let count = v.list(&query).len();
    let bytes = carenet::export::render(v, &ExportOptions { format, query, include_sensitive })?;
    carenet::export::write(path, &bytes, protection)?;
    Ok(count)
}

/// Writes a copy of a file kept with a record where the person chooses. The bytes are read and
/// checked against the file's SHA-256 before the dialog opens, so a damaged or missing file fails
/// at once; they are wiped from memory once written.
#[tauri::command]
pub async fn save_file_copy<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_>,
    id: String,
    file: String,
    protect: Protect,
    dialog: DialogText,
) -> IpcResult<Option<Written>> {
    let rid = crate::commands::id(&id)?;
    crate::files::check_file_id(&file)?;
    let protection = protection(protect)?;
    let encrypted = !matches!(protection, Protection::Plaintext);
    let (own_name, bytes) = with_vault(state, move |v| {
        let read = v.read_attachment(&rid, &file)?;
        Ok((read.attachment.name, read.bytes))
    })
    .await?;
    let name = if encrypted { format!("carenet-file-{}.age", today()) } else { plain_name(&own_name) };
    let Some(path) = ask(&app, dialog, Some(name)).await? else { return Ok(None) };
    tauri::async_runtime::spawn_blocking(move || -> IpcResult<Option<Written>> {
        carenet::export::write(&path, &bytes, &protection)?;
        Ok(Some(written(&path, 1, encrypted)))
    })
    .await
    .map_err(|_| IpcError::internal())?
}

/// Writes a USB bundle of a space (every item this vault holds for it), always encrypted, where
/// the person chooses.
#[tauri::command]
pub async fn export_bundle<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_>,
    space: String,
    protect: Protect,
    dialog: DialogText,
) -> IpcResult<Option<Written>> {
    let lock = bundle_lock(protect)?;
    let name = format!("carenet-bundle-{}.age", today());
    let Some(path) = ask(&app, dialog, Some(name)).await? else { return Ok(None) };
    with_vault(state, move |v| {
        let count = write_bundle(v, &space, &lock, &path)?;
        Ok(Some(written(&path, count, true)))
    })
    .await
}

/// Writes a space's bundle; returns how many items it holds.
pub(crate) fn write_bundle(v: &Vault, space: &str, lock: &BundleLock, path: &std::path::Path) -> IpcResult<usize> {
    let space = v.resolve_space(space)?;
    let ids = v.item_ids(space)?;
    let items = v.items(space, &ids)?;
    let bytes = carenet::bundle::write(space, &items, lock)?;
    carenet::bundle::save(path, &bytes)?;
    Ok(items.len())
}

/// Imports a USB bundle the person picks: everything in it is verified first, and nothing is
/// imported if any part fails. `passphrase`: for a bundle made with one (empty otherwise).
#[tauri::command]
pub async fn import_bundle<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_>,
    passphrase: String,
    dialog: DialogText,
) -> IpcResult<Option<Imported>> {
    let pass = if passphrase.is_empty() { None } else { Some(secret(passphrase)?) };
    let Some(path) = ask(&app, dialog, None).await? else { return Ok(None) };
    with_vault(state, move |v| Ok(Some(read_bundle(v, &path, pass.as_ref())?))).await
}

/// Reads, verifies and imports a bundle file.
pub(crate) fn read_bundle(v: &mut Vault, path: &std::path::Path, pass: Option<&SecretString>) -> IpcResult<Imported> {
    use std::io::Read;
    let io = |e| carenet::Error::io("read", path, e);
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(MAX_BUNDLE_FILE + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > MAX_BUNDLE_FILE {
        return Err(carenet::Error::Bundle(carenet::bundle::BundleProblem::TooLarge).into());
    }
    let b = v.open_bundle(&bytes, pass)?;
    let report = v.ingest(b.space, b.items)?;
    let n = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
    Ok(Imported {
        new_items: n(report.ops + report.applied + report.carried),
        already_here: n(report.duplicates),
        changed_records: n(report.changed_records.len()),
        deleted_records: n(report.deleted_records.len()),
    })
}
