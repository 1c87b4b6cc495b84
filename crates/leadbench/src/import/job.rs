//! An import (or dry run) running on its own thread and connection, so the
//! app's other commands keep working while it runs.
//!
//! The app starts one [`ImportJob`] at a time and polls [`ImportJob::status`]
//! for the progress bar. The job opens its own connection to the database
//! file: readers on other connections see the database as it was until the
//! import commits, and the import's single transaction keeps it atomic.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Instant;

use serde::Serialize;
use ts_rs::TS;

use super::{run, Control, ImportReport, ImportRequest, Progress};
use crate::error::{Error, ErrorPayload, Result};
use crate::Database;

/// State of the background import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum JobState {
    /// No import has run since the app started.
    Idle,
    Running,
    /// Finished, with the counts in `report`.
    Finished,
    /// Stopped by the error in `error`. Nothing was changed.
    Failed,
    /// Cancelled by the user. Nothing was changed.
    Cancelled,
}

/// Progress and outcome of the background import, polled by the app's
/// progress bar.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct JobStatus {
    pub state: JobState,
    /// True when the job is a dry run.
    pub dry_run: bool,
    pub progress: Option<Progress>,
    /// Rows written per second since the writing phase started.
    pub rows_per_second: f64,
    /// Seconds since the job started.
    pub elapsed_seconds: f64,
    pub report: Option<ImportReport>,
    pub error: Option<ErrorPayload>,
}

impl JobStatus {
    fn idle() -> Self {
        JobStatus {
            state: JobState::Idle,
            dry_run: false,
            progress: None,
            rows_per_second: 0.0,
            elapsed_seconds: 0.0,
            report: None,
            error: None,
        }
    }
}

struct Shared {
    status: JobStatus,
    started: Option<Instant>,
    writing_since: Option<Instant>,
}

