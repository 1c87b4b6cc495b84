//! The scheduler with an explicit clock: waits across daylight-saving
//! changes, runs interrupted part-way, retries, the daily cap, edits of an
//! active sequence and the dry run.

mod common;

use common::*;
use leadbench::nurture::model::{OutboxStatus, SequenceDraft, StepAction, Trigger};
use leadbench::nurture::{actions, run_due, run_due_with, simulate, store, RunOptions};
use leadbench::settings::{self, Settings};
use leadbench::Database;

fn amsterdam_db() -> Database {
    let mut db = Database::open_in_memory().unwrap();
    let settings = Settings {
        currency: "EUR".into(),
        time_zone: Some("Europe/Amsterdam".into()),
        ..Settings::default()
    };
    settings::save(db.conn_mut(), &settings).unwrap();
    db
}

/// Saves a manual sequence of `days` e-mails, one a day at `time`.
fn daily(db: &mut Database, days: u32, time: &str) -> i64 {
    let mut steps = Vec::new();
    for day in 1..=days {
        steps.push(step(&format!("wait-{day}"), wait_days(1, Some(time))));
        steps.push(step(&format!("day-{day}"), email(&format!("Day {day}"))));
    }
    let draft = draft("Daily", Trigger::Manual, steps);
    store::create_sequence(db, &draft, at("2024-01-01T00:00:00Z"))
        .unwrap()
        .id
}

/// Runs a tick every 15 minutes from `from` to `to` and returns the e-mails' send
/// times as local Amsterdam times.
fn run_quarter_hourly(db: &mut Database, from: i64, to: i64) -> Vec<String> {
    let mut sender = RecordingSender::default();
    let mut now = from;
    while now <= to {
        run_due(db, now, &mut sender).unwrap();
        now += 900;
    }
    let tz: chrono_tz::Tz = "Europe/Amsterdam".parse().unwrap();
    outbox(db)
        .iter()
        .map(|row| {
            let sent = chrono::DateTime::from_timestamp(row.sent_at.unwrap(), 0).unwrap();
            sent.with_timezone(&tz).format("%a %d %H:%M %Z").to_string()
        })
        .collect()
}

#[test]
fn day_waits_keep_0900_across_spring_forward() {
    let mut db = amsterdam_db();
    let sequence = daily(&mut db, 5, "09:00");
    let lead = add_lead(
        &db,
        "Femke",
        "de Wit",
        "femke@example.nl",
        at("2024-03-01T00:00:00Z"),
    );
    // Thursday 28 March 2024, 12:00 CET.
    actions::enrol_manual(&mut db, sequence, &[lead], at("2024-03-28T11:00:00Z")).unwrap();

    let sent = run_quarter_hourly(
        &mut db,
        at("2024-03-28T11:00:00Z"),
        at("2024-04-03T12:00:00Z"),
    );

    assert_eq!(
        sent,
        vec![
            "Fri 29 09:00 CET",
            "Sat 30 09:00 CET",
            "Sun 31 09:00 CEST",
            "Mon 01 09:00 CEST",
            "Tue 02 09:00 CEST",
        ]
    );
}

#[test]
fn day_waits_keep_0900_across_fall_back() {
    let mut db = amsterdam_db();
    let sequence = daily(&mut db, 4, "09:00");
    let lead = add_lead(
        &db,
        "Femke",
        "de Wit",
        "femke@example.nl",
        at("2024-10-01T00:00:00Z"),
    );
    actions::enrol_manual(&mut db, sequence, &[lead], at("2024-10-25T10:00:00Z")).unwrap();

    let sent = run_quarter_hourly(
        &mut db,
        at("2024-10-25T10:00:00Z"),
        at("2024-10-30T12:00:00Z"),
    );

    assert_eq!(
        sent,
        vec![
            "Sat 26 09:00 CEST",
            "Sun 27 09:00 CET",
            "Mon 28 09:00 CET",
            "Tue 29 09:00 CET",
        ]
    );
}

