//! The in-app nurture scheduler: a tokio task that runs due steps and
//! sends due e-mails every interval, through its own database connection
//! so a slow mail server does not block the window.
//!
//! At launch it counts the work that fell due while the app was closed.
//! When there is any, it waits until the user runs it, so nothing is
//! sent behind the user's back after a long break. Setting
//! `LEADBENCH_SCHEDULER=off` switches the timer off for the session (the
//! end-to-end tests do this); "Run now" still works.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use leadbench::nurture::model::RunSummary;
use leadbench::nurture::smtp::MailSettings;
use leadbench::nurture::smtp::{self, MailMode};
use leadbench::nurture::today::{self, PasswordStore, SchedulerStatus};
use leadbench::{Database, Error};
use tauri::{AppHandle, Emitter};
use tokio::sync::Notify;

use crate::keyring::{self, Account, KeyringError};
use crate::state::Workspace;

/// Default seconds between runs; `LEADBENCH_SCHEDULER_SECONDS` overrides it.
const DEFAULT_INTERVAL: u32 = 60;
/// Event sent to the window after a run that changed something.
pub const RUN_EVENT: &str = "nurture-run";
/// Event sent to the window after every run, so it can refresh the status.
pub const TICK_EVENT: &str = "nurture-tick";

/// Managed state of the scheduler.
pub struct Scheduler {
    status: Mutex<SchedulerStatus>,
    /// The SMTP password of one account, cached after the keyring gave it
    /// or kept here alone when no keyring is found.
    password: Mutex<Option<(Account, String)>>,
    wake: Notify,
    /// Serialises runs of the timer and of "Run now".
    running: tokio::sync::Mutex<()>,
}

impl Scheduler {
    /// Creates the scheduler from the environment. [`start`] starts its task.
    pub fn from_env() -> Self {
        let enabled = std::env::var("LEADBENCH_SCHEDULER")
            .map(|value| !value.eq_ignore_ascii_case("off"))
            .unwrap_or(true);
        let interval_seconds = std::env::var("LEADBENCH_SCHEDULER_SECONDS")
            .ok()
            .and_then(|value| value.parse::<u32>().ok())
            .filter(|seconds| *seconds > 0)
            .unwrap_or(DEFAULT_INTERVAL);
        Scheduler {
            status: Mutex::new(SchedulerStatus {
                enabled,
                interval_seconds,
                ..SchedulerStatus::default()
            }),
            password: Mutex::new(None),
            wake: Notify::new(),
            running: tokio::sync::Mutex::new(()),
        }
    }

    /// Returns the current status.
    pub fn status(&self) -> SchedulerStatus {
        self.status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Stores the SMTP password of the account in `settings`: in the
    /// keyring when one is found, else in memory until the app closes. An
    /// empty password removes the stored one. Blocks on the session bus.
    pub fn set_password(&self, settings: &MailSettings, password: &str) {
        let account = account(settings);
        if password.is_empty() {
            if let Err(error) = keyring::delete_password(&account) {
                tracing::warn!(%error, "could not remove the SMTP password from the keyring");
            }
            *self.password.lock().unwrap_or_else(|p| p.into_inner()) = None;
            self.update(|status| status.password_store = PasswordStore::None);
            return;
        }
        let store = match keyring::store_password(&account, password) {
            Ok(()) => PasswordStore::Keyring,
            Err(error) => fallback(&error),
        };
        *self.password.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((account, password.to_string()));
        self.update(|status| status.password_store = store);
    }

    /// Returns the SMTP password of the account in `settings`, reading the
    /// keyring when it is not cached. Blocks on the session bus.
    pub fn password(&self, settings: &MailSettings) -> Option<String> {
        let account = account(settings);
        let cached = self
            .password
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some((owner, password)) = cached {
            if owner == account {
                return Some(password);
            }
        }
        let (found, store) = match keyring::load_password(&account) {
            Ok(Some(password)) => (Some(password), PasswordStore::Keyring),
            Ok(None) => (None, PasswordStore::None),
            Err(KeyringError::Locked) => (None, PasswordStore::Locked),
            Err(_) => (None, PasswordStore::None),
        };
        if let Some(password) = &found {
            *self.password.lock().unwrap_or_else(|p| p.into_inner()) =
                Some((account, password.clone()));
        }
        self.update(|status| status.password_store = store);
        found
    }

    /// Lifts the hold of the catch-up notice: the user chose to run the
    /// overdue work.
    pub fn clear_hold(&self) {
        self.update(|status| status.catch_up = None);
    }

    /// Wakes the timer, so work made due by the user runs at once. While the
    /// catch-up notice waits for the user, nothing runs.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    fn update(&self, change: impl FnOnce(&mut SchedulerStatus)) {
        change(&mut self.status.lock().unwrap_or_else(|p| p.into_inner()));
    }
}

