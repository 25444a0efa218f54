//! The preferences file (language, auto-lock minutes): JSON in the app's config folder. It holds
//! no user content, so it is not encrypted, and is readable before the vault is unlocked.

use std::path::Path;

use crate::ipc::{IpcError, IpcResult, Settings};

/// Languages the UI ships.
pub const LANGUAGES: [&str; 6] = ["ar", "en", "es", "fr", "ru", "zh"];
/// Longest auto-lock delay offered, in minutes.
pub const MAX_AUTO_LOCK_MINUTES: u32 = 24 * 60;

/// Reads the preferences; a missing or unreadable file gives the defaults.
pub fn load(path: &Path) -> Settings {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice::<Settings>(&b).ok())
        .filter(|s| check(s).is_ok())
        .unwrap_or_default()
}

/// Checks the values against what the UI offers.
pub fn check(s: &Settings) -> IpcResult<()> {
    if !LANGUAGES.contains(&s.language.as_str()) {
        return Err(IpcError::new("invalid_input", "This language is not available: choose one from the list."));
    }
    if s.auto_lock_minutes > MAX_AUTO_LOCK_MINUTES {
        return Err(IpcError::new("invalid_input", "Auto-lock can wait at most 24 hours (1440 minutes)."));
    }
    Ok(())
}

/// Writes the preferences after checking them.
pub fn save(path: &Path, s: &Settings) -> IpcResult<()> {
    check(s)?;
    let io = |_| IpcError::new("io", "The preferences could not be saved: check that your home folder is writable.");
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let json = serde_json::to_vec_pretty(s).map_err(|_| IpcError::internal())?;
    std::fs::write(path, json).map_err(io)
}
