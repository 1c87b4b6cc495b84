//! KPI dashboard against the recorded failure cases: decimal-comma costs,
//! date ranges in a time zone with daylight saving, and zero denominators.

use leadbench::kpi::metrics::NaReason;
use leadbench::kpi::range::RangeRequest;
use leadbench::kpi::{self, KpiId, KpiReport, KpiRequest};
use leadbench::Database;
use rusqlite::params;

const CASES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/cases");

/// A fixed "now" after every period used here: 2024-12-01T00:00:00Z.
const NOW: i64 = 1_733_011_200;

fn at(text: &str) -> i64 {
    leadbench::time::parse_instant("at", text).unwrap()
}

fn insert_lead(db: &Database, created_at: i64, source: &str) -> i64 {
    db.conn()
        .execute(
            "INSERT INTO leads (source, stage, stage_changed_at, created_at, updated_at)
             VALUES (?1, 'new', ?2, ?2, ?2)",
            params![source, created_at],
        )
        .unwrap();
    db.conn().last_insert_rowid()
}

fn insert_change(db: &Database, lead: i64, to: &str, at: i64) {
    db.conn()
        .execute(
            "INSERT INTO stage_changes (lead_id, to_stage, changed_at, reason) VALUES (?1, ?2, ?3, 'manual')",
            params![lead, to, at],
        )
        .unwrap();
    db.conn()
        .execute(
            "UPDATE leads SET stage = ?2, stage_changed_at = ?3 WHERE id = ?1",
            params![lead, to, at],
        )
        .unwrap();
}

fn insert_campaign(db: &Database, name: &str, starts: &str, ends: &str, cost_cents: i64) {
    db.conn()
        .execute(
            "INSERT INTO campaigns (name, channel, direction, starts_on, ends_on, cost_cents)
             VALUES (?1, ?1, 'inbound', ?2, ?3, ?4)",
            params![name, starts, ends, cost_cents],
        )
        .unwrap();
}

fn report(db: &Database, from: &str, to: &str, zone: &str) -> KpiReport {
    let request = KpiRequest {
        range: RangeRequest::Custom {
            from: Some(from.into()),
            to: Some(to.into()),
        },
        time_zone: Some(zone.into()),
        ..KpiRequest::default()
    };
    kpi::dashboard_at(db.conn(), &request, NOW).unwrap()
}

fn card(report: &KpiReport, kpi: KpiId) -> &leadbench::kpi::KpiCard {
    report.cards.iter().find(|card| card.kpi == kpi).unwrap()
}

fn reason(report: &KpiReport, kpi: KpiId) -> Option<NaReason> {
    card(report, kpi).not_available.as_ref().map(|na| na.reason)
}

#[test]
fn decimal_comma_costs_give_exact_cpl() {
    let db = Database::open_in_memory().unwrap();
    // The nl-NL costs "1.234,56", "1.000", "89,9", "250" and "€ 2.000,00",
    // stored as the importer stores them: integer cents for March 2024.
    let costs = [
        ("LinkedIn Ads", 123_456),
        ("Google Ads", 100_000),
        ("Beurs Bouwvak", 8_990),
        ("Webinar", 25_000),
        ("Drukwerk", 200_000),
    ];
    let csv = std::fs::read_to_string(format!("{CASES}/08-decimal-comma-cost.csv")).unwrap();
    for ((name, cents), line) in costs.iter().zip(csv.lines().skip(1)) {
        assert!(line.starts_with(name), "{line}");
        insert_campaign(&db, name, "2024-03-01", "2024-03-31", *cents);
    }
    for day in 0..20 {
        insert_lead(
            &db,
            at("2024-03-01T09:00:00Z") + day * 86_400,
            "LinkedIn Ads",
        );
    }

    let march = report(&db, "2024-03-01", "2024-03-31", "Europe/Amsterdam");
    assert_eq!(march.totals.leads, 20);
    assert_eq!(march.totals.cost_cents, Some(457_446));
    assert_eq!(march.totals.cost_per_lead_cents, Some(22_872.3));

    let json = kpi::cli::summary_json(&march);
    assert_eq!(json["cost"], 4574.46);
    assert_eq!(json["cost_per_lead"], 228.72);
    assert_eq!(card(&march, KpiId::CostPerLead).value, Some(228.723));

    let csv = kpi::export::table_csv(&march, "All channels");
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 7, "header, total and five channels with spend");
    assert!(
        rows[1].starts_with("\"All channels\",2024-03-01,2024-03-31,20,,,4574.46,228.72,"),
        "{}",
        rows[1]
    );
}

