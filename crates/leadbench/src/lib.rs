//! Leadbench's domain logic and storage, independent of any UI.
//!
//! Where things live:
//! - [`db`]: opening the SQLite file, per-connection settings, migrations, backups.
//! - [`model`]: types shared with the CLI and the app (TypeScript bindings are generated from them).
//! - [`leads`]: paging and counting leads.
//! - [`board`]: the pipeline board's columns, manual stage moves and undo.
//! - [`demo`]: the deterministic demo data generator.
//! - [`settings`]: language, currency and time zone, stored in the database.
//! - [`charts`]: SVG charts drawn with plotters.
//! - [`nurture`]: nurture sequences, their scheduler and e-mail outbox.
//! - [`kpi`]: the KPI dashboard: ranges, the six KPIs, trends, its charts.
//! - [`import`]: reading lead, outcome and activity CSV files, import history and undo.
//! - [`export`]: writing leads to CSV files that spreadsheets open safely.
//! - [`scoring`]: scoring rules, scores, stages from thresholds, previews and explanations.
//! - [`cli`]: the `leadbench` command-line tool.
//! - [`campaigns`]: campaigns with spend and visitors, edited or imported from CSV.
//! - [`pdf`]: a one-page PDF writer for the dashboard report.

pub mod board;
pub mod charts;
pub mod cli;
pub mod db;
pub mod demo;
pub mod error;
pub mod export;
pub mod import;
pub mod kpi;
pub mod leads;
pub mod model;
pub mod nurture;
pub mod scoring;
pub mod settings;
pub mod time;
// KPI dashboard: campaigns and their spend.
pub mod campaigns;
pub mod pdf;

pub use db::Database;
pub use error::{Error, ErrorKind, Result};

/// Reverse-DNS identifier of the app; it names the app-data folder.
pub const APP_IDENTIFIER: &str = "app.leadbench";
