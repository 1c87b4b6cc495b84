//! Exporting leads to CSV files that spreadsheets open safely.
//!
//! Files are UTF-8, optionally with a byte-order mark (Excel needs one to
//! read UTF-8), with a choice of delimiter. A text cell that a spreadsheet
//! would run as a formula (starting with `=`, `+`, `-`, `@`, tab or carriage
//! return) gets a leading `'`; Leadbench's import removes exactly that `'`
//! again, so export then import returns the same values. Headers are the
//! import's field names, so an export maps back without a saved mapping.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::model::Stage;
use crate::time::to_rfc3339;

/// Options of [`export_leads`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ExportOptions {
    /// Only leads in this stage (a pipeline column); all leads when null.
    pub stage: Option<Stage>,
    /// Only leads whose name, e-mail or company contains this text.
    pub search: Option<String>,
    /// `,`, `;`, tab or `|`.
    pub delimiter: char,
    /// Start the file with a UTF-8 byte-order mark, for Excel.
    pub bom: bool,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            stage: None,
            search: None,
            delimiter: ',',
            bom: false,
        }
    }
}

/// Summary of [`export_leads`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ExportSummary {
    #[ts(type = "number")]
    pub rows: u64,
    pub path: String,
}

/// Returns `text` with a leading `'` when a spreadsheet would read it as a
/// formula. A text whose own leading quotes come before such a character
/// gets one more, so importing removes exactly one and the value survives.
/// Plain numbers such as `-12.5` are left alone.
pub fn guard_formula(text: &str) -> Cow<'_, str> {
    let risky = text
        .trim_start_matches('\'')
        .starts_with(crate::import::parse::FORMULA_TRIGGERS);
    if risky && !is_plain_number(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

fn is_plain_number(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let fraction = parts.next();
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

const COLUMNS: [&str; 18] = [
    "external_id",
    "email",
    "first_name",
    "last_name",
    "phone",
    "job_title",
    "company",
    "domain",
    "industry",
    "company_size",
    "country",
    "source",
    "campaign",
    "owner",
    "stage",
    "score",
    "consent",
    "created_at",
];

/// Writes the leads matching `options` to `path`, oldest first, followed
/// by one column per custom field. The file appears complete or not at
/// all: it is written under a temporary name and renamed at the end.
pub fn export_leads(
    conn: &Connection,
    path: &Path,
    options: &ExportOptions,
) -> Result<ExportSummary> {
    if !matches!(options.delimiter, ',' | ';' | '\t' | '|') {
        return Err(Error::invalid(
            "delimiter",
            options.delimiter.to_string(),
            "use , ; | or tab",
        ));
    }
    let (where_clause, args) = filter(options);
    let custom_keys = custom_keys(conn, &where_clause, &args)?;

    let partial = partial_path(path);
    let io_error = |source| Error::Io {
        path: partial.clone(),
        source,
    };
    let mut file = BufWriter::new(File::create(&partial).map_err(io_error)?);
    if options.bom {
        file.write_all(b"\xEF\xBB\xBF").map_err(io_error)?;
    }
    let delimiter = options.delimiter as u8;
    let mut header: Vec<Cow<'_, str>> = COLUMNS.iter().map(|c| Cow::Borrowed(*c)).collect();
    header.extend(custom_keys.iter().map(|k| guard_formula(k)));
    write_record(&mut file, header.iter().map(|h| h.as_ref()), delimiter).map_err(io_error)?;

    let sql = format!(
        "SELECT l.external_id, l.email, l.first_name, l.last_name, l.phone, l.job_title, a.name, a.domain,
                a.industry, a.size_band, a.country, l.source, c.name, l.owner, l.stage, l.score, l.consent,
                l.created_at, l.custom_fields
         FROM leads l
         LEFT JOIN accounts a ON a.id = l.account_id
         LEFT JOIN campaigns c ON c.id = l.campaign_id
         {where_clause}
         ORDER BY l.created_at, l.id"
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(args.iter()))?;
    let mut count = 0u64;
    let mut cells: Vec<String> = Vec::with_capacity(COLUMNS.len() + custom_keys.len());
    while let Some(row) = rows.next()? {
        cells.clear();
        for index in 0..14 {
            let text: Option<String> = row.get(index)?;
            cells.push(guard_formula(text.as_deref().unwrap_or("")).into_owned());
        }
        cells.push(row.get::<_, Stage>(14)?.as_str().to_owned());
        cells.push(format_score(row.get(15)?));
        let consent: Option<bool> = row.get(16)?;
        cells.push(
            consent
                .map_or("", |c| if c { "yes" } else { "no" })
                .to_owned(),
        );
        cells.push(to_rfc3339(row.get(17)?));
        let custom: String = row.get(18)?;
        let custom: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&custom).unwrap_or_default();
        for key in &custom_keys {
            let value = match custom.get(key) {
                Some(serde_json::Value::String(text)) => text.clone(),
                Some(serde_json::Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            cells.push(guard_formula(&value).into_owned());
        }
        write_record(&mut file, cells.iter().map(String::as_str), delimiter).map_err(io_error)?;
        count += 1;
    }

    file.into_inner()
        .map_err(|error| io_error(error.into_error()))?
        .sync_all()
        .map_err(io_error)?;
    std::fs::rename(&partial, path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    Ok(ExportSummary {
        rows: count,
        path: path.display().to_string(),
    })
}

/// Writes one CSV record ending in CRLF. A cell is quoted when it contains
/// the delimiter, a quote, a line break or a tab, or starts or ends with a
/// space, so spreadsheets keep those characters.
fn write_record<'a>(
    out: &mut impl Write,
    cells: impl Iterator<Item = &'a str>,
    delimiter: u8,
) -> std::io::Result<()> {
    for (index, cell) in cells.enumerate() {
        if index > 0 {
            out.write_all(&[delimiter])?;
        }
        let needs_quotes = cell
            .bytes()
            .any(|b| b == delimiter || matches!(b, b'"' | b'\n' | b'\r' | b'\t'))
            || cell.starts_with(' ')
            || cell.ends_with(' ');
        if needs_quotes {
            out.write_all(b"\"")?;
            out.write_all(cell.replace('"', "\"\"").as_bytes())?;
            out.write_all(b"\"")?;
        } else {
            out.write_all(cell.as_bytes())?;
        }
    }
    out.write_all(b"\r\n")
}

fn partial_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".partial");
    path.with_file_name(name)
}

fn format_score(score: f64) -> String {
    if score.fract() == 0.0 {
        format!("{score:.0}")
    } else {
        format!("{score:.1}")
    }
}

fn filter(options: &ExportOptions) -> (String, Vec<String>) {
    let mut conditions = Vec::new();
    let mut args = Vec::new();
    if let Some(stage) = options.stage {
        args.push(stage.as_str().to_owned());
        conditions.push(format!("l.stage = ?{}", args.len()));
    }
    if let Some(search) = options
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let escaped: String = search
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                _ => vec![c],
            })
            .collect();
        args.push(format!("%{escaped}%"));
        let n = args.len();
        conditions.push(format!(
            "(COALESCE(l.first_name, '') || ' ' || COALESCE(l.last_name, '') LIKE ?{n} ESCAPE '\\'
              OR l.email LIKE ?{n} ESCAPE '\\' OR a.name LIKE ?{n} ESCAPE '\\')"
        ));
    }
    if conditions.is_empty() {
        (String::new(), args)
    } else {
        (format!("WHERE {}", conditions.join(" AND ")), args)
    }
}

