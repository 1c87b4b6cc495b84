//! The first pass over a file: detection, column mapping, one format per
//! date and money column decided from all values, the row count and a
//! preview. Also the per-row accessors the writers use.

use std::io::Read;
use std::path::Path;

use chrono_tz::Tz;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::detect::{self, Detection, FileFormat};
use super::mapping::{self, Field, Target};
use super::parse::{self, DateColumn, DateDecision, DateOrder, MoneyColumn, MoneyDecision};
use super::{Control, ImportKind, ImportRequest, Phase, Progress};
use crate::error::{Error, Result};
use crate::settings::{self, Language};

const PREVIEW_ROWS: usize = 20;

/// One column of the file as the import will read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ColumnPlan {
    pub index: u32,
    pub header: String,
    pub target: Target,
    /// Set for date columns: the order every value is read in.
    pub date: Option<DateDecision>,
    /// Set for the deal value column: the decimal mark every value is read with.
    pub money: Option<MoneyDecision>,
}

/// Result of [`inspect`]: the file's format, each column's target and
/// format, the first rows and anything the caller must decide first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Inspection {
    pub detection: Detection,
    pub columns: Vec<ColumnPlan>,
    /// The first data rows, as text after decoding.
    pub preview: Vec<Vec<String>>,
    /// Number of data rows (records, not lines).
    #[ts(type = "number")]
    pub rows: u64,
    /// Choices the caller must make before importing, such as the order of
    /// an ambiguous date column. Empty when the import can run.
    pub problems: Vec<String>,
    /// The fields a file of this kind can fill.
    pub fields: Vec<mapping::FieldOption>,
}

/// Reads the whole file once and returns how [`super::run`] would read it.
pub fn inspect(conn: &Connection, request: &ImportRequest) -> Result<Inspection> {
    inspect_with(conn, request, &mut Control::default())
}

/// Works like [`inspect`], reporting progress while it scans the file and
/// stopping with [`crate::Error::Cancelled`] when `control` cancels.
pub fn inspect_with(
    conn: &Connection,
    request: &ImportRequest,
    control: &mut Control<'_>,
) -> Result<Inspection> {
    let plan = build(conn, request, control)?;
    let columns = plan
        .headers
        .iter()
        .enumerate()
        .map(|(index, header)| ColumnPlan {
            index: index as u32,
            header: header.clone(),
            target: plan.targets[index].clone(),
            date: plan.dates[index],
            money: plan.money[index],
        })
        .collect();
    Ok(Inspection {
        detection: plan.detection,
        columns,
        preview: plan.preview,
        rows: plan.rows,
        problems: plan.problems,
        fields: mapping::field_options(request.kind),
    })
}

/// A file's reading plan.
pub(crate) struct Plan {
    pub detection: Detection,
    pub format: FileFormat,
    pub headers: Vec<String>,
    pub targets: Vec<Target>,
    /// Column of each field, indexed by `Field as usize`.
    columns: [Option<usize>; Field::ALL.len()],
    /// Columns that become custom fields or event properties, with their names.
    pub custom: Vec<(usize, String)>,
    pub dates: Vec<Option<DateDecision>>,
    pub money: Vec<Option<MoneyDecision>>,
    pub zone: Tz,
    pub rows: u64,
    pub file_bytes: u64,
    pub preview: Vec<Vec<String>>,
    pub problems: Vec<String>,
}

impl Plan {
    /// Fails with every open problem when the import of `path` cannot run yet.
    pub fn require_ready(&self, path: &Path) -> Result<()> {
        if self.problems.is_empty() {
            return Ok(());
        }
        Err(Error::invalid(
            "file",
            path.display().to_string(),
            self.problems.join("; "),
        ))
    }

    /// Returns the column index filled by `field`.
    pub fn column(&self, field: Field) -> Option<usize> {
        self.columns[field as usize]
    }
}

fn is_date_field(field: Field) -> bool {
    matches!(
        field,
        Field::CreatedAt | Field::WonAt | Field::LostAt | Field::OccurredAt
    )
}

/// Reads the next record; false at the end of the file.
pub(crate) fn read_record(
    reader: &mut csv::Reader<Box<dyn Read>>,
    record: &mut csv::StringRecord,
    path: &Path,
) -> Result<bool> {
    reader.read_record(record).map_err(|error| {
        let line = error.position().map_or(0, |p| p.line());
        Error::invalid(
            "CSV file",
            path.display().to_string(),
            format!("it cannot be read at line {line}: {error}; check the encoding and delimiter"),
        )
    })
}

