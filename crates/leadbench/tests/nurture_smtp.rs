//! Real e-mail through an SMTP server the test starts on 127.0.0.1, and the
//! presets run end to end on the demo data: enrol, wait, branch, send and
//! leave on the goal.

mod common;

use common::smtp_sink::SmtpSink;
use common::*;
use leadbench::demo::{self, DemoOptions};
use leadbench::nurture::model::{OutboxStatus, Trigger};
use leadbench::nurture::smtp::{self, MailMode, MailSettings, SmtpSecurity};
use leadbench::nurture::{actions, run_due, store};
use leadbench::Database;

fn sink_settings(sink: &SmtpSink) -> MailSettings {
    MailSettings {
        mode: MailMode::Smtp,
        host: "127.0.0.1".into(),
        port: sink.port,
        security: SmtpSecurity::None,
        user: String::new(),
        from_address: "sales@leadbench.example".into(),
        from_name: "Leadbench Sales".into(),
        daily_cap: 5_000,
    }
}

#[test]
fn emails_reach_loopback_smtp_server() {
    let sink = SmtpSink::start();
    let mut db = Database::open_in_memory().unwrap();
    let settings = sink_settings(&sink);
    smtp::save_settings(&mut db, &settings).unwrap();
    let steps = vec![step("hello", email("Hello {{first_name}}"))];
    let sequence = store::create_sequence(&mut db, &draft("Hello", Trigger::Manual, steps), 0)
        .unwrap()
        .id;
    let hanna = add_lead(&db, "Hanna", "Meijer", "hanna.meijer@example.nl", 0);
    let olaf = add_lead(&db, "Olaf", "Vink", "olaf.vink@example.nl", 0);
    let now = at("2024-06-03T09:00:00Z");
    actions::enrol_manual(&mut db, sequence, &[hanna, olaf], now).unwrap();

    let loaded = smtp::load_settings(db.conn()).unwrap();
    let mut sender = smtp::build_sender(&loaded, None).unwrap();
    let summary = run_due(&mut db, now, sender.as_mut()).unwrap();

    assert_eq!(summary.sent, 2);
    let messages = sink.messages();
    assert_eq!(messages.len(), 2);
    for message in &messages {
        assert!(message.peer.ip().is_loopback(), "{:?}", message.peer);
        assert_eq!(message.from, "<sales@leadbench.example>");
        assert!(
            message
                .data
                .contains("List-Unsubscribe: <mailto:sales@leadbench.example?subject=unsubscribe>"),
            "{}",
            message.data
        );
        assert!(
            message.data.contains("reply with the word"),
            "{}",
            message.data
        );
    }
    let hanna_mail = messages
        .iter()
        .find(|m| m.to == vec!["<hanna.meijer@example.nl>".to_owned()])
        .unwrap();
    assert!(
        hanna_mail.data.contains("Subject: Hello Hanna"),
        "{}",
        hanna_mail.data
    );
    assert!(outbox(&db)
        .iter()
        .all(|row| row.status == OutboxStatus::Sent));
}

#[test]
fn unencrypted_smtp_to_other_host_rejected() {
    let mut db = Database::open_in_memory().unwrap();
    let settings = MailSettings {
        host: "smtp.example.com".into(),
        port: 25,
        ..sink_settings(&SmtpSink::start())
    };
    let error = smtp::save_settings(&mut db, &settings).unwrap_err();
    assert!(error.to_string().contains("smtp.example.com"), "{error}");
    assert_eq!(
        smtp::load_settings(db.conn()).unwrap().mode,
        MailMode::Manual
    );
}

