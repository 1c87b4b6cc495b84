//! A small WebDriver client for driving the Leadbench app through
//! tauri-driver and WebKitWebDriver, plus the process handling around it.
//!
//! Each [`App`] starts its own tauri-driver on free loopback ports with its
//! own `XDG_DATA_HOME` and `LEADBENCH_DB`, so tests never touch the user's
//! real database.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

/// How long [`App::wait_for`] and friends wait before failing.
pub const WAIT: Duration = Duration::from_secs(30);

/// Maximum time from the session request until the app's window responds,
/// after which the start counts as failed.
const SESSION_TIMEOUT: Duration = Duration::from_secs(90);

/// Starts of the app before a test gives up.
const LAUNCH_ATTEMPTS: usize = 3;

/// WebDriver's key for element references in JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A running app window under WebDriver control.
pub struct App {
    driver: Child,
    base: String,
    session: String,
    screenshots: PathBuf,
}

/// Returns the built app binary: `LEADBENCH_APP_BINARY` when set (to time a
/// release build), else `target/debug/leadbench-app`.
pub fn app_binary() -> PathBuf {
    if let Some(binary) = std::env::var_os("LEADBENCH_APP_BINARY") {
        let binary = PathBuf::from(binary);
        assert!(
            binary.exists(),
            "LEADBENCH_APP_BINARY names {}, which is missing; build it or unset the variable",
            binary.display()
        );
        return binary;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let binary = target.join("debug").join("leadbench-app");
    assert!(
        binary.exists(),
        "{} is missing; build it first with `make app` (cargo build -p leadbench-app --features custom-protocol)",
        binary.display()
    );
    binary
}

/// Returns the folder that receives screenshots: `target/e2e-screenshots`.
pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e-screenshots");
    std::fs::create_dir_all(&dir).expect("cannot create the screenshot folder");
    dir
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("no free loopback port")
}

