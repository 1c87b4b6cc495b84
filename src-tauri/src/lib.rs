//! The Leadbench desktop app: window setup, app state and thin commands
//! over the `leadbench` library. No domain logic lives here.

mod board;
mod commands;
mod dialogs;
mod kpi;
mod logging;
mod scoring;
mod state;

use tauri::Manager;

/// Starts the app and blocks until its last window closes.
pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            let log_dir = app.path().app_log_dir()?;
            logging::init(&log_dir);
            let state = state::AppState::load(app.handle())?;
            app.manage(state);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::list_leads,
            commands::load_demo,
            commands::save_settings,
            commands::open_other_database,
            commands::backup_now,
            board::board_summary,
            board::board_column,
            board::board_facets,
            board::board_config,
            board::move_lead,
            board::undo_move,
            board::reorder_column,
            kpi::kpi_report,
            kpi::kpi_chart,
            // Scoring screen
            scoring::scoring_overview,
            scoring::scoring_preview,
            scoring::scoring_edit_rule,
            scoring::scoring_check_rule,
            scoring::scoring_apply_thresholds,
            scoring::scoring_explain,
        ])
        .run(tauri::generate_context!())
        .unwrap_or_else(|error| {
            tracing::error!(%error, "the app stopped with an error");
            eprintln!("Leadbench could not start: {error}");
            std::process::exit(1);
        });
}
