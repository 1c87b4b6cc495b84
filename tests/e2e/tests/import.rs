//! The import wizard in the real window, with the real Olist marketing
//! funnel: 8,000 MQLs, then 842 closed deals as outcomes, then undo from
//! the import history. Every count the wizard shows is checked against the
//! `leadbench::import` library run on a scratch copy of the same file.
//! Screenshots of every step, in English and Dutch, land in
//! `target/e2e-screenshots/import-*.png`.

use std::path::{Path, PathBuf};

use leadbench::import::{self, Control, ImportKind, ImportReport, ImportRequest};
use leadbench::model::Stage;
use leadbench::Database;
use leadbench_e2e::App;
use serde_json::json;

fn olist(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/olist-marketing-funnel")
        .join(name)
}

/// Runs `request` as a dry run on a new scratch database: the counts the
/// wizard must show.
fn library_dry_run(scratch: &Path, request: ImportRequest) -> ImportReport {
    let mut db = Database::open(scratch).unwrap();
    let request = ImportRequest {
        dry_run: true,
        ..request
    };
    import::run(&mut db, &request, &mut Control::default()).unwrap()
}

fn count(db: &Path, sql: &str) -> i64 {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row(sql, [], |row| row.get(0))
        .unwrap()
}

fn value_of(app: &App, css: &str) -> String {
    app.script(
        "return document.querySelector(arguments[0]).value;",
        json!([css]),
    )
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

/// Returns the target select's value for the column named `header`.
fn target_of(app: &App, header: &str) -> String {
    app.script(
        "const row = [...document.querySelectorAll('[data-testid=import-column]')]
           .find((r) => r.dataset.header === arguments[0]);
         return row ? row.querySelector('select').value : null;",
        json!([header]),
    )
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

fn read_as(app: &App, header: &str) -> String {
    app.script(
        "const row = [...document.querySelectorAll('[data-testid=import-column]')]
           .find((r) => r.dataset.header === arguments[0]);
         return row ? row.querySelector('[data-testid=import-read-as]').textContent.trim() : null;",
        json!([header]),
    )
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

/// Waits until the count tile `key` shows `expected`, grouped by `thousands`.
fn wait_for_count(app: &App, key: &str, expected: u64, thousands: &str) {
    let text = format_count(expected, thousands);
    app.wait_for_text(
        &format!("[data-testid=import-count-{key}] .count-value"),
        |shown| shown == text,
    );
}

fn format_count(value: u64, thousands: &str) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push_str(thousands);
        }
        out.push(digit);
    }
    out
}

fn check_counts(app: &App, report: &ImportReport, thousands: &str) {
    wait_for_count(app, "created", report.created, thousands);
    wait_for_count(app, "updated", report.updated, thousands);
    wait_for_count(app, "skipped", report.skipped, thousands);
    wait_for_count(app, "rejected", report.rejected, thousands);
    wait_for_count(app, "warnings", report.warnings.len() as u64, thousands);
}

