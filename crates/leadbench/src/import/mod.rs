//! Importing leads, outcomes (deals) and activity (events) from CSV files.
//!
//! The wizard and the CLI use the same three steps:
//! 1. [`inspect`] detects the file's encoding, delimiter and header, maps
//!    the columns and decides each date and money column's format from all
//!    its values, and returns a preview.
//! 2. [`run`] with `dry_run` set does the whole import inside a transaction
//!    and rolls it back, so its counts and rejected rows are exact.
//! 3. [`run`] without `dry_run` imports for real.
//!
//! An import streams the file twice (once to decide column formats, once to
//! write), so memory does not grow with the number of rows. It writes in one
//! transaction: cancelling, an error or a killed process leaves the database
//! as it was.
//!
//! Modules: [`detect`] (encoding, delimiter, header), [`parse`] (cell
//! values), [`mapping`] (columns to fields), `plan` (the first pass),
//! `leads`, `outcomes` and `activity` (writing rows), [`history`] (import
//! records and undo), [`job`] (an import on a background thread).

mod activity;
pub mod cli;
pub mod detect;
pub mod history;
mod indexes;
pub mod job;
mod leads;
pub mod mapping;
mod outcomes;
pub mod parse;
mod plan;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};

use rusqlite::Transaction;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use detect::{Detection, FileFormat, FormatOverrides};
pub use history::{undo, ImportRecord, UndoReport};
pub use job::{ImportJob, JobState, JobStatus};
pub use mapping::{ColumnChoice, Field, Target};
pub use parse::{DateDecision, DateOrder, DecimalMark, MoneyDecision};
pub use plan::{inspect, inspect_with, ColumnPlan, Inspection};

use crate::error::{Error, Result};
use crate::model::Stage;
use crate::Database;
use plan::{Plan, Row};

/// Kind of file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ImportKind {
    /// People, with account fields.
    #[default]
    Leads,
    /// Deals won or lost by existing leads.
    Outcomes,
    /// Behaviour events of existing leads.
    Activity,
}

impl ImportKind {
    /// Returns the name stored in the import history.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Leads => "leads",
            ImportKind::Outcomes => "outcomes",
            ImportKind::Activity => "activity",
        }
    }
}

impl fmt::Display for ImportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ImportKind {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "leads" => Ok(ImportKind::Leads),
            "outcomes" => Ok(ImportKind::Outcomes),
            "activity" => Ok(ImportKind::Activity),
            _ => Err(Error::invalid(
                "import kind",
                text,
                "use leads, outcomes or activity",
            )),
        }
    }
}

/// Policy for a row that matches an existing lead (by normalised e-mail,
/// else by external id) or an earlier row of the same file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum DuplicatePolicy {
    /// Create a new lead anyway. A row whose external id is taken is rejected.
    Create,
    /// Merge into the lead: the last non-empty value wins, an empty cell
    /// never erases a value, and the first-touch source is kept.
    #[default]
    Update,
    /// Leave the lead as it is.
    Skip,
}

/// Everything an import needs. [`inspect`] and [`run`] take the same
/// request, so the preview shows exactly what the import will do.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ImportRequest {
    #[ts(type = "string")]
    pub path: PathBuf,
    pub kind: ImportKind,
    pub format: FormatOverrides,
    /// Columns whose target the caller chose; the others map automatically.
    pub columns: Vec<ColumnChoice>,
    /// Name of a saved mapping to start from; `columns` override it.
    pub saved_mapping: Option<String>,
    /// Order of day and month for date columns where the values leave it
    /// open; required when a date column is ambiguous.
    pub date_order: Option<DateOrder>,
    /// Decimal mark for money columns where the values leave it open
    /// (default: comma when the language setting is Dutch, else point).
    pub decimal_mark: Option<DecimalMark>,
    pub duplicates: DuplicatePolicy,
    /// Stage given to created leads; matched leads move forward to it.
    pub stage: Option<Stage>,
    /// Campaign given to rows without one (created when missing).
    pub campaign: Option<String>,
    /// Owner given to rows without one.
    pub owner: Option<String>,
    /// IANA time zone for dates without a UTC offset (default: the time
    /// zone setting, else UTC).
    pub time_zone: Option<String>,
    /// Roll back at the end and report what the import would do.
    pub dry_run: bool,
}