/// One background import at a time, with its progress and outcome.
pub struct ImportJob {
    shared: Arc<Mutex<Shared>>,
    cancel: Arc<AtomicBool>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Default for ImportJob {
    fn default() -> Self {
        ImportJob {
            shared: Arc::new(Mutex::new(Shared {
                status: JobStatus::idle(),
                started: None,
                writing_since: None,
            })),
            cancel: Arc::new(AtomicBool::new(false)),
            thread: Mutex::new(None),
        }
    }
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl ImportJob {
    /// Starts `request` on a new thread against the database file at
    /// `db_path`. Fails when another import is still running.
    pub fn start(&self, db_path: PathBuf, request: ImportRequest) -> Result<()> {
        {
            let mut shared = lock(&self.shared);
            if shared.status.state == JobState::Running {
                return Err(Error::invalid(
                    "import",
                    request.path.display().to_string(),
                    "another import is still running; wait for it or cancel it first",
                ));
            }
            shared.status = JobStatus {
                state: JobState::Running,
                dry_run: request.dry_run,
                ..JobStatus::idle()
            };
            shared.started = Some(Instant::now());
            shared.writing_since = None;
        }
        self.cancel.store(false, Ordering::Relaxed);

        let shared = Arc::clone(&self.shared);
        let cancel = Arc::clone(&self.cancel);
        let handle = std::thread::Builder::new()
            .name("import".to_owned())
            .spawn(move || {
                let result = run_on(&db_path, &request, &shared, &cancel);
                finish(&shared, result);
            })
            .map_err(|source| Error::Io {
                path: PathBuf::from("import thread"),
                source,
            })?;
        let mut thread = self.thread.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(previous) = thread.replace(handle) {
            let _ = previous.join();
        }
        Ok(())
    }

    /// Returns the current status, with the rate and elapsed time updated.
    pub fn status(&self) -> JobStatus {
        let shared = lock(&self.shared);
        let mut status = shared.status.clone();
        if status.state == JobState::Running {
            if let Some(started) = shared.started {
                status.elapsed_seconds = started.elapsed().as_secs_f64();
            }
        }
        status
    }

    /// Asks the running import to stop. It rolls back and reports
    /// [`JobState::Cancelled`].
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// Returns the report of the last finished job.
    pub fn last_report(&self) -> Option<ImportReport> {
        lock(&self.shared).status.report.clone()
    }

    /// Waits until the running job, if any, has finished (for tests).
    pub fn wait(&self) -> JobStatus {
        let handle = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(handle) = handle {
            let _ = handle.join();
        }
        self.status()
    }
}

fn run_on(
    db_path: &std::path::Path,
    request: &ImportRequest,
    shared: &Mutex<Shared>,
    cancel: &AtomicBool,
) -> Result<ImportReport> {
    let mut db = Database::open(db_path)?;
    let mut on_progress = |progress: &Progress| {
        let mut shared = lock(shared);
        let now = Instant::now();
        if progress.phase == super::Phase::Importing && shared.writing_since.is_none() {
            shared.writing_since = Some(now);
        }
        let rate = match shared.writing_since {
            Some(since) => {
                let seconds = now.duration_since(since).as_secs_f64();
                if seconds > 0.0 {
                    progress.rows_done as f64 / seconds
                } else {
                    0.0
                }
            }
            None => 0.0,
        };
        shared.status.rows_per_second = rate;
        shared.status.progress = Some(progress.clone());
    };
    let mut control = Control {
        cancel: Some(cancel),
        progress: Some(&mut on_progress),
    };
    run(&mut db, request, &mut control)
}

fn finish(shared: &Mutex<Shared>, result: Result<ImportReport>) {
    let mut shared = lock(shared);
    if let Some(started) = shared.started {
        shared.status.elapsed_seconds = started.elapsed().as_secs_f64();
    }
    match result {
        Ok(report) => {
            shared.status.state = JobState::Finished;
            shared.status.report = Some(report);
        }
        Err(error @ Error::Cancelled { .. }) => {
            shared.status.state = JobState::Cancelled;
            shared.status.error = Some(ErrorPayload::from(&error));
        }
        Err(error) => {
            tracing::warn!(%error, "import failed");
            shared.status.state = JobState::Failed;
            shared.status.error = Some(ErrorPayload::from(&error));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::ImportKind;

    fn leads_file(dir: &std::path::Path, rows: usize) -> PathBuf {
        let mut text = String::from("email,first_name\n");
        for n in 0..rows {
            text.push_str(&format!("lead{n}@example.nl,Lead {n}\n"));
        }
        let path = dir.join("leads.csv");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn job_imports_and_reports() {
        let dir = tempfile::tempdir().unwrap();
        let db_path = dir.path().join("leads.db");
        drop(Database::open(&db_path).unwrap());
        let job = ImportJob::default();
        assert_eq!(job.status().state, JobState::Idle);

        let request = ImportRequest {
            path: leads_file(dir.path(), 10_000),
            kind: ImportKind::Leads,
            ..ImportRequest::default()
        };
        job.start(db_path.clone(), request).unwrap();
        let status = job.wait();
        assert_eq!(status.state, JobState::Finished, "{:?}", status.error);
        assert_eq!(status.report.as_ref().map(|r| r.created), Some(10_000));
        let progress = status.progress.unwrap();
        assert_eq!((progress.rows_done, progress.rows_total), (10_000, 10_000));

        let db = Database::open(&db_path).unwrap();
        let count: i64 = db
            .conn()
            .query_row("SELECT COUNT(*) FROM leads", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 10_000);
    }

    #[test]
    fn cancelled_job_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db_path = dir.path().join("leads.db");
        drop(Database::open(&db_path).unwrap());
        let job = ImportJob::default();
        let request = ImportRequest {
            path: leads_file(dir.path(), 50_000),
            kind: ImportKind::Leads,
            ..ImportRequest::default()
        };
        job.cancel();
        job.start(db_path.clone(), request).unwrap();
        // A cancel before `start` is cleared by it, so cancel again now.
        job.cancel();
        let status = job.wait();
        assert_eq!(status.state, JobState::Cancelled);
        let db = Database::open(&db_path).unwrap();
        let count: i64 = db
            .conn()
            .query_row("SELECT COUNT(*) FROM leads", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 0);
    }
}
