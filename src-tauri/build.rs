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
        // KPI dashboard exports, drill-down and campaigns.
        "kpi_export_chart",
        "kpi_export_table",
        "kpi_export_sheet",
        "kpi_lead_ids",
        "campaign_list",
        "campaign_save",
        "campaign_delete",
        "campaign_import_spend",
        // Import wizard, import history and export.
        "import_pick_file",
        "import_inspect",
        "import_start",
        "import_status",
        "import_cancel",
        "import_save_errors",
        "import_history",
        "import_undo",
        "import_mappings",
        "import_save_mapping",
        "import_delete_mapping",
        "export_leads",
    ]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("failed to read tauri.conf.json or the capability files");
}
