//! The Nurture screen in the real window. A two-step sequence is built in
//! the designer, its dry run is checked against the library's wait
//! arithmetic, and after activation the in-app scheduler sends the first
//! e-mail to a real SMTP server that the test runs on loopback. Also checks
//! the catch-up notice that pauses the scheduler after the app was closed,
//! and takes screenshots in English and Dutch, light and dark.

#[allow(dead_code)]
#[path = "../../../crates/leadbench/tests/common/smtp_sink.rs"]
mod smtp_sink;

use std::path::Path;
use std::thread::sleep;
use std::time::{Duration, Instant};

use leadbench::demo::DemoOptions;
use leadbench::nurture::clock;
use leadbench::nurture::model::{Wait, WaitUnit};
use leadbench::nurture::today::due_work;
use leadbench::Database;
use leadbench_e2e::{App, WAIT};
use rusqlite::Connection;
use serde_json::json;
use smtp_sink::SmtpSink;

/// Demo data ending 2024-12-31. With `keep_sequences` false the demo
/// sequences are removed, so no work is due at launch.
fn demo_database(path: &Path, keep_sequences: bool) {
    let mut db = Database::open(path).unwrap();
    let until = leadbench::time::parse_instant("until", "2024-12-31").unwrap();
    leadbench::demo::generate(
        &mut db,
        &DemoOptions {
            leads: 400,
            seed: 5,
            until,
        },
    )
    .unwrap();
    if !keep_sequences {
        db.conn()
            .execute_batch(
                "DELETE FROM nurture_outbox; DELETE FROM nurture_history;
                 DELETE FROM nurture_enrolments; DELETE FROM nurture_sequences;",
            )
            .unwrap();
    }
}

/// Returns a lead that may receive nurture e-mail: id, address, first name.
fn mailable_lead(path: &Path) -> (i64, String, String) {
    let conn = Connection::open(path).unwrap();
    conn.query_row(
        "SELECT id, email, first_name FROM leads l
         WHERE consent = 1 AND stage IN ('new', 'mql') AND email LIKE '%@%' AND first_name <> ''
           AND NOT EXISTS (SELECT 1 FROM events e WHERE e.lead_id = l.id AND e.type = 'unsubscribed')
         ORDER BY id LIMIT 1",
        [],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )
    .unwrap()
}

/// Sets the value of an input and lets Svelte see it.
fn fill(app: &App, css: &str, value: &str) {
    app.wait_for(css);
    app.script(
        "const input = document.querySelector(arguments[0]);
         input.value = arguments[1];
         input.dispatchEvent(new Event('input', { bubbles: true }));",
        json!([css, value]),
    );
}

/// Scrolls the element matching `css` to the top of the view.
fn show(app: &App, css: &str) {
    app.script(
        "document.querySelector(arguments[0]).scrollIntoView({ block: 'start' })",
        json!([css]),
    );
}

/// Waits until the sink received a message for `to`.
fn wait_for_mail(sink: &SmtpSink, to: &str) -> smtp_sink::Received {
    let expected = format!("<{to}>");
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(message) = sink
            .messages()
            .into_iter()
            .find(|m| m.to.contains(&expected))
        {
            return message;
        }
        assert!(
            Instant::now() < deadline,
            "no e-mail for {to} arrived; got {:?}",
            sink.messages()
        );
        sleep(Duration::from_millis(200));
    }
}