#[test]
fn server_down_keeps_email_failed_and_visible() {
    // Take a free port and close it again, so nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut db = Database::open_in_memory().unwrap();
    let settings = MailSettings {
        port,
        ..sink_settings(&SmtpSink::start())
    };
    let steps = vec![step("hello", email("Hello"))];
    let sequence = store::create_sequence(&mut db, &draft("Hello", Trigger::Manual, steps), 0)
        .unwrap()
        .id;
    let hanna = add_lead(&db, "Hanna", "Meijer", "hanna.meijer@example.nl", 0);
    let olaf = add_lead(&db, "Olaf", "Vink", "olaf.vink@example.nl", 0);
    let now = at("2024-06-03T09:00:00Z");
    actions::enrol_manual(&mut db, sequence, &[hanna, olaf], now).unwrap();

    let mut sender = smtp::build_sender(&settings, None).unwrap();
    let summary = run_due(&mut db, now, sender.as_mut()).unwrap();

    assert_eq!(
        (summary.sent, summary.failed),
        (0, 1),
        "the run stops at the first"
    );
    let rows = outbox(&db);
    assert_eq!(rows[0].status, OutboxStatus::Failed);
    assert!(rows[0].last_error.is_some());
    assert_eq!(rows[0].next_attempt_at, Some(now + 300));
    assert_eq!(
        rows[1].status,
        OutboxStatus::Due,
        "not tried while the server is down"
    );
}

/// Demo data small enough that the SMTP round trips stay quick, large
/// enough that every preset branch is taken.
fn demo_db(until: i64) -> Database {
    let mut db = Database::open_in_memory().unwrap();
    let options = DemoOptions {
        leads: 500,
        seed: 7,
        until,
    };
    demo::generate(&mut db, &options).unwrap();
    db
}

