//! The Scoring screen in the real window: a threshold moved with the
//! keyboard previews the same counts as the `leadbench` library, Apply
//! re-stages the leads and records the change, and a rule edit changes a
//! lead's stored score. Default rule names and the disqualifying rule on
//! a board card read in Dutch. Screenshots in English and Dutch, light and
//! dark.

use std::path::Path;

use leadbench::demo::DemoOptions;
use leadbench::model::{Stage, StageCounts};
use leadbench::scoring::preview::{ScoreSnapshot, ThresholdPreview};
use leadbench::scoring::stages::{threshold_history, Thresholds};
use leadbench::Database;
use leadbench_e2e::App;
use rusqlite::Connection;
use serde_json::json;

/// WebDriver key code of the left arrow key.
const ARROW_LEFT: &str = "\u{E012}";

fn demo_database(path: &Path) {
    let mut db = Database::open(path).unwrap();
    let options = DemoOptions {
        leads: 2_000,
        seed: 11,
        until: leadbench::time::now(),
    };
    leadbench::demo::generate(&mut db, &options).unwrap();
}

fn english(db: &Path, dir: &Path, extra: &[(&str, &str)]) -> App {
    let mut env = vec![("LANG", "en_US.UTF-8"), ("LC_ALL", "en_US.UTF-8")];
    env.extend_from_slice(extra);
    let app = App::launch(db, dir, &env);
    app.set_window_size(1600, 1000);
    app
}

/// Reads a whole number shown with any thousands separator.
fn count_in(text: &str) -> u32 {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no count in {text:?}"))
}

fn slider_value(app: &App, name: &str) -> f64 {
    let value = app.script(
        "return Number(document.querySelector(arguments[0]).value);",
        json!([format!("[data-testid=slider-{name}]")]),
    );
    value.as_f64().unwrap()
}

/// Waits until the preview shows `thresholds`, so its counts belong to them.
fn wait_for_preview_of(app: &App, thresholds: &Thresholds) {
    let script = "const p = document.querySelector('[data-testid=scoring-preview]');
         return p ? `${p.dataset.mql}/${p.dataset.warm}/${p.dataset.sql}` : null;";
    let expected = format!("{}/{}/{}", thresholds.mql, thresholds.warm, thresholds.sql);
    app.wait_for_value(script, json!(expected));
}

fn shown_stage_count(app: &App, stage: &str) -> u32 {
    let css = format!("[data-testid=preview-stage-{stage}] [data-testid=after]");
    count_in(&app.wait_for_text(&css, |text| !text.is_empty()))
}

fn count_of(counts: &StageCounts, stage: Stage) -> u32 {
    match stage {
        Stage::New => counts.new,
        Stage::Mql => counts.mql,
        Stage::Warm => counts.warm,
        Stage::Sql => counts.sql,
        Stage::Customer => counts.customer,
        Stage::Disqualified => counts.disqualified,
    }
}

fn stage_counts(db: &Path) -> StageCounts {
    let conn = Connection::open(db).unwrap();
    leadbench::leads::stats(&conn).unwrap().stages
}

fn library_preview(db: &Path, thresholds: &Thresholds) -> ThresholdPreview {
    let conn = Connection::open(db).unwrap();
    ScoreSnapshot::load(&conn)
        .unwrap()
        .preview(thresholds)
        .unwrap()
}

fn score_of(db: &Path, lead: i64) -> f64 {
    let conn = Connection::open(db).unwrap();
    conn.query_row("SELECT score FROM leads WHERE id = ?1", [lead], |row| {
        row.get(0)
    })
    .unwrap()
}

/// Waits until the explanation shows `score`, compared as text because
/// JSON treats 62 and 62.0 as different values.
fn wait_for_explained_score(app: &App, score: f64) {
    app.wait_for_value(
        "return document.querySelector('[data-testid=explanation]')?.dataset.score ?? null;",
        json!(score.to_string()),
    );
}

/// Sets an input's text the way typing does, firing an input event.
fn set_input(app: &App, css: &str, text: &str) {
    app.wait_for(css);
    app.script(
        "const input = document.querySelector(arguments[0]);
         input.value = arguments[1];
         input.dispatchEvent(new Event('input', { bubbles: true }));",
        json!([css, text]),
    );
}

