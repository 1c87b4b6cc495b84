fn main() {
    // Listing the app's commands makes Tauri generate one permission per
    // command, so the capability file can allow exactly these and no more.
    let manifest = tauri_build::AppManifest::new().commands(&[
        "app_info",
        "list_leads",
        "load_demo",
        "save_settings",
        "open_other_database",
        "backup_now",
        "board_summary",
        "board_column",
        "board_facets",
        "board_config",
        "move_lead",
        "undo_move",
        "reorder_column",
        "kpi_report",
        "kpi_chart",
        // Lead panel, bulk actions, owners and board settings.
        "lead_detail",
        "update_lead",
        "log_activity",
        "assign_owner",
        "unpin_lead",
        "forget_leads",
        "move_leads",
        "undo_moves",
        "list_owners",
        "add_owner",
        "rename_owner",
        "set_owner_active",
        "board_assignment",
        "save_assignment",
        "save_board_config",
        "board_sequences",
        "board_enrol",
        "board_open",
    ]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("failed to read tauri.conf.json or the capability files");
}
