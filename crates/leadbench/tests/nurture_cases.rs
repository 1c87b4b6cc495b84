//! Failure cases of nurture schedulers seen in other products, replayed
//! with an explicit clock. A lead gets stuck when its condition event
//! arrives before the step ran or while the app is closed. Deleted,
//! opted-out or removed leads still receive mail.

mod common;

use common::*;
use leadbench::model::Stage;
use leadbench::nurture::model::{EnrolmentState, OutboxStatus, Trigger};
use leadbench::nurture::{actions, run_due, store};
use leadbench::Database;

/// "MQL nurture": becomes MQL, send A, then B when the lead visited the
/// product page within 3 days, else C.
fn mql_nurture(db: &mut Database) -> i64 {
    let steps = vec![
        step("a", email("A")),
        step("visited", did_within("visited_product_page", "b", 3)),
        step("c", email("C")),
        step("end", leadbench::nurture::model::StepAction::End),
        step("b", email("B")),
    ];
    let draft = draft("MQL nurture", Trigger::Stage { stage: Stage::Mql }, steps);
    store::create_sequence(db, &draft, at("2024-06-01T00:00:00Z"))
        .unwrap()
        .id
}

fn enrolment_state(db: &Database, lead_id: i64) -> EnrolmentState {
    store::list_enrolments(db.conn(), None, Some(lead_id), 10).unwrap()[0].state
}

#[test]
fn early_event_counts_for_condition() {
    let case = case_file("16-nurture-stuck-step.md");
    assert!(case.contains("2024-06-03T10:00:00Z"));
    let mut db = Database::open_in_memory().unwrap();
    mql_nurture(&mut db);
    let hanna = add_lead(
        &db,
        "Hanna",
        "Meijer",
        "hanna.meijer@example.nl",
        at("2024-06-01T00:00:00Z"),
    );

    let changes = actions::change_stage(
        &mut db,
        hanna,
        Stage::Mql,
        at("2024-06-03T10:00:00Z"),
        "import",
    )
    .unwrap();
    assert_eq!(changes.enrolled, 1);
    actions::record_event(
        &mut db,
        hanna,
        "visited_product_page",
        "{}",
        at("2024-06-03T10:00:20Z"),
    )
    .unwrap();

    let mut sender = RecordingSender::default();
    // A tick every minute for an hour, then hourly ticks for four days.
    let mut now = at("2024-06-03T10:01:00Z");
    while now <= at("2024-06-07T10:00:00Z") {
        run_due(&mut db, now, &mut sender).unwrap();
        let stuck = store::stuck_enrolments(db.conn(), now, 120).unwrap();
        assert!(stuck.is_empty(), "stuck at {now}: {stuck:?}");
        now += if now < at("2024-06-03T11:00:00Z") {
            60
        } else {
            3_600
        };
    }

    let to_hanna = sender.subjects_to("hanna.meijer@example.nl");
    assert_eq!(to_hanna, vec!["A".to_owned(), "B".to_owned()]);
    let rows = outbox(&db);
    assert_eq!(
        rows[0].sent_at,
        Some(at("2024-06-03T10:01:00Z")),
        "A at the first tick"
    );
    assert_eq!(
        rows[1].sent_at,
        Some(at("2024-06-03T10:01:00Z")),
        "B right after A"
    );
    assert_eq!(enrolment_state(&db, hanna), EnrolmentState::Completed);
}

#[test]
fn event_after_step_wakes_condition() {
    let mut db = Database::open_in_memory().unwrap();
    mql_nurture(&mut db);
    let hanna = add_lead(
        &db,
        "Hanna",
        "Meijer",
        "hanna.meijer@example.nl",
        at("2024-06-01T00:00:00Z"),
    );
    actions::change_stage(
        &mut db,
        hanna,
        Stage::Mql,
        at("2024-06-03T10:00:00Z"),
        "import",
    )
    .unwrap();
    let mut sender = RecordingSender::default();

    run_due(&mut db, at("2024-06-03T10:01:00Z"), &mut sender).unwrap();
    assert_eq!(
        sender.subjects_to("hanna.meijer@example.nl"),
        vec!["A".to_owned()]
    );

    // The visit wakes the waiting condition, so the next tick sends B
    // instead of waiting for the hourly look.
    let changes = actions::record_event(
        &mut db,
        hanna,
        "visited_product_page",
        "{}",
        at("2024-06-03T10:30:00Z"),
    )
    .unwrap();
    assert_eq!(changes.woken, 1);
    let summary = run_due(&mut db, at("2024-06-03T10:31:00Z"), &mut sender).unwrap();
    assert_eq!(summary.executed, 2, "condition and B");
    assert_eq!(
        sender.subjects_to("hanna.meijer@example.nl"),
        vec!["A".to_owned(), "B".to_owned()]
    );
    assert_eq!(enrolment_state(&db, hanna), EnrolmentState::Completed);
}