/// Runs the first pass: detection, mapping and column formats.
pub(crate) fn build(
    conn: &Connection,
    request: &ImportRequest,
    control: &mut Control<'_>,
) -> Result<Plan> {
    let detection = detect::detect(&request.path, &request.format)?;
    let format = detection.format.clone();
    let settings = settings::load(conn)?;
    let zone = time_zone(
        request
            .time_zone
            .as_deref()
            .or(settings.time_zone.as_deref()),
    )?;
    let fallback_mark = match settings.language {
        Some(Language::Nl) => parse::DecimalMark::Comma,
        _ => parse::DecimalMark::Point,
    };

    let mut reader = detect::open_csv(&request.path, &format)?;
    let mut record = csv::StringRecord::new();
    let mut preview = Vec::new();
    let mut rows = 0u64;
    let headers: Vec<String> = if !read_record(&mut reader, &mut record, &request.path)? {
        Vec::new()
    } else if format.has_header {
        record
            .iter()
            .map(|h| parse::trim_cell(h).to_owned())
            .collect()
    } else {
        preview.push(record.iter().map(str::to_owned).collect());
        rows = 1;
        // NOTE: without a header row no column maps automatically: every
        // column becomes a custom field until the caller maps it.
        (1..=record.len()).map(|n| format!("Column {n}")).collect()
    };

    let mut choices = match &request.saved_mapping {
        Some(name) => mapping::load_mapping(conn, name)?,
        None => Vec::new(),
    };
    choices.extend(request.columns.iter().cloned());
    let targets = mapping::resolve(&headers, request.kind, &choices)?;
    let mut columns = [None; Field::ALL.len()];
    let mut custom = Vec::new();
    for (index, target) in targets.iter().enumerate() {
        match target {
            Target::Field(field) => columns[*field as usize] = Some(index),
            Target::Custom(name) => custom.push((index, name.clone())),
            Target::Ignore => {}
        }
    }

    let date_columns: Vec<usize> = (0..headers.len())
        .filter(|i| matches!(targets[*i], Target::Field(f) if is_date_field(f)))
        .collect();
    let money_columns: Vec<usize> = (0..headers.len())
        .filter(|i| targets[*i] == Target::Field(Field::Value))
        .collect();
    let mut date_stats = vec![DateColumn::default(); date_columns.len()];
    let mut money_stats = vec![MoneyColumn::default(); money_columns.len()];
    if rows == 1 {
        count_formats(
            &record,
            &date_columns,
            &mut date_stats,
            &money_columns,
            &mut money_stats,
        );
    }

    while read_record(&mut reader, &mut record, &request.path)? {
        rows += 1;
        if preview.len() < PREVIEW_ROWS {
            preview.push(record.iter().map(str::to_owned).collect());
        }
        count_formats(
            &record,
            &date_columns,
            &mut date_stats,
            &money_columns,
            &mut money_stats,
        );
        if rows % 16_384 == 0 {
            control.check(&Progress {
                phase: Phase::Scanning,
                rows_done: rows,
                rows_total: 0,
                bytes_done: record.position().map_or(0, |p| p.byte()),
                bytes_total: detection.file_bytes,
            })?;
        }
    }

    let mut dates = vec![None; headers.len()];
    let mut problems = Vec::new();
    for (stats, index) in date_stats.iter().zip(&date_columns) {
        let decision = stats.decide(request.date_order);
        if decision == DateDecision::Ambiguous {
            problems.push(format!(
                "every date in column \"{}\" reads both day-first and month-first (such as 03/04/2024); choose the order (--date-order dmy or mdy)",
                headers[*index]
            ));
        }
        dates[*index] = Some(decision);
    }
    let mut money = vec![None; headers.len()];
    for (stats, index) in money_stats.iter().zip(&money_columns) {
        money[*index] = Some(stats.decide(request.decimal_mark, fallback_mark));
    }
    problems.extend(missing_columns(request.kind, &columns));

    Ok(Plan {
        file_bytes: detection.file_bytes,
        detection,
        format,
        headers,
        targets,
        columns,
        custom,
        dates,
        money,
        zone,
        rows,
        preview,
        problems,
    })
}

fn count_formats(
    record: &csv::StringRecord,
    date_columns: &[usize],
    date_stats: &mut [DateColumn],
    money_columns: &[usize],
    money_stats: &mut [MoneyColumn],
) {
    for (stats, index) in date_stats.iter_mut().zip(date_columns) {
        stats.add(record.get(*index).unwrap_or(""));
    }
    for (stats, index) in money_stats.iter_mut().zip(money_columns) {
        stats.add(record.get(*index).unwrap_or(""));
    }
}

fn missing_columns(kind: ImportKind, columns: &[Option<usize>]) -> Vec<String> {
    let has = |field: Field| columns[field as usize].is_some();
    let mut problems = Vec::new();
    if kind != ImportKind::Leads && !has(Field::Email) && !has(Field::ExternalId) {
        problems.push(
            "no column holds the lead's e-mail or external id; map one (--map email=COLUMN or --map external_id=COLUMN)"
                .to_owned(),
        );
    }
    if kind == ImportKind::Outcomes && !has(Field::WonAt) && !has(Field::LostAt) {
        problems
            .push("no column holds a won or lost date; map one (--map won_at=COLUMN)".to_owned());
    }
    if kind == ImportKind::Activity {
        if !has(Field::EventType) {
            problems.push(
                "no column holds the event type; map one (--map event_type=COLUMN)".to_owned(),
            );
        }
        if !has(Field::OccurredAt) {
            problems.push(
                "no column holds the event time; map one (--map occurred_at=COLUMN)".to_owned(),
            );
        }
    }
    problems
}

