//! Commands of the import wizard, the import history and the leads export.
//!
//! Inspecting a file and running an import use their own connection to the
//! database file, not the workspace's, so the other screens keep working
//! while a large file is read. The import itself runs on the
//! [`ImportJob`]'s thread; the wizard polls `import_status`.

use std::path::PathBuf;

use leadbench::error::ErrorPayload;
use leadbench::export::{ExportOptions, ExportSummary};
use leadbench::import::history::{self, UndoReport};
use leadbench::import::mapping::{self, SavedMapping};
use leadbench::import::{
    ColumnChoice, ImportJob, ImportKind, ImportRecord, ImportRequest, Inspection, JobStatus,
};
use leadbench::{Database, Error};
use tauri::{AppHandle, State};

use crate::commands::{with_db, CommandResult};
use crate::dialogs;
use crate::state::AppState;

fn payload(error: Error) -> ErrorPayload {
    tracing::warn!(%error, "import command failed");
    ErrorPayload::from(&error)
}

fn database_path(state: &AppState) -> CommandResult<PathBuf> {
    let guard = state.workspace.lock().unwrap_or_else(|p| p.into_inner());
    if guard.db.is_none() {
        return Err(payload(Error::NotFound {
            what: "database".to_owned(),
            id: guard.path.display().to_string(),
        }));
    }
    Ok(guard.path.clone())
}

/// Opens the file dialog for a CSV file and returns its path, or `None`
/// when the user cancels.
#[tauri::command]
pub async fn import_pick_file(app: AppHandle, title: String) -> CommandResult<Option<String>> {
    let filters = vec![
        (
            "CSV".to_string(),
            vec!["csv".to_string(), "txt".to_string(), "tsv".to_string()],
        ),
        ("*".to_string(), vec!["*".to_string()]),
    ];
    let picked = dialogs::pick_file(app, title, filters).await;
    Ok(picked.map(|path| path.display().to_string()))
}

/// Detects the file's format, maps its columns and returns the preview.
// NOTE: each call reads the whole file to decide the date formats. The
// wizard calls it again after every mapping change, so on a file of
// millions of rows each change waits for a full scan that cannot be
// cancelled.
#[tauri::command]
pub async fn import_inspect(
    state: State<'_, AppState>,
    request: ImportRequest,
) -> CommandResult<Inspection> {
    let db_path = database_path(&state)?;
    let joined = tauri::async_runtime::spawn_blocking(move || {
        let db = Database::open(&db_path)?;
        leadbench::import::inspect(db.conn(), &request)
    })
    .await;
    match joined {
        Ok(result) => result.map_err(payload),
        Err(error) => Err(payload(Error::invalid(
            "import",
            "",
            format!("the inspection stopped: {error}"),
        ))),
    }
}

/// Starts an import or dry run in the background.
#[tauri::command]
pub async fn import_start(
    state: State<'_, AppState>,
    job: State<'_, ImportJob>,
    request: ImportRequest,
) -> CommandResult<()> {
    let db_path = database_path(&state)?;
    job.start(db_path, request).map_err(payload)
}

/// Returns the progress or outcome of the background import.
#[tauri::command]
pub fn import_status(job: State<'_, ImportJob>) -> JobStatus {
    job.status()
}

/// Asks the background import to stop; it changes nothing.
#[tauri::command]
pub fn import_cancel(job: State<'_, ImportJob>) {
    job.cancel();
}

/// Writes the rejected rows of the last dry run or import to a CSV file
/// chosen in the save dialog. Returns its path, or `None` when cancelled.
#[tauri::command]
pub async fn import_save_errors(
    app: AppHandle,
    job: State<'_, ImportJob>,
    title: String,
) -> CommandResult<Option<String>> {
    let Some(report) = job.last_report() else {
        return Err(payload(Error::NotFound {
            what: "import report".to_owned(),
            id: "last".to_owned(),
        }));
    };
    let suggested = PathBuf::from("rejected-rows.csv");
    let Some(target) = dialogs::save_file(app, title, &suggested).await else {
        return Ok(None);
    };
    let file = std::fs::File::create(&target).map_err(|source| {
        payload(Error::Io {
            path: target.clone(),
            source,
        })
    })?;
    leadbench::import::write_errors_csv(&report, std::io::BufWriter::new(file)).map_err(payload)?;
    Ok(Some(target.display().to_string()))
}

/// Lists earlier imports, newest first.
#[tauri::command]
pub async fn import_history(state: State<'_, AppState>) -> CommandResult<Vec<ImportRecord>> {
    with_db(&state, |db| history::list(db.conn())).await
}

/// Undoes a whole import, or returns the leads that changed since.
#[tauri::command]
pub async fn import_undo(state: State<'_, AppState>, id: i64) -> CommandResult<UndoReport> {
    with_db(&state, move |db| leadbench::import::undo(db, id)).await
}

/// Lists the saved column mappings.
#[tauri::command]
pub async fn import_mappings(state: State<'_, AppState>) -> CommandResult<Vec<SavedMapping>> {
    with_db(&state, |db| mapping::list_mappings(db.conn())).await
}

/// Saves a column mapping under `name`, replacing one with that name.
#[tauri::command]
pub async fn import_save_mapping(
    state: State<'_, AppState>,
    name: String,
    kind: ImportKind,
    choices: Vec<ColumnChoice>,
) -> CommandResult<()> {
    with_db(&state, move |db| {
        mapping::save_mapping(db.conn(), &name, kind, &choices)
    })
    .await
}

/// Deletes the saved mapping `name`.
#[tauri::command]
pub async fn import_delete_mapping(state: State<'_, AppState>, name: String) -> CommandResult<()> {
    with_db(&state, move |db| mapping::delete_mapping(db.conn(), &name)).await
}

/// Asks where to save and exports the leads matching `options` as CSV.
/// Returns `None` when the dialog was cancelled.
#[tauri::command]
pub async fn export_leads(
    app: AppHandle,
    state: State<'_, AppState>,
    title: String,
    options: ExportOptions,
) -> CommandResult<Option<ExportSummary>> {
    let name = match options.stage {
        Some(stage) => format!("leads-{}.csv", stage.as_str()),
        None => "leads.csv".to_owned(),
    };
    let Some(target) = dialogs::save_file(app, title, &PathBuf::from(name)).await else {
        return Ok(None);
    };
    with_db(&state, move |db| {
        leadbench::export::export_leads(db.conn(), &target, &options).map(Some)
    })
    .await
}
