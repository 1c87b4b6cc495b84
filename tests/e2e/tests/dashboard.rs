//! The KPI dashboard in the real window: card values checked against the
//! `leadbench::kpi` library on the same file, range presets, custom dates,
//! "n/a" with its reason, and the Dutch translation.

use std::path::Path;

use leadbench::demo::DemoOptions;
use leadbench::kpi::{KpiId, KpiReport, KpiRequest, RangeRequest};
use leadbench::Database;
use leadbench_e2e::App;
use rusqlite::Connection;
use serde_json::json;

fn demo_database(path: &Path) {
    let mut db = Database::open(path).unwrap();
    let until = leadbench::time::parse_instant("until", "2024-12-31").unwrap();
    leadbench::demo::generate(
        &mut db,
        &DemoOptions {
            leads: 2_000,
            seed: 11,
            until,
        },
    )
    .unwrap();
}

/// Computes the report the dashboard should show for `range`. The app
/// passes the system time zone, which is what the library picks when the
/// request and the settings name none.
fn expected(db: &Path, range: RangeRequest) -> KpiReport {
    let conn = Connection::open(db).unwrap();
    let request = KpiRequest {
        range,
        ..KpiRequest::default()
    };
    leadbench::kpi::dashboard(&conn, &request).unwrap()
}

fn value_of(report: &KpiReport, kpi: KpiId) -> Option<f64> {
    report
        .cards
        .iter()
        .find(|card| card.kpi == kpi)
        .unwrap()
        .value
}

/// Reads a displayed percentage such as "12.3%" or "12,3%".
fn parse_percent(text: &str, decimal: char) -> Option<f64> {
    let digits: String = text
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == decimal || *c == '-')
        .map(|c| if c == decimal { '.' } else { c })
        .collect();
    digits.parse().ok()
}

/// Waits until the card of `kpi` shows `expected` (a percentage rounded to
/// one decimal), or "n/a" in `na` when there is no value.
fn wait_for_percent(app: &App, kpi: &str, expected: Option<f64>, decimal: char, na: &str) {
    let css = format!("[data-testid=kpi-{kpi}] [data-testid=kpi-value]");
    app.wait_for_text(&css, |text| match expected {
        Some(value) => {
            parse_percent(text, decimal).is_some_and(|shown| (shown - value).abs() < 0.051)
        }
        None => text == na,
    });
}

#[test]
fn dashboard_matches_library_values() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("dashboard.db");
    demo_database(&db);

    let all_time = expected(&db, RangeRequest::AllTime);
    let quarter = RangeRequest::Custom {
        from: Some("2024-10-01".into()),
        to: Some("2024-12-31".into()),
    };
    let last_quarter = expected(&db, quarter);
    let this_month = expected(&db, RangeRequest::ThisMonth);
    let all_time_ratio = value_of(&all_time, KpiId::MqlToSql);
    let quarter_ratio = value_of(&last_quarter, KpiId::MqlToSql);
    assert!(all_time_ratio.is_some(), "the demo data has MQLs");
    assert!(quarter_ratio.is_some(), "the demo data has MQLs in Q4 2024");
    assert_ne!(
        all_time_ratio, quarter_ratio,
        "the ranges must differ for the test to see the change"
    );
    assert_eq!(value_of(&this_month, KpiId::MqlToSql), None);

    let env = [("LANG", "en_US.UTF-8"), ("LC_ALL", "en_US.UTF-8")];
    let app = App::launch(&db, dir.path(), &env);
    app.set_window_size(1600, 1000);
    app.click("[data-testid=nav-dashboard]");
    app.wait_for("[data-testid=kpi-mql_to_sql]");

    // All time: the whole demo history.
    app.select("[data-testid=kpi-range]", "all_time");
    wait_for_percent(&app, "mql_to_sql", all_time_ratio, '.', "n/a");
    let conversion = value_of(&all_time, KpiId::ConversionRate);
    wait_for_percent(&app, "conversion_rate", conversion, '.', "n/a");

    // This month lies about two years after the demo data: "n/a" with a reason,
    // never 0 %.
    app.select("[data-testid=kpi-range]", "this_month");
    wait_for_percent(&app, "mql_to_sql", None, '.', "n/a");
    app.wait_for_text(
        "[data-testid=kpi-mql_to_sql] [data-testid=kpi-reason]",
        |text| text == "No new MQLs in this period",
    );

    // Custom dates: the last quarter of the demo data.
    app.select("[data-testid=kpi-range]", "custom");
    app.wait_for("[data-testid=kpi-from]");
    app.script(
        "for (const [css, value] of [['[data-testid=kpi-from]', arguments[0]], ['[data-testid=kpi-to]', arguments[1]]]) {
           const input = document.querySelector(css);
           input.value = value;
           input.dispatchEvent(new Event('input', { bubbles: true }));
         }",
        json!(["2024-10-01", "2024-12-31"]),
    );
    wait_for_percent(&app, "mql_to_sql", quarter_ratio, '.', "n/a");
    app.wait_for_text("[data-testid=kpi-period]", |text| {
        text.starts_with("1 Oct 2024 to 31 Dec 2024")
    });
    app.wait_for("[data-testid=chart-scores]");
    app.screenshot("dashboard-kpi-en");
    app.script(
        "document.querySelector('[data-testid=chart-scores]').scrollIntoView()",
        json!([]),
    );
    app.screenshot("dashboard-charts-en");

    // Dutch: the same figures with a decimal comma and Dutch words.
    app.click("[data-testid=nav-settings]");
    app.select("[data-testid=settings-language]", "nl");
    app.wait_for_text("[data-testid=nav-settings]", |text| {
        text.ends_with("Instellingen")
    });
    app.click("[data-testid=nav-dashboard]");
    wait_for_percent(&app, "mql_to_sql", quarter_ratio, ',', "n.b.");
    app.wait_for_text("[data-testid=kpi-period]", |text| {
        text.starts_with("1 okt 2024 t/m 31 dec 2024")
    });
    app.wait_for_text("[data-testid=kpi-mql_to_sql] .kpi-label", |text| {
        text == "MQL-naar-SQL-ratio"
    });
    app.wait_for("[data-testid=chart-scores]");
    app.screenshot("dashboard-kpi-nl");
}
