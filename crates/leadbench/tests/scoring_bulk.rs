//! A full recomputation that changes most scores rebuilds the lead indexes
//! on scores and stages once instead of row by row. The indexes must come
//! back unchanged and the scores must equal scoring each lead alone.

mod scoring_support;

use leadbench::scoring::defaults::default_rules;
use leadbench::scoring::explain::explain;
use leadbench::scoring::recompute;
use leadbench::Database;
use scoring_support::{at, use_rules};

fn index_definitions(db: &Database) -> Vec<(String, Option<String>)> {
    let mut stmt = db
        .conn()
        .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'leads' ORDER BY name")
        .unwrap();
    let rows = stmt
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap();
    rows.map(Result::unwrap).collect()
}

#[test]
fn bulk_rewrite_keeps_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = Database::open(&dir.path().join("bulk.db")).unwrap();
    let now = at("2024-06-30T00:00:00Z");
    use_rules(&mut db, default_rules(), now);
    db.conn()
        .execute_batch(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12000)
             INSERT INTO leads (email, job_title, stage_changed_at, created_at, updated_at)
             SELECT 'lead' || i || '@example.com',
                    CASE i % 3 WHEN 0 THEN 'Sales Director' WHEN 1 THEN 'CEO' ELSE 'Intern' END,
                    0, 0, 0
             FROM n",
        )
        .unwrap();
    let before = index_definitions(&db);

    // Every lead gets fit points, so every score changes and the indexes
    // are rebuilt once.
    let summary = recompute(&mut db, now).unwrap();
    assert_eq!(summary.changed, 12_000);
    assert_eq!(index_definitions(&db), before);
    let check: String = db
        .conn()
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(check, "ok");

    // The rebuilt index serves the same order as the table.
    let top: Vec<f64> = {
        let mut stmt = db
            .conn()
            .prepare("SELECT score FROM leads INDEXED BY leads_live_stage_score WHERE stage = 'new' AND forgotten_at IS NULL ORDER BY score DESC, id LIMIT 3")
            .unwrap();
        let rows = stmt.query_map([], |row| row.get(0)).unwrap();
        rows.map(Result::unwrap).collect()
    };
    let expected: Vec<f64> = {
        let mut stmt = db
            .conn()
            .prepare("SELECT score FROM leads NOT INDEXED WHERE stage = 'new' AND forgotten_at IS NULL ORDER BY score DESC, id LIMIT 3")
            .unwrap();
        let rows = stmt.query_map([], |row| row.get(0)).unwrap();
        rows.map(Result::unwrap).collect()
    };
    assert_eq!(top, expected);
    for lead in [1, 2, 3, 6_000, 12_000] {
        let stored: f64 = db
            .conn()
            .query_row("SELECT score FROM leads WHERE id = ?1", [lead], |row| {
                row.get(0)
            })
            .unwrap();
        assert_eq!(stored, explain(db.conn(), lead, now).unwrap().score);
    }
}

/// A full recomputation on a file reads part of the events on a second
/// connection. Scoring each lead alone afterwards, on one connection, must
/// find nothing to change.
#[test]
fn parallel_event_pass_equals_scoring_each_lead() {
    use leadbench::demo::{generate, DemoOptions};
    use leadbench::scoring::recompute::rescore;

    let dir = tempfile::tempdir().unwrap();
    let mut db = Database::open(&dir.path().join("parallel.db")).unwrap();
    let until = at("2024-12-31T00:00:00Z");
    generate(
        &mut db,
        &DemoOptions {
            leads: 3_000,
            seed: 7,
            until,
        },
    )
    .unwrap();
    let now = until + 40 * 86_400;
    let full = recompute(&mut db, now).unwrap();
    assert_eq!(full.leads, 3_000);
    assert!(
        full.changed > 1_000,
        "decay should change most scores: {full:?}"
    );

    let ids: Vec<i64> = {
        let mut stmt = db.conn().prepare("SELECT id FROM leads").unwrap();
        let rows = stmt.query_map([], |row| row.get(0)).unwrap();
        rows.map(Result::unwrap).collect()
    };
    let again = rescore(&mut db, &ids, now).unwrap();
    assert_eq!(again.leads, 3_000);
    assert_eq!(again.changed, 0, "{again:?}");
}