#[test]
fn threshold_preview_matches_library() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("scoring.db");
    demo_database(&db);

    let app = english(&db, dir.path(), &[]);
    app.click("[data-testid=nav-scoring]");
    app.wait_for("[data-testid=scoring-histogram]");
    let saved = Thresholds::DEFAULT;
    wait_for_preview_of(&app, &saved);
    assert_eq!(slider_value(&app, "mql"), saved.mql);

    // Ten presses of the left arrow lower MQL by ten points.
    for _ in 0..10 {
        app.type_into("[data-testid=slider-mql]", ARROW_LEFT);
    }
    let candidate = Thresholds {
        mql: slider_value(&app, "mql"),
        ..saved
    };
    assert_eq!(
        candidate.mql,
        saved.mql - 10.0,
        "the slider follows the keys"
    );
    wait_for_preview_of(&app, &candidate);

    let expected = library_preview(&db, &candidate);
    assert!(expected.moved.mql > 0, "lowering MQL moves leads into MQL");
    for stage in Stage::ALL {
        assert_eq!(
            shown_stage_count(&app, stage.as_str()),
            count_of(&expected.stages, stage),
            "{stage:?} after applying"
        );
    }
    let moved = app.attribute("[data-testid=preview-moved]", "data-count");
    assert_eq!(moved, Some(expected.moved.total().to_string()));
    let from_new = app.attribute("[data-testid=move-new-mql]", "data-count");
    let expected_from_new = expected
        .transitions
        .iter()
        .find(|m| m.from == Stage::New && m.to == Stage::Mql)
        .map(|m| m.count.to_string());
    assert_eq!(from_new, expected_from_new);
    app.screenshot("scoring-thresholds-en");

    // Out-of-order numbers are named and cannot be applied.
    set_input(&app, "[data-testid=threshold-mql]", "70");
    app.wait_for_text("[data-testid=threshold-problem]", |text| {
        text == "MQL 70 must be below Warm 60. Lower MQL or raise Warm."
    });
    let disabled = app.attribute("[data-testid=apply-thresholds]", "disabled");
    assert!(disabled.is_some(), "Apply is disabled while MQL > Warm");
    set_input(&app, "[data-testid=threshold-mql]", "30");
    wait_for_preview_of(&app, &candidate);

    // Apply: the stages in the file are the previewed ones, and the change is logged.
    app.click("[data-testid=apply-thresholds]");
    app.wait_for_text("[data-testid=notice]", |text| {
        text.starts_with("Thresholds applied")
    });
    assert_eq!(stage_counts(&db), expected.stages);
    let conn = Connection::open(&db).unwrap();
    let history = threshold_history(&conn).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].new, candidate);
    assert_eq!(history[0].old, Some(saved));
    assert_eq!(history[0].moved, expected.moved.total());
    app.wait_for_text("[data-testid=threshold-history] tbody", |text| {
        text.contains("40 / 60 / 80") && text.contains("30 / 60 / 80")
    });
    app.wait_for_text("[data-testid=preview-moved]", |text| {
        text == "No lead would move."
    });
}