fn tauri_driver() -> PathBuf {
    if let Some(path) = std::env::var_os("TAURI_DRIVER") {
        return PathBuf::from(path);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let in_cargo = home.join(".cargo/bin/tauri-driver");
    if in_cargo.exists() {
        in_cargo
    } else {
        PathBuf::from("tauri-driver")
    }
}

impl App {
    /// Starts tauri-driver and the app on the database file `db`, with
    /// `data_home` as the app's data folder. A start that fails (the app
    /// once failed to initialise GTK under Xvfb, and the session request
    /// then never returned) is retried with a new driver, at most 3 times.
    pub fn launch(db: &Path, data_home: &Path, extra_env: &[(&str, &str)]) -> App {
        let mut failures = Vec::new();
        for _ in 0..LAUNCH_ATTEMPTS {
            match App::try_launch(db, data_home, extra_env) {
                Ok(app) => return app,
                Err(error) => {
                    eprintln!("app start failed, trying again: {error}");
                    failures.push(error);
                }
            }
        }
        panic!("the app did not start: {}", failures.join("; "));
    }

    fn try_launch(db: &Path, data_home: &Path, extra_env: &[(&str, &str)]) -> Result<App, String> {
        let port = free_port();
        let native_port = free_port();
        let mut command = Command::new(tauri_driver());
        command
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("XDG_DATA_HOME", data_home)
            .env("XDG_CONFIG_HOME", data_home.join("config"))
            .env("LEADBENCH_DB", db)
            // The nurture scheduler stays off unless a test switches it on,
            // so it never changes demo data behind a test's back.
            .env("LEADBENCH_SCHEDULER", "off")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (key, value) in extra_env {
            command.env(key, value);
        }
        let mut driver = command.spawn().expect(
            "cannot start tauri-driver; install it with `cargo install tauri-driver --locked`",
        );
        let base = format!("http://127.0.0.1:{port}");

        let deadline = Instant::now() + WAIT;
        let capabilities = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "wry",
                    "tauri:options": { "application": app_binary() }
                }
            }
        });
        // Without a timeout, the request waits forever for an app that died.
        let agent = ureq::AgentBuilder::new().timeout(SESSION_TIMEOUT).build();
        let session = loop {
            match agent
                .post(&format!("{base}/session"))
                .send_json(capabilities.clone())
            {
                Ok(response) => {
                    let body: Value = response.into_json().expect("session answer is not JSON");
                    break body["value"]["sessionId"]
                        .as_str()
                        .expect("no session id in the WebDriver answer")
                        .to_owned();
                }
                Err(ureq::Error::Transport(error))
                    if error.kind() == ureq::ErrorKind::ConnectionFailed
                        && Instant::now() < deadline =>
                {
                    // tauri-driver is not listening yet.
                    sleep(Duration::from_millis(250));
                }
                Err(error) => {
                    stop_driver(&mut driver);
                    return Err(format!("tauri-driver did not start a session: {error}"));
                }
            }
        };
        Ok(App {
            driver,
            base,
            session,
            screenshots: screenshot_dir(),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/session/{}{}", self.base, self.session, path)
    }

    fn post(&self, path: &str, body: Value) -> Result<Value, String> {
        match ureq::post(&self.url(path)).send_json(body) {
            Ok(response) => {
                Ok(response.into_json::<Value>().map_err(|e| e.to_string())?["value"].clone())
            }
            Err(ureq::Error::Status(code, response)) => Err(format!(
                "HTTP {code}: {}",
                response.into_string().unwrap_or_default()
            )),
            Err(error) => Err(error.to_string()),
        }
    }

    fn get(&self, path: &str) -> Result<Value, String> {
        match ureq::get(&self.url(path)).call() {
            Ok(response) => {
                Ok(response.into_json::<Value>().map_err(|e| e.to_string())?["value"].clone())
            }
            Err(ureq::Error::Status(code, response)) => Err(format!(
                "HTTP {code}: {}",
                response.into_string().unwrap_or_default()
            )),
            Err(error) => Err(error.to_string()),
        }
    }

    /// Runs `script` in the page and returns its result.
    pub fn script(&self, script: &str, args: Value) -> Value {
        self.try_script(script, args)
            .unwrap_or_else(|error| panic!("script failed: {error}\n{script}"))
    }

    /// Runs `script` in the page, returning the WebDriver error as text
    /// when it fails, for example while the page is reloading.
    fn try_script(&self, script: &str, args: Value) -> Result<Value, String> {
        self.post("/execute/sync", json!({ "script": script, "args": args }))
    }

    /// Returns the element for `css`, if one is on the page now.
    pub fn find(&self, css: &str) -> Option<String> {
        self.post("/element", json!({ "using": "css selector", "value": css }))
            .ok()
            .and_then(|value| value[ELEMENT_KEY].as_str().map(str::to_owned))
    }

    /// Returns all elements matching `css`.
    pub fn find_all(&self, css: &str) -> Vec<String> {
        self.post(
            "/elements",
            json!({ "using": "css selector", "value": css }),
        )
        .ok()
        .and_then(|value| value.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|element| element[ELEMENT_KEY].as_str().map(str::to_owned))
        .collect()
    }

    /// Waits until an element matches `css` and returns it.
    pub fn wait_for(&self, css: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(element) = self.find(css) {
                return element;
            }
            if Instant::now() >= deadline {
                let shot = self.screenshot("failure");
                panic!(
                    "timed out waiting for {css}; screenshot: {}",
                    shot.display()
                );
            }
            sleep(Duration::from_millis(100));
        }
    }

    /// Waits until the text content of `css` satisfies `check`, and
    /// returns it trimmed. The DOM text is used because WebDriver's
    /// "visible text" drops cells of absolutely positioned table rows.
    pub fn wait_for_text(&self, css: &str, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        let mut last = String::new();
        loop {
            // A script that fails while the page reloads counts as "not yet".
            let value = self
                .try_script(
                    "const element = document.querySelector(arguments[0]);
                 return element ? element.textContent.replace(/\\s+/g, ' ').trim() : null;",
                    json!([css]),
                )
                .unwrap_or(Value::Null);
            if let Some(text) = value.as_str() {
                last = text.to_owned();
                if check(&last) {
                    return last;
                }
            }
            if Instant::now() >= deadline {
                let shot = self.screenshot("failure");
                panic!(
                    "timed out waiting for the text of {css}; last seen: {last:?}; screenshot: {}",
                    shot.display()
                );
            }
            sleep(Duration::from_millis(100));
        }
    }

    /// Waits until `script` returns `expected`.
    pub fn wait_for_value(&self, script: &str, expected: Value) {
        let deadline = Instant::now() + WAIT;
        loop {
            // A script that fails while the page reloads counts as "not yet".
            let value = self
                .try_script(script, json!([]))
                .unwrap_or_else(|error| Value::String(format!("script failed: {error}")));
            if value == expected {
                return;
            }
            if Instant::now() >= deadline {
                let shot = self.screenshot("failure");
                panic!(
                    "timed out waiting for {expected}, last {value}, from {script}; screenshot: {}",
                    shot.display()
                );
            }
            sleep(Duration::from_millis(100));
        }
    }

    /// Returns the rendered text of an element.
    pub fn text(&self, element: &str) -> String {
        self.get(&format!("/element/{element}/text"))
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// Clicks the element matching `css`, waiting for it first. A click
    /// that hits an element the page just re-rendered is tried again.
    pub fn click(&self, css: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let element = self.wait_for(css);
            match self.post(&format!("/element/{element}/click"), json!({})) {
                Ok(_) => return,
                Err(error) if error.contains("stale element") && Instant::now() < deadline => {
                    sleep(Duration::from_millis(100));
                }
                Err(error) => panic!("click on {css} failed: {error}"),
            }
        }
    }

    /// Types `text` into the element matching `css`.
    pub fn type_into(&self, css: &str, text: &str) {
        let element = self.wait_for(css);
        self.post(
            &format!("/element/{element}/value"),
            json!({ "text": text }),
        )
        .unwrap_or_else(|error| panic!("typing into {css} failed: {error}"));
    }

    /// Chooses the option with `value` in the select matching `css`.
    pub fn select(&self, css: &str, value: &str) {
        self.wait_for(css);
        self.script(
            "const select = document.querySelector(arguments[0]);
             select.value = arguments[1];
             select.dispatchEvent(new Event('change', { bubbles: true }));",
            json!([css, value]),
        );
    }

    /// Saves a PNG screenshot of the window as `<name>.png` and returns its path.
    pub fn screenshot(&self, name: &str) -> PathBuf {
        // Let the last render settle before taking the picture.
        sleep(Duration::from_millis(300));
        let encoded = self.get("/screenshot").expect("screenshot failed");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().unwrap_or_default())
            .expect("screenshot is not base64");
        let path = self.screenshots.join(format!("{name}.png"));
        std::fs::write(&path, bytes).expect("cannot write the screenshot");
        path
    }

    /// Drags the element matching `from` onto the element matching `to`
    /// with the mouse: press, move in steps, release. This produces pointer
    /// events, which WebKitWebDriver delivers (HTML5 drag events it does not).
    pub fn drag(&self, from: &str, to: &str) {
        let source = self.wait_for(from);
        let target = self.wait_for(to);
        let origin = |element: &str| json!({ ELEMENT_KEY: element });
        let actions = json!({
            "actions": [{
                "type": "pointer",
                "id": "mouse",
                "parameters": { "pointerType": "mouse" },
                "actions": [
                    { "type": "pointerMove", "duration": 0, "origin": origin(&source), "x": 0, "y": 0 },
                    { "type": "pointerDown", "button": 0 },
                    { "type": "pointerMove", "duration": 100, "origin": origin(&source), "x": 12, "y": 12 },
                    { "type": "pointerMove", "duration": 250, "origin": origin(&target), "x": 0, "y": 0 },
                    { "type": "pointerMove", "duration": 50, "origin": origin(&target), "x": 2, "y": 2 },
                    { "type": "pointerUp", "button": 0 }
                ]
            }]
        });
        self.post("/actions", actions)
            .unwrap_or_else(|error| panic!("drag from {from} to {to} failed: {error}"));
        let _ = ureq::delete(&self.url("/actions")).call();
    }

    /// Returns the value of `attribute` on the first element matching `css`.
    pub fn attribute(&self, css: &str, attribute: &str) -> Option<String> {
        self.script(
            "const element = document.querySelector(arguments[0]);
             return element ? element.getAttribute(arguments[1]) : null;",
            json!([css, attribute]),
        )
        .as_str()
        .map(str::to_owned)
    }

    /// Resizes the window.
    pub fn set_window_size(&self, width: u32, height: u32) {
        let _ = self.post("/window/rect", json!({ "width": width, "height": height }));
    }
}

/// Stops tauri-driver, which ends WebKitWebDriver and the app on SIGTERM,
/// and kills it when it has not exited after 5 seconds.
fn stop_driver(driver: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &driver.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = driver.try_wait() {
            return;
        }
        sleep(Duration::from_millis(100));
    }
    let _ = driver.kill();
    let _ = driver.wait();
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = ureq::delete(&self.url("")).call();
        stop_driver(&mut self.driver);
    }
}
