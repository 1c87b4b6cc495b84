//! Dry runs, cancelling, duplicate policies, activity files, saved
//! mappings, the import history and undo.

#[path = "import_support/mod.rs"]
mod common;

use std::fmt::Write as _;
use std::sync::atomic::AtomicBool;

use common::{request, TestDb};
use leadbench::import::mapping::{load_mapping, save_mapping};
use leadbench::import::{
    self, history, ColumnChoice, Control, DuplicatePolicy, Field, ImportKind, ImportRequest, Phase,
    RowProblem, Target,
};
use leadbench::ErrorKind;

fn big_file(test: &TestDb, rows: usize) -> std::path::PathBuf {
    let mut text = String::from("email,first name,company\n");
    for i in 0..rows {
        writeln!(
            text,
            "lead{i}@example{}.nl,Lead {i},Company {}",
            i % 50,
            i % 50
        )
        .unwrap();
    }
    test.write("big.csv", text.as_bytes())
}

#[test]
fn dry_run_reports_and_changes_nothing() {
    let mut test = TestDb::new();
    let file = test.write(
        "leads.csv",
        b"email,name\na@example.nl,Anna\nA@EXAMPLE.NL,Anna Visser\nnot-an-address,Bram\n",
    );
    let mut dry = request(ImportKind::Leads, &file);
    dry.dry_run = true;
    let report = test.run(&dry);
    assert_eq!((report.created, report.updated, report.rejected), (1, 1, 1));
    assert_eq!(report.import_id, None);
    assert_eq!(report.errors[0].line, 4);
    assert_eq!(report.errors[0].value, "not-an-address");
    assert_eq!(report.errors[0].problem, RowProblem::InvalidEmail);
    assert_eq!(test.count("SELECT COUNT(*) FROM leads"), 0);
    assert_eq!(test.count("SELECT COUNT(*) FROM imports"), 0);

    let real = test.import(ImportKind::Leads, &file);
    assert_eq!((real.created, real.updated, real.rejected), (1, 1, 1));

    let mut errors = Vec::new();
    import::write_errors_csv(&real, &mut errors).unwrap();
    assert_eq!(
        String::from_utf8(errors).unwrap(),
        "line,column,value,reason\n4,email,not-an-address,not an e-mail address: the @ is missing\n"
    );
}

#[test]
fn cancelled_import_changes_nothing() {
    let mut test = TestDb::new();
    let file = big_file(&test, 20_000);
    let cancel = AtomicBool::new(true);
    let mut phases = Vec::new();
    let mut progress = |p: &import::Progress| phases.push(p.phase);
    let mut control = Control {
        cancel: Some(&cancel),
        progress: Some(&mut progress),
    };
    let error = import::run(
        &mut test.db,
        &request(ImportKind::Leads, &file),
        &mut control,
    )
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Cancelled);
    assert_eq!(test.count("SELECT COUNT(*) FROM leads"), 0);
    assert_eq!(test.count("SELECT COUNT(*) FROM accounts"), 0);
    assert_eq!(test.count("SELECT COUNT(*) FROM imports"), 0);
    assert!(
        phases.is_empty(),
        "cancelled before the first progress report"
    );

    // The same connection imports normally afterwards.
    let report = test.import(ImportKind::Leads, &file);
    assert_eq!(report.created, 20_000);
    assert_eq!(test.count("PRAGMA foreign_keys"), 1);
}

#[test]
fn progress_reaches_total() {
    let mut test = TestDb::new();
    let file = big_file(&test, 10_000);
    let mut last = None;
    let mut progress = |p: &import::Progress| last = Some(p.clone());
    let mut control = Control {
        cancel: None,
        progress: Some(&mut progress),
    };
    import::run(
        &mut test.db,
        &request(ImportKind::Leads, &file),
        &mut control,
    )
    .unwrap();
    let last = last.unwrap();
    assert_eq!(last.phase, Phase::Importing);
    assert_eq!((last.rows_done, last.rows_total), (10_000, 10_000));
    assert_eq!(last.bytes_done, last.bytes_total);
}