#[test]
fn skipped_and_repeated_times_run_once() {
    for (label, enrolled, end, expected) in [
        (
            "spring forward: 02:30 does not exist",
            "2024-03-30T10:00:00Z",
            "2024-04-01T12:00:00Z",
            vec!["Sun 31 03:30 CEST", "Mon 01 02:30 CEST"],
        ),
        (
            "fall back: 02:30 happens twice",
            "2024-10-26T10:00:00Z",
            "2024-10-28T12:00:00Z",
            vec!["Sun 27 02:30 CEST", "Mon 28 02:30 CET"],
        ),
    ] {
        let mut db = amsterdam_db();
        let sequence = daily(&mut db, 2, "02:30");
        let lead = add_lead(
            &db,
            "Femke",
            "de Wit",
            "femke@example.nl",
            at("2024-01-01T00:00:00Z"),
        );
        actions::enrol_manual(&mut db, sequence, &[lead], at(enrolled)).unwrap();

        let sent = run_quarter_hourly(&mut db, at(enrolled), at(end));

        assert_eq!(sent, expected, "{label}");
    }
}

fn two_emails_then_wait(db: &mut Database) -> i64 {
    let steps = vec![
        step("a", email("A")),
        step("b", email("B")),
        step("wait", wait_days(1, None)),
        step("c", email("C")),
    ];
    let draft = draft("Crash test", Trigger::Manual, steps);
    store::create_sequence(db, &draft, at("2024-06-01T00:00:00Z"))
        .unwrap()
        .id
}

#[test]
fn interrupted_run_sends_nothing_twice() {
    let mut db = Database::open_in_memory().unwrap();
    let sequence = two_emails_then_wait(&mut db);
    let leads: Vec<i64> = (0..20)
        .map(|i| {
            add_lead(
                &db,
                "Lead",
                &i.to_string(),
                &format!("lead{i}@example.nl"),
                0,
            )
        })
        .collect();
    let now = at("2024-06-03T09:00:00Z");
    actions::enrol_manual(&mut db, sequence, &leads, now).unwrap();
    let mut sender = RecordingSender::default();

    // Killed after 7 steps, before any e-mail left.
    let killed = RunOptions {
        max_steps: Some(7),
        deliver: false,
        ..RunOptions::default()
    };
    let partial = run_due_with(&mut db, now, &mut sender, &killed).unwrap();
    assert_eq!(partial.executed, 7);
    // Killed again after 5 more steps, this time with delivery.
    let killed = RunOptions {
        max_steps: Some(5),
        ..RunOptions::default()
    };
    run_due_with(&mut db, now + 30, &mut sender, &killed).unwrap();
    let full = run_due(&mut db, now + 60, &mut sender).unwrap();
    assert_eq!(
        full.executed,
        40 - 12,
        "A and B for 20 leads, less those already run"
    );
    run_due(&mut db, at("2024-06-04T09:00:00Z"), &mut sender).unwrap();
    run_due(&mut db, at("2024-06-04T09:01:00Z"), &mut sender).unwrap();

    for i in 0..20 {
        let address = format!("lead{i}@example.nl");
        assert_eq!(
            sender.subjects_to(&address),
            vec!["A".to_owned(), "B".to_owned(), "C".to_owned()],
            "{address}"
        );
    }
    assert_eq!(sender.sent.len(), 60);
}

#[test]
fn outbox_key_blocks_second_run_of_step() {
    let mut db = Database::open_in_memory().unwrap();
    let sequence = two_emails_then_wait(&mut db);
    let lead = add_lead(&db, "Olaf", "Vink", "olaf@example.nl", 0);
    let now = at("2024-06-03T09:00:00Z");
    actions::enrol_manual(&mut db, sequence, &[lead], now).unwrap();
    let mut sender = RecordingSender::default();
    run_due(&mut db, now, &mut sender).unwrap();

    // Put the enrolment back on its first step, as a faulty edit might.
    db.conn()
        .execute(
            "UPDATE nurture_enrolments SET step_index = 0, next_due_at = ?1",
            [now],
        )
        .unwrap();
    run_due(&mut db, now + 60, &mut sender).unwrap();

    assert_eq!(
        sender.subjects_to("olaf@example.nl"),
        vec!["A".to_owned(), "B".to_owned()]
    );
    assert_eq!(outbox(&db).len(), 2);
}

