//! The Leadbench desktop app: window setup, app state and thin commands
//! over the `leadbench` library. No domain logic lives here.

mod board;
mod campaigns;
mod commands;
mod dialogs;
mod import;
mod kpi;
mod lead_panel;
mod logging;
mod scoring;
mod state;
// Nurture screen and scheduler.
/// The SMTP password in the operating system's keyring.
pub mod keyring;
mod nurture;
mod opener;
pub mod scheduler;

use std::sync::Arc;

use tauri::Manager;

/// Starts the app and blocks until its last window closes.
pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(leadbench::import::ImportJob::default())
        .setup(|app| {
            let log_dir = app.path().app_log_dir()?;
            logging::init(&log_dir);
            let state = state::AppState::load(app.handle())?;
            let workspace = Arc::clone(&state.workspace);
            app.manage(state);
            let scheduler = Arc::new(scheduler::Scheduler::from_env());
            app.manage(Arc::clone(&scheduler));
            scheduler::start(app.handle().clone(), workspace, scheduler);
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
            // KPI dashboard exports, drill-down and campaigns.
            kpi::kpi_export_chart,
            kpi::kpi_export_table,
            kpi::kpi_export_sheet,
            kpi::kpi_lead_ids,
            campaigns::campaign_list,
            campaigns::campaign_save,
            campaigns::campaign_delete,
            campaigns::campaign_import_spend,
            // Import wizard, import history and export.
            import::import_pick_file,
            import::import_inspect,
            import::import_start,
            import::import_status,
            import::import_cancel,
            import::import_save_errors,
            import::import_history,
            import::import_undo,
            import::import_mappings,
            import::import_save_mapping,
            import::import_delete_mapping,
            import::export_leads,
            // Lead panel, bulk actions, owners and board settings.
            lead_panel::lead_detail,
            lead_panel::update_lead,
            lead_panel::log_activity,
            lead_panel::assign_owner,
            lead_panel::unpin_lead,
            lead_panel::forget_leads,
            lead_panel::move_leads,
            lead_panel::undo_moves,
            lead_panel::list_owners,
            lead_panel::add_owner,
            lead_panel::rename_owner,
            lead_panel::set_owner_active,
            lead_panel::board_assignment,
            lead_panel::save_assignment,
            lead_panel::save_board_config,
            lead_panel::board_sequences,
            lead_panel::board_enrol,
            lead_panel::board_open,
            // Nurture
            nurture::nurture_sequences,
            nurture::nurture_sequence,
            nurture::nurture_presets,
            nurture::nurture_create,
            nurture::nurture_preview_edit,
            nurture::nurture_update,
            nurture::nurture_set_status,
            nurture::nurture_delete,
            nurture::nurture_dry_run,
            nurture::nurture_stats,
            nurture::nurture_enrol,
            nurture::nurture_today,
            nurture::nurture_outbox,
            nurture::nurture_mark_done,
            nurture::nurture_retry,
            nurture::nurture_open_mail,
            nurture::nurture_mail_settings,
            nurture::nurture_save_mail_settings,
            nurture::nurture_test_email,
            nurture::nurture_scheduler_status,
            nurture::nurture_run_now,
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