#[test]
fn closed_app_runs_overdue_steps_once() {
    let mut db = Database::open_in_memory().unwrap();
    mql_nurture(&mut db);
    let olaf = add_lead(
        &db,
        "Olaf",
        "Vink",
        "olaf.vink@example.nl",
        at("2024-06-01T00:00:00Z"),
    );
    actions::change_stage(
        &mut db,
        olaf,
        Stage::Mql,
        at("2024-06-03T10:00:00Z"),
        "import",
    )
    .unwrap();
    let mut sender = RecordingSender::default();

    // The app is closed from 10:00:30 on 3 June until 08:00 on 7 June.
    let start = at("2024-06-07T08:00:00Z");
    let stuck = store::stuck_enrolments(db.conn(), start, 600).unwrap();
    assert_eq!(stuck.len(), 1, "overdue before the catch-up run");
    let summary = run_due(&mut db, start, &mut sender).unwrap();

    assert_eq!(
        sender.subjects_to("olaf.vink@example.nl"),
        vec!["A".to_owned(), "C".to_owned()]
    );
    assert_eq!(summary.executed, 4, "A, condition, C and end");
    assert_eq!(
        summary.late, 2,
        "2 steps executed late because the app was closed"
    );
    let late_touchpoints = outbox(&db).iter().filter(|row| row.late).count();
    assert_eq!(late_touchpoints, 2, "2 touchpoints executed late");
    assert_eq!(enrolment_state(&db, olaf), EnrolmentState::Completed);

    let again = run_due(&mut db, start + 60, &mut sender).unwrap();
    assert_eq!(again.due, 0);
    assert_eq!(sender.sent.len(), 2, "no second A");
    assert!(store::stuck_enrolments(db.conn(), start + 60, 0)
        .unwrap()
        .is_empty());
}

/// Trigger: becomes MQL; T1, wait 3 days, T2, wait 3 days, T3.
fn three_touch(db: &mut Database) {
    let steps = vec![
        step("t1", email("T1")),
        step("wait-1", wait_days(3, None)),
        step("t2", email("T2")),
        step("wait-2", wait_days(3, None)),
        step("t3", email("T3")),
    ];
    let draft = draft("Three touches", Trigger::Stage { stage: Stage::Mql }, steps);
    store::create_sequence(db, &draft, at("2024-06-01T00:00:00Z")).unwrap();
}

#[test]
fn left_leads_get_no_later_touchpoints() {
    let case = case_file("17-deleted-lead-still-nurtured.md");
    assert!(case.contains("2024-06-06T07:59:59.900Z"));
    let mut db = Database::open_in_memory().unwrap();
    three_touch(&mut db);
    let created = at("2024-06-01T00:00:00Z");
    let hanna = add_lead(&db, "Hanna", "Meijer", "hanna.meijer@example.nl", created);
    let olaf = add_lead(&db, "Olaf", "Vink", "olaf.vink@example.nl", created);
    let ilse = add_lead(&db, "Ilse", "Kramer", "ilse.kramer@example.nl", created);
    let bram = add_lead(&db, "Bram", "Hendriks", "bram.hendriks@example.nl", created);
    let eva = add_lead(&db, "Eva", "Smit", "eva.smit@example.nl", created);
    let sequence = store::find_sequence(db.conn(), "Three touches").unwrap().id;
    for lead in [hanna, olaf, ilse, bram, eva] {
        actions::change_stage(
            &mut db,
            lead,
            Stage::Mql,
            at("2024-06-03T08:00:00Z"),
            "import",
        )
        .unwrap();
    }
    let mut sender = RecordingSender::default();
    let summary = run_due(&mut db, at("2024-06-03T08:00:00Z"), &mut sender).unwrap();
    assert_eq!(summary.sent, 5, "T1 to everyone");

    // 5 June 15:00: Hanna deleted, Olaf re-imported with consent = no, Ilse
    // removed by hand. Bram is deleted 100 ms before his T2 is due.
    let conn = db.conn();
    conn.execute("DELETE FROM leads WHERE id = ?1", [hanna])
        .unwrap();
    conn.execute("UPDATE leads SET consent = 0 WHERE id = ?1", [olaf])
        .unwrap();
    actions::remove_from_sequence(&mut db, sequence, ilse, at("2024-06-05T15:00:00Z"), "Anna")
        .unwrap();
    db.conn()
        .execute("DELETE FROM leads WHERE id = ?1", [bram])
        .unwrap();

    let mut now = at("2024-06-05T15:01:00Z");
    while now <= at("2024-06-10T08:00:00Z") {
        run_due(&mut db, now, &mut sender).unwrap();
        now += 3_600;
    }
    // Hanna comes back through a CSV import as a new lead.
    let hanna_again = add_lead(
        &db,
        "Hanna",
        "Meijer",
        "hanna.meijer@example.nl",
        at("2024-06-07T10:00:00Z"),
    );
    run_due(&mut db, at("2024-06-10T09:00:00Z"), &mut sender).unwrap();

    for address in [
        "hanna.meijer@example.nl",
        "olaf.vink@example.nl",
        "ilse.kramer@example.nl",
        "bram.hendriks@example.nl",
    ] {
        assert_eq!(
            sender.subjects_to(address),
            vec!["T1".to_owned()],
            "{address}"
        );
    }
    assert_eq!(
        sender.subjects_to("eva.smit@example.nl"),
        vec!["T1".to_owned(), "T2".to_owned(), "T3".to_owned()],
        "other leads still get their e-mails"
    );
    let sent = outbox(&db)
        .iter()
        .filter(|row| {
            row.status == OutboxStatus::Sent
                && row.to_address.as_deref() != Some("eva.smit@example.nl")
        })
        .count();
    assert_eq!(sent, 4, "touchpoints sent to the four leads: T1 x 4");
    let kpi = store::count_sent(
        db.conn(),
        at("2024-06-01T00:00:00Z"),
        at("2024-06-11T00:00:00Z"),
    )
    .unwrap();
    assert_eq!(kpi, 4 + 3, "T1 x 4 plus T1, T2 and T3 to the other lead");
    assert!(
        store::list_enrolments(db.conn(), None, Some(hanna_again), 10)
            .unwrap()
            .is_empty()
    );

    let ilse_history = store::lead_history(db.conn(), ilse).unwrap();
    let removed = ilse_history
        .iter()
        .find(|entry| entry.kind == "removed")
        .unwrap();
    assert_eq!(removed.detail.as_deref(), Some("removed by Anna"));
    let olaf_enrolment = &store::list_enrolments(db.conn(), None, Some(olaf), 10).unwrap()[0];
    assert_eq!(olaf_enrolment.exit_reason.as_deref(), Some("no consent"));
    let deleted = store::list_enrolments(db.conn(), Some(sequence), None, 10)
        .unwrap()
        .into_iter()
        .filter(|e| e.exit_reason.as_deref() == Some("lead deleted"))
        .count();
    assert_eq!(deleted, 2, "Hanna and Bram");
}

