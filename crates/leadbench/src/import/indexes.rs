//! Deferred index maintenance for imports that fill a small table.
//!
//! Inserting rows one by one into a table updates each of its indexes at a
//! random place. For 100,000 leads that took about half of the import's CPU
//! time, while building the same indexes afterwards, which sorts the rows
//! once, took about a quarter. So an import that adds many rows to a table
//! that is still small drops the table's plain indexes at its start and
//! creates them again before commit. Both happen inside the import's transaction:
//! a rollback (dry run, cancel, error, crash) brings the indexes back
//! unchanged.
//!
//! Indexes the import reads while it runs (`KEEP`) and UNIQUE indexes,
//! which enforce a rule while rows are written, are never dropped.

use rusqlite::Transaction;

use crate::error::Result;

/// Indexes an import looks leads up by, so they must exist while it runs.
// NOTE: rebuilding the 6 deferred indexes is about a quarter of a
// 100,000-lead import's CPU time. Keeping the indexes that rows only append to (stage
// then id, campaign, stage changes by lead) live was measured too and cost
// more in the row inserts than it saved in the rebuild.
const KEEP: &[&str] = &["leads_email"];

/// An index dropped for the import, with the statement that creates it.
pub(super) struct DeferredIndex {
    name: String,
    sql: String,
}

/// Drops the plain indexes of each of `tables` that is small compared with
/// the `new_rows` the import is about to add. A table counts as small when
/// its largest rowid is at most half of `new_rows`, because then rebuilding
/// its indexes costs less than updating them row by row. Returns the
/// dropped indexes for [`restore`].
pub(super) fn defer(
    tx: &Transaction<'_>,
    tables: &[&str],
    new_rows: u64,
) -> Result<Vec<DeferredIndex>> {
    let mut deferred = Vec::new();
    for table in tables {
        let size: i64 = tx.query_row(
            &format!("SELECT COALESCE(MAX(rowid), 0) FROM {table}"),
            [],
            |row| row.get(0),
        )?;
        if (size as u64).saturating_mul(2) > new_rows {
            continue;
        }
        let mut stmt = tx.prepare(
            "SELECT name, sql FROM sqlite_schema
             WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL
               AND sql NOT LIKE 'CREATE UNIQUE%'",
        )?;
        let indexes = stmt
            .query_map([table], |row| {
                Ok(DeferredIndex {
                    name: row.get(0)?,
                    sql: row.get(1)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for index in indexes {
            if KEEP.contains(&index.name.as_str()) {
                continue;
            }
            tx.execute_batch(&format!(
                "DROP INDEX \"{}\"",
                index.name.replace('"', "\"\"")
            ))?;
            deferred.push(index);
        }
    }
    if !deferred.is_empty() {
        tracing::debug!(
            indexes = deferred.len(),
            "indexes deferred to the end of the import"
        );
    }
    Ok(deferred)
}

/// Creates the indexes that [`defer`] dropped, from their original SQL.
pub(super) fn restore(tx: &Transaction<'_>, deferred: &[DeferredIndex]) -> Result<()> {
    for index in deferred {
        tx.execute_batch(&index.sql)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Database;

    fn index_sql(db: &Database) -> Vec<(String, String)> {
        let mut stmt = db
            .conn()
            .prepare(
                "SELECT name, sql FROM sqlite_schema
                 WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
            )
            .unwrap();
        stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .map(|row| row.unwrap())
            .collect()
    }

    #[test]
    fn indexes_dropped_and_restored_unchanged() {
        let mut db = Database::open_in_memory().unwrap();
        let before = index_sql(&db);
        let tx = db.write().unwrap();
        let deferred = defer(&tx, &["leads", "stage_changes"], 1_000).unwrap();
        let names: Vec<&str> = deferred.iter().map(|d| d.name.as_str()).collect();
        assert!(names.contains(&"leads_kpi"), "{names:?}");
        assert!(names.contains(&"stage_changes_lead"), "{names:?}");
        assert!(!names.contains(&"leads_email"), "lookups need it");
        restore(&tx, &deferred).unwrap();
        tx.commit().unwrap();
        assert_eq!(index_sql(&db), before);
    }

    #[test]
    fn rollback_brings_indexes_back() {
        let mut db = Database::open_in_memory().unwrap();
        let before = index_sql(&db);
        let tx = db.write().unwrap();
        let deferred = defer(&tx, &["leads"], 1_000).unwrap();
        assert!(!deferred.is_empty());
        drop(tx);
        assert_eq!(index_sql(&db), before);
    }

    #[test]
    fn large_table_keeps_its_indexes() {
        let mut db = Database::open_in_memory().unwrap();
        db.conn()
            .execute_batch(
                "INSERT INTO leads (email, stage, stage_changed_at, created_at, updated_at)
                 VALUES ('anna@example.nl', 'new', 0, 0, 0)",
            )
            .unwrap();
        let tx = db.write().unwrap();
        assert!(defer(&tx, &["leads"], 1).unwrap().is_empty());
    }
}