fn custom_keys(conn: &Connection, where_clause: &str, args: &[String]) -> Result<Vec<String>> {
    let sql = format!(
        "SELECT DISTINCT j.key FROM leads l LEFT JOIN accounts a ON a.id = l.account_id, json_each(l.custom_fields) j
         {where_clause} ORDER BY j.key"
    );
    let mut stmt = conn.prepare(&sql)?;
    let keys = stmt
        .query_map(rusqlite::params_from_iter(args.iter()), |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_guarded() {
        assert_eq!(guard_formula("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(guard_formula("@SUM(1+1)"), "'@SUM(1+1)");
        assert_eq!(guard_formula("+1-2"), "'+1-2");
        assert_eq!(guard_formula("-2+3"), "'-2+3");
        assert_eq!(guard_formula("\t=1+1"), "'\t=1+1");
        assert_eq!(guard_formula("\r=1"), "'\r=1");
        assert_eq!(guard_formula("Smit & Co"), "Smit & Co");
    }

    #[test]
    fn plain_numbers_and_quotes() {
        assert_eq!(guard_formula("-12.5"), "-12.5");
        assert_eq!(guard_formula("+31"), "+31");
        assert_eq!(guard_formula("'=1"), "''=1");
        assert_eq!(guard_formula("'t Hooft"), "'t Hooft");
    }

    #[test]
    fn guard_then_strip_round_trips() {
        for text in ["=1+1", "'=1+1", "''=x", "-2+3", "\t=1", "plain", "'quoted"] {
            let guarded = guard_formula(text);
            assert_eq!(
                crate::import::parse::strip_formula_guard(&guarded),
                text,
                "{text:?}"
            );
        }
    }
}
