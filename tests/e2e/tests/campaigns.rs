//! Campaigns and the dashboard's exports and drill-down in the real window.
//! A campaign added on the Campaigns screen changes cost per lead to the
//! library's value. The KPI table and charts are saved through the save
//! dialog, and a KPI card opens exactly the leads behind it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use leadbench::demo::DemoOptions;
use leadbench::kpi::{KpiId, KpiReport, KpiRequest, RangeRequest};
use leadbench::Database;
use leadbench_e2e::App;
use rusqlite::Connection;
use serde_json::json;

const FROM: &str = "2024-10-01";
const TO: &str = "2024-12-31";

fn demo_database(path: &Path) {
    let mut db = Database::open(path).unwrap();
    let until = leadbench::time::parse_instant("until", "2024-12-31").unwrap();
    let options = DemoOptions {
        leads: 2_000,
        seed: 5,
        until,
    };
    leadbench::demo::generate(&mut db, &options).unwrap();
}

/// The report the dashboard should show for the last quarter of the demo.
fn expected(db: &Path) -> KpiReport {
    let conn = Connection::open(db).unwrap();
    let request = KpiRequest {
        range: RangeRequest::Custom {
            from: Some(FROM.into()),
            to: Some(TO.into()),
        },
        ..KpiRequest::default()
    };
    leadbench::kpi::dashboard(&conn, &request).unwrap()
}

fn cost_per_lead(report: &KpiReport) -> f64 {
    let card = report.cards.iter().find(|c| c.kpi == KpiId::CostPerLead);
    card.and_then(|c| c.value)
        .expect("cost per lead has a value")
}

/// Reads "€1,234.56" as 1234.56.
fn parse_money(text: &str) -> Option<f64> {
    let digits: String = text
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    digits.parse().ok()
}

