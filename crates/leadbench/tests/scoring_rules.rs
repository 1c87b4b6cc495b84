//! Rule editing and hostile input: every invalid rule or threshold is
//! rejected with a clear message and nothing is saved.

mod scoring_support;

use leadbench::scoring::rules::{parse_rule_set, Decay, Field, RuleBody, Test};
use leadbench::scoring::stages::{apply_thresholds, threshold_history, Thresholds};
use leadbench::scoring::store::{
    delete_rule, export_rules, import_rules, list_rules, reorder_rules, rule_history,
    rules_for_editing, save_rule, set_rule_enabled,
};
use leadbench::{Database, ErrorKind};
use scoring_support::*;

const NOW: i64 = 1_717_400_000;

fn saved_state(db: &Database) -> (i64, i64, i64) {
    db.conn()
        .query_row(
            "SELECT (SELECT COUNT(*) FROM scoring_rules), (SELECT COUNT(*) FROM scoring_rule_changes),
                    (SELECT COUNT(*) FROM score_thresholds)",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .unwrap()
}

#[test]
fn empty_condition_rejected() {
    let mut db = Database::open_in_memory().unwrap();
    let rule = fit_rule(
        "Blank title",
        Field::JobTitle,
        Test::Equals {
            value: "  ".to_owned(),
        },
        5.0,
    );
    let error = save_rule(&mut db, &rule, NOW).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    let message = error.to_string();
    assert!(message.contains("Blank title"), "{message}");
    assert!(message.contains("condition is empty"), "{message}");
    assert_eq!(saved_state(&db), (0, 0, 0));

    let empty_list = fit_rule(
        "No values",
        Field::Industry,
        Test::OneOf { values: vec![] },
        5.0,
    );
    let message = save_rule(&mut db, &empty_list, NOW)
        .unwrap_err()
        .to_string();
    assert!(message.contains("lists no values"), "{message}");

    let mut no_key = fit_rule("Custom without key", Field::Custom, Test::NotEmpty, 5.0);
    if let RuleBody::Fit { condition, .. } = &mut no_key.body {
        condition.key = Some(String::new());
    }
    let message = save_rule(&mut db, &no_key, NOW).unwrap_err().to_string();
    assert!(message.contains("names none"), "{message}");
    assert_eq!(saved_state(&db), (0, 0, 0));
}

#[test]
fn zero_cap_rejected() {
    let mut db = Database::open_in_memory().unwrap();
    let mut rule = behaviour_rule("Clicks", "email_click", 3.0, Decay::None);
    if let RuleBody::Behaviour(behaviour) = &mut rule.body {
        behaviour.cap = Some(0.0);
    }
    let message = save_rule(&mut db, &rule, NOW).unwrap_err().to_string();
    assert!(message.contains("Clicks"), "{message}");
    assert!(message.contains("cap 0"), "{message}");
    assert_eq!(saved_state(&db), (0, 0, 0));
}

#[test]
fn bad_points_and_decay_rejected() {
    let mut db = Database::open_in_memory().unwrap();
    let cases = [
        (
            "zero points",
            behaviour_rule("Zero", "page_view", 0.0, Decay::None),
            "is 0",
        ),
        (
            "not a number",
            behaviour_rule("NaN", "page_view", f64::NAN, Decay::None),
            "not a number",
        ),
        (
            "negative half-life",
            behaviour_rule("Decay", "page_view", 1.0, Decay::HalfLife { days: -3.0 }),
            "decay period",
        ),
        (
            "no event type",
            behaviour_rule("Typeless", " ", 1.0, Decay::None),
            "no event type",
        ),
        (
            "range upside down",
            fit_rule(
                "Range",
                Field::CompanySize,
                Test::Range {
                    min: Some(200.0),
                    max: Some(50.0),
                },
                1.0,
            ),
            "above the maximum",
        ),
    ];
    for (label, rule, expected) in cases {
        let message = save_rule(&mut db, &rule, NOW).unwrap_err().to_string();
        assert!(message.contains(expected), "{label}: {message}");
    }
    assert_eq!(saved_state(&db), (0, 0, 0));
}

#[test]
fn bad_thresholds_rejected() {
    let mut db = Database::open_in_memory().unwrap();
    let cases = [
        ("not a number", ("abc", "60", "80"), "not a number"),
        ("empty", ("", "60", "80"), "not a number"),
        ("infinite", ("inf", "60", "80"), "not a number"),
        ("negative", ("-5", "60", "80"), "cannot be negative"),
        ("out of order", ("40", "90", "80"), "must rise"),
        ("equal", ("40", "40", "80"), "must rise"),
    ];
    for (label, (mql, warm, sql), expected) in cases {
        let error = Thresholds::parse(mql, warm, sql).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{label}");
        assert!(error.to_string().contains(expected), "{label}: {error}");
    }

    let upside_down = Thresholds {
        mql: 80.0,
        warm: 60.0,
        sql: 40.0,
    };
    assert!(apply_thresholds(&mut db, upside_down, NOW).is_err());
    let not_a_number = Thresholds {
        mql: f64::NAN,
        warm: 60.0,
        sql: 80.0,
    };
    assert!(apply_thresholds(&mut db, not_a_number, NOW).is_err());
    assert!(threshold_history(db.conn()).unwrap().is_empty());
    assert_eq!(saved_state(&db), (0, 0, 0));
}

#[test]
fn import_with_one_bad_rule_saves_nothing() {
    let mut db = Database::open_in_memory().unwrap();
    let before = list_rules(db.conn()).unwrap();
    let mut set = export_rules(db.conn()).unwrap();
    if let RuleBody::Behaviour(behaviour) = &mut set.rules[10].body {
        behaviour.cap = Some(0.0);
    }
    let text = serde_json::to_string(&set).unwrap();
    let message = parse_rule_set(&text).unwrap_err().to_string();
    assert!(message.contains(&set.rules[10].name), "{message}");
    assert!(import_rules(&mut db, &set, NOW).is_err());
    assert_eq!(list_rules(db.conn()).unwrap(), before);
    assert_eq!(saved_state(&db), (0, 0, 0));

    let message = parse_rule_set(r#"{"version": 1, "rules": [{"name": "x"}]}"#)
        .unwrap_err()
        .to_string();
    assert!(message.contains("missing field"), "{message}");
}

#[test]
fn rule_edits_are_logged() {
    let mut db = Database::open_in_memory().unwrap();
    let rules = rules_for_editing(&mut db, NOW).unwrap();
    assert!(rules.iter().all(|rule| rule.id.is_some()));

    let added = save_rule(
        &mut db,
        &behaviour_rule("Case study", "case_study_view", 4.0, Decay::None),
        NOW + 1,
    )
    .unwrap();
    let id = added.id.unwrap();
    let mut edited = added.clone();
    edited.name = "Case study read".to_owned();
    save_rule(&mut db, &edited, NOW + 2).unwrap();
    set_rule_enabled(&mut db, id, false, NOW + 3).unwrap();
    let mut order: Vec<i64> = list_rules(db.conn())
        .unwrap()
        .iter()
        .filter_map(|r| r.id)
        .collect();
    order.reverse();
    reorder_rules(&mut db, &order, NOW + 4).unwrap();
    assert_eq!(list_rules(db.conn()).unwrap()[0].id, Some(id));
    delete_rule(&mut db, id, NOW + 5).unwrap();

    let actions: Vec<String> = rule_history(db.conn(), 10)
        .unwrap()
        .into_iter()
        .map(|change| change.action)
        .collect();
    assert_eq!(
        actions,
        ["delete", "reorder", "disable", "edit", "add", "seed"]
    );

    let duplicate = behaviour_rule("Executive", "page_view", 1.0, Decay::None);
    let message = save_rule(&mut db, &duplicate, NOW).unwrap_err().to_string();
    assert!(message.contains("same name"), "{message}");
}

#[test]
fn export_import_round_trip() {
    let mut source = Database::open_in_memory().unwrap();
    rules_for_editing(&mut source, NOW).unwrap();
    let set = export_rules(source.conn()).unwrap();
    let text = serde_json::to_string_pretty(&set).unwrap();

    let mut target = Database::open_in_memory().unwrap();
    let parsed = parse_rule_set(&text).unwrap();
    assert_eq!(
        import_rules(&mut target, &parsed, NOW).unwrap(),
        set.rules.len()
    );
    let names = |db: &Database| -> Vec<String> {
        list_rules(db.conn())
            .unwrap()
            .into_iter()
            .map(|r| r.name)
            .collect()
    };
    assert_eq!(names(&target), names(&source));
}