#[test]
fn consent_withdrawn_before_delivery_skips_email() {
    let mut db = Database::open_in_memory().unwrap();
    three_touch(&mut db);
    let olaf = add_lead(
        &db,
        "Olaf",
        "Vink",
        "olaf.vink@example.nl",
        at("2024-06-01T00:00:00Z"),
    );
    actions::change_stage(
        &mut db,
        olaf,
        Stage::Mql,
        at("2024-06-03T08:00:00Z"),
        "import",
    )
    .unwrap();
    let options = leadbench::nurture::RunOptions {
        deliver: false,
        ..Default::default()
    };
    let mut sender = RecordingSender::default();
    leadbench::nurture::run_due_with(&mut db, at("2024-06-03T08:00:00Z"), &mut sender, &options)
        .unwrap();
    assert_eq!(outbox(&db)[0].status, OutboxStatus::Due);

    db.conn()
        .execute("UPDATE leads SET consent = 0 WHERE id = ?1", [olaf])
        .unwrap();
    let summary = run_due(&mut db, at("2024-06-03T08:01:00Z"), &mut sender).unwrap();

    assert!(sender.sent.is_empty());
    assert_eq!(summary.skipped, 1);
    let row = &outbox(&db)[0];
    assert_eq!(row.status, OutboxStatus::Skipped);
    assert_eq!(row.skip_reason.as_deref(), Some("no consent"));
}

#[test]
fn unsubscribe_ends_every_sequence() {
    let mut db = Database::open_in_memory().unwrap();
    three_touch(&mut db);
    let olaf = add_lead(
        &db,
        "Olaf",
        "Vink",
        "olaf.vink@example.nl",
        at("2024-06-01T00:00:00Z"),
    );
    actions::change_stage(
        &mut db,
        olaf,
        Stage::Mql,
        at("2024-06-03T08:00:00Z"),
        "import",
    )
    .unwrap();
    let mut sender = RecordingSender::default();
    run_due(&mut db, at("2024-06-03T08:00:00Z"), &mut sender).unwrap();

    let changes = actions::record_unsubscribe(&mut db, olaf, at("2024-06-04T12:00:00Z")).unwrap();
    assert_eq!(changes.exited, 1);
    run_due(&mut db, at("2024-06-10T12:00:00Z"), &mut sender).unwrap();

    assert_eq!(
        sender.subjects_to("olaf.vink@example.nl"),
        vec!["T1".to_owned()]
    );
    let enrolment = &store::list_enrolments(db.conn(), None, Some(olaf), 10).unwrap()[0];
    assert_eq!(enrolment.exit_reason.as_deref(), Some("unsubscribed"));
}

#[test]
fn removing_lead_not_enrolled_fails() {
    let mut db = Database::open_in_memory().unwrap();
    three_touch(&mut db);
    let olaf = add_lead(
        &db,
        "Olaf",
        "Vink",
        "olaf.vink@example.nl",
        at("2024-06-01T00:00:00Z"),
    );
    let sequence = store::find_sequence(db.conn(), "Three touches").unwrap().id;
    let error =
        actions::remove_from_sequence(&mut db, sequence, olaf, at("2024-06-05T15:00:00Z"), "Anna")
            .unwrap_err();
    assert!(error.to_string().contains("not found"), "{error}");
}