/// Returns the keyring account of the mail settings.
pub fn account(settings: &MailSettings) -> Account {
    Account {
        username: settings.user.trim().to_string(),
        host: settings.host.trim().to_string(),
    }
}

/// Returns the store the password falls back to when the keyring fails.
fn fallback(error: &KeyringError) -> PasswordStore {
    tracing::warn!(%error, "SMTP password kept in memory only");
    match error {
        KeyringError::Locked => PasswordStore::Locked,
        _ => PasswordStore::Memory,
    }
}

fn database_path(workspace: &Arc<Mutex<Workspace>>) -> Option<PathBuf> {
    let guard = workspace.lock().unwrap_or_else(|p| p.into_inner());
    guard.db.as_ref().map(|_| guard.path.clone())
}

/// Counts the work that fell due while the database was not open in the
/// app, and pauses the scheduler until the user decides when there is any.
async fn check_catch_up(app: &AppHandle, scheduler: &Scheduler, path: PathBuf) {
    let due = tauri::async_runtime::spawn_blocking(move || {
        let db = Database::open(&path)?;
        today::due_work(db.conn(), leadbench::time::now())
    })
    .await;
    match due {
        Ok(Ok(due)) if due.total() > 0 => {
            tracing::info!(
                steps = due.steps,
                emails = due.emails,
                "nurture work fell due while the database was closed"
            );
            scheduler.update(|status| status.catch_up = Some(due));
            let _ = app.emit(RUN_EVENT, RunSummary::default());
        }
        // A hold left from the database open before is no longer valid.
        Ok(Ok(_)) => scheduler.update(|status| status.catch_up = None),
        Ok(Err(error)) => {
            tracing::warn!(%error, "counting due nurture work failed");
            scheduler.update(|status| status.last_error = Some(error.to_string()));
        }
        Err(error) => tracing::error!(%error, "counting due nurture work panicked"),
    }
}

/// Starts the timer task. At launch, and whenever the user opens another
/// database, it first checks for overdue work.
pub fn start(app: AppHandle, workspace: Arc<Mutex<Workspace>>, scheduler: Arc<Scheduler>) {
    tauri::async_runtime::spawn(async move {
        let interval = Duration::from_secs(u64::from(scheduler.status().interval_seconds));
        let mut checked: Option<PathBuf> = None;
        loop {
            let path = database_path(&workspace);
            if scheduler.status().enabled && path.is_some() && path != checked {
                checked.clone_from(&path);
                if let Some(path) = path {
                    check_catch_up(&app, &scheduler, path).await;
                }
            }
            let status = scheduler.status();
            if status.enabled && status.catch_up.is_none() {
                let _ = run_once(&app, &workspace, &scheduler).await;
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = scheduler.wake.notified() => {}
            }
        }
    });
}

/// Runs due steps and sends due e-mails once, records the outcome in the
/// status and sends [`RUN_EVENT`] to the window when anything changed.
pub async fn run_once(
    app: &AppHandle,
    workspace: &Arc<Mutex<Workspace>>,
    scheduler: &Arc<Scheduler>,
) -> Result<RunSummary, Error> {
    let _turn = scheduler.running.lock().await;
    let Some(path) = database_path(workspace) else {
        return Ok(RunSummary::default());
    };
    let holder = Arc::clone(scheduler);
    let joined = tauri::async_runtime::spawn_blocking(move || {
        let mut db = Database::open(&path)?;
        let settings = smtp::load_settings(db.conn())?;
        let needs_password = settings.mode == MailMode::Smtp && !settings.user.trim().is_empty();
        let password = needs_password.then(|| holder.password(&settings)).flatten();
        let missing = needs_password && password.is_none();
        // Without the password the steps still run; e-mails wait in the outbox.
        let mut sender = if missing {
            smtp::build_sender(&Default::default(), None)?
        } else {
            smtp::build_sender(&settings, password)?
        };
        let summary =
            leadbench::nurture::run_due(&mut db, leadbench::time::now(), sender.as_mut())?;
        Ok::<_, Error>((summary, missing))
    })
    .await;
    let outcome = match joined {
        Ok(outcome) => outcome,
        Err(error) => Err(Error::invalid(
            "scheduler",
            "run",
            format!("the run stopped: {error}"),
        )),
    };
    let now = leadbench::time::now();
    match outcome {
        Ok((summary, missing)) => {
            scheduler.update(|status| {
                status.last_run_at = Some(now);
                status.last_run = Some(summary.clone());
                status.last_error = None;
                status.password_missing = missing;
            });
            if summary.due > 0 || summary.sent > 0 || summary.failed > 0 {
                let _ = app.emit(RUN_EVENT, summary.clone());
            }
            let _ = app.emit(TICK_EVENT, ());
            Ok(summary)
        }
        Err(error) => {
            tracing::warn!(%error, "nurture run failed");
            scheduler.update(|status| {
                status.last_run_at = Some(now);
                status.last_error = Some(error.to_string());
            });
            Err(error)
        }
    }
}
