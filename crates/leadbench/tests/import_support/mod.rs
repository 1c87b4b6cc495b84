//! Helpers shared by the import tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use leadbench::import::{self, Control, ImportKind, ImportReport, ImportRequest};
use leadbench::Database;

/// Path of a file in the shared failure cases.
pub fn case(name: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/cases/"
    ))
    .join(name)
}

/// Path of a file in the Olist marketing funnel data set.
pub fn olist(name: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/olist-marketing-funnel/"
    ))
    .join(name)
}

/// A database file in its own temporary folder.
pub struct TestDb {
    pub dir: tempfile::TempDir,
    pub db: Database,
}

impl TestDb {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(&dir.path().join("leads.db")).unwrap();
        TestDb { dir, db }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes `content` to a file in the test folder and returns its path.
    pub fn write(&self, name: &str, content: &[u8]) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    pub fn import(&mut self, kind: ImportKind, path: &Path) -> ImportReport {
        self.run(&request(kind, path))
    }

    pub fn run(&mut self, request: &ImportRequest) -> ImportReport {
        import::run(&mut self.db, request, &mut Control::default()).unwrap()
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.db.conn().query_row(sql, [], |row| row.get(0)).unwrap()
    }

    pub fn text(&self, sql: &str) -> String {
        self.db.conn().query_row(sql, [], |row| row.get(0)).unwrap()
    }

    pub fn texts(&self, sql: &str) -> Vec<String> {
        let mut stmt = self.db.conn().prepare(sql).unwrap();
        stmt.query_map([], |row| row.get(0))
            .unwrap()
            .map(|value| value.unwrap())
            .collect()
    }
}

pub fn request(kind: ImportKind, path: &Path) -> ImportRequest {
    ImportRequest {
        path: path.to_owned(),
        kind,
        ..ImportRequest::default()
    }
}

/// Returns the calendar day (UTC) of Unix seconds, as YYYY-MM-DD.
pub fn day(seconds: i64) -> String {
    leadbench::time::to_rfc3339(seconds)[..10].to_owned()
}
