//! The library's error type. Every variant names the offending value and,
//! where there is one, the fix, so the CLI and the app can show it as is.

use std::path::PathBuf;

use serde::Serialize;
use ts_rs::TS;

/// Errors returned by the Leadbench library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the database {path} was written by a newer Leadbench (schema version {found}, this version supports up to {supported}); install the newer Leadbench to open it")]
    DatabaseTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    #[error(
        "cannot open the database {path}: {source}; check that the folder exists and is writable"
    )]
    DatabaseOpen {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    #[error("the file {path} is not a Leadbench database (SQLite reports: {reason}); choose another file")]
    NotADatabase { path: PathBuf, reason: String },

    #[error("the database is busy: another Leadbench window or command kept it locked for more than {seconds} seconds; try again when it has finished")]
    Busy { seconds: u64 },

    #[error("invalid {field}: {value:?}; {hint}")]
    InvalidInput {
        field: String,
        value: String,
        hint: String,
    },

    #[error("{what} {id} was not found")]
    NotFound { what: String, id: String },

    #[error("file error on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{what} was cancelled; nothing was changed")]
    Cancelled { what: String },

    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
}

/// Result alias used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Maximum time a connection waits for another writer before giving up.
pub const BUSY_TIMEOUT_SECONDS: u64 = 10;

impl From<rusqlite::Error> for Error {
    fn from(error: rusqlite::Error) -> Self {
        match error.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                Error::Busy {
                    seconds: BUSY_TIMEOUT_SECONDS,
                }
            }
            _ => Error::Sqlite(error),
        }
    }
}

/// Machine-readable error category, sent to the UI next to the message so it
/// can pick a translated text and decide how to react.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorKind {
    DatabaseTooNew,
    DatabaseOpen,
    NotADatabase,
    Busy,
    InvalidInput,
    NotFound,
    Io,
    Cancelled,
    Internal,
}

/// An error as it crosses the IPC boundary to the UI.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ErrorPayload {
    pub kind: ErrorKind,
    /// English text naming the value and the fix; the UI shows a translated
    /// text for `kind` and this message as the detail.
    pub message: String,
}

impl From<&Error> for ErrorPayload {
    fn from(error: &Error) -> Self {
        ErrorPayload {
            kind: error.kind(),
            message: error.to_string(),
        }
    }
}

impl Error {
    /// Returns the category of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::DatabaseTooNew { .. } => ErrorKind::DatabaseTooNew,
            Error::DatabaseOpen { .. } => ErrorKind::DatabaseOpen,
            Error::NotADatabase { .. } => ErrorKind::NotADatabase,
            Error::Busy { .. } => ErrorKind::Busy,
            Error::InvalidInput { .. } => ErrorKind::InvalidInput,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Io { .. } => ErrorKind::Io,
            Error::Cancelled { .. } => ErrorKind::Cancelled,
            Error::Sqlite(_) => ErrorKind::Internal,
        }
    }

    /// Builds an [`Error::InvalidInput`].
    pub fn invalid(field: &str, value: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.to_owned(),
            value: value.into(),
            hint: hint.into(),
        }
    }
}