#[test]
fn olist_funnel_through_the_wizard_then_undo() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("import.db");
    let saved = dir.path().join("saved");
    std::fs::create_dir_all(&saved).unwrap();
    let mql_file = olist("marketing_qualified_leads.csv");
    let deals_file = olist("closed_deals.csv");

    let expected_leads = library_dry_run(
        &dir.path().join("scratch-leads.db"),
        ImportRequest {
            path: mql_file.clone(),
            kind: ImportKind::Leads,
            stage: Some(Stage::Mql),
            ..ImportRequest::default()
        },
    );
    assert_eq!(
        (expected_leads.created, expected_leads.rejected),
        (8_000, 0)
    );

    // English: the MQL file as leads, every step photographed.
    {
        let env = [
            ("LANG", "en_US.UTF-8"),
            ("LC_ALL", "en_US.UTF-8"),
            ("LEADBENCH_TEST_OPEN_FILE", mql_file.to_str().unwrap()),
            ("LEADBENCH_TEST_SAVE_DIR", saved.to_str().unwrap()),
        ];
        let app = App::launch(&db, dir.path(), &env);
        app.set_window_size(1440, 960);
        app.wait_for("[data-testid=welcome]");
        app.click("[data-testid=import-csv]");
        app.wait_for("[data-testid=screen-import]");
        app.screenshot("import-1-file-en");

        app.click("[data-testid=import-choose]");
        app.wait_for_text("[data-testid=import-format-summary]", |text| {
            text.starts_with("marketing_qualified_leads.csv: 8,000 rows")
        });
        assert_eq!(value_of(&app, "[data-testid=import-encoding]"), "UTF-8");
        assert_eq!(value_of(&app, "[data-testid=import-delimiter]"), ",");
        app.screenshot("import-2-format-en");

        app.click("[data-testid=import-next]");
        app.wait_for("[data-testid=import-mapping]");
        assert_eq!(target_of(&app, "mql_id"), "field:external_id");
        assert_eq!(target_of(&app, "first_contact_date"), "field:created_at");
        assert_eq!(target_of(&app, "landing_page_id"), "custom");
        assert_eq!(target_of(&app, "origin"), "field:source");
        assert_eq!(
            read_as(&app, "first_contact_date"),
            "Dates, day first (31-12-2024)"
        );
        // Save the mapping by name; it is listed for reuse.
        app.type_into("[data-testid=import-mapping-name]", "Olist MQL");
        app.click("[data-testid=import-mapping-save]");
        app.wait_for_text("[data-testid=notice]", |text| {
            text == "Mapping \"Olist MQL\" saved."
        });
        app.wait_for_value(
            "return document.querySelector('[data-testid=import-mapping-select]').value",
            json!("Olist MQL"),
        );
        app.screenshot("import-3-columns-en");

        app.click("[data-testid=import-next]");
        app.select("[data-testid=import-stage]", "mql");
        app.screenshot("import-4-options-en");

        // The check (a dry run) shows the library's counts.
        app.click("[data-testid=import-next]");
        check_counts(&app, &expected_leads, ",");
        app.wait_for("[data-testid=import-no-rejected]");
        assert_eq!(count(&db, "SELECT COUNT(*) FROM leads"), 0, "dry run");
        app.screenshot("import-5-check-en");

        app.click("[data-testid=import-start]");
        app.wait_for("[data-testid=import-done]");
        check_counts(&app, &expected_leads, ",");
        app.wait_for_text("[data-testid=lead-total]", |text| text == "8,000 leads");
        app.screenshot("import-6-done-en");
        assert_eq!(count(&db, "SELECT COUNT(*) FROM leads"), 8_000);
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM leads WHERE stage = 'mql'"),
            8_000
        );

        // Export from the Leads toolbar through the save dialog.
        app.click("[data-testid=import-view-leads]");
        app.wait_for_text("[data-testid=leads-count]", |text| text == "8,000 leads");
        app.click("[data-testid=export-leads]");
        app.wait_for("[data-testid=export-dialog]");
        app.screenshot("import-export-en");
        app.click("[data-testid=export-save]");
        app.wait_for_text("[data-testid=notice]", |text| {
            text.starts_with("8,000 leads exported to")
        });
        let exported = std::fs::read_to_string(saved.join("leads.csv")).unwrap();
        assert_eq!(exported.lines().count(), 8_001, "header and 8,000 rows");

        app.click("[data-testid=nav-import]");
        app.click("[data-testid=import-tab-history]");
        app.wait_for_text("[data-testid=import-history]", |text| {
            text.contains("marketing_qualified_leads.csv")
        });
        app.screenshot("import-7-history-en");
    }

    // Dutch, dark: the closed deals as outcomes, then undo.
    let expected_deals = {
        let scratch = dir.path().join("scratch-deals.db");
        Database::open(&db).unwrap().backup_to(&scratch).unwrap();
        library_dry_run(
            &scratch,
            ImportRequest {
                path: deals_file.clone(),
                kind: ImportKind::Outcomes,
                ..ImportRequest::default()
            },
        )
    };
    assert_eq!((expected_deals.created, expected_deals.rejected), (842, 0));
    {
        let env = [
            ("LANG", "nl_NL.UTF-8"),
            ("LC_ALL", "nl_NL.UTF-8"),
            ("GTK_THEME", "Adwaita:dark"),
            ("LEADBENCH_TEST_OPEN_FILE", deals_file.to_str().unwrap()),
        ];
        let app = App::launch(&db, dir.path(), &env);
        app.set_window_size(1440, 960);
        app.click("[data-testid=nav-import]");
        app.click("[data-testid=import-kind-outcomes]");
        app.screenshot("import-1-file-nl");

        app.click("[data-testid=import-choose]");
        app.wait_for_text("[data-testid=import-format-summary]", |text| {
            text.starts_with("closed_deals.csv: 842 rijen")
        });
        app.screenshot("import-2-format-nl");

        app.click("[data-testid=import-next]");
        app.wait_for("[data-testid=import-mapping]");
        assert_eq!(target_of(&app, "mql_id"), "field:external_id");
        assert_eq!(target_of(&app, "won_date"), "field:won_at");
        assert_eq!(read_as(&app, "won_date"), "Datums, dag eerst (31-12-2024)");
        app.screenshot("import-3-columns-nl");

        app.click("[data-testid=import-next]");
        app.screenshot("import-4-options-nl");

        app.click("[data-testid=import-next]");
        check_counts(&app, &expected_deals, ".");
        app.wait_for_text("[data-testid=import-warnings]", |text| {
            text.contains("Deal gewonnen vóór het eerste contact")
        });
        app.screenshot("import-5-check-nl");

        app.click("[data-testid=import-start]");
        app.wait_for("[data-testid=import-done]");
        check_counts(&app, &expected_deals, ".");
        app.screenshot("import-6-done-nl");
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM leads WHERE stage = 'customer'"),
            842
        );

        // The imported funnel on the Dashboard and the Scoring screen.
        app.click("[data-testid=nav-dashboard]");
        app.select("[data-testid=kpi-range]", "all_time");
        app.wait_for("[data-testid=kpi-mql_to_sql]");
        app.wait_for("[data-testid=chart-funnel]");
        app.wait_for("[data-testid=chart-scores]");
        app.screenshot("import-olist-dashboard-nl");
        app.click("[data-testid=nav-scoring]");
        app.wait_for("[data-testid=scoring-histogram]");
        app.wait_for("[data-testid=scoring-backtest]");
        app.screenshot("import-olist-scoring-nl");
        app.click("[data-testid=nav-import]");

        // Undo the last import (the deals) from the history.
        app.click("[data-testid=import-tab-history]");
        app.wait_for_value(
            "return document.querySelectorAll('[data-testid=import-history-row]').length",
            json!(2),
        );
        app.screenshot("import-7-history-nl");

        // The MQL import cannot be undone while the deals import changed
        // its leads, so the history lists those leads and changes nothing.
        let first_id = app
            .script(
                "const rows = document.querySelectorAll('[data-testid=import-history-row]');
                 return rows[rows.length - 1].dataset.id;",
                json!([]),
            )
            .as_str()
            .unwrap()
            .to_owned();
        app.click(&format!("[data-testid=import-undo-{first_id}]"));
        app.click("[data-testid=import-undo-confirm]");
        app.wait_for_text("[data-testid=import-undo-conflicts]", |text| {
            text.contains("omdat 842 van zijn leads sindsdien zijn gewijzigd")
        });
        app.screenshot("import-8-conflict-nl");
        assert_eq!(count(&db, "SELECT COUNT(*) FROM leads"), 8_000);

        let last_id = app
            .attribute("[data-testid=import-history-row]", "data-id")
            .unwrap();
        app.click(&format!("[data-testid=import-undo-{last_id}]"));
        app.wait_for("[data-testid=import-undo-dialog]");
        app.screenshot("import-9-undo-nl");
        app.click("[data-testid=import-undo-confirm]");
        app.wait_for_text("[data-testid=notice]", |text| {
            text.starts_with("Import van closed_deals.csv ongedaan gemaakt")
        });
        app.wait_for_text("[data-testid=import-history-row]", |text| {
            text.contains("Ongedaan gemaakt op")
        });
        app.screenshot("import-10-undone-nl");
        assert_eq!(count(&db, "SELECT COUNT(*) FROM leads"), 8_000);
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM leads WHERE stage = 'customer'"),
            0
        );
        assert_eq!(count(&db, "SELECT COUNT(*) FROM deals"), 0);
        app.wait_for_text("[data-testid=lead-total]", |text| text == "8.000 leads");
    }
}

