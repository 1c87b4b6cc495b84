//! The KPI table as CSV: one row for the whole range and one per channel,
//! with money in major units and ratios in percent; and writing exports.

use std::path::{Path, PathBuf};

use super::facts::NO_CHANNEL;
use super::report::{KpiFigures, KpiReport, PeriodDates};
use crate::error::{Error, Result};

const HEADER: [&str; 20] = [
    "channel",
    "from",
    "to",
    "leads",
    "visitors",
    "conversion_rate_percent",
    "cost",
    "cost_per_lead",
    "avg_fit",
    "icp_share_percent",
    "mqls",
    "sqls",
    "mql_to_sql_percent",
    "customers",
    "median_days_to_customer",
    "mean_days_to_customer",
    "excluded_durations",
    "revenue",
    "roi_percent",
    "lead_to_customer_percent",
];

/// Returns the KPI table of `report` as CSV text with CRLF line ends. An
/// undefined value is an empty cell. The first data row is the total, named
/// `all_label` (for example "All channels" in the user's language).
pub fn table_csv(report: &KpiReport, all_label: &str) -> String {
    let mut lines = vec![HEADER.join(",")];
    let rows = std::iter::once((all_label, &report.totals)).chain(
        report
            .by_channel
            .iter()
            .map(|row| (row.channel.as_str(), &row.figures)),
    );
    for (name, figures) in rows {
        let mut cells = vec![
            text_cell(name),
            report.range.from.clone(),
            report.range.to.clone(),
        ];
        cells.extend(figure_cells(figures));
        lines.push(cells.join(","));
    }
    let mut csv = lines.join("\r\n");
    csv.push_str("\r\n");
    csv
}

/// Suggests a file name for an export of `what` over `range`, such as
/// `leadbench-funnel-2024-10-01-2024-12-31.svg`, in the user's documents
/// folder when there is one.
pub fn suggested_path(what: &str, range: &PeriodDates, extension: &str) -> PathBuf {
    let name = format!("leadbench-{what}-{}-{}.{extension}", range.from, range.to);
    match dirs::document_dir() {
        Some(folder) => folder.join(name),
        None => PathBuf::from(name),
    }
}

/// Writes an export to `path`, replacing the file if it exists.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    tracing::info!(bytes = bytes.len(), "dashboard export written");
    Ok(())
}

fn figure_cells(figures: &KpiFigures) -> Vec<String> {
    let number = |value: Option<f64>| value.map(|v| v.to_string()).unwrap_or_default();
    let count = |value: u32| value.to_string();
    let money = |cents: Option<f64>| number(cents.map(|c| c.round() / 100.0));
    vec![
        count(figures.leads),
        figures.visitors.map(|v| v.to_string()).unwrap_or_default(),
        number(figures.conversion_rate),
        money(figures.cost_cents.map(|c| c as f64)),
        money(figures.cost_per_lead_cents),
        number(figures.avg_fit),
        number(figures.icp_share),
        count(figures.mqls),
        count(figures.sqls),
        number(figures.mql_to_sql_ratio),
        count(figures.customers),
        number(figures.median_days_to_customer),
        number(figures.mean_days_to_customer),
        count(figures.excluded_durations),
        money(Some(figures.revenue_cents as f64)),
        number(figures.roi),
        number(figures.lead_to_customer_rate),
    ]
}

/// Quotes a text cell, and puts `'` before a leading `=`, `+`, `-`, `@`,
/// tab or carriage return, so a spreadsheet does not run it as a formula.
fn text_cell(text: &str) -> String {
    let text = if text == NO_CHANNEL { "" } else { text };
    let guarded = match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    };
    format!("\"{}\"", guarded.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cell_gets_quote_prefix() {
        assert_eq!(text_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(text_cell("Paid search"), "\"Paid search\"");
        assert_eq!(text_cell(NO_CHANNEL), "\"\"");
    }

    #[test]
    fn header_matches_cells() {
        let cells = figure_cells(&KpiFigures::default());
        assert_eq!(cells.len() + 3, HEADER.len());
    }
}
