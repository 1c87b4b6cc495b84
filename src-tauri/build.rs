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
        // Scoring screen
        "scoring_overview",
        "scoring_preview",
        "scoring_edit_rule",
        "scoring_check_rule",
        "scoring_apply_thresholds",
        "scoring_explain",
    ]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("failed to read tauri.conf.json or the capability files");
}
