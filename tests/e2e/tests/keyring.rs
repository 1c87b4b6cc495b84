//! Settings shows where the SMTP password is kept: in memory without a
//! keyring, and in a keyring (a private bus and GNOME Keyring daemon
//! started here) where it is still found after a restart.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use leadbench::Database;
use leadbench_e2e::App;
use serde_json::json;

const PASSWORD: &str = "e2e-secret-password-42";
const BUS_CONFIG: &str = r#"<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>"#;

/// A child process started by this test, stopped by its id.
struct Started(Child);

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn fill(app: &App, css: &str, value: &str) {
    app.wait_for(css);
    app.script(
        "const input = document.querySelector(arguments[0]);
         input.value = arguments[1];
         input.dispatchEvent(new Event('input', { bubbles: true }));",
        json!([css, value]),
    );
}

fn save_smtp(app: &App) {
    app.click("[data-testid=nav-settings]");
    app.click("[data-testid=mail-mode-smtp]");
    fill(app, "[data-testid=mail-host]", "127.0.0.1");
    fill(app, "[data-testid=mail-from]", "sales@leadbench.example");
    fill(app, "[data-testid=mail-user]", "sales@leadbench.example");
    fill(app, "[data-testid=mail-password]", PASSWORD);
    app.click("[data-testid=mail-save]");
    app.wait_for_text("[data-testid=notice]", |text| {
        text == "Mail settings saved."
    });
}

fn assert_not_in_file(path: &Path) {
    let bytes = std::fs::read(path).expect("database file");
    let needle = PASSWORD.as_bytes();
    assert!(!bytes.windows(needle.len()).any(|w| w == needle));
}

fn start_bus(dir: &Path) -> (Started, String) {
    let config = dir.join("bus.conf");
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

fn start_keyring(dir: &Path, address: &str) -> Started {
    let mut daemon = Command::new("gnome-keyring-daemon")
        .args(["--foreground", "--unlock", "--components=secrets"])
        .env("DBUS_SESSION_BUS_ADDRESS", address)
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("keyring-data"))
        .env("XDG_RUNTIME_DIR", dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("gnome-keyring-daemon starts");
    let mut stdin = daemon.stdin.take().expect("keyring stdin");
    stdin.write_all(b"test-unlock").expect("unlock password");
    drop(stdin);
    std::thread::sleep(std::time::Duration::from_secs(2));
    Started(daemon)
}

#[test]
fn password_in_memory_without_keyring() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mail.db");
    drop(Database::open(&db).unwrap());
    let no_bus = format!("unix:path={}/no-bus", dir.path().display());
    let env = [
        ("LANG", "en_US.UTF-8"),
        ("LC_ALL", "en_US.UTF-8"),
        ("DBUS_SESSION_BUS_ADDRESS", no_bus.as_str()),
    ];
    let app = App::launch(&db, dir.path(), &env);
    save_smtp(&app);
    app.wait_for_text("[data-testid=mail-password-store]", |text| {
        text == "No keyring found: the password is kept until Leadbench closes."
    });
    app.screenshot("keyring-memory-en-light");
    drop(app);
    assert_not_in_file(&db);
}

#[test]
fn password_in_keyring_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mail.db");
    drop(Database::open(&db).unwrap());
    let (_bus, address) = start_bus(dir.path());
    let _keyring = start_keyring(dir.path(), &address);
    let env = [
        ("LANG", "en_US.UTF-8"),
        ("LC_ALL", "en_US.UTF-8"),
        ("DBUS_SESSION_BUS_ADDRESS", address.as_str()),
    ];

    let app = App::launch(&db, dir.path(), &env);
    save_smtp(&app);
    app.wait_for_text("[data-testid=mail-password-store]", |text| {
        text == "Password stored in the keyring."
    });
    drop(app);

    let app = App::launch(&db, dir.path(), &env);
    app.click("[data-testid=nav-settings]");
    app.wait_for_text("[data-testid=mail-password-store]", |text| {
        text == "Password stored in the keyring."
    });
    app.screenshot("keyring-stored-en-light");
    drop(app);
    assert_not_in_file(&db);
}
