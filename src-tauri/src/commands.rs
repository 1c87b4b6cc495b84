//! IPC commands. Each one fetches the state, runs the library call on a
//! blocking thread, so SQLite work does not hold up the window's event loop,
//! and maps errors to `{kind, message}`.

use std::sync::{Arc, Mutex};

use crate::dialogs;
use crate::state::{open_workspace, AppState, Workspace};
use leadbench::demo::{DemoOptions, DemoSummary, DEFAULT_LEADS};
use leadbench::error::ErrorPayload;
use leadbench::model::{AppInfo, LeadPage, LeadQuery};
use leadbench::settings::{self, Language, Settings};
use leadbench::{Database, Error};
use tauri::{AppHandle, State};

pub(crate) type CommandResult<T> = Result<T, ErrorPayload>;

/// Runs `work` on a blocking thread with the workspace locked.
pub(crate) async fn with_workspace<T, F>(
    workspace: &Arc<Mutex<Workspace>>,
    work: F,
) -> CommandResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut Workspace) -> Result<T, Error> + Send + 'static,
{
    let workspace = Arc::clone(workspace);
    let joined = tauri::async_runtime::spawn_blocking(move || {
        let mut guard = workspace
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        work(&mut guard)
    })
    .await;
    match joined {
        Ok(result) => result.map_err(|error| {
            tracing::warn!(%error, "command failed");
            ErrorPayload::from(&error)
        }),
        Err(error) => {
            tracing::error!(%error, "command thread panicked");
            Err(ErrorPayload {
                kind: leadbench::ErrorKind::Internal,
                message: format!("internal error: {error}"),
            })
        }
    }
}

/// Runs `work` with the open database, or fails when none could be opened.
pub(crate) async fn with_db<T, F>(state: &AppState, work: F) -> CommandResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut Database) -> Result<T, Error> + Send + 'static,
{
    with_workspace(&state.workspace, move |workspace| {
        match workspace.db.as_mut() {
            Some(db) => work(db),
            None => Err(Error::NotFound {
                what: "database".to_owned(),
                id: workspace.path.display().to_string(),
            }),
        }
    })
    .await
}

fn app_info_of(workspace: &Workspace) -> Result<AppInfo, Error> {
    let (settings, stats) = match &workspace.db {
        Some(db) => (
            settings::load(db.conn())?,
            leadbench::leads::stats(db.conn())?,
        ),
        None => (Settings::default(), Default::default()),
    };
    let system_language = sys_locale::get_locale()
        .map(|locale| Language::from_locale(&locale))
        .unwrap_or(Language::En);
    let system_time_zone = iana_time_zone::get_timezone().unwrap_or_else(|_| "UTC".to_owned());
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        database_path: workspace.path.display().to_string(),
        settings,
        system_language,
        system_time_zone,
        stats,
    })
}

/// Returns the version, settings, database path and lead counts. When the
/// database could not be opened, fails with that error.
#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> CommandResult<AppInfo> {
    let open_error = {
        let guard = state.workspace.lock().unwrap_or_else(|p| p.into_inner());
        guard.open_error.clone()
    };
    if let Some(error) = open_error {
        return Err(error);
    }
    with_workspace(&state.workspace, |workspace| app_info_of(workspace)).await
}

/// Returns one page of the Leads table.
#[tauri::command]
pub async fn list_leads(state: State<'_, AppState>, query: LeadQuery) -> CommandResult<LeadPage> {
    with_db(&state, move |db| leadbench::leads::list(db.conn(), &query)).await
}

/// Fills the empty database with the default demo data.
#[tauri::command]
pub async fn load_demo(state: State<'_, AppState>) -> CommandResult<DemoSummary> {
    with_db(&state, |db| {
        let options = DemoOptions {
            leads: DEFAULT_LEADS,
            seed: 1,
            until: leadbench::time::now(),
        };
        leadbench::demo::generate(db, &options)
    })
    .await
}

/// Validates and stores the settings, then returns them as stored.
#[tauri::command]
pub async fn save_settings(
    state: State<'_, AppState>,
    settings: Settings,
) -> CommandResult<Settings> {
    with_db(&state, move |db| {
        settings::save(db.conn_mut(), &settings)?;
        settings::load(db.conn())
    })
    .await
}

/// Lets the user pick another database file and switches to it. Returns
/// `None` when the dialog was cancelled.
#[tauri::command]
pub async fn open_other_database(
    app: AppHandle,
    state: State<'_, AppState>,
    title: String,
) -> CommandResult<Option<AppInfo>> {
    let filters = vec![(
        "Leadbench".to_string(),
        vec![
            "db".to_string(),
            "sqlite".to_string(),
            "sqlite3".to_string(),
        ],
    )];
    let Some(path) = dialogs::pick_file(app, title, filters).await else {
        return Ok(None);
    };

    let workspace = open_workspace(&path);
    if let Some(error) = workspace.open_error.clone() {
        return Err(error);
    }
    state
        .remember(&path)
        .map_err(|error| ErrorPayload::from(&error))?;
    let info = app_info_of(&workspace).map_err(|error| ErrorPayload::from(&error))?;
    *state.workspace.lock().unwrap_or_else(|p| p.into_inner()) = workspace;
    Ok(Some(info))
}

/// Asks where to save a backup and writes a consistent copy there. Returns
/// the backup's path, or `None` when the dialog was cancelled.
#[tauri::command]
pub async fn backup_now(
    app: AppHandle,
    state: State<'_, AppState>,
    title: String,
) -> CommandResult<Option<String>> {
    let suggested = {
        let guard = state.workspace.lock().unwrap_or_else(|p| p.into_inner());
        leadbench::db::backup_path(&guard.path, chrono_now())
    };
    let Some(target) = dialogs::save_file(app, title, &suggested).await else {
        return Ok(None);
    };
    with_db(&state, move |db| {
        db.backup_to(&target)?;
        tracing::info!(backup = %target.display(), "database backed up");
        Ok(Some(target.display().to_string()))
    })
    .await
}

fn chrono_now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}
