//! The Olist marketing funnel: 8,000 real MQLs with day-first dates, then
//! 842 closed deals imported as outcomes.

#[path = "import_support/mod.rs"]
mod common;

use std::collections::HashMap;

use chrono::NaiveDateTime;
use common::{day, olist, TestDb};
use leadbench::import::{ImportKind, ImportRequest, WarningKind};
use leadbench::model::Stage;

const LATE_LEAD: &str = "b91cf8812365f50ff4bda4bcd6206b05";

fn import_funnel(
    test: &mut TestDb,
) -> (
    leadbench::import::ImportReport,
    leadbench::import::ImportReport,
) {
    let leads = test.run(&ImportRequest {
        path: olist("marketing_qualified_leads.csv"),
        kind: ImportKind::Leads,
        stage: Some(Stage::Mql),
        ..ImportRequest::default()
    });
    let outcomes = test.import(ImportKind::Outcomes, &olist("closed_deals.csv"));
    (leads, outcomes)
}

#[test]
fn mql_file_imports_every_lead() {
    let mut test = TestDb::new();
    let (leads, _) = import_funnel(&mut test);
    assert_eq!(
        (leads.created, leads.updated, leads.rejected),
        (8_000, 0, 0)
    );
    assert_eq!(test.count("SELECT COUNT(*) FROM leads"), 8_000);

    let first = "dac32acd4db4c29c230538b72f8dd87d";
    let row = |column: &str| {
        test.text(&format!(
            "SELECT {column} FROM leads WHERE external_id = '{first}'"
        ))
    };
    assert_eq!(row("date(created_at, 'unixepoch')"), "2018-02-01");
    assert_eq!(row("source"), "social");
    assert_eq!(
        row("json_extract(custom_fields, '$.landing_page_id')"),
        "88740e65d5d6b056e0cda098e1ea6313"
    );
    assert_eq!(
        test.count("SELECT COUNT(*) FROM leads WHERE source IS NULL"),
        60
    );
    assert_eq!(
        test.count("SELECT COUNT(*) FROM stage_changes WHERE reason = 'import' AND to_stage = 'mql' AND from_stage IS NULL"),
        8_000
    );
    assert_eq!(
        test.count(
            "SELECT COUNT(*) FROM leads l JOIN stage_changes s ON s.lead_id = l.id
             WHERE s.reason = 'import' AND s.changed_at <> l.created_at"
        ),
        0
    );
}

#[test]
fn closed_deals_make_842_customers() {
    let mut test = TestDb::new();
    let (_, outcomes) = import_funnel(&mut test);
    assert_eq!(
        (outcomes.created, outcomes.rejected, outcomes.skipped),
        (842, 0, 0)
    );
    assert_eq!(test.count("SELECT COUNT(*) FROM leads"), 8_000);
    assert_eq!(
        test.count("SELECT COUNT(*) FROM leads WHERE stage = 'customer'"),
        842
    );
    assert_eq!(
        test.count("SELECT COUNT(*) FROM leads WHERE stage = 'mql'"),
        7_158
    );
    assert_eq!(
        test.count("SELECT COUNT(*) FROM deals WHERE won_at IS NOT NULL"),
        842
    );
    assert_eq!(
        test.count("SELECT COUNT(*) FROM stage_changes WHERE reason = 'outcome' AND from_stage = 'mql' AND to_stage = 'customer'"),
        842
    );

    // Every won date equals the file's, read here independently.
    let mut reader = csv::Reader::from_path(olist("closed_deals.csv")).unwrap();
    let expected: HashMap<String, i64> = reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            let won = NaiveDateTime::parse_from_str(&record[4], "%d-%m-%Y %H:%M").unwrap();
            (record[0].to_owned(), won.and_utc().timestamp())
        })
        .collect();
    let mut stmt = test
        .db
        .conn()
        .prepare(
            "SELECT l.external_id, d.won_at, l.stage_changed_at FROM deals d JOIN leads l ON l.id = d.lead_id",
        )
        .unwrap();
    let stored: Vec<(String, i64, i64)> = stmt
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .map(|row| row.unwrap())
        .collect();
    assert_eq!(stored.len(), expected.len());
    for (lead, won_at, stage_changed_at) in stored {
        assert_eq!(Some(&won_at), expected.get(&lead), "won date of {lead}");
        assert_eq!(
            stage_changed_at, won_at,
            "customer since the won date: {lead}"
        );
    }
}

#[test]
fn deal_before_first_contact_warned() {
    let mut test = TestDb::new();
    let (_, outcomes) = import_funnel(&mut test);
    assert_eq!(outcomes.warnings.len(), 1);
    let warning = &outcomes.warnings[0];
    assert_eq!(warning.lead, LATE_LEAD);
    assert_eq!(warning.kind, WarningKind::WonBeforeFirstContact);
    assert!(
        warning.message.contains("2018-03-06"),
        "{}",
        warning.message
    );
    assert!(
        warning.message.contains("2018-03-08"),
        "{}",
        warning.message
    );
    assert_eq!(
        test.text(&format!(
            "SELECT stage FROM leads WHERE external_id = '{LATE_LEAD}'"
        )),
        "customer"
    );
    let won: i64 = test.count(&format!(
        "SELECT d.won_at FROM deals d JOIN leads l ON l.id = d.lead_id WHERE l.external_id = '{LATE_LEAD}'"
    ));
    assert_eq!(day(won), "2018-03-06");
}

#[test]
fn outcomes_import_twice_adds_nothing() {
    let mut test = TestDb::new();
    import_funnel(&mut test);
    let again = test.import(ImportKind::Outcomes, &olist("closed_deals.csv"));
    assert_eq!((again.created, again.skipped, again.rejected), (0, 842, 0));
    assert_eq!(test.count("SELECT COUNT(*) FROM deals"), 842);
    assert_eq!(
        test.count("SELECT COUNT(*) FROM stage_changes WHERE reason = 'outcome'"),
        842
    );
}
