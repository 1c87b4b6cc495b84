//! Versioned schema migrations. The schema version lives in SQLite's
//! `user_version`. Each migration runs with its version bump in one
//! transaction, so a failed migration leaves the file as it was. A shipped
//! migration is never edited: changes go into a new one.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{Error, Result};

/// SQL of each migration; migration `i` takes the schema from version `i` to
/// version `i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("sql/0001_initial.sql"),
    include_str!("sql/0002_board.sql"),
    include_str!("sql/0003_nurture.sql"),
    include_str!("sql/0004_kpi_indexes.sql"),
    include_str!("sql/0005_imports.sql"),
    include_str!("sql/0006_scoring.sql"),
    // KPI dashboard: fit score in the covering index.
    include_str!("sql/0007_kpi_fit_index.sql"),
    // Lead detail panel: buying roles and erased leads.
    include_str!("sql/0008_lead_detail.sql"),
    // Imports and re-scoring: drop indexes that others already serve.
    include_str!("sql/0009_fewer_indexes.sql"),
];

/// The schema version this build of Leadbench writes.
pub const LATEST_VERSION: i64 = MIGRATIONS.len() as i64;

/// Result of [`migrate`]: the versions before and after, and the backup path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationOutcome {
    pub from_version: i64,
    pub to_version: i64,
    pub backup: Option<std::path::PathBuf>,
}

pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<MigrationOutcome> {
    migrate_to(conn, path, LATEST_VERSION)
}

/// Migrates up to `target` (at most [`LATEST_VERSION`]). Tests use a lower
/// target to build databases of earlier versions.
pub(crate) fn migrate_to(
    conn: &mut Connection,
    path: &Path,
    target: i64,
) -> Result<MigrationOutcome> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if found > LATEST_VERSION {
        return Err(Error::DatabaseTooNew {
            path: path.to_owned(),
            found,
            supported: LATEST_VERSION,
        });
    }
    let mut outcome = MigrationOutcome {
        from_version: found,
        to_version: found,
        backup: None,
    };
    if found >= target {
        return Ok(outcome);
    }

    let is_file = path.as_os_str() != ":memory:";
    if found > 0 && is_file {
        let backup = super::backup_path(path, chrono::Utc::now());
        super::backup(conn, &backup)?;
        tracing::info!(backup = %backup.display(), "database backed up before migration");
        outcome.backup = Some(backup);
    }

    for version in found..target {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another process may have migrated the file while we waited for the
        // write lock, so the version is read again inside the transaction.
        let current: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        if current > version {
            tx.commit()?;
            continue;
        }
        tx.execute_batch(MIGRATIONS[version as usize])?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
        tracing::info!(version = version + 1, "database migrated");
    }
    outcome.to_version = target;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table_names(conn: &Connection) -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap();
        stmt.query_map([], |row| row.get(0))
            .unwrap()
            .map(|name| name.unwrap())
            .collect()
    }

    #[test]
    fn every_earlier_version_migrates_to_latest() {
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("fresh.db");
        let expected_tables = {
            let db = crate::Database::open(&fresh).unwrap();
            table_names(db.conn())
        };
        for start in 0..=LATEST_VERSION {
            let path = dir.path().join(format!("from-{start}.db"));
            {
                let mut conn = Connection::open(&path).unwrap();
                migrate_to(&mut conn, &path, start).unwrap();
            }
            let db = crate::Database::open(&path).unwrap();
            assert_eq!(
                db.schema_version().unwrap(),
                LATEST_VERSION,
                "from version {start}"
            );
            assert_eq!(
                table_names(db.conn()),
                expected_tables,
                "from version {start}"
            );
            let backups = std::fs::read_dir(dir.path())
                .unwrap()
                .filter(|entry| {
                    let name = entry.as_ref().unwrap().file_name();
                    name.to_string_lossy()
                        .starts_with(&format!("from-{start}.backup-"))
                })
                .count();
            let expect_backup = start > 0 && start < LATEST_VERSION;
            assert_eq!(
                backups,
                usize::from(expect_backup),
                "backups from version {start}"
            );
        }
    }

    #[test]
    fn newer_database_rejected_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("newer.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 999;")
                .unwrap();
        }
        let before = std::fs::read(&path).unwrap();
        let error = crate::Database::open(&path).err().unwrap();
        assert!(
            matches!(error, Error::DatabaseTooNew { found: 999, .. }),
            "{error}"
        );
        assert!(error.to_string().contains("newer Leadbench"));
        let conn = Connection::open(&path).unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 999);
        drop(conn);
        assert_eq!(std::fs::read(&path).unwrap().len(), before.len());
    }

    #[test]
    fn failed_migration_leaves_version_unchanged() {
        let mut conn = Connection::open_in_memory().unwrap();
        // A table with a clashing name makes the first migration fail.
        conn.execute_batch("CREATE TABLE leads (x)").unwrap();
        assert!(migrate(&mut conn, Path::new(":memory:")).is_err());
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 0);
        assert_eq!(table_names(&conn), vec!["leads".to_owned()]);
    }

    #[test]
    fn text_file_rejected_as_not_a_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.db");
        std::fs::write(&path, "these are my notes, not a database\n".repeat(100)).unwrap();
        let error = crate::Database::open(&path).err().unwrap();
        assert!(matches!(error, Error::NotADatabase { .. }), "{error}");
    }
}
