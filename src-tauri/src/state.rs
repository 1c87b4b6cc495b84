//! The app's state: the open database and where its path came from.
//!
//! The database path is, in order: the `LEADBENCH_DB` environment variable,
//! the file last chosen with "Open another database" (kept in
//! `workspace.json` in the app's config folder), or `leadbench.db` in the
//! app-data folder.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use leadbench::error::ErrorPayload;
use leadbench::kpi::Dashboard;
use leadbench::scoring::workbench::Workbench;
use leadbench::{Database, Error};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager};

/// The database the app works on. `db` is `None` when the file could not be
/// opened, for example because a newer Leadbench wrote it. The UI then shows
/// `open_error` and offers to open another file.
pub struct Workspace {
    pub db: Option<Database>,
    pub path: PathBuf,
    pub open_error: Option<ErrorPayload>,
    /// The KPI dashboard of `db`, with the facts of its last request. It
    /// belongs to the workspace because its change check is per connection.
    pub dashboard: Dashboard,
    /// The Scoring screen's cached scores and outcomes of `db`.
    pub scoring: Workbench,
}

/// Managed state shared by all commands.
pub struct AppState {
    pub workspace: Arc<Mutex<Workspace>>,
    config_file: PathBuf,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct WorkspaceConfig {
    database: Option<PathBuf>,
}

impl AppState {
    /// Picks the database path and opens it.
    pub fn load(app: &AppHandle) -> Result<Self, Box<dyn std::error::Error>> {
        let config_file = app.path().app_config_dir()?.join("workspace.json");
        let path = match std::env::var_os("LEADBENCH_DB").filter(|p| !p.is_empty()) {
            Some(path) => PathBuf::from(path),
            None => read_config(&config_file)
                .database
                .unwrap_or(app.path().app_data_dir()?.join("leadbench.db")),
        };
        let workspace = open_workspace(&path);
        Ok(AppState {
            workspace: Arc::new(Mutex::new(workspace)),
            config_file,
        })
    }

    /// Remembers `path` as the database to open at the next start.
    pub fn remember(&self, path: &Path) -> Result<(), Error> {
        let config = WorkspaceConfig {
            database: Some(path.to_owned()),
        };
        let io_error = |source| Error::Io {
            path: self.config_file.clone(),
            source,
        };
        if let Some(folder) = self.config_file.parent() {
            std::fs::create_dir_all(folder).map_err(io_error)?;
        }
        let text = serde_json::to_string_pretty(&config).unwrap_or_default();
        std::fs::write(&self.config_file, text).map_err(io_error)
    }
}

/// Opens the database at `path`, creating its folder first.
pub fn open_workspace(path: &Path) -> Workspace {
    if let Some(folder) = path.parent() {
        if let Err(error) = std::fs::create_dir_all(folder) {
            tracing::error!(folder = %folder.display(), %error, "cannot create the database folder");
        }
    }
    match Database::open(path) {
        Ok(db) => {
            tracing::info!(path = %path.display(), "database opened");
            Workspace {
                db: Some(db),
                path: path.to_owned(),
                open_error: None,
                dashboard: Dashboard::default(),
                scoring: Workbench::default(),
            }
        }
        Err(error) => {
            tracing::error!(path = %path.display(), %error, "cannot open the database");
            Workspace {
                db: None,
                path: path.to_owned(),
                open_error: Some(ErrorPayload::from(&error)),
                dashboard: Dashboard::default(),
                scoring: Workbench::default(),
            }
        }
    }
}

fn read_config(file: &Path) -> WorkspaceConfig {
    match std::fs::read_to_string(file) {
        Ok(text) => serde_json::from_str(&text).unwrap_or_else(|error| {
            tracing::warn!(file = %file.display(), %error, "ignoring an unreadable workspace config");
            WorkspaceConfig::default()
        }),
        Err(_) => WorkspaceConfig::default(),
    }
}