/// A file whose every date reads both ways prompts for the order, and
/// rows that still fail are listed and exported.
#[test]
fn ambiguous_dates_asked_and_rejected_rows_exported() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ambiguous.db");
    let saved = dir.path().join("saved");
    std::fs::create_dir_all(&saved).unwrap();
    let file = dir.path().join("beurs-2024.csv");
    std::fs::write(
        &file,
        "name,email,first_touch_date\n\
         Koen Verhoeven,koen.verhoeven@example.nl,03/04/2024\n\
         Eva Peeters,eva.peeters@example.nl,12/03/2024\n\
         Sanne de Vries,sanne@@example.nl,05/06/2024\n\
         Ruben Jansen,ruben.jansen@example.nl,31/04/2024\n",
    )
    .unwrap();

    let env = [
        ("LANG", "en_US.UTF-8"),
        ("LC_ALL", "en_US.UTF-8"),
        ("LEADBENCH_TEST_OPEN_FILE", file.to_str().unwrap()),
        ("LEADBENCH_TEST_SAVE_DIR", saved.to_str().unwrap()),
    ];
    let app = App::launch(&db, dir.path(), &env);
    app.set_window_size(1440, 960);
    app.click("[data-testid=import-csv]");
    app.click("[data-testid=import-choose]");
    app.click("[data-testid=import-next]");
    app.wait_for("[data-testid=import-ambiguous]");
    assert_eq!(
        app.attribute("[data-testid=import-next]", "disabled"),
        Some(String::new()),
        "the wizard waits for the date order"
    );
    app.screenshot("import-ambiguous-en");

    app.click("[data-testid=import-date-dmy]");
    app.wait_for_text("[data-testid=import-mapping]", |text| {
        text.contains("Dates, day first")
    });
    app.click("[data-testid=import-next]");
    app.click("[data-testid=import-next]");
    wait_for_count(&app, "created", 2, ",");
    wait_for_count(&app, "rejected", 2, ",");
    let rows = app.find_all("[data-testid=import-rejected-row]");
    assert_eq!(rows.len(), 2);
    app.wait_for_text("[data-testid=import-rejected]", |text| {
        text.contains("sanne@@example.nl") && text.contains("31/04/2024")
    });
    app.screenshot("import-rejected-en");

    app.click("[data-testid=import-export-rejected]");
    app.wait_for_text("[data-testid=notice]", |text| {
        text.starts_with("Rejected rows saved to")
    });
    let exported = std::fs::read_to_string(saved.join("rejected-rows.csv")).unwrap();
    assert!(
        exported.starts_with("line,column,value,reason"),
        "{exported}"
    );
    assert!(exported.contains("4,email,sanne@@example.nl"), "{exported}");
    assert!(
        exported.contains("5,first_touch_date,31/04/2024"),
        "{exported}"
    );

    app.click("[data-testid=import-start]");
    app.wait_for("[data-testid=import-done]");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM leads"), 2);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM leads WHERE date(created_at, 'unixepoch') = '2024-04-03'"
        ),
        1,
        "03/04/2024 read day-first"
    );
}

