//! Leadbench's domain logic and storage, independent of any UI.
//!
//! Where things live:
//! - [`db`]: opening the SQLite file, per-connection settings, migrations, backups.
//! - [`model`]: types shared with the CLI and the app (TypeScript bindings are generated from them).
//! - [`leads`]: paging and counting leads.
//! - [`demo`]: the deterministic demo data generator.
//! - [`settings`]: language, currency and time zone, stored in the database.
//! - [`charts`]: SVG charts drawn with plotters.
//! - [`scoring`]: scoring rules, scores, stages from thresholds, previews and explanations.
//! - [`cli`]: the `leadbench` command-line tool.

pub mod charts;
pub mod cli;
pub mod db;
pub mod demo;
pub mod error;
pub mod leads;
pub mod model;
pub mod scoring;
pub mod settings;
pub mod time;

pub use db::Database;
pub use error::{Error, ErrorKind, Result};

/// Reverse-DNS identifier of the app; it names the app-data folder.
pub const APP_IDENTIFIER: &str = "app.leadbench";