/// Waits until `path` exists and is not empty, and returns its bytes.
fn wait_for_file(path: &Path) -> Vec<u8> {
    let deadline = Instant::now() + leadbench_e2e::WAIT;
    loop {
        if let Ok(bytes) = std::fs::read(path) {
            if !bytes.is_empty() {
                return bytes;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{} was not written",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn choose_quarter(app: &App) {
    app.click("[data-testid=nav-dashboard]");
    app.select("[data-testid=kpi-range]", "custom");
    app.wait_for("[data-testid=kpi-from]");
    app.script(
        "for (const [css, value] of [['[data-testid=kpi-from]', arguments[0]], ['[data-testid=kpi-to]', arguments[1]]]) {
           const input = document.querySelector(css);
           input.value = value;
           input.dispatchEvent(new Event('input', { bubbles: true }));
         }",
        json!([FROM, TO]),
    );
}

fn wait_for_cpl(app: &App, expected: f64) {
    app.wait_for_text(
        "[data-testid=kpi-cost_per_lead] [data-testid=kpi-value]",
        |text| parse_money(text).is_some_and(|shown| (shown - expected).abs() < 0.006),
    );
}

#[test]
fn campaign_changes_cpl_and_exports_work() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("campaigns.db");
    demo_database(&db);
    let exports: PathBuf = dir.path().join("exports");
    std::fs::create_dir_all(&exports).unwrap();
    let before = expected(&db);
    let channel = before.by_channel[0].channel.clone();

    let save_dir = exports.to_string_lossy().into_owned();
    let env = [
        ("LANG", "en_US.UTF-8"),
        ("LC_ALL", "en_US.UTF-8"),
        ("LEADBENCH_TEST_SAVE_DIR", save_dir.as_str()),
    ];
    let app = App::launch(&db, dir.path(), &env);
    app.set_window_size(1600, 1000);
    choose_quarter(&app);
    wait_for_cpl(&app, cost_per_lead(&before));

    // Add a campaign with spend inside the range.
    app.click("[data-testid=nav-campaigns]");
    app.click("[data-testid=campaign-add]");
    app.type_into("[data-testid=campaign-name]", "Winter push");
    app.type_into("[data-testid=campaign-channel]", &channel);
    app.script(
        "for (const [css, value] of [['[data-testid=campaign-starts]', '2024-11-01'], ['[data-testid=campaign-ends]', '2024-11-30']]) {
           const input = document.querySelector(css);
           input.value = value;
           input.dispatchEvent(new Event('input', { bubbles: true }));
         }",
        json!([]),
    );
    app.type_into("[data-testid=campaign-visitors]", "3000");

    // A Dutch amount in the English app is rejected, naming the value.
    app.type_into("[data-testid=campaign-cost]", "1.500,00");
    app.click("[data-testid=campaign-save]");
    app.wait_for_text("[data-testid=campaign-problem]", |text| {
        text.contains("invalid cost") && text.contains("1.500,00")
    });
    app.screenshot("campaigns-form-en");
    app.script(
        "const input = document.querySelector('[data-testid=campaign-cost]');
         input.value = '';
         input.dispatchEvent(new Event('input', { bubbles: true }));",
        json!([]),
    );
    app.type_into("[data-testid=campaign-cost]", "1,500.00");
    app.click("[data-testid=campaign-save]");
    app.wait_for_text("[data-testid=notice]", |text| text.contains("Winter push"));
    app.wait_for_text("[data-testid=campaigns-table]", |text| {
        text.contains("Winter push") && text.contains("€1,500.00")
    });
    app.screenshot("campaigns-en");

    // The dashboard shows the library's new cost per lead.
    let after = expected(&db);
    let cpl = cost_per_lead(&after);
    assert!(
        (cpl - cost_per_lead(&before)).abs() > 0.01,
        "the campaign must change cost per lead"
    );
    app.click("[data-testid=nav-dashboard]");
    wait_for_cpl(&app, cpl);
    app.wait_for("[data-testid=chart-funnel]");

    // Exports through the save dialog.
    let suffix = format!("{FROM}-{TO}");
    app.click("[data-testid=export-table]");
    let csv = wait_for_file(&exports.join(format!("leadbench-kpis-{suffix}.csv")));
    let csv = String::from_utf8(csv).unwrap();
    let total: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(total[0], "\"All channels\"");
    assert_eq!(total[3], after.totals.leads.to_string());
    let exported_cpl: f64 = total[7].parse().unwrap();
    assert!(
        (exported_cpl - cpl).abs() < 0.006,
        "{exported_cpl} vs {cpl}"
    );

    app.click("[data-testid=export-funnel-svg]");
    let svg = wait_for_file(&exports.join(format!("leadbench-funnel-{suffix}.svg")));
    assert!(String::from_utf8_lossy(&svg).contains("<svg"));
    app.click("[data-testid=export-channels-png]");
    let png = wait_for_file(&exports.join(format!("leadbench-channels-{suffix}.png")));
    assert_eq!(&png[1..4], b"PNG");
    app.click("[data-testid=export-sheet-png]");
    let sheet = wait_for_file(&exports.join(format!("leadbench-dashboard-{suffix}.png")));
    assert_eq!(&sheet[1..4], b"PNG");
    std::fs::copy(
        exports.join(format!("leadbench-dashboard-{suffix}.png")),
        leadbench_e2e::screenshot_dir().join("dashboard-sheet-export.png"),
    )
    .unwrap();
    app.click("[data-testid=export-sheet-pdf]");
    let pdf_path = exports.join(format!("leadbench-dashboard-{suffix}.pdf"));
    let mut pdf = wait_for_file(&pdf_path);
    let deadline = Instant::now() + leadbench_e2e::WAIT;
    while !pdf.ends_with(b"%%EOF\n") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        pdf = std::fs::read(&pdf_path).unwrap();
    }
    assert!(pdf.starts_with(b"%PDF-"), "PDF header");
    assert!(pdf.ends_with(b"%%EOF\n"), "PDF trailer");
    app.wait_for_text("[data-testid=notice]", |text| text.starts_with("Saved to"));
    app.screenshot("dashboard-exports-en");

    // Click-through: the conversion rate card lists the period's new leads.
    app.click("[data-testid=kpi-conversion_rate]");
    app.wait_for("[data-testid=leads-drill]");
    let count = format!("{} leads", group(after.totals.leads));
    app.wait_for_text("[data-testid=leads-count]", |text| text == count);
    app.screenshot("leads-drill-en");
    app.click("[data-testid=leads-drill-clear]");
    let all = format!("{} leads", group(2_000));
    app.wait_for_text("[data-testid=leads-count]", |text| text == all);

    // The MQL-to-SQL card lists the MQL cohort.
    app.click("[data-testid=nav-dashboard]");
    app.click("[data-testid=kpi-mql_to_sql]");
    let mqls = format!("{} leads", group(after.totals.mqls));
    app.wait_for_text("[data-testid=leads-count]", |text| text == mqls);

    // Hovering the SQL step of the funnel shows its count, and a click
    // opens those leads.
    app.click("[data-testid=nav-dashboard]");
    app.wait_for("[data-testid=hit-funnel]");
    let sql = &after.funnel[3];
    app.script(
        "const step = document.querySelectorAll('[data-testid=hit-funnel]')[3];
         step.scrollIntoView({ block: 'center' });
         step.dispatchEvent(new MouseEvent('mouseenter'));",
        json!([]),
    );
    let shown = format!("Leads: {}", group(sql.count));
    app.wait_for_text("[data-testid=chart-tooltip]", |text| {
        text.starts_with("SQL") && text.contains(&shown)
    });
    app.screenshot("dashboard-hover-en");
    app.script(
        "document.querySelectorAll('[data-testid=hit-funnel]')[3].click()",
        json!([]),
    );
    let reached = format!("{} leads", group(sql.count));
    app.wait_for_text("[data-testid=leads-count]", |text| text == reached);

    // A bar of the leads chart opens the leads created in its bucket.
    app.click("[data-testid=nav-dashboard]");
    app.wait_for("[data-testid=hit-leads]");
    let bars: Vec<u32> = (0..after.buckets.len())
        .map(|index| {
            after
                .leads_by_channel
                .iter()
                .filter_map(|series| series.leads.get(index))
                .sum()
        })
        .collect();
    let busiest = (0..bars.len()).max_by_key(|index| bars[*index]).unwrap();
    app.script(
        "document.querySelectorAll('[data-testid=hit-leads]')[arguments[0]].click()",
        json!([busiest]),
    );
    let bucket = format!("{} leads", group(bars[busiest]));
    app.wait_for_text("[data-testid=leads-count]", |text| text == bucket);
}