/// A large file shows the progress bar while it is checked and imported,
/// and cancelling the import leaves the database as it was.
#[test]
fn large_import_shows_progress_and_cancels() {
    const ROWS: usize = 400_000;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("large.db");
    let file = dir.path().join("large.csv");
    let mut text = String::with_capacity(ROWS * 64);
    text.push_str("email,first_name,last_name,company\n");
    for n in 0..ROWS {
        text.push_str(&format!(
            "lead{n}@example.nl,Lead,Number {n},Company {}\n",
            n % 5_000
        ));
    }
    std::fs::write(&file, text).unwrap();

    let env = [
        ("LANG", "en_US.UTF-8"),
        ("LC_ALL", "en_US.UTF-8"),
        ("LEADBENCH_TEST_OPEN_FILE", file.to_str().unwrap()),
    ];
    let app = App::launch(&db, dir.path(), &env);
    app.set_window_size(1440, 960);
    app.click("[data-testid=import-csv]");
    app.click("[data-testid=import-choose]");
    app.wait_for_text("[data-testid=import-format-summary]", |text| {
        text.starts_with("large.csv: 400,000 rows")
    });
    app.click("[data-testid=import-next]");
    app.click("[data-testid=import-next]");
    app.click("[data-testid=import-next]");

    // The check runs with a progress bar, then shows its counts.
    app.wait_for("[data-testid=import-progress]");
    app.screenshot("import-check-progress-en");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    while app.find("[data-testid=import-count-created]").is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "the check did not end"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    wait_for_count(&app, "created", ROWS as u64, ",");

    // The real import shows rows done, total and rate; cancel stops it.
    app.click("[data-testid=import-start]");
    app.wait_for_text("[data-testid=import-progress-rows]", |text| {
        text.ends_with("of 400,000 rows")
    });
    app.screenshot("import-progress-en");
    app.click("[data-testid=import-cancel]");
    app.wait_for("[data-testid=import-cancelled]");
    app.screenshot("import-cancelled-en");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM leads"), 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM imports"), 0);
}

