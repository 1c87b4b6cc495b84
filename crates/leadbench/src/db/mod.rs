//! The lead database: opening a SQLite file, per-connection settings,
//! schema migrations and backups.
//!
//! Every connection runs in WAL mode with foreign keys on and a busy timeout,
//! so the app and the CLI can use one file at the same time. Write
//! transactions start with `BEGIN IMMEDIATE`, which takes the write lock up
//! front: a deferred transaction that upgrades from read to write can fail
//! with "database is locked" without waiting for the busy timeout.

mod migrations;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::error::{Error, Result, BUSY_TIMEOUT_SECONDS};
pub use migrations::{MigrationOutcome, LATEST_VERSION};

/// An open lead database.
pub struct Database {
    conn: Connection,
    path: PathBuf,
}

impl Database {
    /// Opens (creating if needed) the database at `path` and migrates it to
    /// the latest schema. A file written by a newer Leadbench is rejected
    /// without being changed. Before migrating a file that already contains
    /// data, a copy is written next to it (see [`Database::backup_to`]).
    pub fn open(path: &Path) -> Result<Self> {
        let conn = open_file(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )?;
        let mut db = Database {
            conn,
            path: path.to_owned(),
        };
        db.configure()?;
        migrations::migrate(&mut db.conn, path)?;
        Ok(db)
    }

    /// Opens a private in-memory database with the full schema, for tests.
    pub fn open_in_memory() -> Result<Self> {
        let mut db = Database {
            conn: Connection::open_in_memory()?,
            path: PathBuf::from(":memory:"),
        };
        db.configure()?;
        migrations::migrate(&mut db.conn, &db.path.clone())?;
        Ok(db)
    }

    fn configure(&mut self) -> Result<()> {
        self.conn
            .busy_timeout(Duration::from_secs(BUSY_TIMEOUT_SECONDS))?;
        // Reading the journal mode is the first access to the file, so a
        // file that is not SQLite fails here with a clear message.
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(|error| match error.sqlite_error_code() {
                Some(rusqlite::ErrorCode::NotADatabase) => Error::NotADatabase {
                    path: self.path.clone(),
                    reason: error.to_string(),
                },
                _ => Error::from(error),
            })?;
        if mode != "wal" && mode != "memory" {
            tracing::warn!(mode, "journal mode could not be set to WAL");
        }
        // A 64 MiB page cache and memory-mapped reads keep joins over
        // 100,000 leads from turning into one read() call per page.
        self.conn.execute_batch(
            "PRAGMA foreign_keys = ON;
             PRAGMA synchronous = NORMAL;
             PRAGMA temp_store = MEMORY;
             PRAGMA cache_size = -65536;
             PRAGMA mmap_size = 268435456;",
        )?;
        Ok(())
    }

    /// Returns the file this database lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Returns the underlying connection for reads.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Returns the underlying connection for writes that manage their own
    /// transaction.
    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// Starts a write transaction that holds the write lock from its start.
    pub fn write(&mut self) -> Result<Transaction<'_>> {
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }

    /// Returns the schema version stored in the file.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))?)
    }

    /// Writes a consistent copy of the database to `target` with
    /// `VACUUM INTO`, which also captures pages still in the WAL file.
    pub fn backup_to(&self, target: &Path) -> Result<()> {
        backup(&self.conn, target)
    }
}

/// Opens a second, read-only connection to the database file at `path`,
/// for reading in parallel with the main connection. It expects the schema
/// to be current, so it does not migrate.
pub(crate) fn open_reader(path: &Path) -> Result<Connection> {
    let conn = open_file(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.busy_timeout(Duration::from_secs(BUSY_TIMEOUT_SECONDS))?;
    conn.execute_batch("PRAGMA cache_size = -65536; PRAGMA mmap_size = 268435456;")?;
    Ok(conn)
}

/// Opens the file at `path` with `access` (read-only, or read-write with
/// create), for use by one thread at a time and with URI file names.
fn open_file(path: &Path, access: OpenFlags) -> Result<Connection> {
    Connection::open_with_flags(
        path,
        access | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
    )
    .map_err(|source| Error::DatabaseOpen {
        path: path.to_owned(),
        source,
    })
}

pub(crate) fn backup(conn: &Connection, target: &Path) -> Result<()> {
    if target.exists() {
        return Err(Error::invalid(
            "backup file",
            target.display().to_string(),
            "a file with that name already exists; choose another name",
        ));
    }
    let target_text = target.to_str().ok_or_else(|| {
        Error::invalid(
            "backup file",
            target.display().to_string(),
            "the path is not valid UTF-8; choose a simpler name",
        )
    })?;
    conn.execute("VACUUM INTO ?1", [target_text])?;
    Ok(())
}

/// Returns the path of a backup next to `db_path` named after `moment`,
/// for example `leads.db` -> `leads.backup-20240301T101500.db`.
pub fn backup_path(db_path: &Path, moment: chrono::DateTime<chrono::Utc>) -> PathBuf {
    let stem = db_path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "leadbench".to_owned());
    let name = format!("{stem}.backup-{}.db", moment.format("%Y%m%dT%H%M%S"));
    db_path.with_file_name(name)
}

/// Returns the default database file: `leadbench.db` in the platform's
/// app-data folder (for example `~/.local/share/app.leadbench` on Linux).
pub fn default_path() -> Result<PathBuf> {
    let base = dirs::data_dir().ok_or_else(|| {
        Error::invalid(
            "data folder",
            "",
            "the platform app-data folder is unknown; pass --db PATH or set LEADBENCH_DB",
        )
    })?;
    Ok(base.join(crate::APP_IDENTIFIER).join("leadbench.db"))
}
