//! Two processes' worth of connections on one database file: writers wait
//! for each other instead of failing with "database is locked".

use std::sync::{Arc, Barrier};
use std::thread;

use leadbench::demo::DemoOptions;
use leadbench::settings::{self, Settings};
use leadbench::Database;

#[test]
fn concurrent_writers_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    Database::open(&path).unwrap();

    let start = Arc::new(Barrier::new(3));
    let demo = {
        let path = path.clone();
        let start = Arc::clone(&start);
        thread::spawn(move || {
            let mut db = Database::open(&path).unwrap();
            start.wait();
            let until = leadbench::time::parse_instant("until", "2024-06-30").unwrap();
            leadbench::demo::generate(
                &mut db,
                &DemoOptions {
                    leads: 3_000,
                    seed: 9,
                    until,
                },
            )
            .unwrap()
        })
    };
    let settings_writers: Vec<_> = ["EUR", "USD"]
        .into_iter()
        .map(|currency| {
            let path = path.clone();
            let start = Arc::clone(&start);
            thread::spawn(move || {
                let mut db = Database::open(&path).unwrap();
                start.wait();
                for _ in 0..50 {
                    let value = Settings {
                        currency: currency.to_owned(),
                        ..Settings::default()
                    };
                    settings::save(db.conn_mut(), &value).unwrap();
                    leadbench::leads::stats(db.conn()).unwrap();
                }
            })
        })
        .collect();

    let summary = demo.join().unwrap();
    for writer in settings_writers {
        writer.join().unwrap();
    }

    let db = Database::open(&path).unwrap();
    assert_eq!(
        leadbench::leads::stats(db.conn()).unwrap().leads,
        summary.leads
    );
    let integrity: String = db
        .conn()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
}

#[test]
fn connection_settings_applied() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("pragmas.db")).unwrap();
    let journal: String = db
        .conn()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    let foreign_keys: i64 = db
        .conn()
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .unwrap();
    let busy_timeout: i64 = db
        .conn()
        .query_row("PRAGMA busy_timeout", [], |r| r.get(0))
        .unwrap();
    assert_eq!(journal, "wal");
    assert_eq!(foreign_keys, 1);
    assert!(busy_timeout >= 5_000, "busy timeout {busy_timeout} ms");
}