/// Step of a running import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Phase {
    /// Reading the file to decide column formats and count rows.
    Scanning,
    /// Writing rows.
    Importing,
}

/// Progress of a running import, sent to the app's progress bar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Progress {
    pub phase: Phase,
    #[ts(type = "number")]
    pub rows_done: u64,
    /// Number of data rows; 0 while scanning, because it is not known yet.
    #[ts(type = "number")]
    pub rows_total: u64,
    /// Bytes read so far, counted after decoding to UTF-8; for files in
    /// other encodings this is an estimate of the position in the file.
    #[ts(type = "number")]
    pub bytes_done: u64,
    #[ts(type = "number")]
    pub bytes_total: u64,
}

/// Cancellation flag and progress callback of a running import.
#[derive(Default)]
pub struct Control<'a> {
    /// Flag another thread sets to stop the import, which then returns
    /// [`Error::Cancelled`] and changes nothing.
    pub cancel: Option<&'a AtomicBool>,
    /// Called every few thousand rows.
    pub progress: Option<&'a mut dyn FnMut(&Progress)>,
}

impl Control<'_> {
    fn check(&mut self, progress: &Progress) -> Result<()> {
        if self.cancel.is_some_and(|flag| flag.load(Ordering::Relaxed)) {
            return Err(Error::Cancelled {
                what: "the import".to_owned(),
            });
        }
        if let Some(callback) = self.progress.as_mut() {
            callback(progress);
        }
        Ok(())
    }
}

/// Category of a rejected row, so the app can show a translated message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RowProblem {
    InvalidEmail,
    InvalidDate,
    InvalidYesNo,
    InvalidStage,
    InvalidAmount,
    NegativeAmount,
    InvalidCurrency,
    /// Neither an e-mail address nor an external id.
    MissingLeadKey,
    /// The create policy met an external id another lead has.
    ExternalIdTaken,
    LeadNotFound,
    MissingOutcomeDate,
    MissingEventType,
    MissingEventTime,
}

/// A rejected row: nothing of it was imported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RowError {
    /// Line in the file where the row starts, counting from 1.
    #[ts(type = "number")]
    pub line: u64,
    pub column: String,
    pub value: String,
    pub problem: RowProblem,
    /// English explanation with the fix.
    pub reason: String,
}

/// Category of an import warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum WarningKind {
    /// A deal won before the lead's first contact; it is kept.
    WonBeforeFirstContact,
    /// A row's external id belongs to another lead, so it was not added.
    ExternalIdTaken,
}

/// Something imported that needs a look, such as a deal won before the
/// lead's first contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ImportWarning {
    #[ts(type = "number")]
    pub line: u64,
    pub kind: WarningKind,
    /// The lead's e-mail address or external id.
    pub lead: String,
    pub message: String,
}

/// An event type outside the scoring engine's types, kept as is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct UnknownEventType {
    pub name: String,
    #[ts(type = "number")]
    pub rows: u64,
}

/// Counts and rejected rows of an import, or of a dry run. For leads, `created` and
/// `updated` count leads; for outcomes they count deals; for activity,
/// events. `skipped` counts rows left out on purpose (duplicates).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ImportReport {
    /// Id in the import history; null for a dry run.
    #[ts(type = "number | null")]
    pub import_id: Option<i64>,
    pub kind: ImportKind,
    pub dry_run: bool,
    #[ts(type = "number")]
    pub created: u64,
    #[ts(type = "number")]
    pub updated: u64,
    #[ts(type = "number")]
    pub skipped: u64,
    #[ts(type = "number")]
    pub rejected: u64,
    pub warnings: Vec<ImportWarning>,
    /// Every rejected row, in file order.
    pub errors: Vec<RowError>,
    pub unknown_event_types: Vec<UnknownEventType>,
    pub format: Option<FileFormat>,
}

