//! `leadbench nurture run` killed in the middle of sending through SMTP,
//! then run again: no e-mail reaches the server twice.

mod common;

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::smtp_sink::SmtpSink;
use leadbench::demo::{self, DemoOptions};
use leadbench::nurture::model::OutboxStatus;
use leadbench::nurture::smtp::{self, MailMode, MailSettings, SmtpSecurity};
use leadbench::Database;

#[test]
fn killed_cli_run_sends_nothing_twice() {
    let sink = SmtpSink::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kill.db");
    {
        let mut db = Database::open(&path).unwrap();
        let until = common::at("2024-06-10T00:00:00Z");
        let options = DemoOptions {
            leads: 500,
            seed: 3,
            until,
        };
        demo::generate(&mut db, &options).unwrap();
        let settings = MailSettings {
            mode: MailMode::Smtp,
            host: "127.0.0.1".into(),
            port: sink.port,
            security: SmtpSecurity::None,
            user: String::new(),
            from_address: "sales@leadbench.example".into(),
            from_name: String::new(),
            daily_cap: 5_000,
        };
        smtp::save_settings(&mut db, &settings).unwrap();
    }
    let binary = env!("CARGO_BIN_EXE_leadbench");
    let args = [
        "--db",
        path.to_str().unwrap(),
        "nurture",
        "run",
        "--now",
        "2024-06-13T09:00:00Z",
        "--json",
    ];

    // Kill the first run while it is sending, then let a second one finish.
    let mut child = Command::new(binary)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut waited = Duration::ZERO;
    while sink.messages().len() < 5 && waited < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
        waited += Duration::from_millis(20);
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before_second_run = sink.messages().len();
    let second = Command::new(binary).args(args).output().unwrap();
    assert!(second.status.success(), "{second:?}");

    let messages = sink.messages();
    assert!(
        messages.len() > before_second_run,
        "the second run sent the rest"
    );
    let mut seen: HashMap<(Vec<String>, String), u32> = HashMap::new();
    for message in &messages {
        let subject = message
            .data
            .lines()
            .find(|line| line.starts_with("Subject:"))
            .unwrap_or_default()
            .to_owned();
        *seen.entry((message.to.clone(), subject)).or_default() += 1;
    }
    let twice: Vec<_> = seen.iter().filter(|(_, count)| **count > 1).collect();
    assert!(twice.is_empty(), "received twice: {twice:?}");

    let db = Database::open(&path).unwrap();
    let rows = common::outbox(&db);
    let sent = rows
        .iter()
        .filter(|row| row.status == OutboxStatus::Sent)
        .count();
    let sending = rows
        .iter()
        .filter(|row| row.status == OutboxStatus::Sending)
        .count();
    let due = rows
        .iter()
        .filter(|row| row.kind == leadbench::nurture::model::OutboxKind::Email)
        .filter(|row| row.status == OutboxStatus::Due)
        .count();
    assert!(sending <= 1, "at most the e-mail in flight at the kill");
    assert_eq!(due, 0, "every due e-mail was handled");
    // The e-mail in flight may or may not have reached the server.
    assert!(messages.len() == sent || messages.len() == sent + sending);
}