#[test]
fn email_left_sending_never_resent() {
    let mut db = Database::open_in_memory().unwrap();
    let sequence = two_emails_then_wait(&mut db);
    let lead = add_lead(&db, "Olaf", "Vink", "olaf@example.nl", 0);
    let now = at("2024-06-03T09:00:00Z");
    actions::enrol_manual(&mut db, sequence, &[lead], now).unwrap();
    let mut sender = RecordingSender::default();
    let no_delivery = RunOptions {
        deliver: false,
        ..RunOptions::default()
    };
    run_due_with(&mut db, now, &mut sender, &no_delivery).unwrap();
    // A run killed after claiming A and before the server replied.
    db.conn()
        .execute(
            "UPDATE nurture_outbox SET status = 'sending', attempts = 1, next_attempt_at = ?1
             WHERE step_id = 'a'",
            [now],
        )
        .unwrap();

    run_due(&mut db, now + 60, &mut sender).unwrap();
    run_due(&mut db, now + 3_600, &mut sender).unwrap();

    assert_eq!(sender.subjects_to("olaf@example.nl"), vec!["B".to_owned()]);
    let a = outbox(&db)
        .into_iter()
        .find(|row| row.step_id == "a")
        .unwrap();
    assert_eq!(a.status, OutboxStatus::Failed);
    assert!(a.last_error.unwrap().contains("interrupted"));
    assert_eq!(a.next_attempt_at, None, "not retried automatically");
}

#[test]
fn failed_send_retried_with_backoff() {
    let mut db = Database::open_in_memory().unwrap();
    let sequence = two_emails_then_wait(&mut db);
    let lead = add_lead(&db, "Olaf", "Vink", "olaf@example.nl", 0);
    let now = at("2024-06-03T09:00:00Z");
    actions::enrol_manual(&mut db, sequence, &[lead], now).unwrap();
    let mut sender = RecordingSender {
        fail_next: 3,
        ..RecordingSender::default()
    };

    let first = run_due(&mut db, now, &mut sender).unwrap();
    assert_eq!(first.failed, 2, "A and B failed");
    let a = outbox(&db)
        .into_iter()
        .find(|row| row.step_id == "a")
        .unwrap();
    assert_eq!(a.status, OutboxStatus::Failed);
    assert_eq!(a.next_attempt_at, Some(now + 300));
    assert_eq!(a.last_error.as_deref(), Some("451 try again later"));

    let early = run_due(&mut db, now + 60, &mut sender).unwrap();
    assert_eq!(early.sent + early.failed, 0, "not before the backoff");
    let second = run_due(&mut db, now + 300, &mut sender).unwrap();
    assert_eq!((second.failed, second.sent), (1, 1));
    run_due(&mut db, now + 300 + 900, &mut sender).unwrap();

    assert_eq!(
        sender.subjects_to("olaf@example.nl"),
        vec!["B".to_owned(), "A".to_owned()]
    );
    let a = outbox(&db)
        .into_iter()
        .find(|row| row.step_id == "a")
        .unwrap();
    assert_eq!((a.status, a.attempts), (OutboxStatus::Sent, 3));
}

#[test]
fn daily_cap_holds_rest_until_tomorrow() {
    let mut db = amsterdam_db();
    let sequence = two_emails_then_wait(&mut db);
    let leads: Vec<i64> = (0..3)
        .map(|i| {
            add_lead(
                &db,
                "Lead",
                &i.to_string(),
                &format!("lead{i}@example.nl"),
                0,
            )
        })
        .collect();
    let now = at("2024-06-03T09:00:00Z");
    actions::enrol_manual(&mut db, sequence, &leads, now).unwrap();
    let mut sender = RecordingSender {
        cap: Some(4),
        ..RecordingSender::default()
    };

    let today = run_due(&mut db, now, &mut sender).unwrap();
    assert_eq!((today.sent, today.capped), (4, 2));
    let later = run_due(&mut db, at("2024-06-03T21:00:00Z"), &mut sender).unwrap();
    assert_eq!(
        (later.sent, later.capped),
        (0, 2),
        "the cap counts the local day"
    );
    // Midnight in Amsterdam is 22:00 UTC in summer.
    let tomorrow = run_due(&mut db, at("2024-06-03T22:00:00Z"), &mut sender).unwrap();
    assert_eq!(tomorrow.sent, 2);
}

fn edit(db: &Database, sequence: i64, change: impl FnOnce(&mut SequenceDraft)) -> SequenceDraft {
    let mut draft = store::get_sequence(db.conn(), sequence).unwrap().draft;
    change(&mut draft);
    draft
}