fn outbox_status(path: &Path, lead: i64) -> Vec<(String, String)> {
    let conn = Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare("SELECT step_id, status FROM nurture_outbox WHERE lead_id = ?1 ORDER BY id")
        .unwrap();
    let rows = stmt
        .query_map([lead], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap();
    rows.collect::<rusqlite::Result<_>>().unwrap()
}

fn set_language(app: &App, language: &str, settings_label: &str) {
    app.click("[data-testid=nav-settings]");
    app.select("[data-testid=settings-language]", language);
    app.wait_for_text("[data-testid=nav-settings]", |text| {
        text.ends_with(settings_label)
    });
}

/// Fills in the mail settings for the sink and sends a test e-mail.
fn configure_smtp(app: &App, sink: &SmtpSink) {
    app.click("[data-testid=nav-settings]");
    app.click("[data-testid=mail-mode-smtp]");
    fill(app, "[data-testid=mail-host]", "127.0.0.1");
    fill(app, "[data-testid=mail-port]", &sink.port.to_string());
    app.select("[data-testid=mail-security]", "none");
    fill(app, "[data-testid=mail-from]", "sales@leadbench.example");
    fill(app, "[data-testid=mail-from-name]", "Leadbench Sales");
    app.click("[data-testid=mail-save]");
    app.wait_for_text("[data-testid=notice]", |text| {
        text == "Mail settings saved."
    });

    fill(app, "[data-testid=mail-test-to]", "me@leadbench.example");
    app.click("[data-testid=mail-test]");
    app.wait_for_text("[data-testid=mail-test-ok]", |text| {
        text.contains("me@leadbench.example")
    });
    let test = wait_for_mail(sink, "me@leadbench.example");
    assert!(test.peer.ip().is_loopback());
    assert!(
        test.data.contains("Subject: Leadbench test e-mail"),
        "{}",
        test.data
    );
    app.screenshot("nurture-mail-settings-en-light");
}

/// Builds e-mail, wait 2 days, e-mail in the designer, with a typo in a
/// merge field first to see the validation message.
fn build_two_step_sequence(app: &App) {
    app.click("[data-testid=nav-nurture]");
    app.wait_for("[data-testid=sequence-list-empty]");
    app.click("[data-testid=nurture-new]");
    fill(app, "[data-testid=sequence-name]", "Two-step follow-up");

    app.select("[data-testid=add-step-kind]", "send_email");
    app.click("[data-testid=add-step]");
    fill(
        app,
        "[data-testid=step-0] [data-testid=step-subject]",
        "Welcome {{frist_name}}",
    );
    fill(
        app,
        "[data-testid=step-0] [data-testid=step-body]",
        "Hi {{first_name|there}},\n\nThanks for your interest in {{company|our products}}.",
    );
    app.select("[data-testid=add-step-kind]", "wait");
    app.click("[data-testid=add-step]");
    app.wait_for("[data-testid=step-1][data-kind=wait]");
    app.select("[data-testid=add-step-kind]", "send_email");
    app.click("[data-testid=add-step]");
    fill(
        app,
        "[data-testid=step-2] [data-testid=step-subject]",
        "Two days later, {{first_name|there}}",
    );
    fill(
        app,
        "[data-testid=step-2] [data-testid=step-body]",
        "Hi {{first_name|there}},\n\nA short follow-up.",
    );

    // An unknown merge field is refused with the value and the fix.
    app.click("[data-testid=sequence-save]");
    let error = app.wait_for_text("[data-testid=sequence-error]", |text| !text.is_empty());
    assert!(error.contains("{{frist_name}}"), "{error}");
    assert!(error.contains("{{first_name}}"), "{error}");
    fill(
        app,
        "[data-testid=step-0] [data-testid=step-subject]",
        "Welcome {{first_name}}",
    );
}

/// Runs the dry run and checks that the second e-mail comes when the wait
/// of 2 days at 09:00 ends after the first.
fn check_dry_run(app: &App, db: &Path) {
    fill(app, "[data-testid=dryrun-days]", "7");
    app.click("[data-testid=dryrun-run]");
    app.wait_for("[data-testid=dryrun-lead] [data-step=\"email-2\"]");
    let times = app.script(
        "const lead = document.querySelector('[data-testid=dryrun-lead]');
         return [...lead.querySelectorAll('[data-testid=dryrun-step]')]
           .map((step) => [step.dataset.step, Number(step.dataset.at), step.textContent]);",
        json!([]),
    );
    let steps = times.as_array().unwrap();
    assert_eq!(steps.len(), 2, "{times}");
    assert_eq!(steps[0][0], "email-1");
    assert_eq!(steps[1][0], "email-2");

    let first = steps[0][1].as_i64().unwrap();
    let second = steps[1][1].as_i64().unwrap();
    let conn = Connection::open(db).unwrap();
    let wait = Wait::For {
        amount: 2,
        unit: WaitUnit::Days,
        at: Some("09:00".into()),
    };
    let expected = clock::wait_until(first, &wait, clock::user_time_zone(&conn).unwrap()).unwrap();
    assert_eq!(second, expected, "{times}");
    assert!((first - leadbench::time::now()).abs() < 300, "{times}");
    assert!(steps[0][2].as_str().unwrap().contains("Welcome"), "{times}");

    // The dry run wrote nothing.
    let enrolments: i64 = conn
        .query_row("SELECT COUNT(*) FROM nurture_enrolments", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(enrolments, 0);
}

#[test]
fn designer_sequence_sends_through_smtp() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nurture.db");
    demo_database(&db, false);
    let (lead, email, first_name) = mailable_lead(&db);
    let sink = SmtpSink::start();

    let env = [
        ("LANG", "en_US.UTF-8"),
        ("LC_ALL", "en_US.UTF-8"),
        ("LEADBENCH_SCHEDULER", "on"),
        ("LEADBENCH_SCHEDULER_SECONDS", "2"),
    ];
    let app = App::launch(&db, dir.path(), &env);
    app.set_window_size(1600, 1000);
    configure_smtp(&app, &sink);

    build_two_step_sequence(&app);
    check_dry_run(&app, &db);
    show(&app, "[data-testid=dry-run]");
    app.screenshot("nurture-dry-run-en-light");
    show(&app, "[data-testid=sequence-editor]");
    app.screenshot("nurture-designer-en-light");

    app.click("[data-testid=sequence-activate]");
    app.wait_for_text("[data-testid=sequence-state]", |text| text == "Active");
    app.wait_for("[data-testid=enrol-panel]");
    fill(&app, "[data-testid=enrol-search]", &email);
    let pick = format!("[data-testid=enrol-pick][data-email=\"{email}\"]");
    app.click(&pick);
    app.click("[data-testid=enrol-submit]");
    app.wait_for_text("[data-testid=notice]", |text| {
        text.starts_with("1 enrolled")
    });

    // The scheduler sends the first e-mail; the second waits two days.
    let message = wait_for_mail(&sink, &email);
    assert!(message.peer.ip().is_loopback());
    assert!(
        message
            .data
            .contains(&format!("Subject: Welcome {first_name}")),
        "{}",
        message.data
    );
    assert!(
        message.data.contains("List-Unsubscribe"),
        "{}",
        message.data
    );
    // Run events reach the window: the designer's figures and the status
    // line follow the scheduler without a reload.
    app.wait_for_text("[data-testid=figure-emails_sent] .value", |text| {
        text == "1"
    });
    let last_run = || {
        app.attribute("[data-testid=scheduler-status]", "data-last-run")
            .and_then(|text| text.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let seen = last_run();
    let deadline = Instant::now() + WAIT;
    while last_run() <= seen {
        assert!(
            Instant::now() < deadline,
            "the status line did not follow the scheduler"
        );
        sleep(Duration::from_millis(200));
    }

    app.click("[data-testid=nurture-tab-outbox]");
    app.wait_for(&format!(
        "[data-testid=outbox-row][data-status=sent][data-to=\"{email}\"]"
    ));
    assert_eq!(
        outbox_status(&db, lead),
        vec![("email-1".to_owned(), "sent".to_owned())]
    );
    sleep(Duration::from_secs(5));
    let to_lead = sink
        .messages()
        .iter()
        .filter(|m| m.to.contains(&format!("<{email}>")))
        .count();
    assert_eq!(
        to_lead, 1,
        "the first e-mail went out once and the second waits"
    );
    app.screenshot("nurture-outbox-en-light");

    // Editing a sequence with a lead in it first shows what happens to that lead.
    app.click("[data-testid=nurture-tab-sequences]");
    fill(
        &app,
        "[data-testid=step-2] [data-testid=step-subject]",
        "Still curious, {{first_name|there}}?",
    );
    app.click("[data-testid=sequence-save]");
    let impact = app.wait_for_text("[data-testid=edit-impact]", |text| !text.is_empty());
    assert!(
        impact.starts_with("Leads in this sequence: 1. Saving keeps 1 of them on their step"),
        "{impact}"
    );
    app.screenshot("nurture-edit-impact-en-light");
    app.click("[data-testid=edit-impact-confirm]");
    app.wait_for_text("[data-testid=notice]", |text| {
        text == "Saved Two-step follow-up."
    });
    app.click("[data-testid=sequence-back]");
    app.wait_for_text(
        "[data-testid=sequence-row] [data-testid=sequence-active]",
        |text| text == "1",
    );
    app.screenshot("nurture-list-en-light");
    app.click("[data-testid=nurture-tab-today]");
    app.wait_for("[data-testid=today-scheduled]");
    app.screenshot("nurture-today-en-light");

    // Dutch.
    set_language(&app, "nl", "Instellingen");
    app.screenshot("nurture-mail-settings-nl-light");
    app.click("[data-testid=nav-nurture]");
    app.wait_for_text("[data-testid=nurture-tab-today]", |text| text == "Vandaag");
    app.screenshot("nurture-today-nl-light");
    app.click("[data-testid=nurture-tab-outbox]");
    app.wait_for_text("[data-testid=outbox-status-pill]", |text| {
        text == "Verstuurd"
    });
    app.screenshot("nurture-outbox-nl-light");
    app.click("[data-testid=nurture-tab-sequences]");
    app.click("[data-testid=sequence-open]");
    app.wait_for_text("[data-testid=sequence-state]", |text| text == "Actief");
    app.click("[data-testid=dryrun-run]");
    app.wait_for("[data-testid=dryrun-lead]");
    show(&app, "[data-testid=dry-run]");
    app.screenshot("nurture-dry-run-nl-light");
    show(&app, "[data-testid=sequence-editor]");
    app.screenshot("nurture-designer-nl-light");
}

#[test]
fn catch_up_waits_for_the_user() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("catch-up.db");
    demo_database(&db, true);
    let due = {
        let conn = Connection::open(&db).unwrap();
        due_work(&conn, leadbench::time::now()).unwrap()
    };
    assert!(due.steps > 0, "the demo data has work due after 2024");
    assert!(due.emails > 0, "the demo data has e-mails due after 2024");
    let links = dir.path().join("opened-links.txt");

    let env = [
        ("LANG", "en_US.UTF-8"),
        ("LC_ALL", "en_US.UTF-8"),
        ("LEADBENCH_SCHEDULER", "on"),
        ("LEADBENCH_SCHEDULER_SECONDS", "1"),
        ("LEADBENCH_TEST_OPEN_URL_LOG", links.to_str().unwrap()),
    ];
    let app = App::launch(&db, dir.path(), &env);
    app.set_window_size(1600, 1000);
    let banner = app.wait_for_text("[data-testid=catchup-banner]", |text| !text.is_empty());
    assert!(
        banner.starts_with(&format!(
            "Work fell due while Leadbench was closed: steps {}, e-mails {}.",
            due.steps, due.emails
        )),
        "{banner}"
    );

    // Held: a few scheduler turns later nothing has run.
    sleep(Duration::from_secs(3));
    let conn = Connection::open(&db).unwrap();
    assert_eq!(
        due_work(&conn, leadbench::time::now()).unwrap().steps,
        due.steps
    );

    app.click("[data-testid=catchup-review]");
    app.wait_for("[data-testid=today-due]");
    app.screenshot("nurture-catch-up-en-light");
    app.click("[data-testid=catchup-run]");
    app.wait_for_text("[data-testid=notice]", |text| {
        text.starts_with("Run finished")
    });
    assert!(app.find("[data-testid=catchup-banner]").is_none());
    assert_eq!(due_work(&conn, leadbench::time::now()).unwrap().steps, 0);

    // Manual mode: a due e-mail opens in the mail client as a mailto: link.
    app.wait_for("[data-testid=email-open]");
    app.screenshot("nurture-today-emails-en-light");
    app.click("[data-testid=email-open]");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let opened = loop {
        let text = std::fs::read_to_string(&links).unwrap_or_default();
        if !text.is_empty() || std::time::Instant::now() > deadline {
            break text;
        }
        sleep(Duration::from_millis(100));
    };
    assert!(opened.starts_with("mailto:"), "{opened}");
    assert!(opened.contains("?subject="), "{opened}");
    assert!(opened.contains("&body="), "{opened}");
}

#[test]
fn nurture_screens_in_dark_theme() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("dark.db");
    demo_database(&db, true);
    let env = [
        ("LANG", "en_US.UTF-8"),
        ("LC_ALL", "en_US.UTF-8"),
        ("GTK_THEME", "Adwaita:dark"),
    ];
    let app = App::launch(&db, dir.path(), &env);
    app.set_window_size(1600, 1000);
    app.click("[data-testid=nav-nurture]");
    app.wait_for("[data-testid=sequence-row]");
    app.screenshot("nurture-list-en-dark");
    app.click("[data-testid=sequence-open]");
    app.wait_for("[data-testid=sequence-figures]");
    app.click("[data-testid=dryrun-run]");
    app.wait_for("[data-testid=dryrun-result]");
    show(&app, "[data-testid=dry-run]");
    app.screenshot("nurture-dry-run-en-dark");
    show(&app, "[data-testid=sequence-editor]");
    app.screenshot("nurture-designer-en-dark");
    app.click("[data-testid=nurture-tab-today]");
    app.wait_for("[data-testid=today-scheduled]");
    app.screenshot("nurture-today-en-dark");

    set_language(&app, "nl", "Instellingen");
    app.screenshot("nurture-mail-settings-nl-dark");
    app.click("[data-testid=nav-nurture]");
    app.click("[data-testid=nurture-tab-outbox]");
    app.wait_for("[data-testid=outbox-row]");
    app.screenshot("nurture-outbox-nl-dark");
    app.click("[data-testid=nurture-tab-sequences]");
    app.click("[data-testid=sequence-back]");
    app.wait_for("[data-testid=sequence-row]");
    app.screenshot("nurture-list-nl-dark");
}
