//! Files kept with notes and reprisal records: one-line adapters over `Vault::attach`,
//! `read_attachment` and `detach`.
//!
//! A file's bytes cross IPC raw, never as JSON: `attach_file` takes them as the request's body
//! (the record, name, media type and capture time in headers, the name percent-encoded), and
//! `read_file` answers with them as an ArrayBuffer. The window shows an image or a text from
//! memory (a `data:` URL, a decoded string); nothing is written to disk, and the webview keeps
//! no copy once the view closes (it runs with incognito storage).
//!
//! Must never: write a file's bytes anywhere, log a file's name or content.

use percent_encoding::percent_decode_str;
use tauri::ipc::{InvokeBody, Request, Response};

use carenet::model::attachment::MAX_ATTACHMENT_BYTES;
use carenet::model::Attachment as CoreAttachment;
use carenet::vault::NewFile;
use carenet::Vault;

use crate::commands::{with_vault, State};
use crate::ipc::{self, convert, IpcError, IpcResult};

fn header<'a>(request: &'a Request<'_>, name: &str) -> IpcResult<Option<&'a str>> {
    match request.headers().get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(Some)
            .map_err(|_| IpcError::new("invalid_input", "A file's details could not be read; choose the file again.")),
    }
}

/// What `attach_file` reads from a request, checked.
pub(crate) struct Upload {
    pub record: carenet::model::RecordId,
    pub name: String,
    pub media_type: String,
    pub captured_ms: Option<i64>,
}

pub(crate) fn upload_of(request: &Request<'_>) -> IpcResult<Upload> {
    let record = crate::commands::id(header(request, "x-carenet-record")?.unwrap_or(""))?;
    let name = percent_decode_str(header(request, "x-carenet-name")?.unwrap_or(""))
        .decode_utf8()
        .map_err(|_| IpcError::new("invalid_input", "The file name could not be read; rename the file and try again."))?
        .into_owned();
    let media_type = header(request, "x-carenet-type")?.unwrap_or("").to_owned();
    let captured_ms = match header(request, "x-carenet-captured")? {
        None | Some("") => None,
        Some(t) => Some(
            t.parse::<i64>()
                .map_err(|_| IpcError::new("invalid_input", "The capture time could not be read; set it again."))?,
        ),
    };
    Ok(Upload { record, name, media_type, captured_ms })
}

/// Attaches the request's body to a note or a reprisal record; returns the record's files.
#[tauri::command]
pub async fn attach_file(state: State<'_>, request: Request<'_>) -> IpcResult<Vec<ipc::FileEntry>> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(IpcError::new("invalid_input", "No file arrived; choose the file again."));
    };
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(IpcError::new(
            "invalid_input",
            &format!("The file is too large: Carenet keeps files up to {} MB.", MAX_ATTACHMENT_BYTES / (1024 * 1024)),
        ));
    }
    let up = upload_of(&request)?;
    let bytes = zeroize::Zeroizing::new(bytes.clone());
    with_vault(state, move |v| {
        let file = NewFile { name: &up.name, media_type: &up.media_type, bytes: &bytes, captured_ms: up.captured_ms };
        v.attach(&up.record, &file)?;
        entries(v, &up.record)
    })
    .await
}

/// A record's files, each with who vouches for it.
#[tauri::command]
pub async fn list_files(state: State<'_>, id: String) -> IpcResult<Vec<ipc::FileEntry>> {
    let rid = crate::commands::id(&id)?;
    with_vault(state, move |v| entries(v, &rid)).await
}

pub(crate) fn entries(v: &Vault, id: &carenet::model::RecordId) -> IpcResult<Vec<ipc::FileEntry>> {
    let record = v.record(id)?.value;
    let list: Vec<CoreAttachment> = record.attachments().to_vec();
    list.iter()
        .map(|a| {
            let s = v.signer_of(id, a);
            Ok(ipc::FileEntry {
                file: convert(a)?,
                signature_valid: s.valid,
                this_device: s.this_device,
                signer_name: s.name,
            })
        })
        .collect()
}

/// A file's bytes, checked against the SHA-256 its record holds (an ArrayBuffer in the window).
#[tauri::command]
pub async fn read_file(state: State<'_>, id: String, file: String) -> IpcResult<Response> {
    let rid = crate::commands::id(&id)?;
    check_file_id(&file)?;
    with_vault(state, move |v| {
        let read = v.read_attachment(&rid, &file)?;
        Ok(Response::new(read.bytes.to_vec()))
    })
    .await
}

/// Removes a file from its record and erases it from this vault; returns the record's files.
#[tauri::command]
pub async fn remove_file(state: State<'_>, id: String, file: String) -> IpcResult<Vec<ipc::FileEntry>> {
    let rid = crate::commands::id(&id)?;
    check_file_id(&file)?;
    with_vault(state, move |v| {
        v.detach(&rid, &file)?;
        entries(v, &rid)
    })
    .await
}

pub(crate) fn check_file_id(file: &str) -> IpcResult<()> {
    if file.len() == 32 && file.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(IpcError::new("invalid_input", "That is not a file's id (32 hex digits)."))
    }
}