#[test]
fn skip_and_create_policies() {
    let mut test = TestDb::new();
    let first = test.write("first.csv", b"email,job title\na@example.nl,CTO\n");
    test.import(ImportKind::Leads, &first);
    let second = test.write(
        "second.csv",
        b"email,job title\na@example.nl,CEO\nb@example.nl,CFO\n",
    );

    let mut skip = request(ImportKind::Leads, &second);
    skip.duplicates = DuplicatePolicy::Skip;
    let report = test.run(&skip);
    assert_eq!((report.created, report.skipped), (1, 1));
    assert_eq!(
        test.text("SELECT job_title FROM leads WHERE email = 'a@example.nl'"),
        "CTO"
    );

    let mut create = request(ImportKind::Leads, &second);
    create.duplicates = DuplicatePolicy::Create;
    let report = test.run(&create);
    assert_eq!(report.created, 2);
    assert_eq!(
        test.count("SELECT COUNT(*) FROM leads WHERE email = 'a@example.nl'"),
        2
    );
}

#[test]
fn empty_cell_never_erases() {
    let mut test = TestDb::new();
    let first = test.write(
        "first.csv",
        b"email,phone,job title,source\na@example.nl,+31 6 1,CTO,webinar\n",
    );
    test.import(ImportKind::Leads, &first);
    let second = test.write(
        "second.csv",
        b"email,phone,job title,source\nA@example.nl,,CEO,linkedin\n",
    );
    let report = test.import(ImportKind::Leads, &second);
    assert_eq!(report.updated, 1);
    assert_eq!(
        test.text("SELECT phone || '|' || job_title || '|' || source FROM leads"),
        "+31 6 1|CEO|webinar"
    );
}

#[test]
fn stage_campaign_and_owner_options() {
    let mut test = TestDb::new();
    let file = test.write("leads.csv", b"email,created\na@example.nl,2024-03-01\n");
    let report = test.run(&ImportRequest {
        stage: Some(leadbench::model::Stage::Sql),
        campaign: Some("Beurs 2024".to_owned()),
        owner: Some("Sanne".to_owned()),
        ..request(ImportKind::Leads, &file)
    });
    assert_eq!(report.created, 1);
    assert_eq!(
        test.text("SELECT l.stage || '|' || c.name || '|' || l.owner FROM leads l JOIN campaigns c ON c.id = l.campaign_id"),
        "sql|Beurs 2024|Sanne"
    );
    assert_eq!(
        test.text("SELECT to_stage || '|' || reason || '|' || date(changed_at, 'unixepoch') FROM stage_changes"),
        "sql|import|2024-03-01"
    );
}

#[test]
fn activity_counts_each_event_once() {
    let mut test = TestDb::new();
    let leads = test.write(
        "leads.csv",
        b"email,lead id\na@example.nl,L-1\nb@example.nl,L-2\n",
    );
    test.import(ImportKind::Leads, &leads);
    let activity = test.write(
        "activity.csv",
        b"lead id,event type,timestamp,event id,url\n\
          L-1,Page View,2024-03-01T10:00:00Z,e1,/pricing\n\
          L-1,page_view,2024-03-01T10:00:00Z,e1,/pricing\n\
          L-2,Booth Scan,2024-03-02T09:00:00Z,e2,\n\
          L-3,page_view,2024-03-02T09:00:00Z,e3,\n\
          L-2,form submission,2024-03-03 12:00,,/contact\n",
    );
    let report = test.import(ImportKind::Activity, &activity);
    assert_eq!((report.created, report.skipped, report.rejected), (3, 1, 1));
    assert_eq!(report.errors[0].line, 5);
    assert_eq!(report.unknown_event_types.len(), 1);
    assert_eq!(report.unknown_event_types[0].name, "booth_scan");
    assert_eq!(
        test.texts("SELECT type || ' ' || json_extract(properties, '$.url') FROM events WHERE properties <> '{}' ORDER BY occurred_at"),
        ["page_view /pricing", "form_submitted /contact"]
    );

    let again = test.import(ImportKind::Activity, &activity);
    assert_eq!((again.created, again.skipped), (0, 4));
    assert_eq!(test.count("SELECT COUNT(*) FROM events"), 3);
}

#[test]
fn saved_mapping_reused_by_name() {
    let mut test = TestDb::new();
    let file = test.write("leads.csv", b"Adres,Wie\na@example.nl,Anna Visser\n");
    let choices = vec![
        ColumnChoice {
            column: "Adres".to_owned(),
            target: Target::Field(Field::Email),
        },
        ColumnChoice {
            column: "Wie".to_owned(),
            target: Target::Field(Field::FullName),
        },
    ];
    save_mapping(test.db.conn(), "beurs", ImportKind::Leads, &choices).unwrap();
    assert_eq!(load_mapping(test.db.conn(), "beurs").unwrap(), choices);

    let report = test.run(&ImportRequest {
        saved_mapping: Some("beurs".to_owned()),
        ..request(ImportKind::Leads, &file)
    });
    assert_eq!(report.created, 1);
    assert_eq!(
        test.text("SELECT email || ' ' || last_name FROM leads"),
        "a@example.nl Visser"
    );
}

