//! Importing campaign spend from a CSV file: one row per campaign (or per
//! channel and month), matched to existing campaigns by name, all in one
//! transaction.
//!
//! The file's encoding, delimiter and header come from the lead importer's
//! detection. One decimal mark applies to the whole cost column: the one
//! its values require, else the caller's fallback, so "1.000" is never one
//! euro in one row and a thousand in the next.

use std::path::Path;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{CampaignInput, Direction};
use crate::error::{Error, Result};
use crate::import::detect::{self, FileFormat, FormatOverrides};
use crate::import::parse::{trim_cell, DecimalMark, MoneyColumn, MoneyDecision};

/// Most rows one spend file may hold.
pub const MAX_ROWS: usize = 10_000;

/// Result of a spend import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SpendImport {
    pub format: FileFormat,
    pub decimal_mark: MoneyDecision,
    pub created: u32,
    pub updated: u32,
    /// Sum of the imported costs.
    #[ts(type = "number")]
    pub cost_cents: i64,
}

/// Columns a spend file can have, found by their header.
#[derive(Debug, Default)]
struct Columns {
    name: Option<usize>,
    channel: Option<usize>,
    month: Option<usize>,
    starts: Option<usize>,
    ends: Option<usize>,
    cost: Option<usize>,
    visitors: Option<usize>,
    direction: Option<usize>,
}

impl Columns {
    fn find(header: &csv::StringRecord) -> Result<Columns> {
        let mut columns = Columns::default();
        for (index, cell) in header.iter().enumerate() {
            let name = trim_cell(cell).to_lowercase().replace(['_', '-'], " ");
            let slot = match name.as_str() {
                "campaign" | "campaign name" | "name" | "campagne" | "naam" => &mut columns.name,
                "channel" | "kanaal" | "source" | "bron" => &mut columns.channel,
                "month" | "maand" => &mut columns.month,
                "start" | "starts on" | "start date" | "from" | "begin" | "startdatum" => {
                    &mut columns.starts
                }
                "end" | "ends on" | "end date" | "to" | "eind" | "einddatum" => &mut columns.ends,
                "visitors" | "bezoekers" | "sessions" => &mut columns.visitors,
                "direction" | "richting" => &mut columns.direction,
                other
                    if ["cost", "spend", "kosten", "budget"]
                        .iter()
                        .any(|word| other.starts_with(word)) =>
                {
                    &mut columns.cost
                }
                _ => continue,
            };
            slot.get_or_insert(index);
        }
        if columns.cost.is_none() || (columns.channel.is_none() && columns.name.is_none()) {
            let found: Vec<&str> = header.iter().collect();
            return Err(Error::invalid(
                "spend file header",
                found.join(", "),
                "the first row needs a cost column and a campaign or channel column \
                 (for example: campaign, channel, start, end, cost, visitors)",
            ));
        }
        Ok(columns)
    }
}

/// Reads the spend file at `path` and stores its rows as campaigns in one
/// transaction: a row whose campaign name exists updates that campaign,
/// others add one. `fallback` is the decimal mark used when the cost column
/// does not settle it (for example only "250" and "1.000").
pub fn import(db: &mut crate::Database, path: &Path, fallback: DecimalMark) -> Result<SpendImport> {
    let detection = detect::detect(path, &FormatOverrides::default())?;
    let mut reader = detect::open_csv(path, &detection.format)?;
    let mut records = reader.records();
    let header = match records.next() {
        Some(record) => record.map_err(|e| csv_error(path, &e))?,
        None => {
            return Err(Error::invalid(
                "spend file",
                path.display().to_string(),
                "the file is empty",
            ))
        }
    };
    let columns = Columns::find(&header)?;
    let rows: Vec<csv::StringRecord> = records
        .take(MAX_ROWS + 1)
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| csv_error(path, &e))?;
    if rows.len() > MAX_ROWS {
        return Err(Error::invalid(
            "spend file",
            path.display().to_string(),
            format!("split it into files of at most {MAX_ROWS} rows"),
        ));
    }

    let cost_column = columns.cost.unwrap_or_default();
    let mut money = MoneyColumn::default();
    for row in &rows {
        money.add(row.get(cost_column).unwrap_or_default());
    }
    let decision = money.decide(None, fallback);

    let inputs = rows
        .iter()
        .enumerate()
        .map(|(index, row)| row_input(row, &columns, decision.decimal_mark, index + 2))
        .collect::<Result<Vec<_>>>()?;
    let (created, updated, cost_cents) = store(db, &inputs)?;
    tracing::info!(created, updated, "campaign spend imported");
    Ok(SpendImport {
        format: detection.format,
        decimal_mark: decision,
        created,
        updated,
        cost_cents,
    })
}

