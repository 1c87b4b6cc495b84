//! The pipeline board in the real window: mouse and keyboard moves, the
//! Customer dialog, undo and filters, checked against the database file.

use std::path::Path;
use std::thread::sleep;
use std::time::{Duration, Instant};

use leadbench::demo::DemoOptions;
use leadbench::Database;
use leadbench_e2e::App;
use rusqlite::Connection;

fn demo_database(path: &Path) {
    let mut db = Database::open(path).unwrap();
    let until = leadbench::time::parse_instant("until", "2024-12-31").unwrap();
    leadbench::demo::generate(
        &mut db,
        &DemoOptions {
            leads: 2_000,
            seed: 5,
            until,
        },
    )
    .unwrap();
}

fn stage_of(db: &Path, lead: i64) -> String {
    Connection::open(db)
        .unwrap()
        .query_row("SELECT stage FROM leads WHERE id = ?1", [lead], |r| {
            r.get(0)
        })
        .unwrap()
}

/// Waits until the database stores `lead` in `stage`.
fn wait_for_stage(db: &Path, lead: i64, stage: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while stage_of(db, lead) != stage {
        assert!(
            Instant::now() < deadline,
            "lead {lead} never reached {stage}; it is in {}",
            stage_of(db, lead)
        );
        sleep(Duration::from_millis(100));
    }
}

fn count(app: &App, stage: &str) -> i64 {
    let text = app.wait_for_text(&format!("[data-testid=count-{stage}]"), |t| !t.is_empty());
    text.replace([',', '.'], "").parse().unwrap()
}

fn first_card(app: &App, stage: &str) -> i64 {
    let css = format!("[data-testid=column-{stage}] [data-testid=card]");
    app.wait_for(&css);
    app.attribute(&css, "data-lead-id")
        .unwrap()
        .parse()
        .unwrap()
}

fn last_history(db: &Path, lead: i64) -> (String, String, String, i64) {
    Connection::open(db)
        .unwrap()
        .query_row(
            "SELECT s.from_stage, s.to_stage, s.reason, l.pinned FROM stage_changes s JOIN leads l ON l.id = s.lead_id
             WHERE s.lead_id = ?1 ORDER BY s.id DESC LIMIT 1",
            [lead],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap()
}

#[test]
fn board_moves_by_mouse_and_keyboard() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("board.db");
    demo_database(&db);
    // Scoring marks cooling leads; mark the top MQLs so a few cards show it.
    Connection::open(&db)
        .unwrap()
        .execute(
            "UPDATE leads SET cooling = 1 WHERE id IN
                 (SELECT id FROM leads WHERE stage = 'mql' ORDER BY score DESC LIMIT 3)",
            [],
        )
        .unwrap();
    let env = [("LANG", "en_US.UTF-8"), ("LC_ALL", "en_US.UTF-8")];
    let app = App::launch(&db, dir.path(), &env);
    app.set_window_size(1600, 950);

    app.click("[data-testid=nav-pipeline]");
    app.wait_for("[data-testid=column-mql] [data-testid=card]");
    let cooling_hint = app.script(
        "const mark = document.querySelector('[data-testid=column-mql] [data-testid=card-cooling]');
         return mark && mark.getAttribute('title');",
        serde_json::json!([]),
    );
    assert!(
        cooling_hint
            .as_str()
            .is_some_and(|t| t.starts_with("Cooling")),
        "no cooling mark on the top MQL cards: {cooling_hint}"
    );
    let mql_before = count(&app, "mql");
    let sql_before = count(&app, "sql");
    app.screenshot("board-en");

    // Mouse: drag the first MQL card onto the SQL column.
    let dragged = first_card(&app, "mql");
    app.drag(
        &format!("[data-testid=card][data-lead-id='{dragged}']"),
        "[data-testid=column-sql] .column-body",
    );
    wait_for_stage(&db, dragged, "sql");
    assert_eq!(
        last_history(&db, dragged),
        ("mql".into(), "sql".into(), "manual".into(), 1)
    );
    app.wait_for(&format!(
        "[data-testid=column-sql] [data-lead-id='{dragged}']"
    ));
    app.wait_for_text("[data-testid=count-sql]", |t| {
        t.replace(',', "") == (sql_before + 1).to_string()
    });
    assert_eq!(count(&app, "mql"), mql_before - 1);

    // Keyboard: focus the next MQL card and press 4 (the SQL column).
    let keyed = first_card(&app, "mql");
    // Typing focuses the card; a click would open the lead panel instead.
    let card = format!("[data-testid=card][data-lead-id='{keyed}']");
    app.type_into(&card, "4");
    wait_for_stage(&db, keyed, "sql");
    assert_eq!(last_history(&db, keyed).2, "manual");

    // Undo from the toast returns the lead and removes its history row.
    let history_before: i64 = Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM stage_changes WHERE lead_id = ?1",
            [keyed],
            |r| r.get(0),
        )
        .unwrap();
    app.click("[data-testid=undo]");
    wait_for_stage(&db, keyed, "mql");
    let history_after: i64 = Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM stage_changes WHERE lead_id = ?1",
            [keyed],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(history_after, history_before - 1);
    app.wait_for(&format!(
        "[data-testid=column-mql] [data-lead-id='{keyed}']"
    ));

    // Moving to Customer opens a dialog for the won date and the deal value.
    let won = first_card(&app, "sql");
    let card = format!("[data-testid=card][data-lead-id='{won}']");
    app.type_into(&card, "5");
    app.wait_for("[data-testid=move-dialog]");
    app.type_into("[data-testid=deal-value]", "12500");
    let won_date = app.script(
        "return document.querySelector('[data-testid=won-date]').value",
        serde_json::json!([]),
    );
    assert!(
        won_date.as_str().is_some_and(|d| d.len() == 10),
        "won date {won_date}"
    );
    app.screenshot("board-customer-dialog-en");
    app.click("[data-testid=confirm-move]");
    wait_for_stage(&db, won, "customer");
    let deal: i64 = Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT value_cents FROM deals WHERE lead_id = ?1 ORDER BY id DESC LIMIT 1",
            [won],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(deal, 1_250_000);

    // Filtering by owner shows that owner's leads only, in every column.
    app.select("[data-testid=board-owner]", "Grace Walker");
    let expected: i64 = Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM leads WHERE owner = 'Grace Walker' AND stage = 'sql'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    app.wait_for_text("[data-testid=count-sql]", |t| {
        t.replace(',', "") == expected.to_string()
    });
    app.screenshot("board-filtered-en");

    // After a reload the board still matches the database; the owner filter
    // is kept between launches, so it is cleared first.
    app.click("[data-testid=board-clear]");
    app.wait_for_text("[data-testid=count-sql]", |t| {
        t.replace(',', "") != expected.to_string()
    });
    app.script(
        "window.beforeReload = true; location.reload()",
        serde_json::json!([]),
    );
    app.wait_for_value("return window.beforeReload === undefined && document.querySelector('[data-testid=screen-leads]') !== null", serde_json::json!(true));
    app.click("[data-testid=nav-pipeline]");
    let conn = Connection::open(&db).unwrap();
    for stage in ["new", "mql", "warm", "sql", "customer", "disqualified"] {
        let stored: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM leads WHERE stage = ?1",
                [stage],
                |r| r.get(0),
            )
            .unwrap();
        app.wait_for_text(&format!("[data-testid=count-{stage}]"), |t| {
            t.replace(',', "") == stored.to_string()
        });
    }
    app.screenshot("board-after-reload-en");
}