#[test]
fn campaign_cost_prorated_by_days() {
    let db = Database::open_in_memory().unwrap();
    insert_campaign(&db, "Spring", "2024-03-01", "2024-03-31", 31_000);
    insert_campaign(&db, "Fair", "2024-03-25", "2024-04-03", 10_000);

    let first_half = report(&db, "2024-03-01", "2024-03-15", "Europe/Amsterdam");
    assert_eq!(first_half.totals.cost_cents, Some(15_000));
    let late_march = report(&db, "2024-03-25", "2024-03-31", "Europe/Amsterdam");
    assert_eq!(late_march.totals.cost_cents, Some(7_000 + 7_000));
    let april = report(&db, "2024-04-01", "2024-04-30", "Europe/Amsterdam");
    assert_eq!(april.totals.cost_cents, Some(3_000));
}

#[test]
fn ranges_follow_amsterdam_time() {
    let db = Database::open_in_memory().unwrap();
    let csv = std::fs::read_to_string(format!("{CASES}/19-kpi-range-timezone.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = header.iter().position(|h| *h == "created_at").unwrap();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let created_at = line.split(',').nth(column).unwrap();
        insert_lead(&db, at(created_at), "website");
    }

    let zone = "Europe/Amsterdam";
    let march = report(&db, "2024-03-01", "2024-03-31", zone);
    assert_eq!(march.totals.leads, 3, "March: A, C and E");
    let last_day = report(&db, "2024-03-31", "2024-03-31", zone);
    assert_eq!(last_day.totals.leads, 1, "2024-03-31: E only");
    assert_eq!(last_day.range.start, "2024-03-30T23:00:00Z");
    assert_eq!(last_day.range.end, "2024-03-31T22:00:00Z");
    let april = report(&db, "2024-04-01", "2024-04-30", zone);
    assert_eq!(april.totals.leads, 2, "April: B and D");

    // The chart buckets and the channel split agree with the totals.
    let day_counts: Vec<u32> = march.per_bucket.iter().map(|f| f.leads).collect();
    assert_eq!(day_counts.len(), 31);
    assert_eq!((day_counts[0], day_counts[14], day_counts[30]), (1, 1, 1));
    assert_eq!(day_counts.iter().sum::<u32>(), 3);
    assert_eq!(march.leads_by_channel[0].leads.iter().sum::<u32>(), 3);
    assert_eq!(march.by_channel[0].figures.leads, 3);
    let csv = kpi::export::table_csv(&march, "All");
    let total_row = csv.lines().nth(1).unwrap();
    assert!(
        total_row.starts_with("\"All\",2024-03-01,2024-03-31,3,"),
        "{total_row}"
    );
}

/// Periods R1-R3 of the zero-denominator table in one database.
fn zero_denominator_db() -> Database {
    let db = Database::open_in_memory().unwrap();
    insert_campaign(&db, "May push", "2024-05-01", "2024-05-31", 50_000);
    insert_campaign(&db, "July push", "2024-07-01", "2024-07-31", 30_000);
    for day in 1..=3 {
        insert_lead(&db, at(&format!("2024-06-0{day}T10:00:00Z")), "Email");
    }
    for day in 1..=4 {
        let lead = insert_lead(&db, at(&format!("2024-07-0{day}T10:00:00Z")), "Email");
        if day <= 2 {
            insert_change(&db, lead, "mql", at(&format!("2024-07-1{day}T10:00:00Z")));
        }
    }
    db
}

#[test]
fn zero_denominators_are_not_available() {
    let db = zero_denominator_db();
    let zone = "Europe/Amsterdam";
    use KpiId::*;

    // R1: cost but no leads.
    let r1 = report(&db, "2024-05-01", "2024-05-31", zone);
    assert_eq!(r1.totals.lead_to_customer_rate, None);
    assert_eq!(reason(&r1, CostPerLead), Some(NaReason::NoLeads));
    let message = &card(&r1, CostPerLead)
        .not_available
        .as_ref()
        .unwrap()
        .message;
    assert_eq!(message, "500.00 spent, 0 leads");
    assert_eq!(reason(&r1, MqlToSql), Some(NaReason::NoMqls));
    assert_eq!(card(&r1, Roi).value, Some(-100.0));
    assert_eq!(reason(&r1, TimeToConversion), Some(NaReason::NoCustomers));

    // R2: leads but no cost and no MQLs.
    let r2 = report(&db, "2024-06-01", "2024-06-30", zone);
    assert_eq!(r2.totals.lead_to_customer_rate, Some(0.0));
    assert_eq!(card(&r2, CostPerLead).value, Some(0.0));
    assert_eq!(reason(&r2, MqlToSql), Some(NaReason::NoMqls));
    assert_eq!(reason(&r2, Roi), Some(NaReason::NoCost));
    assert_eq!(reason(&r2, TimeToConversion), Some(NaReason::NoCustomers));

    // R3: leads, MQLs without SQLs, and cost.
    let r3 = report(&db, "2024-07-01", "2024-07-31", zone);
    assert_eq!(r3.totals.lead_to_customer_rate, Some(0.0));
    assert_eq!(card(&r3, CostPerLead).value, Some(75.0));
    assert_eq!(card(&r3, MqlToSql).value, Some(0.0));
    assert_eq!(card(&r3, Roi).value, Some(-100.0));
    assert_eq!(reason(&r3, TimeToConversion), Some(NaReason::NoCustomers));

    // No campaign records visitors, so the conversion rate is n/a in every
    // period, while the other cards are still computed.
    for period in [&r1, &r2, &r3] {
        assert_eq!(
            reason(period, ConversionRate),
            Some(NaReason::NoVisitorData)
        );
        assert_eq!(period.cards.len(), 6);
    }
}

#[test]
fn empty_database_gives_no_values() {
    let db = Database::open_in_memory().unwrap();
    let r4 = report(&db, "2024-08-01", "2024-08-31", "Europe/Amsterdam");
    for card in &r4.cards {
        assert_eq!(card.value, None, "{:?}", card.kpi);
        assert!(card.not_available.is_some(), "{:?}", card.kpi);
        assert!(card.trend.iter().all(Option::is_none), "{:?}", card.kpi);
    }
    assert_eq!(r4.totals.lead_to_customer_rate, None);
    assert_eq!(reason(&r4, KpiId::CostPerLead), Some(NaReason::NoSpendData));

    // JSON carries null, never NaN or infinity.
    let text = serde_json::to_string(&r4).unwrap();
    assert!(!text.contains("NaN"), "{text}");
    assert!(!text.contains("inf"), "{text}");
    let summary = kpi::cli::summary_json(&r4);
    assert!(summary["cost_per_lead"].is_null());
    assert!(summary["roi"].is_null());
    assert!(summary["lead_quality"]["avg_fit"].is_null());

    for kind in kpi::charts::ChartKind::ALL {
        let labels = kpi::charts::ChartLabels::english();
        let theme = leadbench::charts::Theme::Dark;
        let svg = kpi::charts::svg(&r4, kind, (640, 360), theme, &labels).unwrap();
        assert!(svg.contains("No data in this period"), "{kind:?}");
    }
}

#[test]
fn previous_period_gives_change() {
    let db = zero_denominator_db();
    let july = report(&db, "2024-07-01", "2024-07-31", "Europe/Amsterdam");
    let previous = july.previous_range.as_ref().unwrap();
    assert_eq!(
        (previous.from.as_str(), previous.to.as_str()),
        ("2024-05-31", "2024-06-30")
    );
    let cpl = card(&july, KpiId::CostPerLead);
    // May 31 brings 1/31 of the May spend: 16.13 over 3 leads.
    assert_eq!(july.previous.as_ref().unwrap().cost_cents, Some(1_613));
    let previous_cpl = 1_613.0 / 300.0;
    assert_eq!(cpl.previous, Some(previous_cpl));
    assert_eq!(cpl.change, Some(75.0 - previous_cpl));
}

#[test]
fn filter_by_channel_and_owner() {
    let db = zero_denominator_db();
    insert_lead(&db, at("2024-07-05T10:00:00Z"), "Referral");
    let mut request = KpiRequest {
        range: RangeRequest::Custom {
            from: Some("2024-07-01".into()),
            to: Some("2024-07-31".into()),
        },
        time_zone: Some("UTC".into()),
        ..KpiRequest::default()
    };
    request.filters.channel = Some("referral".into());
    let referral = kpi::dashboard_at(db.conn(), &request, NOW).unwrap();
    assert_eq!(referral.totals.leads, 1);
    assert_eq!(
        reason(&referral, KpiId::CostPerLead),
        Some(NaReason::NoSpendData)
    );

    request.filters.channel = None;
    request.filters.owner = Some("Nobody".into());
    let by_owner = kpi::dashboard_at(db.conn(), &request, NOW).unwrap();
    assert_eq!(by_owner.totals.leads, 0);
    assert_eq!(reason(&by_owner, KpiId::Roi), Some(NaReason::NotByOwner));
    assert_eq!(
        reason(&by_owner, KpiId::ConversionRate),
        Some(NaReason::NotByOwner)
    );
    assert_eq!(by_owner.totals.visitors, None);
}