fn store(db: &mut crate::Database, inputs: &[(usize, CampaignInput)]) -> Result<(u32, u32, i64)> {
    let tx = db.write()?;
    let (mut created, mut updated, mut total) = (0u32, 0u32, 0i64);
    for (line, input) in inputs {
        let existing: Option<i64> = rusqlite::OptionalExtension::optional(tx.query_row(
            "SELECT id FROM campaigns WHERE name = ?1 COLLATE NOCASE",
            [input.name.trim()],
            |row| row.get(0),
        ))?;
        let saved = super::save(&tx, existing, input).map_err(|error| at_line(*line, error))?;
        match existing {
            Some(_) => updated += 1,
            None => created += 1,
        }
        total = total.saturating_add(saved.cost_cents);
    }
    tx.commit()?;
    Ok((created, updated, total))
}

/// Builds the campaign of one row; `line` is its line in the file.
fn row_input(
    row: &csv::StringRecord,
    columns: &Columns,
    mark: DecimalMark,
    line: usize,
) -> Result<(usize, CampaignInput)> {
    let cell = |column: Option<usize>| {
        column
            .and_then(|index| row.get(index))
            .map(trim_cell)
            .filter(|text| !text.is_empty())
            .map(str::to_owned)
    };
    let channel = cell(columns.channel);
    let month = cell(columns.month);
    let (starts_on, ends_on) = match &month {
        Some(text) => month_days(text).map_err(|error| at_line(line, error))?,
        None => (cell(columns.starts), cell(columns.ends)),
    };
    let name = cell(columns.name).or_else(|| {
        let when = month.clone().or_else(|| starts_on.clone());
        channel
            .as_ref()
            .map(|c| when.map_or_else(|| c.clone(), |w| format!("{c} {w}")))
    });
    let visitors = match cell(columns.visitors) {
        None => None,
        Some(text) => Some(
            text.replace(['.', ',', ' '], "")
                .parse::<i64>()
                .map_err(|_| {
                    at_line(
                        line,
                        Error::invalid("visitors", &text, "use a whole number such as 1200"),
                    )
                })?,
        ),
    };
    let direction = match cell(columns.direction).as_deref().map(str::to_lowercase) {
        Some(text) if text == "outbound" || text == "uitgaand" => Direction::Outbound,
        _ => Direction::Inbound,
    };
    let input = CampaignInput {
        name: name.clone().unwrap_or_default(),
        channel: channel.or(name).unwrap_or_default(),
        direction,
        starts_on,
        ends_on,
        cost: cell(columns.cost).unwrap_or_default(),
        decimal_mark: mark,
        visitors,
    };
    super::validate(&input, 0).map_err(|error| at_line(line, error))?;
    Ok((line, input))
}

/// Returns the first and last day of a month written `2024-03`.
fn month_days(text: &str) -> Result<(Option<String>, Option<String>)> {
    let first =
        NaiveDate::parse_from_str(&format!("{}-01", text.trim()), "%Y-%m-%d").map_err(|_| {
            Error::invalid(
                "month",
                text,
                "write a month as year-month, such as 2024-03",
            )
        })?;
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .filter(|last| last.month() == first.month())
        .ok_or_else(|| Error::invalid("month", text, "choose a month before the year 100000"))?;
    Ok((Some(first.to_string()), Some(next.to_string())))
}

fn at_line(line: usize, error: Error) -> Error {
    match error {
        Error::InvalidInput { field, value, hint } => Error::InvalidInput {
            field: format!("{field} on line {line}"),
            value,
            hint,
        },
        other => other,
    }
}

fn csv_error(path: &Path, error: &csv::Error) -> Error {
    Error::invalid(
        "spend file",
        path.display().to_string(),
        format!("the file is not readable as CSV: {error}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const CASES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/cases");

    #[test]
    fn decimal_comma_case_imports_exact_cents() {
        let mut db = crate::Database::open_in_memory().unwrap();
        let path = Path::new(CASES).join("08-decimal-comma-cost.csv");
        let report = import(&mut db, &path, DecimalMark::Point).unwrap();
        assert_eq!(report.decimal_mark.decimal_mark, DecimalMark::Comma);
        assert_eq!((report.created, report.updated), (5, 0));
        assert_eq!(report.cost_cents, 457_446);

        let list = super::super::list(db.conn()).unwrap();
        let google = list
            .rows
            .iter()
            .find(|row| row.campaign.name == "Google Ads 2024-03")
            .unwrap();
        assert_eq!(google.campaign.cost_cents, 100_000);
        assert_eq!(google.campaign.starts_on.as_deref(), Some("2024-03-01"));
        assert_eq!(google.campaign.ends_on.as_deref(), Some("2024-03-31"));

        // A second import updates the same campaigns instead of adding them.
        let again = import(&mut db, &path, DecimalMark::Point).unwrap();
        assert_eq!((again.created, again.updated), (0, 5));
    }

    #[test]
    fn bad_row_rolls_back_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spend.csv");
        std::fs::write(
            &path,
            "campaign,channel,start,end,cost\nSpring,Ads,2024-03-01,2024-03-31,100\nAutumn,Ads,2024-10-01,2024-09-01,50\n",
        )
        .unwrap();
        let mut db = crate::Database::open_in_memory().unwrap();
        let error = import(&mut db, &path, DecimalMark::Point).unwrap_err();
        assert!(error.to_string().contains("line 3"), "{error}");
        assert!(super::super::list(db.conn()).unwrap().rows.is_empty());
    }
}
