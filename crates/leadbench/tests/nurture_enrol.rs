//! Enrolment hooks: score and stage triggers, audience, re-entry, goals and
//! stage moves made by a sequence.

mod common;

use common::*;
use leadbench::model::Stage;
use leadbench::nurture::model::{Audience, EnrolmentState, Goal, ReEntry, StepAction, Trigger};
use leadbench::nurture::{actions, enrol, run_due, store};
use leadbench::Database;

fn score_sequence(db: &mut Database, re_entry: ReEntry) -> i64 {
    let mut sequence = draft(
        "Hot leads",
        Trigger::Score { threshold: 70.0 },
        vec![step("hello", email("Hello"))],
    );
    sequence.re_entry = re_entry;
    store::create_sequence(db, &sequence, 0).unwrap().id
}

#[test]
fn score_crossing_enrols_once() {
    let mut db = Database::open_in_memory().unwrap();
    let sequence = score_sequence(&mut db, ReEntry::Never);
    let lead = add_lead(&db, "Anna", "Bakker", "anna@example.nl", 0);
    let now = at("2024-06-03T09:00:00Z");
    let tx = db.write().unwrap();

    let below = enrol::on_score_change(&tx, lead, 10.0, 69.0, now).unwrap();
    let crossed = enrol::on_score_change(&tx, lead, 69.0, 75.0, now + 60).unwrap();
    let above = enrol::on_score_change(&tx, lead, 75.0, 80.0, now + 120).unwrap();
    tx.commit().unwrap();

    assert_eq!(below.enrolled, 0);
    assert_eq!(crossed.enrolled, 1);
    assert_eq!(above.enrolled, 0, "already above the threshold");
    let enrolments = store::list_enrolments(db.conn(), Some(sequence), None, 10).unwrap();
    assert_eq!(enrolments.len(), 1);
    assert_eq!(enrolments[0].enrolled_at, now + 60);
}

#[test]
fn re_entry_after_days_allows_return() {
    let mut db = Database::open_in_memory().unwrap();
    let sequence = score_sequence(&mut db, ReEntry::AfterDays { days: 30 });
    let lead = add_lead(&db, "Anna", "Bakker", "anna@example.nl", 0);
    let first = at("2024-06-03T09:00:00Z");
    let mut sender = RecordingSender::default();
    let cross = |db: &mut Database, at: i64| {
        let tx = db.write().unwrap();
        let changes = enrol::on_score_change(&tx, lead, 50.0, 75.0, at).unwrap();
        tx.commit().unwrap();
        changes.enrolled
    };

    assert_eq!(cross(&mut db, first), 1);
    run_due(&mut db, first, &mut sender).unwrap();
    assert_eq!(cross(&mut db, first + 10 * 86_400), 0, "within 30 days");
    assert_eq!(cross(&mut db, first + 31 * 86_400), 1, "after 30 days");

    let enrolments = store::list_enrolments(db.conn(), Some(sequence), None, 10).unwrap();
    assert_eq!(enrolments.len(), 2);
}

#[test]
fn audience_and_consent_checked_on_enrolment() {
    let mut db = Database::open_in_memory().unwrap();
    let mut sequence = draft(
        "MQL only",
        Trigger::Event {
            event_type: "form_submitted".into(),
            property: Some(leadbench::nurture::model::PropertyFilter {
                key: "form".into(),
                equals: "contact".into(),
            }),
        },
        vec![step("hello", email("Hello"))],
    );
    sequence.audience = Audience {
        stages: vec![Stage::Mql],
        ..Audience::default()
    };
    store::create_sequence(&mut db, &sequence, 0).unwrap();
    let now = at("2024-06-03T09:00:00Z");
    let mql = add_lead(&db, "Anna", "Bakker", "anna@example.nl", 0);
    let new = add_lead(&db, "Bert", "Visser", "bert@example.nl", 0);
    let unknown_consent = add_lead(&db, "Cees", "Mol", "cees@example.nl", 0);
    db.conn()
        .execute(
            "UPDATE leads SET stage = 'mql' WHERE id IN (?1, ?2)",
            [mql, unknown_consent],
        )
        .unwrap();
    db.conn()
        .execute(
            "UPDATE leads SET consent = NULL WHERE id = ?1",
            [unknown_consent],
        )
        .unwrap();
    let contact = r#"{"form":"contact"}"#;

    let other_form = actions::record_event(
        &mut db,
        mql,
        "form_submitted",
        r#"{"form":"newsletter"}"#,
        now,
    )
    .unwrap();
    let in_audience = actions::record_event(&mut db, mql, "form_submitted", contact, now).unwrap();
    let outside = actions::record_event(&mut db, new, "form_submitted", contact, now).unwrap();
    let no_consent =
        actions::record_event(&mut db, unknown_consent, "form_submitted", contact, now).unwrap();

    assert_eq!(other_form.enrolled, 0, "property filter");
    assert_eq!(in_audience.enrolled, 1);
    assert_eq!(outside.enrolled, 0, "stage outside the audience");
    assert_eq!(no_consent.enrolled, 0, "unknown consent is no consent");
}

