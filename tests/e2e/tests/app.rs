//! End-to-end tests of the real app window, driven through WebDriver.
//! Screenshots of every screen land in `target/e2e-screenshots/`.

use std::path::Path;

use leadbench::demo::DemoOptions;
use leadbench::Database;
use leadbench_e2e::App;
use serde_json::json;

const SCREENS: [&str; 6] = [
    "pipeline",
    "leads",
    "scoring",
    "nurture",
    "dashboard",
    "settings",
];

fn launch(dir: &Path, db: &Path) -> App {
    // A fixed locale makes the system default language English.
    let env = [
        ("LEADBENCH_LOG", "info"),
        ("LANG", "en_US.UTF-8"),
        ("LC_ALL", "en_US.UTF-8"),
    ];
    let app = App::launch(db, dir, &env);
    app.set_window_size(1440, 900);
    app
}

fn visit_every_screen(app: &App, language: &str) {
    for screen in SCREENS {
        app.click(&format!("[data-testid=nav-{screen}]"));
        app.wait_for(&format!("[data-testid=screen-{screen}]"));
        if screen == "leads" {
            app.wait_for_text("[data-testid=lead-row]", |text| {
                !text.is_empty() && !text.contains('…')
            });
        }
        if screen == "dashboard" {
            app.wait_for("[data-testid=chart-funnel]");
        }
        app.screenshot(&format!("{screen}-{language}"));
    }
}

#[test]
fn demo_data_navigation_and_language_switch() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e2e.db");
    let app = launch(dir.path(), &db);

    // An empty database opens on the welcome screen.
    app.wait_for("[data-testid=welcome]");
    app.screenshot("welcome-en");

    // "Import CSV" opens the import wizard; any other screen of an empty
    // database leads back to the welcome screen.
    app.click("[data-testid=import-csv]");
    app.wait_for("[data-testid=screen-import]");
    app.click("[data-testid=nav-leads]");
    app.wait_for("[data-testid=welcome]");

    // "Load demo data" fills the database and shows the Leads table.
    app.click("[data-testid=load-demo]");
    app.wait_for("[data-testid=screen-leads]");
    let count = app.wait_for_text("[data-testid=leads-count]", |text| text.contains("2,000"));
    assert_eq!(count, "2,000 leads");
    let rows = app.find_all("[data-testid=lead-row]");
    assert!(rows.len() >= 10, "only {} rows rendered", rows.len());

    // The database file now contains the demo leads.
    let stored: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM leads", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, 2_000);

    // Search narrows the table.
    app.type_into("[data-testid=leads-search]", "no such lead anywhere");
    app.wait_for_text("[data-testid=leads-count]", |text| text == "0 leads");
    app.script(
        "const input = document.querySelector('[data-testid=leads-search]');
         input.value = '';
         input.dispatchEvent(new Event('input', { bubbles: true }));",
        json!([]),
    );
    app.wait_for_text("[data-testid=leads-count]", |text| text == "2,000 leads");

    // Stage filter.
    app.select("[data-testid=leads-stage]", "customer");
    let customers = app.wait_for_text("[data-testid=leads-count]", |text| text != "2,000 leads");
    let expected: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM leads WHERE stage = 'customer'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(customers, format!("{expected} leads"));
    app.select("[data-testid=leads-stage]", "");

    visit_every_screen(&app, "en");

    // Switch to Dutch in Settings: the whole UI follows.
    app.click("[data-testid=nav-settings]");
    app.select("[data-testid=settings-language]", "nl");
    app.wait_for_text("[data-testid=nav-pipeline]", |text| {
        text.contains("Pijplijn")
    });
    app.wait_for_text("[data-testid=nav-settings]", |text| {
        text.contains("Instellingen")
    });
    visit_every_screen(&app, "nl");
    app.click("[data-testid=nav-leads]");
    app.wait_for_text("[data-testid=leads-count]", |text| text == "2.000 leads");

    // The choice is stored in the database and survives the switch back.
    let stored_language: String = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT value FROM settings WHERE key = 'language'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored_language, "nl");
    app.click("[data-testid=nav-settings]");
    app.select("[data-testid=settings-language]", "en");
    app.wait_for_text("[data-testid=nav-pipeline]", |text| {
        text.contains("Pipeline")
    });
}

#[test]
fn hostile_lead_text_and_100k_scrolling() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("big.db");
    {
        let mut database = Database::open(&db).unwrap();
        let until = leadbench::time::parse_instant("until", "2024-12-31").unwrap();
        leadbench::demo::generate(
            &mut database,
            &DemoOptions {
                leads: 100_000,
                seed: 3,
                until,
            },
        )
        .unwrap();
        // A lead whose name is markup must show as plain characters.
        database
            .conn()
            .execute(
                "UPDATE leads SET first_name = '<img src=x onerror=alert(1)>', last_name = '<b>bold</b>',
                                  created_at = 1893456000
                 WHERE id = 1",
                [],
            )
            .unwrap();
    }
    let app = launch(dir.path(), &db);
    app.click("[data-testid=nav-leads]");
    app.wait_for_text("[data-testid=leads-count]", |text| text == "100,000 leads");

    let first = app.wait_for_text("[data-testid=lead-row]", |text| text.contains("onerror"));
    assert!(
        first.contains("<img src=x onerror=alert(1)> <b>bold</b>"),
        "{first}"
    );
    let injected = app.script(
        "return document.querySelectorAll('.table-body img, .table-body b').length",
        json!([]),
    );
    assert_eq!(injected, json!(0), "lead text was rendered as markup");
    app.screenshot("leads-hostile-en");

    // Jump to the end of 100,000 rows: only the rows on screen are loaded.
    app.script(
        "const body = document.querySelector('[data-testid=leads-body]');
         body.scrollTop = body.scrollHeight;",
        json!([]),
    );
    app.wait_for_value(
        "const rows = [...document.querySelectorAll('[data-testid=lead-row]')];
         return Math.max(...rows.map((row) => Number(row.getAttribute('aria-rowindex'))));",
        json!(100_000),
    );
    let rendered = app.find_all("[data-testid=lead-row]").len();
    assert!(
        rendered < 200,
        "{rendered} rows in the DOM; the table should render only what is visible"
    );
    app.wait_for_text("[data-testid=leads-body]", |text| !text.contains("Loading"));
    app.screenshot("leads-100k-end-en");
}

#[test]
fn newer_database_shows_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("future.db");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 999;")
            .unwrap();
    }
    let app = launch(dir.path(), &db);
    let banner = app.wait_for_text("[data-testid=error-banner]", |text| !text.is_empty());
    assert!(banner.contains("newer version of Leadbench"), "{banner}");
    assert!(banner.contains("schema version 999"), "{banner}");
    app.click("[data-testid=nav-settings]");
    app.wait_for("[data-testid=open-other]");
    app.screenshot("database-too-new-en");

    // The file is left exactly as it was.
    let version: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 999);
}

#[test]
fn dutch_system_locale_opens_in_dutch() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nl.db");
    let env = [("LANG", "nl_NL.UTF-8"), ("LC_ALL", "nl_NL.UTF-8")];
    let app = App::launch(&db, dir.path(), &env);
    app.set_window_size(1440, 900);

    let title = app.wait_for_text("[data-testid=welcome] h1", |text| !text.is_empty());
    assert_eq!(title, "Welkom bij Leadbench");
    app.wait_for_text("[data-testid=load-demo]", |text| {
        text.contains("Demogegevens laden")
    });
    app.wait_for_text("[data-testid=nav-settings]", |text| {
        text.contains("Instellingen")
    });
    app.screenshot("welcome-nl");
}