#[test]
fn rule_edit_changes_lead_score() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rules.db");
    demo_database(&db);
    let conn = Connection::open(&db).unwrap();
    let (lead, title): (i64, String) = conn
        .query_row(
            "SELECT id, job_title FROM leads WHERE job_title LIKE '%Director%'
               AND job_title NOT LIKE 'Managing Director' ORDER BY id LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    let (disqualified, disqualified_email): (i64, String) = conn
        .query_row(
            "SELECT id, email FROM leads WHERE disqualified_by = 'Do not contact'
               AND email IS NOT NULL ORDER BY id LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    drop(conn);
    let before = score_of(&db, lead);

    let app = english(&db, dir.path(), &[]);
    app.click("[data-testid=nav-scoring]");
    app.click("[data-testid=scoring-tab-rules]");

    // A disqualified lead names its rule, and the rule counts its leads.
    app.type_into("[data-testid=explain-lead]", &disqualified.to_string());
    app.click("[data-testid=explain-button]");
    app.wait_for_text("[data-testid=explanation-disqualified]", |text| {
        text == "Disqualified by the rule \"Do not contact\""
    });
    app.wait_for_text(
        "[data-rule='Do not contact'] [data-testid=disqualified-count]",
        |text| text.starts_with("Matches ") && !text.starts_with("Matches 0 "),
    );

    // Explain the director, then raise the Director rule from 15 to 40 points.
    set_input(&app, "[data-testid=explain-lead]", &lead.to_string());
    app.click("[data-testid=explain-button]");
    wait_for_explained_score(&app, before);
    app.click("[data-rule=Director] [data-testid=edit-rule]");
    app.wait_for("[data-testid=rule-editor]");
    set_input(&app, "[data-testid=rule-points]", "0");
    app.wait_for_text("[data-testid=rule-problem]", |text| {
        text.starts_with("Points are 0, so the rule would do nothing.")
    });
    set_input(&app, "[data-testid=rule-points]", "4x");
    app.wait_for_text("[data-testid=rule-problem]", |text| {
        text == "The points \"4x\" are not a number. Enter a number such as 10 or -5."
    });
    set_input(&app, "[data-testid=rule-points]", "40");
    app.wait_for_text("[data-testid=rule-problem]", str::is_empty);
    app.screenshot("scoring-editor-en");
    app.wait_for_value(
        "return document.querySelector('[data-testid=save-rule]').disabled;",
        json!(false),
    );
    app.click("[data-testid=save-rule]");
    app.wait_for_text("[data-testid=notice]", |text| {
        text.starts_with("Rule \"Director\" saved. All leads rescored:")
    });

    let after = score_of(&db, lead);
    assert_eq!(after, before + 25.0, "{title} gains 25 points");
    wait_for_explained_score(&app, after);
    app.wait_for_text("[data-rule=Director] [data-testid=rule-effect]", |text| {
        text == "+40 points"
    });
    app.wait_for_text("[data-testid=rule-history] tbody tr", |text| {
        text.contains("Edited") && text.contains("Director")
    });
    app.screenshot("scoring-rules-en");

    // Dutch: the same screen with Dutch words.
    app.click("[data-testid=nav-settings]");
    app.select("[data-testid=settings-language]", "nl");
    app.wait_for_text("[data-testid=nav-settings]", |text| {
        text.ends_with("Instellingen")
    });
    app.click("[data-testid=nav-scoring]");
    app.wait_for_text("[data-testid=scoring-tab-rules]", |text| text == "Regels");
    app.wait_for_text("[data-rule=Director] [data-testid=rule-effect]", |text| {
        text == "+40 punten"
    });
    // Default rules that keep their English name show the Dutch one.
    app.wait_for_text("[data-rule='Pricing page visit'] .name", |text| {
        text == "Bezoek aan prijspagina"
    });
    app.screenshot("scoring-rules-nl");
    // The editor shows that name too, and saving it unchanged keeps the
    // stored English name, so the rule stays translatable.
    app.click("[data-rule='Pricing page visit'] [data-testid=edit-rule]");
    app.wait_for("[data-testid=rule-editor]");
    assert_eq!(
        app.script(
            "return document.querySelector('[data-testid=rule-name]').value;",
            json!([])
        ),
        json!("Bezoek aan prijspagina")
    );
    app.screenshot("scoring-editor-nl");
    app.wait_for_value(
        "return document.querySelector('[data-testid=save-rule]').disabled;",
        json!(false),
    );
    app.click("[data-testid=save-rule]");
    app.wait_for_text("[data-testid=notice]", |text| {
        text.starts_with("Regel \"Bezoek aan prijspagina\" opgeslagen.")
    });
    let stored: i64 = Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM scoring_rules WHERE name = 'Pricing page visit'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(stored, 1, "the rule keeps its stored name");
    app.click("[data-testid=scoring-tab-thresholds]");
    app.wait_for("[data-testid=scoring-backtest]");
    app.wait_for_text("[data-testid=preview-stage-new] th", |text| text == "Nieuw");
    app.screenshot("scoring-thresholds-nl");

    // The board card of the disqualified lead names its rule, in Dutch.
    app.click("[data-testid=nav-pipeline]");
    app.type_into("[data-testid=board-search]", &disqualified_email);
    let badge = format!("[data-lead-id='{disqualified}'] [data-testid=card-disqualified]");
    app.wait_for_text(&badge, |text| text == "⊘ Niet benaderen");
    assert_eq!(
        app.attribute(&badge, "title").as_deref(),
        Some("Afgewezen door de regel \"Niet benaderen\"")
    );
    app.screenshot("scoring-board-disqualified-nl");
}

#[test]
fn scoring_screen_in_dark_theme() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("dark.db");
    demo_database(&db);

    let app = english(&db, dir.path(), &[("GTK_THEME", "Adwaita:dark")]);
    app.click("[data-testid=nav-scoring]");
    app.wait_for("[data-testid=scoring-backtest]");
    let dark = app.script(
        "return window.matchMedia('(prefers-color-scheme: dark)').matches;",
        json!([]),
    );
    app.screenshot("scoring-thresholds-dark-en");
    app.click("[data-testid=scoring-tab-rules]");
    app.click("[data-rule='Pricing page visit'] [data-testid=edit-rule]");
    app.wait_for("[data-testid=rule-editor]");
    app.screenshot("scoring-editor-dark-en");

    // Shift+Tab on the first field wraps to the last button, and Escape
    // closes the dialog and gives focus back to the button that opened it.
    // The keys are sent as DOM events, so the check covers the dialog's own
    // handling and not how the WebDriver turns key codes into focus moves.
    let press = "const input = document.querySelector('[data-testid=rule-name]');
         input.focus();
         input.dispatchEvent(new KeyboardEvent('keydown',
             { key: arguments[0], shiftKey: arguments[1], bubbles: true }));";
    app.script(press, json!(["Tab", true]));
    app.wait_for_value(
        "return document.activeElement.dataset.testid ?? null;",
        json!("cancel-rule"),
    );
    app.script(press, json!(["Escape", false]));
    app.wait_for_value(
        "return document.querySelector('[data-testid=rule-editor]') === null;",
        json!(true),
    );
    app.wait_for_value(
        "return document.activeElement.closest('[data-rule]')?.dataset.rule ?? null;",
        json!("Pricing page visit"),
    );

    app.click("[data-testid=nav-settings]");
    app.select("[data-testid=settings-language]", "nl");
    app.click("[data-testid=nav-scoring]");
    app.wait_for_text("[data-testid=scoring-tab-thresholds]", |text| {
        text == "Drempels"
    });
    app.screenshot("scoring-rules-dark-nl");
    assert_eq!(
        dark,
        json!(true),
        "GTK_THEME=Adwaita:dark selects dark mode"
    );
}
