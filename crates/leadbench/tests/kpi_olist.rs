//! KPI dashboard over the real Olist marketing funnel (8,000 MQLs, 842 won),
//! through the library and through the `leadbench` binary. The expected
//! values were computed by hand from the two CSV files.

use std::collections::HashMap;
use std::process::Command;

use chrono::NaiveDateTime;
use leadbench::kpi::range::RangeRequest;
use leadbench::kpi::{self, KpiRequest};
use leadbench::Database;
use rusqlite::params;

const OLIST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/olist-marketing-funnel"
);

/// Parses Olist's day-first dates ("08-03-2018" or "06-03-2018 19:38") as UTC.
fn olist_time(text: &str) -> i64 {
    let text = text.trim();
    let full = if text.len() == 10 {
        format!("{text} 00:00")
    } else {
        text.to_owned()
    };
    NaiveDateTime::parse_from_str(&full, "%d-%m-%Y %H:%M")
        .unwrap()
        .and_utc()
        .timestamp()
}

/// Inserts the funnel directly: every MQL as a lead created and made MQL at
/// its first contact date, and every closed deal as a move to Customer with
/// a won deal at its won date.
// NOTE: a stand-in for the real Olist importer, which will replace it.
fn load_olist(db: &mut Database) {
    let leads_csv =
        std::fs::read_to_string(format!("{OLIST}/marketing_qualified_leads.csv")).unwrap();
    let deals_csv = std::fs::read_to_string(format!("{OLIST}/closed_deals.csv")).unwrap();
    let tx = db.write().unwrap();
    let mut ids: HashMap<String, i64> = HashMap::new();
    // Only the first four (leads) and five (deals) columns are read, and
    // none of them is quoted.
    for line in leads_csv.lines().skip(1).filter(|l| !l.is_empty()) {
        let fields: Vec<&str> = line.splitn(5, ',').collect();
        let created_at = olist_time(fields[1]);
        let origin = Some(fields[3].trim()).filter(|o| !o.is_empty());
        tx.execute(
            "INSERT INTO leads (external_id, source, stage, stage_changed_at, created_at, updated_at)
             VALUES (?1, ?2, 'mql', ?3, ?3, ?3)",
            params![fields[0], origin, created_at],
        )
        .unwrap();
        let lead = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO stage_changes (lead_id, from_stage, to_stage, changed_at, reason)
             VALUES (?1, 'new', 'mql', ?2, 'import')",
            params![lead, created_at],
        )
        .unwrap();
        ids.insert(fields[0].to_owned(), lead);
    }
    for line in deals_csv.lines().skip(1).filter(|l| !l.is_empty()) {
        let fields: Vec<&str> = line.splitn(6, ',').collect();
        let lead = ids[fields[0]];
        let won_at = olist_time(fields[4]);
        tx.execute(
            "INSERT INTO stage_changes (lead_id, from_stage, to_stage, changed_at, reason)
             VALUES (?1, 'mql', 'customer', ?2, 'outcome')",
            params![lead, won_at],
        )
        .unwrap();
        tx.execute(
            "UPDATE leads SET stage = 'customer', stage_changed_at = ?2 WHERE id = ?1",
            params![lead, won_at],
        )
        .unwrap();
        tx.execute(
            "INSERT INTO deals (lead_id, value_cents, won_at) VALUES (?1, 0, ?2)",
            params![lead, won_at],
        )
        .unwrap();
    }
    tx.commit().unwrap();
}

fn whole_range_utc() -> KpiRequest {
    KpiRequest {
        range: RangeRequest::AllTime,
        time_zone: Some("UTC".into()),
        ..KpiRequest::default()
    }
}

/// Leads, customers and median days to Customer per origin, from the CSVs.
const BY_ORIGIN: [(&str, u32, u32, f64); 11] = [
    ("organic_search", 2296, 271, 15.246527777777779),
    ("paid_search", 1586, 195, 15.674305555555556),
    ("social", 1350, 75, 30.55625),
    ("unknown", 1099, 179, 11.827083333333333),
    ("direct_traffic", 499, 56, 10.575694444444444),
    ("email", 493, 15, 21.125),
    ("referral", 284, 24, 19.370486111111113),
    ("other", 150, 4, 9.556944444444444),
    ("display", 118, 6, 9.168402777777779),
    ("other_publicities", 65, 3, 35.791666666666664),
    ("(none)", 60, 14, 8.083680555555556),
];

fn close(actual: Option<f64>, expected: f64) -> bool {
    actual.is_some_and(|value| (value - expected).abs() < 1e-9)
}

#[test]
fn olist_funnel_totals() {
    let mut db = Database::open_in_memory().unwrap();
    load_olist(&mut db);
    let report = kpi::dashboard(db.conn(), &whole_range_utc()).unwrap();
    let totals = &report.totals;

    assert_eq!(report.range.from, "2017-06-14");
    assert_eq!(report.range.to, "2018-11-14", "the last deal was won then");
    assert_eq!(totals.leads, 8_000);
    assert_eq!(totals.mqls, 8_000);
    assert_eq!(totals.sqls, 842, "a customer has reached SQL");
    assert_eq!(totals.customers, 842);
    assert!(close(totals.mql_to_sql_ratio, 10.525));
    assert!(close(totals.median_days_to_customer, 14.721527777777778));
    assert!(close(totals.mean_days_to_customer, 49.16024739067248));
    assert_eq!(totals.median_days_to_customer.map(f64::floor), Some(14.0));
    assert_eq!(
        totals.excluded_durations, 1,
        "one deal won before first contact"
    );
    assert_eq!(totals.cost_cents, None, "no campaign records spend");
    assert_eq!(totals.conversion_rate, None, "no campaign records visitors");

    let funnel: Vec<u32> = report.funnel.iter().map(|step| step.count).collect();
    assert_eq!(funnel, vec![8_000, 8_000, 842, 842, 842]);
}