#[test]
fn reaching_goal_stage_ends_enrolment() {
    let mut db = Database::open_in_memory().unwrap();
    let mut sequence = draft(
        "Until SQL",
        Trigger::Stage { stage: Stage::Mql },
        vec![
            step("hello", email("Hello")),
            step("wait", wait_days(3, None)),
            step("again", email("Again")),
        ],
    );
    sequence.goal = Goal {
        stage: Some(Stage::Sql),
        event_type: None,
    };
    store::create_sequence(&mut db, &sequence, 0).unwrap();
    let lead = add_lead(&db, "Anna", "Bakker", "anna@example.nl", 0);
    let now = at("2024-06-03T09:00:00Z");
    actions::change_stage(&mut db, lead, Stage::Mql, now, "Anna").unwrap();
    let mut sender = RecordingSender::default();
    run_due(&mut db, now, &mut sender).unwrap();

    // Customer is past SQL, so it counts as reaching the goal.
    let changes =
        actions::change_stage(&mut db, lead, Stage::Customer, now + 86_400, "Anna").unwrap();
    run_due(&mut db, now + 4 * 86_400, &mut sender).unwrap();

    assert_eq!(changes.exited, 1);
    assert_eq!(
        sender.subjects_to("anna@example.nl"),
        vec!["Hello".to_owned()]
    );
    let enrolment = &store::list_enrolments(db.conn(), None, Some(lead), 1).unwrap()[0];
    assert_eq!(enrolment.state, EnrolmentState::Exited);
    assert_eq!(enrolment.exit_reason.as_deref(), Some("goal reached"));
}

#[test]
fn stage_move_step_triggers_other_sequence() {
    let mut db = Database::open_in_memory().unwrap();
    let promote = draft(
        "Promote",
        Trigger::Manual,
        vec![step(
            "to-warm",
            StepAction::MoveToStage { stage: Stage::Warm },
        )],
    );
    let welcome_warm = draft(
        "Welcome warm",
        Trigger::Stage { stage: Stage::Warm },
        vec![step("hello", email("Warm welcome"))],
    );
    let promote = store::create_sequence(&mut db, &promote, 0).unwrap().id;
    store::create_sequence(&mut db, &welcome_warm, 0).unwrap();
    let lead = add_lead(&db, "Anna", "Bakker", "anna@example.nl", 0);
    let now = at("2024-06-03T09:00:00Z");
    actions::enrol_manual(&mut db, promote, &[lead], now).unwrap();
    let mut sender = RecordingSender::default();

    run_due(&mut db, now, &mut sender).unwrap();
    run_due(&mut db, now + 60, &mut sender).unwrap();

    let stage: String = db
        .conn()
        .query_row("SELECT stage FROM leads WHERE id = ?1", [lead], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(stage, "warm");
    let actor: String = db
        .conn()
        .query_row(
            "SELECT actor FROM stage_changes WHERE lead_id = ?1 ORDER BY id DESC LIMIT 1",
            [lead],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(actor, "nurture: Promote");
    assert_eq!(
        sender.subjects_to("anna@example.nl"),
        vec!["Warm welcome".to_owned()]
    );
}

#[test]
fn disqualified_lead_leaves_every_sequence() {
    let mut db = Database::open_in_memory().unwrap();
    let sequence = draft(
        "Two",
        Trigger::Manual,
        vec![
            step("wait", wait_days(1, None)),
            step("hello", email("Hello")),
        ],
    );
    let sequence = store::create_sequence(&mut db, &sequence, 0).unwrap().id;
    let lead = add_lead(&db, "Anna", "Bakker", "anna@example.nl", 0);
    let now = at("2024-06-03T09:00:00Z");
    actions::enrol_manual(&mut db, sequence, &[lead], now).unwrap();

    let changes =
        actions::change_stage(&mut db, lead, Stage::Disqualified, now + 60, "Anna").unwrap();
    let mut sender = RecordingSender::default();
    run_due(&mut db, now + 2 * 86_400, &mut sender).unwrap();

    assert_eq!(changes.exited, 1);
    assert!(sender.sent.is_empty());
    let enrolment = &store::list_enrolments(db.conn(), None, Some(lead), 1).unwrap()[0];
    assert_eq!(enrolment.exit_reason.as_deref(), Some("disqualified"));
}
