//! The `import` and `export` commands of the `leadbench` tool.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::json;

use super::{
    mapping, ColumnChoice, Control, DuplicatePolicy, FormatOverrides, ImportKind, ImportReport,
    ImportRequest, Target,
};
use crate::error::{Error, Result};
use crate::export::{self, ExportOptions};
use crate::model::Stage;
use crate::Database;

/// Options shared by every kind of import.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// CSV file to import.
    file: PathBuf,
    /// Fill FIELD from the column named COLUMN, for example --map email="E-mail adres". Repeatable.
    #[arg(long = "map", value_name = "FIELD=COLUMN")]
    map: Vec<String>,
    /// Order of day and month when the dates leave it open: dmy, mdy or ymd.
    #[arg(long, value_name = "ORDER")]
    date_order: Option<String>,
    /// Decimal mark of amounts when the values leave it open: point or comma.
    #[arg(long, value_name = "MARK")]
    decimal_mark: Option<String>,
    /// Read the file in this encoding instead of the detected one (for example windows-1252).
    #[arg(long)]
    encoding: Option<String>,
    /// Column delimiter instead of the detected one: , ; | or tab.
    #[arg(long)]
    delimiter: Option<String>,
    /// Check the whole file and report, without changing the database.
    #[arg(long)]
    dry_run: bool,
    /// Also write every rejected row to this CSV file.
    #[arg(long, value_name = "FILE")]
    errors: Option<PathBuf>,
}

/// Kind of file to import.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import leads (people with account fields).
    Leads {
        #[command(flatten)]
        args: ImportArgs,
        /// Stage of the imported leads (new, mql, warm, sql, customer, disqualified).
        #[arg(long)]
        stage: Option<String>,
        /// Campaign for rows without one; created when it does not exist.
        #[arg(long, value_name = "NAME")]
        campaign: Option<String>,
        /// Owner for rows without one.
        #[arg(long, value_name = "NAME")]
        owner: Option<String>,
        /// Policy for rows that match a lead: update, skip or create.
        #[arg(long, default_value = "update")]
        duplicates: String,
    },
    /// Import outcomes: won or lost deals of existing leads.
    Outcomes {
        #[command(flatten)]
        args: ImportArgs,
    },
    /// Import activity: behaviour events of existing leads.
    Activity {
        #[command(flatten)]
        args: ImportArgs,
    },
    /// List earlier imports, newest first.
    History,
    /// Undo a whole import, unless its leads changed since.
    Undo {
        /// Id of the import, as listed by `import history`.
        id: i64,
    },
}

/// Table to export.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Export leads to a CSV file.
    Leads {
        /// File to write.
        file: PathBuf,
        /// Only leads in this stage.
        #[arg(long)]
        stage: Option<String>,
        /// Column delimiter: , ; | or tab.
        #[arg(long, default_value = ",")]
        delimiter: String,
        /// Start the file with a byte-order mark, for Excel.
        #[arg(long)]
        bom: bool,
    },
}

fn parse_delimiter(text: &str) -> Result<char> {
    match text {
        "tab" | "\\t" | "\t" => Ok('\t'),
        "," | ";" | "|" => Ok(text.chars().next().unwrap_or(',')),
        _ => Err(Error::invalid("delimiter", text, "use , ; | or tab")),
    }
}

fn parse_choices(map: &[String]) -> Result<Vec<ColumnChoice>> {
    map.iter()
        .map(|pair| {
            let (field, column) = pair.split_once('=').ok_or_else(|| {
                Error::invalid(
                    "--map",
                    pair,
                    "write FIELD=COLUMN, for example --map email=Mail",
                )
            })?;
            let field: mapping::Field = field.parse()?;
            Ok(ColumnChoice {
                column: column.to_owned(),
                target: Target::Field(field),
            })
        })
        .collect()
}

fn request(kind: ImportKind, args: &ImportArgs) -> Result<ImportRequest> {
    Ok(ImportRequest {
        path: args.file.clone(),
        kind,
        format: FormatOverrides {
            encoding: args.encoding.clone(),
            delimiter: args.delimiter.as_deref().map(parse_delimiter).transpose()?,
            has_header: None,
        },
        columns: parse_choices(&args.map)?,
        date_order: args.date_order.as_deref().map(str::parse).transpose()?,
        decimal_mark: match args.decimal_mark.as_deref() {
            None => None,
            Some("point" | ".") => Some(super::DecimalMark::Point),
            Some("comma" | ",") => Some(super::DecimalMark::Comma),
            Some(other) => {
                return Err(Error::invalid(
                    "--decimal-mark",
                    other,
                    "use point or comma",
                ))
            }
        },
        dry_run: args.dry_run,
        ..ImportRequest::default()
    })
}