#[test]
fn history_lists_imports() {
    let mut test = TestDb::new();
    let file = test.write("beurs.csv", b"email\na@example.nl\nbad\n");
    let report = test.import(ImportKind::Leads, &file);
    let records = history::list(test.db.conn()).unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(Some(records[0].id), report.import_id);
    assert_eq!(records[0].file_name, "beurs.csv");
    assert_eq!((records[0].created, records[0].rejected), (1, 1));
    assert_eq!(records[0].mapping[0].target, Target::Field(Field::Email));
}

#[test]
fn undo_refused_while_later_import_changed_leads() {
    let mut test = TestDb::new();
    let first = test.write(
        "first.csv",
        b"email,job title\na@example.nl,CTO\nb@example.nl,CFO\n",
    );
    let first_id = test.import(ImportKind::Leads, &first).import_id.unwrap();
    let second = test.write(
        "second.csv",
        b"email,job title\na@example.nl,CEO\nc@example.nl,COO\n",
    );
    let second_id = test.import(ImportKind::Leads, &second).import_id.unwrap();

    let refused = import::undo(&mut test.db, first_id).unwrap();
    assert!(!refused.undone);
    assert_eq!(refused.conflicts.len(), 1);
    assert_eq!(refused.conflicts[0].lead, "a@example.nl");
    assert!(
        refused.conflicts[0].reason.contains("later import"),
        "{}",
        refused.conflicts[0].reason
    );
    assert_eq!(test.count("SELECT COUNT(*) FROM leads"), 3);

    let undone = import::undo(&mut test.db, second_id).unwrap();
    assert!(undone.undone);
    assert_eq!((undone.leads_deleted, undone.leads_restored), (1, 1));
    assert_eq!(
        test.text("SELECT job_title FROM leads WHERE email = 'a@example.nl'"),
        "CTO"
    );

    let undone = import::undo(&mut test.db, first_id).unwrap();
    assert!(undone.undone);
    assert_eq!(test.count("SELECT COUNT(*) FROM leads"), 0);
    assert_eq!(test.count("SELECT COUNT(*) FROM stage_changes"), 0);
    assert_eq!(test.count("SELECT COUNT(*) FROM accounts"), 0);
}

#[test]
fn undo_refused_after_manual_edit() {
    let mut test = TestDb::new();
    let first = test.write("first.csv", b"email\na@example.nl\n");
    test.import(ImportKind::Leads, &first);
    let second = test.write("second.csv", b"email,phone\na@example.nl,+31 6 1\n");
    let second_id = test.import(ImportKind::Leads, &second).import_id.unwrap();
    test.db
        .conn()
        .execute("UPDATE leads SET job_title = 'Edited by hand'", [])
        .unwrap();

    let refused = import::undo(&mut test.db, second_id).unwrap();
    assert!(!refused.undone);
    assert_eq!(refused.conflicts[0].reason, "edited after the import");
    assert_eq!(test.text("SELECT phone FROM leads"), "+31 6 1");
}

#[test]
fn undo_outcomes_restores_stage() {
    let mut test = TestDb::new();
    let leads = test.write("leads.csv", b"email\na@example.nl\n");
    test.run(&ImportRequest {
        stage: Some(leadbench::model::Stage::Mql),
        ..request(ImportKind::Leads, &leads)
    });
    let deals = test.write(
        "deals.csv",
        b"email,won date,value\na@example.nl,2024-05-01,500\n",
    );
    let outcome_id = test.import(ImportKind::Outcomes, &deals).import_id.unwrap();
    assert_eq!(test.text("SELECT stage FROM leads"), "customer");

    let undone = import::undo(&mut test.db, outcome_id).unwrap();
    assert!(undone.undone, "{:?}", undone.conflicts);
    assert_eq!(undone.deals_deleted, 1);
    assert_eq!(test.text("SELECT stage FROM leads"), "mql");
    assert_eq!(
        test.count("SELECT COUNT(*) FROM stage_changes WHERE reason = 'outcome'"),
        0
    );
    let error = import::undo(&mut test.db, outcome_id).unwrap_err();
    assert!(error.to_string().contains("already undone"), "{error}");
}