#[test]
fn editing_active_sequence_moves_leads_as_previewed() {
    let mut db = Database::open_in_memory().unwrap();
    let sequence = two_emails_then_wait(&mut db);
    let waiting = add_lead(&db, "Wendy", "Wacht", "wendy@example.nl", 0);
    let now = at("2024-06-03T09:00:00Z");
    actions::enrol_manual(&mut db, sequence, &[waiting], now).unwrap();
    run_due(&mut db, now, &mut RecordingSender::default()).unwrap();

    // Replace the one-day wait by a two-hour one: the lead stays on the
    // changed step and the shorter wait counts from when it was reached.
    let shorter = edit(&db, sequence, |draft| {
        draft.steps.remove(2);
        draft.steps.insert(
            2,
            step(
                "wait-2h",
                StepAction::Wait {
                    wait: leadbench::nurture::model::Wait::For {
                        amount: 2,
                        unit: leadbench::nurture::model::WaitUnit::Hours,
                        at: None,
                    },
                },
            ),
        );
    });
    let preview = store::preview_edit(db.conn(), sequence, &shorter).unwrap();
    assert_eq!((preview.active_enrolments, preview.moved_forward), (1, 1));
    let impact = store::update_sequence(&mut db, sequence, &shorter, now + 60).unwrap();
    assert_eq!(impact, preview);
    let mut sender = RecordingSender::default();
    run_due(&mut db, now + 2 * 3_600, &mut sender).unwrap();
    assert_eq!(sender.subjects_to("wendy@example.nl"), vec!["C".to_owned()]);

    // Removing every step from the current one on completes the enrolment.
    let other = add_lead(&db, "Otto", "Anders", "otto@example.nl", 0);
    let later = now + 3 * 3_600;
    actions::enrol_manual(&mut db, sequence, &[other], later).unwrap();
    run_due(&mut db, later, &mut sender).unwrap();
    let cut = edit(&db, sequence, |draft| draft.steps.truncate(1));
    let impact = store::update_sequence(&mut db, sequence, &cut, later + 60).unwrap();
    assert_eq!((impact.active_enrolments, impact.completed), (1, 1));
}

#[test]
fn unknown_merge_field_rejected_on_save() {
    let mut db = Database::open_in_memory().unwrap();
    let steps = vec![step(
        "hello",
        StepAction::SendEmail {
            subject: "Hi {{frist_name}}".into(),
            body: String::new(),
        },
    )];
    let error =
        store::create_sequence(&mut db, &draft("Typo", Trigger::Manual, steps), 0).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("{{frist_name}}"), "{message}");
    assert!(message.contains("{{first_name}}"), "{message}");
}

#[test]
fn dry_run_replays_history_without_writing() {
    let db = Database::open_in_memory().unwrap();
    let steps = vec![
        step("article", email("Article for {{first_name}}")),
        step("visited", did_within("pricing_page_visit", "demo", 5)),
        step("story", email("Story")),
        step("end", StepAction::End),
        step("demo", email("Demo")),
    ];
    let sequence = draft(
        "White paper",
        Trigger::Event {
            event_type: "whitepaper_download".into(),
            property: None,
        },
        steps,
    );
    let now = at("2024-06-30T12:00:00Z");
    let anna = add_lead(&db, "Anna", "Bakker", "anna@example.nl", 0);
    let bert = add_lead(&db, "Bert", "Visser", "bert@example.nl", 0);
    let cees = add_lead(&db, "Cees", "Mol", "cees@example.nl", 0);
    let old = add_lead(&db, "Oud", "Lid", "oud@example.nl", 0);
    let insert = |lead: i64, kind: &str, when: &str| {
        db.conn()
            .execute(
                "INSERT INTO events (lead_id, type, occurred_at) VALUES (?1, ?2, ?3)",
                rusqlite::params![lead, kind, at(when)],
            )
            .unwrap();
    };
    insert(anna, "whitepaper_download", "2024-06-10T10:00:00Z");
    insert(anna, "pricing_page_visit", "2024-06-12T10:00:00Z");
    insert(bert, "whitepaper_download", "2024-06-10T10:00:00Z");
    insert(cees, "whitepaper_download", "2024-06-28T10:00:00Z");
    insert(old, "whitepaper_download", "2024-04-01T10:00:00Z");
    let changes_before = db.conn().total_changes();

    let result = simulate::simulate(db.conn(), &sequence, now, 30).unwrap();

    assert_eq!(db.conn().total_changes(), changes_before, "nothing written");
    assert_eq!(
        result.enrolled, 3,
        "the download 90 days ago is outside the window"
    );
    assert_eq!((result.completed, result.waiting), (2, 1));
    assert_eq!(result.emails, 5);
    let anna_result = result.leads.iter().find(|l| l.lead_id == anna).unwrap();
    let subjects: Vec<_> = anna_result
        .steps
        .iter()
        .filter_map(|s| s.subject.clone())
        .collect();
    assert_eq!(
        subjects,
        vec!["Article for Anna".to_owned(), "Demo".to_owned()]
    );
    let cees_result = result.leads.iter().find(|l| l.lead_id == cees).unwrap();
    assert_eq!(cees_result.waiting_at_step.as_deref(), Some("visited"));
    let article = result
        .reached
        .iter()
        .find(|(id, _)| id == "article")
        .unwrap();
    assert_eq!(article.1, 3);
}

