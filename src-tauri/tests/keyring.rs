//! The SMTP password in a real Secret Service: a private session bus and a
//! GNOME Keyring daemon started by the test, unlocked with a test
//! password, so the user's own keyring is never touched.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use leadbench::nurture::smtp::{self, MailMode, MailSettings};
use leadbench::nurture::today::PasswordStore;
use leadbench::Database;
use leadbench_app::keyring::{self, Account, KeyringError};
use leadbench_app::scheduler::Scheduler;

const PASSWORD: &str = "correct-horse-battery-staple-7";

/// Stops a child process started by this test, by its id.
struct Started(Child);

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn settings() -> MailSettings {
    MailSettings {
        mode: MailMode::Smtp,
        host: "smtp.example.test".into(),
        user: "sales@example.test".into(),
        from_address: "sales@example.test".into(),
        ..MailSettings::default()
    }
}

/// A session bus without service activation, so only the test's own
/// keyring daemon responds.
const BUS_CONFIG: &str = r#"<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>"#;

fn start_bus(home: &std::path::Path) -> (Started, String) {
    let config = home.join("bus.conf");
    std::fs::write(&config, BUS_CONFIG).expect("bus config");
    let mut bus = Command::new("dbus-daemon")
        .arg(format!("--config-file={}", config.display()))
        .args(["--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("dbus-daemon starts");
    let mut address = String::new();
    BufReader::new(bus.stdout.take().expect("bus stdout"))
        .read_line(&mut address)
        .expect("bus prints its address");
    (Started(bus), address.trim().to_string())
}

fn start_keyring(home: &std::path::Path) -> Started {
    let mut daemon = Command::new("gnome-keyring-daemon")
        .args(["--foreground", "--unlock", "--components=secrets"])
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_RUNTIME_DIR", home)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("gnome-keyring-daemon starts");
    let mut stdin = daemon.stdin.take().expect("keyring stdin");
    stdin.write_all(b"test-unlock").expect("unlock password");
    drop(stdin);
    Started(daemon)
}

fn wait_for_keyring(account: &Account) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match keyring::load_password(account) {
            Err(KeyringError::Unavailable(reason)) if Instant::now() < deadline => {
                let _ = reason;
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(error) => panic!("keyring not usable: {error}"),
            Ok(_) => return,
        }
    }
}

#[test]
fn password_in_keyring_or_memory() {
    let home = tempfile::tempdir().expect("temp dir");
    let account = smtp_account();

    // No session bus: the password stays in memory for the session.
    std::env::set_var(
        "DBUS_SESSION_BUS_ADDRESS",
        format!("unix:path={}/no-bus", home.path().display()),
    );
    let alone = Scheduler::from_env();
    alone.set_password(&settings(), PASSWORD);
    assert_eq!(alone.status().password_store, PasswordStore::Memory);
    assert_eq!(alone.password(&settings()).as_deref(), Some(PASSWORD));
    assert!(matches!(
        keyring::load_password(&account),
        Err(KeyringError::Unavailable(_))
    ));

    // A private bus with its own keyring.
    let (_bus, address) = start_bus(home.path());
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &address);
    let _keyring = start_keyring(home.path());
    wait_for_keyring(&account);

    let path = home.path().join("leads.sqlite");
    let mut db = Database::open(&path).expect("database");
    smtp::save_settings(&mut db, &settings()).expect("settings saved");
    let first = Scheduler::from_env();
    first.set_password(&settings(), PASSWORD);
    assert_eq!(first.status().password_store, PasswordStore::Keyring);
    drop(db);

    // A fresh scheduler reads it back through a new connection.
    let second = Scheduler::from_env();
    assert_eq!(second.password(&settings()).as_deref(), Some(PASSWORD));
    assert_eq!(second.status().password_store, PasswordStore::Keyring);
    assert_eq!(
        keyring::load_password(&account).expect("load"),
        Some(PASSWORD.to_string())
    );

    let stored = std::fs::read(&path).expect("database file");
    let needle = PASSWORD.as_bytes();
    assert!(
        !stored.windows(needle.len()).any(|w| w == needle),
        "password in the database"
    );

    // An empty password removes it.
    second.set_password(&settings(), "");
    assert_eq!(keyring::load_password(&account).expect("load"), None);
    keyring::delete_password(&account).expect("deleting nothing is fine");
    assert_eq!(Scheduler::from_env().password(&settings()), None);
}

fn smtp_account() -> Account {
    leadbench_app::scheduler::account(&settings())
}