fn enrolment_fingerprint(db: &Database) -> (i64, i64, i64, i64) {
    db.conn()
        .query_row(
            "SELECT COUNT(*), SUM(lead_id * 7 + step_index), SUM(COALESCE(next_due_at, 0)),
                    (SELECT COUNT(*) FROM nurture_outbox)
             FROM nurture_enrolments",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .unwrap()
}

#[test]
fn demo_enrolments_are_deterministic() {
    let until = at("2024-06-10T00:00:00Z");
    assert_eq!(
        enrolment_fingerprint(&demo_db(until)),
        enrolment_fingerprint(&demo_db(until))
    );
}

#[test]
fn presets_run_end_to_end_on_demo_data() {
    let until = at("2024-06-10T00:00:00Z");
    let mut db = demo_db(until);
    let sink = SmtpSink::start();
    smtp::save_settings(&mut db, &sink_settings(&sink)).unwrap();
    let sequences = store::list_sequences(db.conn()).unwrap();
    assert_eq!(sequences.len(), 4);
    for sequence in &sequences {
        assert!(
            sequence.active + sequence.completed + sequence.exited > 0,
            "{}",
            sequence.name
        );
    }

    // Leads stand at various steps.
    let steps: i64 = db
        .conn()
        .query_row(
            "SELECT COUNT(DISTINCT sequence_id || ':' || step_index) FROM nurture_enrolments
             WHERE state = 'active'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert!(
        steps >= 6,
        "active enrolments at only {steps} different steps"
    );

    // A demo request ends the white-paper follow-up through its goal.
    let white_paper = store::find_sequence(db.conn(), "White-paper follow-up")
        .unwrap()
        .id;
    let enrolled = store::list_enrolments(db.conn(), Some(white_paper), None, 1_000)
        .unwrap()
        .into_iter()
        .find(|e| e.state == leadbench::nurture::model::EnrolmentState::Active)
        .unwrap();
    let lead = enrolled.lead_id.unwrap();
    let changes =
        actions::record_event(&mut db, lead, "demo_request", "{}", until + 3_600).unwrap();
    assert!(changes.exited >= 1);
    let ended = store::list_enrolments(db.conn(), Some(white_paper), Some(lead), 1).unwrap();
    assert_eq!(ended[0].exit_reason.as_deref(), Some("goal reached"));

    // Another enrolled lead visits the pricing page, so the condition that
    // waits for that visit takes its "yes" branch to the demo invitation.
    let visitor = store::list_enrolments(db.conn(), Some(white_paper), None, 1_000)
        .unwrap()
        .into_iter()
        .find(|e| {
            e.state == leadbench::nurture::model::EnrolmentState::Active && e.lead_id != Some(lead)
        })
        .and_then(|e| e.lead_id)
        .expect("a second lead enrolled in the white-paper follow-up");
    actions::record_event(&mut db, visitor, "pricing_page_visit", "{}", until + 7_200).unwrap();

    // Three days later: waits end, conditions branch and e-mails go out.
    let settings = smtp::load_settings(db.conn()).unwrap();
    let mut sender = smtp::build_sender(&settings, None).unwrap();
    let summary = run_due(&mut db, until + 3 * 86_400, sender.as_mut()).unwrap();

    assert!(summary.executed > 0, "{summary:?}");
    assert_eq!(summary.failed, 0, "{summary:?}");
    let messages = sink.messages();
    assert_eq!(messages.len() as u32, summary.sent);
    assert!(summary.sent > 20, "{summary:?}");
    assert!(messages.iter().all(|m| m.peer.ip().is_loopback()));
    assert!(messages
        .iter()
        .all(|m| m.data.contains("List-Unsubscribe:")));
    assert!(messages.iter().all(|m| m.data.contains("unsubscribe")));
    let branches: Vec<String> = outbox(&db).into_iter().map(|row| row.step_id).collect();
    for step_id in [
        "article",
        "customer-story",
        "demo-invite",
        "recording",
        "welcome",
        "check-in",
    ] {
        assert!(
            branches.iter().any(|id| id == step_id),
            "no touchpoint from step {step_id}"
        );
    }
    assert!(store::stuck_enrolments(db.conn(), until + 3 * 86_400, 0)
        .unwrap()
        .is_empty());
}

#[test]
fn cli_run_prints_four_counts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.db");
    let binary = env!("CARGO_BIN_EXE_leadbench");
    let status = std::process::Command::new(binary)
        .args([
            "--db",
            path.to_str().unwrap(),
            "demo",
            "--leads",
            "500",
            "--until",
            "2024-06-10",
        ])
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");

    let output = std::process::Command::new(binary)
        .args([
            "--db",
            path.to_str().unwrap(),
            "nurture",
            "run",
            "--now",
            "2024-06-13T09:00:00Z",
            "--json",
        ])
        .output()
        .unwrap();

    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    let value: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    let keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 4, "{text}");
    for key in ["due", "executed", "skipped", "failed"] {
        assert!(value[key].is_u64(), "{key} in {text}");
    }
    assert!(value["executed"].as_u64().unwrap() > 0, "{text}");
    assert!(text.starts_with(r#"{"due":"#), "{text}");
}

#[test]
fn starttls_required_but_missing_sends_nothing() {
    // The sink offers no STARTTLS, so a sender that requires it must fail
    // instead of falling back to plain text.
    let sink = SmtpSink::start();
    let mut db = Database::open_in_memory().unwrap();
    let settings = MailSettings {
        security: SmtpSecurity::StartTls,
        host: "localhost".into(),
        ..sink_settings(&sink)
    };
    let steps = vec![step("hello", email("Hello"))];
    let sequence = store::create_sequence(&mut db, &draft("Hello", Trigger::Manual, steps), 0)
        .unwrap()
        .id;
    let hanna = add_lead(&db, "Hanna", "Meijer", "hanna.meijer@example.nl", 0);
    let now = at("2024-06-03T09:00:00Z");
    actions::enrol_manual(&mut db, sequence, &[hanna], now).unwrap();

    let mut sender = smtp::build_sender(&settings, None).unwrap();
    let summary = run_due(&mut db, now, sender.as_mut()).unwrap();

    assert_eq!((summary.sent, summary.failed), (0, 1));
    assert!(sink.messages().is_empty());
    assert_eq!(outbox(&db)[0].status, OutboxStatus::Failed);
}

#[test]
fn test_email_reaches_the_server_and_names_a_bad_recipient() {
    let sink = SmtpSink::start();
    let settings = sink_settings(&sink);

    smtp::send_test_email(&settings, None, "me@example.nl", "Test", "Hello").unwrap();

    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].to, vec!["<me@example.nl>".to_owned()]);
    let error = smtp::send_test_email(&settings, None, "me at example", "Test", "Hello")
        .unwrap_err()
        .to_string();
    assert!(error.contains("me at example"), "{error}");
    let manual = MailSettings::default();
    let error = smtp::send_test_email(&manual, None, "me@example.nl", "Test", "Hello")
        .unwrap_err()
        .to_string();
    assert!(error.contains("SMTP mode"), "{error}");
}
