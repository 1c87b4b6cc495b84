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
        // Nurture
        "nurture_sequences",
        "nurture_sequence",
        "nurture_presets",
        "nurture_create",
        "nurture_preview_edit",
        "nurture_update",
        "nurture_set_status",
        "nurture_delete",
        "nurture_dry_run",
        "nurture_stats",
        "nurture_enrol",
        "nurture_today",
        "nurture_outbox",
        "nurture_mark_done",
        "nurture_retry",
        "nurture_mail_settings",
        "nurture_save_mail_settings",
        "nurture_test_email",
        "nurture_scheduler_status",
        "nurture_run_now",
    ]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("failed to read tauri.conf.json or the capability files");
}