#[test]
fn campaigns_screen_in_dutch_and_dark() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("campaigns-nl.db");
    demo_database(&db);
    {
        let conn = Connection::open(&db).unwrap();
        conn.execute(
            "INSERT INTO settings (key, value) VALUES ('language', 'nl')
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [],
        )
        .unwrap();
    }
    let spend_file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/cases/08-decimal-comma-cost.csv"
    );
    let env = [
        ("LANG", "nl_NL.UTF-8"),
        ("LC_ALL", "nl_NL.UTF-8"),
        ("GTK_THEME", "Adwaita:dark"),
        ("LEADBENCH_TEST_OPEN_FILE", spend_file),
    ];
    let app = App::launch(&db, dir.path(), &env);
    app.set_window_size(1600, 1000);
    app.wait_for_text("[data-testid=nav-campaigns]", |text| {
        text.ends_with("Campagnes")
    });
    app.click("[data-testid=nav-campaigns]");
    app.wait_for("[data-testid=campaigns-table]");
    app.screenshot("campaigns-nl-dark");

    // A Dutch amount with a thousands dot and a decimal comma.
    app.click("[data-testid=campaign-add]");
    app.type_into("[data-testid=campaign-name]", "Beurs Bouwvak");
    app.type_into("[data-testid=campaign-channel]", "Beurs");
    app.type_into("[data-testid=campaign-cost]", "1.234,56");
    app.click("[data-testid=campaign-save]");
    app.wait_for_text("[data-testid=campaigns-table]", |text| {
        text.contains("Beurs Bouwvak") && text.contains("1.234,56")
    });

    // The Dutch spend file: one decimal mark for the whole cost column.
    app.click("[data-testid=campaign-import]");
    app.wait_for_text("[data-testid=notice]", |text| {
        text.starts_with("5 nieuwe en 0 bijgewerkte campagnes") && text.contains("4.574,46")
    });
    app.wait_for_text("[data-testid=campaigns-table]", |text| {
        text.contains("Google Ads 2024-03") && text.contains("€ 1.000,00")
    });
    app.screenshot("campaigns-import-nl-dark");

    choose_quarter(&app);
    app.wait_for("[data-testid=chart-scores]");
    app.screenshot("dashboard-nl-dark");
}

/// Groups thousands the way en-GB shows counts: 1234 as "1,234".
fn group(count: u32) -> String {
    let digits = count.to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}