/// The date question and the rejected rows in Dutch, on a dark window.
#[test]
fn ambiguous_dates_and_rejected_rows_in_dutch() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ambiguous-nl.db");
    let file = dir.path().join("beurs-2024.csv");
    std::fs::write(
        &file,
        "naam,e-mail,eerste contact\n\
         Koen Verhoeven,koen.verhoeven@example.nl,03-04-2024\n\
         Eva Peeters,eva.peeters@example.nl,12-03-2024\n\
         Sanne de Vries,sanne@@example.nl,05-06-2024\n",
    )
    .unwrap();
    let env = [
        ("LANG", "nl_NL.UTF-8"),
        ("LC_ALL", "nl_NL.UTF-8"),
        ("GTK_THEME", "Adwaita:dark"),
        ("LEADBENCH_TEST_OPEN_FILE", file.to_str().unwrap()),
    ];
    let app = App::launch(&db, dir.path(), &env);
    app.set_window_size(1440, 960);
    app.click("[data-testid=import-csv]");
    app.click("[data-testid=import-choose]");
    app.click("[data-testid=import-next]");
    app.wait_for_text("[data-testid=import-ambiguous]", |text| {
        text.contains("Welke datumvolgorde gebruikt dit bestand?")
    });
    assert_eq!(target_of(&app, "e-mail"), "field:email");
    assert_eq!(target_of(&app, "eerste contact"), "field:created_at");
    app.screenshot("import-ambiguous-nl");

    app.click("[data-testid=import-date-dmy]");
    app.wait_for_text("[data-testid=import-mapping]", |text| {
        text.contains("Datums, dag eerst")
    });
    app.click("[data-testid=import-next]");
    app.click("[data-testid=import-next]");
    wait_for_count(&app, "created", 2, ".");
    wait_for_count(&app, "rejected", 1, ".");
    app.wait_for_text("[data-testid=import-rejected]", |text| {
        text.contains("Geen geldig e-mailadres")
    });
    app.screenshot("import-rejected-nl");
}
