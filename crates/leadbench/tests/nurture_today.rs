//! The dry run of the next days, the Today view, the catch-up counts and
//! the figures of a sequence.

mod common;

use common::*;
use leadbench::nurture::mail::ManualSender;
use leadbench::nurture::model::Trigger;
use leadbench::nurture::simulate::forecast;
use leadbench::nurture::today::{due_work, sequence_stats, today};
use leadbench::nurture::{actions, run_due, store};
use leadbench::Database;

fn two_step(db: &mut Database) -> i64 {
    let steps = vec![
        step("first", email("Hello {{first_name}}")),
        step("wait", wait_days(2, Some("09:00"))),
        step("second", email("Again, {{first_name}}")),
    ];
    store::create_sequence(db, &draft("Two steps", Trigger::Manual, steps), 0)
        .unwrap()
        .id
}

#[test]
fn forecast_plays_the_next_days_without_writing() {
    let mut db = Database::open_in_memory().unwrap();
    let sequence = two_step(&mut db);
    let hanna = add_lead(&db, "Hanna", "Meijer", "hanna.meijer@example.nl", 0);
    let now = at("2024-06-03T15:30:00Z");
    let definition = store::get_sequence(db.conn(), sequence).unwrap().draft;

    let result = forecast(db.conn(), &definition, Some(sequence), now, 7).unwrap();

    assert_eq!(result.enrolled, 1);
    assert_eq!(result.emails, 2);
    let lead = &result.leads[0];
    assert_eq!(lead.lead_id, hanna);
    let times: Vec<(String, i64)> = lead
        .steps
        .iter()
        .filter(|step| step.subject.is_some())
        .map(|step| (step.step_id.clone(), step.at))
        .collect();
    assert_eq!(
        times,
        vec![
            ("first".to_owned(), now),
            ("second".to_owned(), at("2024-06-05T09:00:00Z"))
        ]
    );
    assert_eq!(lead.steps[0].subject.as_deref(), Some("Hello Hanna"));
    assert!(store::list_enrolments(db.conn(), None, None, 10)
        .unwrap()
        .is_empty());
}

#[test]
fn forecast_stops_at_the_horizon() {
    let mut db = Database::open_in_memory().unwrap();
    let sequence = two_step(&mut db);
    add_lead(&db, "Olaf", "Vink", "olaf.vink@example.nl", 0);
    let definition = store::get_sequence(db.conn(), sequence).unwrap().draft;

    let result = forecast(db.conn(), &definition, None, at("2024-06-03T15:30:00Z"), 1).unwrap();

    assert_eq!((result.emails, result.waiting), (1, 1));
    assert_eq!(result.leads[0].waiting_at_step.as_deref(), Some("wait"));
}

#[test]
fn today_lists_due_and_planned_work() {
    let mut db = Database::open_in_memory().unwrap();
    let sequence = two_step(&mut db);
    let hanna = add_lead(&db, "Hanna", "Meijer", "hanna.meijer@example.nl", 0);
    let enrolled = at("2024-06-03T08:00:00Z");
    actions::enrol_manual(&mut db, sequence, &[hanna], enrolled).unwrap();

    let now = at("2024-06-03T10:00:00Z");
    let due = due_work(db.conn(), now).unwrap();
    assert_eq!((due.steps, due.emails), (1, 0));
    let view = today(db.conn(), now).unwrap();
    assert_eq!(view.scheduled.len(), 1);
    assert_eq!(view.scheduled[0].kind, "email");
    assert_eq!(view.scheduled[0].lead_name, "Hanna Meijer");
    assert_eq!(view.day_ends_at, at("2024-06-04T00:00:00Z"));

    // Manual mode: the step runs and its e-mail waits for the user.
    run_due(&mut db, now, &mut ManualSender).unwrap();
    let view = today(db.conn(), now).unwrap();
    assert_eq!(view.emails_due.len(), 1);
    assert!(
        view.scheduled.is_empty(),
        "the second e-mail is in two days"
    );
    assert_eq!(due_work(db.conn(), now).unwrap().emails, 1);

    let stats = sequence_stats(db.conn(), sequence).unwrap();
    assert_eq!((stats.enrolled, stats.active, stats.emails_due), (1, 1, 1));
}

#[test]
fn forecast_leaves_out_enrolled_leads() {
    let mut db = Database::open_in_memory().unwrap();
    let sequence = two_step(&mut db);
    let hanna = add_lead(&db, "Hanna", "Meijer", "hanna.meijer@example.nl", 0);
    let olaf = add_lead(&db, "Olaf", "Vink", "olaf.vink@example.nl", 0);
    let now = at("2024-06-03T15:30:00Z");
    actions::enrol_manual(&mut db, sequence, &[hanna], now).unwrap();
    let definition = store::get_sequence(db.conn(), sequence).unwrap().draft;

    let saved = forecast(db.conn(), &definition, Some(sequence), now, 7).unwrap();
    let unsaved = forecast(db.conn(), &definition, None, now, 7).unwrap();

    let ids: Vec<i64> = saved.leads.iter().map(|lead| lead.lead_id).collect();
    assert_eq!(ids, vec![olaf]);
    assert_eq!(unsaved.enrolled, 2);
}