#[test]
fn paused_sequence_waits_then_catches_up() {
    let mut db = Database::open_in_memory().unwrap();
    let sequence = two_emails_then_wait(&mut db);
    let lead = add_lead(&db, "Olaf", "Vink", "olaf@example.nl", 0);
    let now = at("2024-06-03T09:00:00Z");
    actions::enrol_manual(&mut db, sequence, &[lead], now).unwrap();
    store::set_status(
        &mut db,
        sequence,
        leadbench::nurture::model::SequenceStatus::Paused,
        now,
    )
    .unwrap();
    let mut sender = RecordingSender::default();

    let paused = run_due(&mut db, now + 60, &mut sender).unwrap();
    assert_eq!(paused.due, 0);
    store::set_status(
        &mut db,
        sequence,
        leadbench::nurture::model::SequenceStatus::Active,
        now,
    )
    .unwrap();
    let resumed = run_due(&mut db, now + 120, &mut sender).unwrap();
    assert_eq!(resumed.sent, 2);
    assert!(sender
        .sent
        .iter()
        .all(|email| email.to == "olaf@example.nl"));
}

#[test]
fn preview_uses_real_lead_and_language() {
    let mut db = Database::open_in_memory().unwrap();
    let settings = Settings {
        language: Some(settings::Language::Nl),
        currency: "EUR".into(),
        time_zone: None,
    };
    settings::save(db.conn_mut(), &settings).unwrap();
    let lead = add_lead(&db, "Femke", "de Wit", "femke.dewit@example.nl", 0);

    let preview = leadbench::nurture::mail::preview_email(
        db.conn(),
        "Hallo {{first_name}}",
        "Beste {{full_name}} van {{company|uw bedrijf}},",
        lead,
    )
    .unwrap();

    assert_eq!(preview.to.as_deref(), Some("femke.dewit@example.nl"));
    assert_eq!(preview.subject, "Hallo Femke");
    assert!(
        preview
            .body
            .starts_with("Beste Femke de Wit van uw bedrijf,"),
        "{}",
        preview.body
    );
    assert!(preview.body.contains("afmelden"), "{}", preview.body);
    let error =
        leadbench::nurture::mail::preview_email(db.conn(), "Hi {{bedrijf}}", "", lead).unwrap_err();
    assert!(error.to_string().contains("{{bedrijf}}"), "{error}");
}

#[test]
fn concurrent_runs_send_each_email_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    let mut db = Database::open(&path).unwrap();
    let sequence = two_emails_then_wait(&mut db);
    let leads: Vec<i64> = (0..100)
        .map(|i| {
            add_lead(
                &db,
                "Lead",
                &i.to_string(),
                &format!("lead{i}@example.nl"),
                0,
            )
        })
        .collect();
    let now = at("2024-06-03T09:00:00Z");
    actions::enrol_manual(&mut db, sequence, &leads, now).unwrap();
    drop(db);

    // The app and a cron job run at the same moment on the same file.
    let runners: Vec<_> = (0..2)
        .map(|_| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut db = Database::open(&path).unwrap();
                let mut sender = RecordingSender::default();
                let small_batches = RunOptions {
                    batch_size: 10,
                    ..RunOptions::default()
                };
                run_due_with(&mut db, now, &mut sender, &small_batches).unwrap();
                sender.sent
            })
        })
        .collect();
    let mut sent: Vec<i64> = runners
        .into_iter()
        .flat_map(|runner| runner.join().unwrap())
        .map(|email| email.outbox_id)
        .collect();

    assert_eq!(sent.len(), 200, "A and B for 100 leads");
    sent.sort_unstable();
    sent.dedup();
    assert_eq!(sent.len(), 200, "no e-mail sent by both runs");
}
