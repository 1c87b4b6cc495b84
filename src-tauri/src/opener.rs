//! Opens a `mailto:` link in the user's mail client through the desktop's
//! own URL handler, without the shell plugin.
//!
//! End-to-end tests set `LEADBENCH_TEST_OPEN_URL_LOG` to a file: the link
//! is then appended there instead of starting a mail client.

use std::io::Write;
use std::process::{Command, Stdio};

use leadbench::Error;

/// Environment variable naming the file that receives opened links in tests.
const TEST_OPEN_URL_LOG: &str = "LEADBENCH_TEST_OPEN_URL_LOG";

/// Hands `url` to the desktop's handler for its scheme and returns at once.
pub fn open_url(url: &str) -> Result<(), Error> {
    if let Some(log) = std::env::var_os(TEST_OPEN_URL_LOG).filter(|p| !p.is_empty()) {
        tracing::warn!("mail client skipped: writing the link to {TEST_OPEN_URL_LOG}");
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .map_err(|source| Error::Io {
                path: log.into(),
                source,
            })?;
        return writeln!(file, "{url}")
            .map_err(|error| Error::invalid("link log", url, format!("writing failed: {error}")));
    }

    let mut command = handler(url);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    match command.spawn() {
        Ok(_) => Ok(()),
        Err(error) => {
            tracing::warn!(%error, "starting the mail client failed");
            Err(Error::invalid(
                "mail client",
                format!("{:?}", command.get_program()),
                format!(
                    "it could not be started ({error}); set a default mail client in the \
                     system settings, or copy the text from the Outbox"
                ),
            ))
        }
    }
}

#[cfg(target_os = "linux")]
fn handler(url: &str) -> Command {
    let mut command = Command::new("xdg-open");
    command.arg(url);
    command
}

#[cfg(target_os = "macos")]
fn handler(url: &str) -> Command {
    let mut command = Command::new("open");
    command.arg(url);
    command
}

#[cfg(target_os = "windows")]
fn handler(url: &str) -> Command {
    let mut command = Command::new("rundll32");
    command.args(["url.dll,FileProtocolHandler", url]);
    command
}
