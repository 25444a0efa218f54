//! Copying a ticket to the clipboard, and clearing it again: `CLEAR_AFTER` later, when the vault
//! locks and when it is wiped, but only while the clipboard still holds what Carenet put there
//! (something the user copied since is left alone). The clearing lives here in the shell, not in
//! the window, because locking reloads the window and would drop its timers.
//!
//! GTK's own clipboard (the one the window already uses), on the main thread. The text is offered
//! through `set_with_data`, not `set_text`, so GTK does not hand it to a clipboard manager when
//! the app exits; the exit handler clears it too. Clearing looks only at selections this process
//! owns (the clipboard, and X11's primary selection once the ticket's text is selected in the
//! window), so it never waits on another app. Not covered: a clipboard manager, or an app that
//! read the clipboard meanwhile, keeps its copy; GTK's and the window's copies of the text are
//! freed without being wiped.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use tauri::{AppHandle, Manager, Runtime};
use zeroize::Zeroizing;

use crate::ipc::{IpcError, IpcResult};

/// How long a copied ticket stays on the clipboard.
pub const CLEAR_AFTER: Duration = Duration::from_secs(45);

/// The longest text that may be copied (tickets are a few kilobytes).
pub const MAX_COPY: usize = 64 * 1024;

/// What Carenet last put on the clipboard, until it is cleared.
#[derive(Default)]
pub struct Copied {
    /// Numbers copies for the whole run, so that a timer never matches a later copy.
    last: AtomicU64,
    held: Mutex<Option<(u64, Zeroizing<String>)>>,
}

impl Copied {
    /// Remembers `text` as copied; returns its number (each copy restarts the clock).
    fn hold(&self, text: &str) -> u64 {
        let n = self.last.fetch_add(1, Ordering::Relaxed) + 1;
        *self.held.lock().unwrap_or_else(|p| p.into_inner()) = Some((n, Zeroizing::new(text.to_owned())));
        n
    }

    /// Forgets what was copied and returns it: any copy (`only` None), or copy number `only`
    /// if nothing was copied after it.
    fn take(&self, only: Option<u64>) -> Option<Zeroizing<String>> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        match held.as_ref() {
            Some((n, _)) if only.is_none_or(|o| o == *n) => held.take().map(|(_, text)| text),
            _ => None,
        }
    }
}

/// Copies a ticket (or a member card) to the clipboard; returns after how many seconds Carenet
/// clears it again.
#[tauri::command]
pub async fn copy_secret(app: AppHandle, text: String) -> IpcResult<u32> {
    let text = Zeroizing::new(text);
    if cfg!(not(target_os = "linux")) {
        return Err(unavailable());
    }
    if text.is_empty() || text.len() > MAX_COPY {
        return Err(IpcError::new("invalid_input", "There is nothing to copy, or too much: copy a ticket or a card."));
    }
    let n = app.state::<Copied>().hold(&text);
    // Answered once the clipboard holds the text.
    let (done, set) = tokio::sync::oneshot::channel();
    on_main_thread(&app, move || {
        let _ = done.send(set_clipboard(text));
    })?;
    if set.await != Ok(true) {
        app.state::<Copied>().take(Some(n));
        return Err(unavailable());
    }
    let later = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(CLEAR_AFTER).await;
        clear(&later, Some(n));
    });
    Ok(CLEAR_AFTER.as_secs() as u32)
}

/// Clears the clipboard if it still holds what Carenet copied (copy number `only`, or any).
/// Never fails: at worst the clipboard keeps the ticket, as it would without Carenet.
pub fn clear<R: Runtime>(app: &AppHandle<R>, only: Option<u64>) {
    let Some(copied) = app.try_state::<Copied>() else { return };
    let Some(text) = copied.take(only) else { return };
    if on_main_thread(app, move || clear_if_holding(&text)).is_err() {
        tracing::warn!("the clipboard could not be cleared");
    }
}

/// `clear` for the exit handler, which runs on the main thread while nothing queued there will
/// run any more.
pub fn clear_at_exit<R: Runtime>(app: &AppHandle<R>) {
    let Some(copied) = app.try_state::<Copied>() else { return };
    if let Some(text) = copied.take(None) {
        clear_if_holding(&text);
    }
}

fn on_main_thread<R: Runtime>(app: &AppHandle<R>, f: impl FnOnce() + Send + 'static) -> IpcResult<()> {
    app.run_on_main_thread(f).map_err(|_| unavailable())
}

fn unavailable() -> IpcError {
    IpcError::new("clipboard_unavailable", "The clipboard cannot be reached: select the text and copy it by hand.")
}

/// Offers `text` on the clipboard; false if GTK refused.
#[cfg(target_os = "linux")]
fn set_clipboard(text: Zeroizing<String>) -> bool {
    use gtk::{TargetEntry, TargetFlags};
    let targets: Vec<TargetEntry> = ["UTF8_STRING", "text/plain;charset=utf-8", "STRING", "TEXT", "text/plain"]
        .iter()
        .map(|t| TargetEntry::new(t, TargetFlags::empty(), 0))
        .collect();
    let clipboard = gtk::Clipboard::get(&gtk::gdk::SELECTION_CLIPBOARD);
    // GTK keeps the closure (and the text) until the clipboard is cleared or taken by another app.
    clipboard.set_with_data(&targets, move |_, data, _| {
        data.set_text(&text);
    })
}

/// Clears each selection this process owns that holds `text`.
#[cfg(target_os = "linux")]
fn clear_if_holding(text: &str) {
    for atom in [gtk::gdk::SELECTION_CLIPBOARD, gtk::gdk::SELECTION_PRIMARY] {
        // Owned by another app (or nobody): not ours to read or clear.
        if gtk::gdk::selection_owner_get(&atom).is_none() {
            continue;
        }
        let selection = gtk::Clipboard::get(&atom);
        if selection.wait_for_text().is_some_and(|held| held.as_str() == text) {
            selection.clear();
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn set_clipboard(_text: Zeroizing<String>) -> bool {
    false
}

#[cfg(not(target_os = "linux"))]
fn clear_if_holding(_text: &str) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_later_copy_restarts_the_clock_and_lock_takes_any() {
        let c = Copied::default();
        let first = c.hold("ticket one");
        let second = c.hold("ticket two");
        assert_ne!(first, second);
        assert!(c.take(Some(first)).is_none(), "the first copy's timer leaves the second alone");
        assert_eq!(c.take(Some(second)).as_deref().map(String::as_str), Some("ticket two"));
        assert!(c.take(None).is_none(), "cleared once");
        let third = c.hold("ticket three");
        assert!(third > second, "numbers never repeat, so an old timer cannot clear a new copy");
        assert!(c.take(Some(first)).is_none());
        assert_eq!(c.take(None).as_deref().map(String::as_str), Some("ticket three"), "lock clears any copy");
    }
}