/// Runs an `import` command and returns what to print.
pub fn run_import(db: &mut Database, command: ImportCommand, as_json: bool) -> Result<String> {
    let (request, args) = match &command {
        ImportCommand::Leads {
            args,
            stage,
            campaign,
            owner,
            duplicates,
        } => {
            let mut request = request(ImportKind::Leads, args)?;
            request.stage = stage.as_deref().map(str::parse::<Stage>).transpose()?;
            request.campaign = campaign.clone();
            request.owner = owner.clone();
            request.duplicates = match duplicates.as_str() {
                "update" => DuplicatePolicy::Update,
                "skip" => DuplicatePolicy::Skip,
                "create" => DuplicatePolicy::Create,
                other => {
                    return Err(Error::invalid(
                        "--duplicates",
                        other,
                        "use update, skip or create",
                    ))
                }
            };
            (request, args)
        }
        ImportCommand::Outcomes { args } => (request(ImportKind::Outcomes, args)?, args),
        ImportCommand::Activity { args } => (request(ImportKind::Activity, args)?, args),
        ImportCommand::History => return history(db, as_json),
        ImportCommand::Undo { id } => return undo(db, *id, as_json),
    };
    let report = super::run(db, &request, &mut Control::default())?;
    if let Some(path) = &args.errors {
        let file = std::fs::File::create(path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        super::write_errors_csv(&report, std::io::BufWriter::new(file))?;
    }
    if as_json {
        Ok(report_json(&report).to_string())
    } else {
        Ok(report_text(&report))
    }
}

/// Builds the `--json` output of an import.
fn report_json(report: &ImportReport) -> serde_json::Value {
    let errors: Vec<_> = report
        .errors
        .iter()
        .map(|e| json!({"line": e.line, "column": e.column, "value": e.value, "reason": e.reason}))
        .collect();
    json!({
        "created": report.created,
        "updated": report.updated,
        "skipped": report.skipped,
        "rejected": report.rejected,
        "warnings": report.warnings.len(),
        "errors": errors,
    })
}

fn report_text(report: &ImportReport) -> String {
    let (singular, plural) = match report.kind {
        ImportKind::Leads => ("lead", "leads"),
        ImportKind::Outcomes => ("deal", "deals"),
        ImportKind::Activity => ("event", "events"),
    };
    let verb = if report.dry_run {
        "Dry run, nothing changed: would have"
    } else {
        "Done:"
    };
    let mut text = format!(
        "{verb} created {}, updated {}, skipped {}, rejected {}, {}",
        counted(report.created, singular, plural),
        report.updated,
        report.skipped,
        counted(report.rejected, "row", "rows"),
        counted(report.warnings.len() as u64, "warning", "warnings"),
    );
    if let Some(id) = report.import_id {
        text.push_str(&format!(" (import {id})"));
    }
    for error in &report.errors {
        text.push_str(&format!(
            "\n  line {}: {} {:?}: {}",
            error.line, error.column, error.value, error.reason
        ));
    }
    for warning in &report.warnings {
        text.push_str(&format!(
            "\n  warning, line {} ({}): {}",
            warning.line, warning.lead, warning.message
        ));
    }
    for unknown in &report.unknown_event_types {
        text.push_str(&format!(
            "\n  unknown event type {} ({} rows), kept",
            unknown.name, unknown.rows
        ));
    }
    text
}

fn history(db: &Database, as_json: bool) -> Result<String> {
    let records = super::history::list(db.conn())?;
    if as_json {
        return Ok(json!({ "imports": records }).to_string());
    }
    let mut text = String::new();
    for record in &records {
        text.push_str(&format!(
            "{:>5}  {}  {:<8} {:<32} created {}, updated {}, skipped {}, rejected {}{}\n",
            record.id,
            record.imported_at,
            record.kind.as_str(),
            record.file_name,
            record.created,
            record.updated,
            record.skipped,
            record.rejected,
            if record.undone_at.is_some() {
                " (undone)"
            } else {
                ""
            }
        ));
    }
    text.push_str(&format!("{} imports", records.len()));
    Ok(text)
}

fn undo(db: &mut Database, id: i64, as_json: bool) -> Result<String> {
    let report = super::undo(db, id)?;
    if as_json {
        return Ok(serde_json::to_string(&report).unwrap_or_default());
    }
    // A refused undo is an error, so scripts see a failing exit status.
    if !report.undone {
        let mut text = format!(
            "{} changed since it ran, so nothing was undone; undo those changes first",
            counted(report.conflicts.len() as u64, "lead", "leads")
        );
        for conflict in &report.conflicts {
            text.push_str(&format!(
                "\n  lead {} ({}): {}",
                conflict.lead_id, conflict.lead, conflict.reason
            ));
        }
        return Err(Error::invalid("import to undo", id.to_string(), text));
    }
    Ok(format!(
        "Import {id} undone: {} leads deleted, {} restored, {} deals and {} events deleted",
        report.leads_deleted, report.leads_restored, report.deals_deleted, report.events_deleted
    ))
}

/// Runs an `export` command and returns what to print.
pub fn run_export(db: &Database, command: ExportCommand, as_json: bool) -> Result<String> {
    let ExportCommand::Leads {
        file,
        stage,
        delimiter,
        bom,
    } = command;
    let options = ExportOptions {
        stage: stage.as_deref().map(str::parse::<Stage>).transpose()?,
        search: None,
        delimiter: parse_delimiter(&delimiter)?,
        bom,
    };
    let summary = export::export_leads(db.conn(), &file, &options)?;
    if as_json {
        Ok(serde_json::to_string(&summary).unwrap_or_default())
    } else {
        Ok(format!(
            "Exported {} leads to {}",
            summary.rows, summary.path
        ))
    }
}

/// Returns "1 lead" or "2 leads": the count with the noun in the right number.
fn counted(count: u64, singular: &str, plural: &str) -> String {
    format!("{count} {}", if count == 1 { singular } else { plural })
}
