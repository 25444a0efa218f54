//! Declares the app's own commands to the permission system, so each one must be allowed by a
//! capability (capabilities/main.json) before the window can call it.

/// Every command the shell exposes; capabilities/main.json allows each by name.
const COMMANDS: &[&str] = &[
    "vault_status",
    "create_vault",
    "unlock_vault",
    "lock_vault",
    "wipe_vault",
    "unlock_guard",
    "set_unlock_guard",
    "change_passphrase",
    "list_page",
    "search_page",
    "get_record",
    "save_record",
    "delete_record",
    "contact_tree",
    "link_alert",
    "unlink_alert",
    "vocabularies",
    "check_ins",
    "indicators",
    "export_indicators",
    "check_in",
    "load_settings",
    "save_settings",
    "member_card",
    "card_name",
    "create_space",
    "list_spaces",
    "space_members",
    "invite_member",
    "join_space",
    "remove_member",
    "share_into_space",
    "space_records",
    "share_candidates",
    "space_travel",
    "stow_space",
    "bring_back_space",
    "sync_listen",
    "sync_with_ticket",
    "sync_nearby",
    "sync_stop",
    "sync_status",
    "startup_drawn",
    "copy_secret",
    "attach_file",
    "list_files",
    "read_file",
    "remove_file",
    "export_records",
    "save_file_copy",
    "export_bundle",
    "import_bundle",
    "device_age_key",
];

fn main() {
    let attributes = tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        eprintln!("tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}