#[test]
fn olist_split_by_channel() {
    let mut db = Database::open_in_memory().unwrap();
    load_olist(&mut db);
    let report = kpi::dashboard(db.conn(), &whole_range_utc()).unwrap();

    assert_eq!(report.by_channel.len(), BY_ORIGIN.len());
    for (row, (origin, leads, customers, median)) in report.by_channel.iter().zip(BY_ORIGIN) {
        assert_eq!(row.channel, origin);
        assert_eq!(row.figures.leads, leads, "{origin}");
        assert_eq!(row.figures.mqls, leads, "{origin}");
        assert_eq!(row.figures.customers, customers, "{origin}");
        assert!(
            close(row.figures.median_days_to_customer, median),
            "{origin}"
        );
    }
    let organic = &report.by_channel[0].figures;
    assert_eq!(organic.excluded_durations, 1);

    // The same split through the channel filter.
    let mut request = whole_range_utc();
    request.filters.channel = Some("Paid_Search".into());
    let paid = kpi::dashboard(db.conn(), &request).unwrap();
    assert_eq!((paid.totals.mqls, paid.totals.customers), (1_586, 195));
}

#[test]
fn olist_through_cli() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("olist.db");
    {
        let mut db = Database::open(&path).unwrap();
        load_olist(&mut db);
    }
    let binary = env!("CARGO_BIN_EXE_leadbench");
    let output = Command::new(binary)
        .args([
            "--db",
            path.to_str().unwrap(),
            "kpi",
            "--json",
            "--tz",
            "UTC",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();

    assert_eq!(json["leads"], 8_000);
    assert_eq!(json["mqls"], 8_000);
    assert_eq!(json["sqls"], 842);
    assert_eq!(json["customers"], 842);
    assert_eq!(json["mql_to_sql_ratio"], 10.525);
    assert_eq!(json["time_to_conversion_days"]["excluded"], 1);
    let median = json["time_to_conversion_days"]["median"].as_f64().unwrap();
    assert!((median - 14.7215).abs() < 1e-3, "{median}");
    assert!(json["visitors"].is_null());
    assert!(json["cost"].is_null());
    assert!(json["roi"].is_null());
    assert_eq!(json["revenue"], 0.0);
    assert_eq!(json["by_channel"]["organic_search"]["customers"], 271);
    assert_eq!(json["by_channel"]["(none)"]["leads"], 60);

    // A filtered, dated run and both chart formats.
    let output = Command::new(binary)
        .args([
            "--db",
            path.to_str().unwrap(),
            "kpi",
            "--json",
            "--tz",
            "UTC",
        ])
        .args([
            "--from",
            "2018-01-01",
            "--to",
            "2018-01-31",
            "--channel",
            "email",
        ])
        .output()
        .unwrap();
    let january: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(january["by_channel"].as_object().unwrap().len(), 1);

    for file in ["funnel.svg", "funnel.png"] {
        let out = dir.path().join(file);
        let status = Command::new(binary)
            .args([
                "--db",
                path.to_str().unwrap(),
                "chart",
                "funnel",
                "--tz",
                "UTC",
            ])
            .args(["--out", out.to_str().unwrap()])
            .status()
            .unwrap();
        assert!(status.success(), "{file}");
        let bytes = std::fs::read(&out).unwrap();
        if file.ends_with(".png") {
            assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        } else {
            assert!(String::from_utf8(bytes).unwrap().contains("10.5 %"));
        }
    }

    // The whole dashboard on one sheet, with the MQL-to-SQL card value.
    let sheet = dir.path().join("dashboard.svg");
    let status = Command::new(binary)
        .args(["--db", path.to_str().unwrap(), "chart", "dashboard"])
        .args(["--tz", "UTC", "--out", sheet.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success(), "chart dashboard");
    let text = std::fs::read_to_string(&sheet).unwrap();
    assert!(text.contains("MQL-to-SQL ratio"), "sheet names the cards");
    assert!(text.contains("10.5 %"), "sheet shows the ratio");

    // The same sheet as a PDF page; a single chart has no PDF.
    let pdf = dir.path().join("dashboard.pdf");
    let status = Command::new(binary)
        .args(["--db", path.to_str().unwrap(), "chart", "dashboard"])
        .args(["--tz", "UTC", "--out", pdf.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success(), "chart dashboard as PDF");
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(bytes.ends_with(b"%%EOF\n"));
    let output = Command::new(binary)
        .args(["--db", path.to_str().unwrap(), "chart", "funnel"])
        .args(["--out", dir.path().join("funnel.pdf").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!output.status.success(), "one chart as PDF is refused");
    assert!(String::from_utf8_lossy(&output.stderr).contains("dashboard"));
}
