//! Carenet's desktop shell: one window, the app's own commands, nothing else.
//!
//! The window is built here rather than in tauri.conf.json so that it can be incognito (no
//! persistent webview storage) and refuse to navigate anywhere but the bundled UI.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod carry;
mod clipboard;
mod commands;
mod files;
mod ipc;
mod ipc_checkins;
mod ipc_indicators;
mod ipc_reprisal;
mod ipc_spaces;
mod qr;
mod settings;
mod spaces;
mod startup;
mod sync;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_carry;
#[cfg(test)]
mod tests_pages;
#[cfg(test)]
mod tests_spaces;
mod webview;

use std::sync::{Arc, Mutex};

use tauri::{Manager, WebviewUrl, WebviewWindowBuilder};

/// Only the bundled UI may be shown: tauri://localhost (Linux, macOS) or http(s)://tauri.localhost.
fn is_bundled_ui(url: &tauri::Url) -> bool {
    match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" => url.host_str() == Some("tauri.localhost"),
        _ => false,
    }
}

/// True when tauri-driver launched the app for an end-to-end test. WebKitGTK refuses automation
/// on an ephemeral (incognito) context, and wry creates incognito contexts with automation off,
/// so under WebDriver the window keeps WebKit's default, persistent storage: the end-to-end
/// canary scan then checks a configuration that could leak more than the incognito one users get.
fn driven_by_webdriver() -> bool {
    std::env::var("TAURI_WEBVIEW_AUTOMATION").as_deref() == Ok("true")
}

fn main() {
    startup::begin();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("CARENET_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let result = tauri::Builder::default()
        .setup(|app| {
            // Before any file dialog exists (WebKit's for attaching, the shell's for saving).
            carry::forget_recent_files();
            let data = app.path().app_data_dir()?;
            let config = app.path().app_config_dir()?;
            let vault = Arc::new(Mutex::new(None));
            app.manage(clipboard::Copied::default());
            app.manage(commands::AppState {
                sync: Arc::new(sync::Sync::new(vault.clone(), None)),
                vault,
                dir: data.join("vault"),
                settings_path: config.join("settings.json"),
            });
            let window = WebviewWindowBuilder::new(app, "main", WebviewUrl::App("index.html".into()))
                .title("Carenet")
                .inner_size(1100.0, 760.0)
                .min_inner_size(640.0, 480.0)
                .incognito(!driven_by_webdriver())
                .on_navigation(is_bundled_ui)
                .build()?;
            webview::tune(&window)?;
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::vault_status,
            clipboard::copy_secret,
            commands::create_vault,
            commands::unlock_vault,
            commands::lock_vault,
            commands::wipe_vault,
            commands::unlock_guard,
            commands::set_unlock_guard,
            commands::change_passphrase,
            commands::list_page,
            commands::search_page,
            commands::get_record,
            commands::save_record,
            commands::delete_record,
            commands::contact_tree,
            commands::link_alert,
            commands::unlink_alert,
            commands::vocabularies,
            commands::check_ins,
            ipc_indicators::indicators,
            carry::export_indicators,
            commands::check_in,
            commands::load_settings,
            commands::save_settings,
            spaces::member_card,
            spaces::card_name,
            spaces::create_space,
            spaces::list_spaces,
            spaces::space_members,
            spaces::invite_member,
            spaces::join_space,
            spaces::remove_member,
            spaces::share_into_space,
            spaces::space_records,
            spaces::share_candidates,
            spaces::space_travel,
            spaces::stow_space,
            spaces::bring_back_space,
            sync::sync_listen,
            sync::sync_with_ticket,
            sync::sync_nearby,
            sync::sync_stop,
            sync::sync_status,
            startup::startup_drawn,
            files::attach_file,
            files::list_files,
            files::read_file,
            files::remove_file,
            carry::export_records,
            carry::save_file_copy,
            carry::export_bundle,
            carry::import_bundle,
            carry::device_age_key,
        ])
        .build(tauri::generate_context!());
    let app = match result {
        Ok(app) => app,
        Err(e) => {
            eprintln!("Carenet could not start its window: {e}. Check that WebKitGTK 4.1 is installed.");
            std::process::exit(1);
        }
    };
    app.run(|handle, event| {
        // A copied ticket does not outlive the app (clipboard.rs).
        if let tauri::RunEvent::ExitRequested { .. } | tauri::RunEvent::Exit = event {
            clipboard::clear_at_exit(handle);
        }
        // Closing the window locks the vault: keys leave memory before the process ends.
        if let tauri::RunEvent::Exit = event {
            if let Some(state) = handle.try_state::<commands::AppState>() {
                tauri::async_runtime::block_on(state.sync.stop());
                let taken = state.vault.lock().unwrap_or_else(|p| p.into_inner()).take();
                if let Some(v) = taken {
                    let _ = v.lock();
                }
            }
        }
    });
}