impl ImportReport {
    fn reject(
        &mut self,
        line: u64,
        column: &str,
        value: &str,
        problem: RowProblem,
        reason: impl Into<String>,
    ) {
        self.rejected += 1;
        self.errors.push(RowError {
            line,
            column: column.to_owned(),
            value: value.to_owned(),
            problem,
            reason: reason.into(),
        });
    }

    fn warn(&mut self, line: u64, kind: WarningKind, lead: &str, message: impl Into<String>) {
        self.warnings.push(ImportWarning {
            line,
            kind,
            lead: lead.to_owned(),
            message: message.into(),
        });
    }
}

/// Writes the rejected rows of `report` as CSV (line, column, value,
/// reason), for the wizard's "export rejected rows".
pub fn write_errors_csv(report: &ImportReport, writer: impl std::io::Write) -> Result<()> {
    let mut csv = csv::Writer::from_writer(writer);
    let write = |csv: &mut csv::Writer<_>, fields: [&str; 4]| {
        csv.write_record(fields)
            .map_err(|error| Error::invalid("rejected rows file", "", error.to_string()))
    };
    write(&mut csv, ["line", "column", "value", "reason"])?;
    for error in &report.errors {
        let line = error.line.to_string();
        let value = crate::export::guard_formula(&error.value);
        write(&mut csv, [&line, &error.column, &value, &error.reason])?;
    }
    csv.flush().map_err(|source| Error::Io {
        path: PathBuf::from("rejected rows"),
        source,
    })
}

/// Writes one kind of row. Each row either writes, is skipped or is rejected.
trait RowWriter {
    fn write_row(
        &mut self,
        tx: &Transaction<'_>,
        row: &Row<'_>,
        report: &mut ImportReport,
    ) -> Result<()>;

    /// Runs once after the last row.
    fn finish(&mut self, _tx: &Transaction<'_>, _report: &mut ImportReport) -> Result<()> {
        Ok(())
    }

    /// Leads whose fields or events the import changed, to be scored again:
    /// the smallest id of the leads it created, if any, and other lead ids.
    fn changed_leads(&self) -> (Option<i64>, Vec<i64>) {
        (None, Vec::new())
    }
}

/// Page cache used while importing, in KiB: large enough that a 100,000-row
/// import does not spill pages to the WAL before commit. It is a fixed size,
/// so the page cache does not grow with the file.
// NOTE: SQLite's WAL index (the -shm file, mapped into memory) still grows
// with one long transaction: about 44 bytes per imported row measured for
// 1 and 2 million rows, so 10 million rows would map about 440 MB.
const IMPORT_CACHE_KIB: i64 = 131_072;

const PROGRESS_EVERY: u64 = 4_096;

// NOTE: the import holds the database's write lock from start to end, so
// another connection's write waits for it and fails as busy after
// BUSY_TIMEOUT_SECONDS; an import of several million rows takes longer.
// NOTE: a 100,000-lead import takes about 2.5x to 2.8x the time of the
// sqlite3 shell's `.import` into a bare table, not the 2x aimed for. The
// same writes as plain SQL, with no parsing at all, already take 2x to 2.5x
// (the floor in BENCHMARKS.md), and this import takes 1.1x to 1.25x of it.
/// Imports the file described by `request` in one transaction, or with
/// `dry_run` rolls back and only reports. Fails without changing anything
/// when the file cannot be read, a date column is ambiguous and no order
/// was chosen, or `control` cancels.
pub fn run(
    db: &mut Database,
    request: &ImportRequest,
    control: &mut Control<'_>,
) -> Result<ImportReport> {
    let plan = plan::build(db.conn(), request, control)?;
    plan.require_ready(&request.path)?;

    // Foreign keys and CHECK constraints are not checked while importing:
    // every id the import writes was read or inserted in the same
    // transaction, and every stage, reason, flag and JSON value comes from
    // Rust types that only hold valid values. The checks would cost five
    // index look-ups and a temporary table (for `IN (...)`) per lead.
    let previous_cache: i64 = db
        .conn()
        .query_row("PRAGMA cache_size", [], |row| row.get(0))?;
    db.conn().execute_batch(&format!(
        "PRAGMA cache_size = -{IMPORT_CACHE_KIB}; PRAGMA foreign_keys = OFF;
         PRAGMA ignore_check_constraints = ON;"
    ))?;
    let result = write_all(db, request, &plan, control);
    db.conn().execute_batch(&format!(
        "PRAGMA cache_size = {previous_cache}; PRAGMA foreign_keys = ON;
         PRAGMA ignore_check_constraints = OFF;"
    ))?;
    result
}

