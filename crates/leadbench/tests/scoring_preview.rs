//! Threshold previews, backtests and charts on demo data: a preview
//! predicts exactly what applying the thresholds does.

mod scoring_support;

use leadbench::charts::Theme;
use leadbench::demo::{generate, DemoOptions};
use leadbench::leads::stats;
use leadbench::model::Stage;
use leadbench::scoring::backtest::{candidate_thresholds, Outcomes};
use leadbench::scoring::chart::{backtest_svg, histogram_svg, series_svg};
use leadbench::scoring::explain::{explain, score_series};
use leadbench::scoring::preview::ScoreSnapshot;
use leadbench::scoring::stages::{apply_thresholds, move_manually, threshold_history, Thresholds};
use leadbench::scoring::{recompute, rules::to_hundredths};
use leadbench::Database;
use scoring_support::at;

fn demo(path: &std::path::Path, leads: u32) -> (Database, i64) {
    let until = at("2024-12-31T00:00:00Z");
    let mut db = Database::open(path).unwrap();
    generate(
        &mut db,
        &DemoOptions {
            leads,
            seed: 3,
            until,
        },
    )
    .unwrap();
    (db, until)
}

#[test]
fn demo_scores_match_engine() {
    let dir = tempfile::tempdir().unwrap();
    let (mut db, until) = demo(&dir.path().join("demo.db"), 1_500);
    let summary = recompute(&mut db, until).unwrap();
    assert_eq!(summary.leads, 1_500);
    assert_eq!(summary.changed, 0);
    assert_eq!(summary.moved.total(), 0);
    assert_eq!(summary.disqualified, 0);
}

#[test]
fn preview_predicts_applied_counts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("slider.db");
    let (mut db, until) = demo(&path, 1_000);
    // One pinned lead in New with a high score must stay where it is.
    let pinned: i64 = db
        .conn()
        .query_row(
            "SELECT id FROM leads WHERE stage = 'mql' ORDER BY score DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    move_manually(&mut db, pinned, Stage::New, "tester", until).unwrap();
    drop(db);

    // Slider positions, each checked against a fresh copy of the database.
    let positions = [
        (30.0, 50.0, 70.0),
        (20.0, 35.0, 60.0),
        (45.0, 65.0, 85.0),
        (10.0, 11.0, 12.0),
    ];
    for (index, (mql, warm, sql)) in positions.into_iter().enumerate() {
        let copy = dir.path().join(format!("copy-{index}.db"));
        std::fs::copy(&path, &copy).unwrap();
        let mut db = Database::open(&copy).unwrap();
        let candidate = Thresholds { mql, warm, sql };

        let preview = ScoreSnapshot::load(db.conn())
            .unwrap()
            .preview(&candidate)
            .unwrap();
        let applied = apply_thresholds(&mut db, candidate, until).unwrap();
        let after = stats(db.conn()).unwrap();
        assert_eq!(preview.moved, applied.moved, "moves at {candidate:?}");
        assert_eq!(preview.stages, after.stages, "stages at {candidate:?}");
        assert_eq!(preview.cooling, applied.cooling, "cooling at {candidate:?}");
        let stored_cooling: u32 = db
            .conn()
            .query_row("SELECT COUNT(*) FROM leads WHERE cooling = 1", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(
            stored_cooling, applied.cooling,
            "stored cooling at {candidate:?}"
        );

        let pinned_stage: String = db
            .conn()
            .query_row("SELECT stage FROM leads WHERE id = ?1", [pinned], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(pinned_stage, "new");
        let history = threshold_history(db.conn()).unwrap();
        assert_eq!(history[0].moved, applied.moved.total());
        assert_eq!(history[0].old, Some(Thresholds::DEFAULT));
    }
}

#[test]
fn histogram_counts_every_lead() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = demo(&dir.path().join("histogram.db"), 800);
    let snapshot = ScoreSnapshot::load(db.conn()).unwrap();
    let counted: u32 = snapshot.histogram().iter().map(|bin| bin.count).sum();
    assert_eq!(counted, 800);
    let svg = histogram_svg(
        "Scores",
        snapshot.histogram(),
        &Thresholds::DEFAULT,
        (640, 320),
        Theme::Dark,
    )
    .unwrap();
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains("MQL 40"), "threshold label missing");
}

#[test]
fn backtest_recall_falls_with_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = demo(&dir.path().join("backtest.db"), 1_500);
    let snapshot = ScoreSnapshot::load(db.conn()).unwrap();
    let outcomes = Outcomes::load(db.conn()).unwrap();
    let candidates = candidate_thresholds(&snapshot, 20);
    let backtest = outcomes.evaluate(&candidates, &snapshot);
    assert!(backtest.customers > 0);
    assert!(backtest.decided > backtest.customers);
    assert_eq!(
        backtest.points[0].recall,
        Some(1.0),
        "threshold 0 sends everyone"
    );
    for pair in backtest.points.windows(2) {
        assert!(pair[0].sent >= pair[1].sent);
        assert!(pair[0].volume >= pair[1].volume);
        assert!(pair[0].recall >= pair[1].recall);
    }
    let svg = backtest_svg(
        ["Backtest", "Recall", "Precision"],
        &backtest,
        Some(&Thresholds::DEFAULT),
        (640, 320),
        Theme::Light,
    )
    .unwrap();
    assert!(svg.contains("Precision"));
}

#[test]
fn explanation_adds_up_on_demo() {
    let dir = tempfile::tempdir().unwrap();
    let (db, until) = demo(&dir.path().join("explain.db"), 300);
    for id in 1..=300 {
        let explanation = explain(db.conn(), id, until).unwrap();
        let parts: i64 = explanation
            .rules
            .iter()
            .map(|p| to_hundredths(p.points))
            .sum();
        assert_eq!(parts, to_hundredths(explanation.score), "lead {id}");
        let stored: f64 = db
            .conn()
            .query_row("SELECT score FROM leads WHERE id = ?1", [id], |r| r.get(0))
            .unwrap();
        assert_eq!(explanation.score, stored, "lead {id}");
    }
    let series = score_series(db.conn(), 1, until).unwrap();
    assert_eq!(series.last().map(|p| p.at), Some(until));
    assert_eq!(
        series.last().map(|p| p.score),
        Some(explain(db.conn(), 1, until).unwrap().score)
    );
    assert!(series_svg(&series, (320, 120), Theme::Light)
        .unwrap()
        .starts_with("<svg"));
}
