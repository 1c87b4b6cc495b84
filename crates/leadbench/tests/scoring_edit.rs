//! Rule edits from the Scoring screen re-score every lead in the same
//! transaction, and the screen's preview matches applying thresholds.

mod scoring_support;

use leadbench::charts::Theme;
use leadbench::demo::{generate, DemoOptions};
use leadbench::scoring::edit::{check_rule, edit_rules, RuleEdit};
use leadbench::scoring::preview::ScoreSnapshot;
use leadbench::scoring::rules::{RuleBody, RuleIssue};
use leadbench::scoring::stages::{apply_thresholds, Thresholds};
use leadbench::scoring::store::{list_rules, rule_history};
use leadbench::scoring::workbench::{PreviewLabels, PreviewRequest, Workbench};
use leadbench::Database;
use scoring_support::at;

fn demo(path: &std::path::Path) -> (Database, i64) {
    let until = at("2024-12-31T00:00:00Z");
    let mut db = Database::open(path).unwrap();
    let options = DemoOptions {
        leads: 800,
        seed: 5,
        until,
    };
    generate(&mut db, &options).unwrap();
    (db, until)
}

fn score_of(db: &Database, lead: i64) -> f64 {
    db.conn()
        .query_row("SELECT score FROM leads WHERE id = ?1", [lead], |row| {
            row.get(0)
        })
        .unwrap()
}

fn request(thresholds: Thresholds) -> PreviewRequest {
    PreviewRequest {
        thresholds,
        labels: PreviewLabels {
            histogram_title: "Scores".to_owned(),
            backtest_title: "Backtest".to_owned(),
            recall: "Recall".to_owned(),
            precision: "Precision".to_owned(),
        },
        theme: Theme::Dark,
        width: 640,
        height: 300,
    }
}

#[test]
fn points_edit_rescores_leads() {
    let dir = tempfile::tempdir().unwrap();
    let (mut db, until) = demo(&dir.path().join("edit.db"));
    let mut workbench = Workbench::default();
    let overview = workbench.overview(&mut db, until).unwrap();
    let director = overview
        .rules
        .iter()
        .find(|rule| rule.name == "Director")
        .unwrap()
        .clone();
    let lead: i64 = db
        .conn()
        .query_row(
            "SELECT id FROM leads WHERE job_title LIKE '%Director%' ORDER BY id LIMIT 1",
            [],
            |row| row.get(0),
        )
        .unwrap();
    let before = score_of(&db, lead);

    let mut edited = director.clone();
    edited.body = RuleBody::Fit {
        condition: match &director.body {
            RuleBody::Fit { condition, .. } => condition.clone(),
            _ => unreachable!("Director is a fit rule"),
        },
        points: 40.0,
    };
    let result = edit_rules(&mut db, &RuleEdit::Save { rule: edited }, until).unwrap();
    assert!(result.rescored.changed > 0);
    assert_eq!(score_of(&db, lead), before + 25.0);
    assert_eq!(rule_history(db.conn(), 1).unwrap()[0].action, "edit");

    let id = director.id.unwrap();
    edit_rules(&mut db, &RuleEdit::SetEnabled { id, enabled: false }, until).unwrap();
    assert_eq!(score_of(&db, lead), before - 15.0);
}

#[test]
fn invalid_edit_saves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut db, until) = demo(&dir.path().join("invalid.db"));
    let rules = Workbench::default().overview(&mut db, until).unwrap().rules;
    let mut clash = rules[1].clone();
    clash.id = None;
    assert_eq!(
        check_rule(db.conn(), &clash).unwrap(),
        Some(RuleIssue::SameName {
            name: clash.name.clone()
        })
    );
    assert_eq!(check_rule(db.conn(), &rules[1]).unwrap(), None);

    let error = edit_rules(&mut db, &RuleEdit::Save { rule: clash }, until).unwrap_err();
    assert!(error.to_string().contains("same name"), "{error}");
    let error = edit_rules(&mut db, &RuleEdit::Delete { id: 9_999 }, until).unwrap_err();
    assert!(error.to_string().contains("9999"), "{error}");
    assert_eq!(list_rules(db.conn()).unwrap(), rules);
}

#[test]
fn workbench_preview_predicts_apply() {
    let dir = tempfile::tempdir().unwrap();
    let (mut db, until) = demo(&dir.path().join("preview.db"));
    let mut workbench = Workbench::default();
    let candidate = Thresholds {
        mql: 25.0,
        warm: 45.0,
        sql: 70.0,
    };
    let shown = workbench.preview(db.conn(), &request(candidate)).unwrap();
    assert_eq!(shown.at_thresholds.len(), 3);
    let by_origin: u32 = shown.preview.transitions.iter().map(|m| m.count).sum();
    assert_eq!(by_origin, shown.preview.moved.total());
    assert!(shown.preview.transitions.iter().all(|m| m.from < m.to));
    assert!(shown.histogram_svg.starts_with("<svg"));
    assert!(shown.backtest_svg.contains("Precision"));

    let applied = apply_thresholds(&mut db, candidate, until).unwrap();
    assert_eq!(applied.moved, shown.preview.moved);
    assert_eq!(applied.cooling, shown.preview.cooling);
    let after = ScoreSnapshot::load(db.conn()).unwrap();
    let now = after.preview(&candidate).unwrap();
    assert_eq!(now.stages, shown.preview.stages);
    assert_eq!(
        now.moved.total(),
        0,
        "the cache was refreshed after the write"
    );
    let again = workbench.preview(db.conn(), &request(candidate)).unwrap();
    assert_eq!(again.preview.moved.total(), 0);
}