fn write_all(
    db: &mut Database,
    request: &ImportRequest,
    plan: &Plan,
    control: &mut Control<'_>,
) -> Result<ImportReport> {
    let now = crate::time::now();
    let tx = db.write()?;
    let import_id = history::begin(&tx, request, plan, now)?;
    let mut report = ImportReport {
        import_id: (!request.dry_run).then_some(import_id),
        kind: request.kind,
        dry_run: request.dry_run,
        format: Some(plan.format.clone()),
        ..ImportReport::default()
    };

    // A leads import writes one lead and one stage change per row.
    let deferred = match request.kind {
        ImportKind::Leads => indexes::defer(&tx, &["leads", "stage_changes"], plan.rows)?,
        ImportKind::Outcomes | ImportKind::Activity => Vec::new(),
    };
    let context = plan::Context::new(&tx, request, plan, import_id, now)?;
    let mut writer: Box<dyn RowWriter + '_> = match request.kind {
        ImportKind::Leads => Box::new(leads::LeadWriter::new(&tx, context)?),
        ImportKind::Outcomes => Box::new(outcomes::OutcomeWriter::new(&tx, context)?),
        ImportKind::Activity => Box::new(activity::ActivityWriter::new(&tx, context)?),
    };

    let (mut reader, mut lines) = detect::open_csv_with_lines(&request.path, &plan.format)?;
    let mut record = csv::StringRecord::new();
    let mut rows_done = 0u64;
    let mut first = true;
    while plan::read_record(&mut reader, &mut record, &request.path)? {
        let line = lines.line_at(record.position().map_or(0, |p| p.byte()));
        if first && plan.format.has_header {
            first = false;
            continue;
        }
        first = false;
        let row = Row::new(plan, &record, line);
        if !row.is_blank() {
            writer.write_row(&tx, &row, &mut report)?;
        }

        rows_done += 1;
        if rows_done % PROGRESS_EVERY == 0 {
            control.check(&Progress {
                phase: Phase::Importing,
                rows_done,
                rows_total: plan.rows,
                bytes_done: record.position().map_or(0, |p| p.byte()),
                bytes_total: plan.file_bytes,
            })?;
        }
    }
    writer.finish(&tx, &mut report)?;
    // Scores follow the imported fields and events in the same transaction,
    // while the score index is still deferred for a large import.
    let (first_new, changed) = writer.changed_leads();
    if let Some(first_new) = first_new {
        crate::scoring::recompute::rescore_from_in(&tx, first_new, now)?;
    }
    if !changed.is_empty() {
        crate::scoring::recompute::rescore_in(&tx, &changed, now)?;
    }
    drop(writer);
    indexes::restore(&tx, &deferred)?;
    control.check(&Progress {
        phase: Phase::Importing,
        rows_done,
        rows_total: plan.rows,
        bytes_done: plan.file_bytes,
        bytes_total: plan.file_bytes,
    })?;

    history::finish(&tx, import_id, &report)?;
    if request.dry_run {
        tx.rollback()?;
    } else {
        tx.commit()?;
        tracing::info!(
            import_id,
            kind = request.kind.as_str(),
            created = report.created,
            updated = report.updated,
            skipped = report.skipped,
            rejected = report.rejected,
            "import committed"
        );
    }
    Ok(report)
}