fn time_zone(name: Option<&str>) -> Result<Tz> {
    match name {
        None => Ok(chrono_tz::UTC),
        Some(name) => name.parse().map_err(|_| {
            Error::invalid(
                "time zone",
                name,
                "use an IANA time zone name such as Europe/Amsterdam",
            )
        }),
    }
}

/// One data row, with accessors by field.
pub(crate) struct Row<'a> {
    plan: &'a Plan,
    record: &'a csv::StringRecord,
    /// Line where the record starts, counting from 1.
    pub line: u64,
}

/// Trims the spaces around a text cell (tabs and line breaks are content)
/// and removes a formula guard added by a spreadsheet-safe export.
pub(crate) fn clean_text(cell: &str) -> &str {
    let trimmed =
        cell.trim_matches(|c: char| matches!(c, ' ' | '\u{A0}' | '\u{FEFF}' | '\u{200B}'));
    parse::strip_formula_guard(trimmed)
}

impl<'a> Row<'a> {
    pub fn new(plan: &'a Plan, record: &'a csv::StringRecord, line: u64) -> Self {
        Row { plan, record, line }
    }

    /// Returns true when every cell is empty.
    pub fn is_blank(&self) -> bool {
        self.record
            .iter()
            .all(|cell| parse::trim_cell(cell).is_empty())
    }

    /// Returns the cleaned, non-empty text of `field`'s column.
    pub fn text(&self, field: Field) -> Option<&'a str> {
        let index = self.plan.column(field)?;
        let cell = clean_text(self.record.get(index)?);
        (!cell.is_empty()).then_some(cell)
    }

    /// Returns the header of `field`'s column, for error reports.
    pub fn header(&self, field: Field) -> &'a str {
        self.plan
            .column(field)
            .map_or(field.as_str(), |index| self.plan.headers[index].as_str())
    }

    /// Parses `field`'s column as a date in the column's order.
    pub fn date(&self, field: Field) -> Option<Result<i64, String>> {
        let text = self.text(field)?;
        let index = self.plan.column(field)?;
        let order = match self.plan.dates[index] {
            Some(DateDecision::Order(order)) => order,
            _ => DateOrder::Ymd,
        };
        Some(parse::parse_date(text, order, self.plan.zone))
    }

    /// Parses `field`'s column as money in the column's decimal mark.
    pub fn money(&self, field: Field) -> Option<Result<i64, String>> {
        let text = self.text(field)?;
        let index = self.plan.column(field)?;
        let mark = self.plan.money[index].map_or(parse::DecimalMark::Point, |m| m.decimal_mark);
        parse::parse_money(text, mark).transpose()
    }

    /// Returns the non-empty custom cells as (name, value) pairs.
    pub fn custom(&self) -> impl Iterator<Item = (&'a str, &'a str)> + '_ {
        self.plan.custom.iter().filter_map(|(index, name)| {
            let cell = clean_text(self.record.get(*index)?);
            (!cell.is_empty()).then_some((name.as_str(), cell))
        })
    }

    /// Returns the custom cells as a JSON object, or `None` when all are empty.
    pub fn custom_json(&self) -> Option<String> {
        self.custom_json_with(None)
    }

    /// Works like [`Row::custom_json`] with one more entry, which wins over
    /// a custom cell of the same name. The object is written directly, with
    /// its keys sorted as `serde_json::Map` sorts them, because building a
    /// map per row cost more than the rest of the row's parsing.
    pub fn custom_json_with(&self, extra: Option<(&str, &'a str)>) -> Option<String> {
        let mut entries: Vec<(&str, &str)> = self.custom().collect();
        entries.extend(extra);
        if entries.is_empty() {
            return None;
        }
        // A stable sort keeps equal names in order, so the last one wins.
        entries.sort_by(|a, b| a.0.cmp(b.0));
        let mut json = Vec::with_capacity(64);
        json.push(b'{');
        for (i, (name, value)) in entries.iter().enumerate() {
            if entries.get(i + 1).is_some_and(|next| next.0 == *name) {
                continue;
            }
            if json.len() > 1 {
                json.push(b',');
            }
            // Serialising a string into a Vec<u8> only fails on I/O errors, which a Vec never raises.
            let _ = serde_json::to_writer(&mut json, name);
            json.push(b':');
            let _ = serde_json::to_writer(&mut json, value);
        }
        json.push(b'}');
        String::from_utf8(json).ok()
    }
}

/// Per-import values shared by the row writers.
pub(crate) struct Context<'a> {
    pub request: &'a ImportRequest,
    pub import_id: i64,
    pub now: i64,
    pub currency: String,
}

impl<'a> Context<'a> {
    pub fn new(
        conn: &Connection,
        request: &'a ImportRequest,
        _plan: &Plan,
        import_id: i64,
        now: i64,
    ) -> Result<Self> {
        conn.set_prepared_statement_cache_capacity(64);
        Ok(Context {
            request,
            import_id,
            now,
            currency: settings::load(conn)?.currency,
        })
    }
}
