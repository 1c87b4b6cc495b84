//! Routes the library's `tracing` output to `leadbench.log` in the app's
//! log folder. Lead data is never logged at info level by the library.

use std::fs::OpenOptions;
use std::path::Path;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

/// Installs the file logger. When the log file cannot be opened the app
/// still runs and logs to stderr instead.
pub fn init(log_dir: &Path) {
    let filter =
        EnvFilter::try_from_env("LEADBENCH_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let file = std::fs::create_dir_all(log_dir).and_then(|()| {
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(log_dir.join("leadbench.log"))
    });
    let result = match file {
        Ok(file) => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(Mutex::new(file))
            .try_init(),
        Err(error) => {
            eprintln!(
                "cannot open the log file in {}: {error}; logging to stderr",
                log_dir.display()
            );
            tracing_subscriber::fmt().with_env_filter(filter).try_init()
        }
    };
    if result.is_err() {
        eprintln!("a logger was already installed; keeping it");
    }
}
