//! The `kpi` and `chart` commands of the `leadbench` tool.

use std::path::PathBuf;

use clap::Args;
use serde_json::{json, Map, Value};

use super::charts::sheet::SheetFormat;
use super::charts::{self, ChartFormat, ChartKind, ChartLabels};
use super::facts::NO_CHANNEL;
use super::report::{KpiFigures, KpiFilters, KpiReport, KpiRequest};
use super::{NotAvailable, RangeRequest};
use crate::charts::Theme;
use crate::error::{Error, Result};
use crate::Database;

/// Range and filter options shared by `kpi` and `chart`.
#[derive(Debug, Clone, Args)]
pub struct FilterArgs {
    /// First day of the range, YYYY-MM-DD in the time zone (default: the day of the earliest data). Without --from and --to the range covers all data.
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Last day of the range, inclusive, YYYY-MM-DD (default: today).
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// Only leads, spend and deals of this channel.
    #[arg(long, value_name = "C")]
    pub channel: Option<String>,
    /// Only leads, spend and deals of the campaign with this id.
    #[arg(long, value_name = "ID")]
    pub campaign: Option<i64>,
    /// Only leads of this owner (spend cannot be split by owner).
    #[arg(long, value_name = "NAME")]
    pub owner: Option<String>,
    /// IANA time zone of the dates (default: the settings' time zone, else the system's).
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// Fit score at or above which a lead meets the ideal customer profile.
    #[arg(long, value_name = "SCORE", default_value_t = super::report::DEFAULT_ICP_THRESHOLD)]
    pub icp: f64,
}

impl FilterArgs {
    fn request(&self) -> KpiRequest {
        let range = if self.from.is_none() && self.to.is_none() {
            RangeRequest::AllTime
        } else {
            RangeRequest::Custom {
                from: self.from.clone(),
                to: self.to.clone(),
            }
        };
        KpiRequest {
            range,
            time_zone: self.tz.clone(),
            filters: KpiFilters {
                channel: self.channel.clone(),
                campaign_id: self.campaign,
                owner: self.owner.clone(),
            },
            icp_threshold: Some(self.icp),
        }
    }
}

/// Options of `leadbench kpi`.
#[derive(Debug, Clone, Args)]
pub struct KpiArgs {
    #[command(flatten)]
    pub filters: FilterArgs,
}

/// Options of `leadbench chart`.
#[derive(Debug, Clone, Args)]
pub struct ChartArgs {
    /// Chart to draw: funnel, leads, ratios, channels, time-to-conversion or
    /// scores; or dashboard for all six with the KPI values on one sheet.
    pub name: String,
    /// File to write. The extension .svg or .png picks the format; the
    /// dashboard sheet can also be written as .pdf.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Colour theme: light or dark.
    #[arg(long, default_value = "light")]
    pub theme: String,
    /// Width in pixels.
    #[arg(long, default_value_t = 900)]
    pub width: u32,
    /// Height in pixels.
    #[arg(long, default_value_t = 500)]
    pub height: u32,
    #[command(flatten)]
    pub filters: FilterArgs,
}

/// Runs `leadbench kpi` and returns what it prints.
pub fn run_kpi(db: &Database, args: &KpiArgs, as_json: bool) -> Result<String> {
    let report = super::dashboard(db.conn(), &args.filters.request())?;
    if as_json {
        return Ok(summary_json(&report).to_string());
    }
    Ok(summary_text(&report))
}

/// Runs `leadbench chart` and returns what it prints.
pub fn run_chart(db: &Database, args: &ChartArgs, as_json: bool) -> Result<String> {
    // The sheet has a fixed size, so --width and --height do not apply.
    let kind = match args.name.trim() {
        "dashboard" => None,
        name => Some(ChartKind::parse(name)?),
    };
    let name = kind.map_or("dashboard", ChartKind::name);
    let format = format_of(&args.out)?;
    let theme = match args.theme.trim().to_ascii_lowercase().as_str() {
        "light" => Theme::Light,
        "dark" => Theme::Dark,
        _ => return Err(Error::invalid("--theme", &args.theme, "use light or dark")),
    };

    let request = args.filters.request();
    let report = super::dashboard(db.conn(), &request)?;
    let labels = ChartLabels {
        currency_symbol: charts::currency_symbol(&report.currency),
        ..ChartLabels::english()
    };
    let bytes = match kind {
        Some(kind) => charts::render(
            &report,
            kind,
            chart_format(format, &args.out)?,
            (args.width, args.height),
            theme,
            &labels,
        )?,
        None => {
            let mut sheet = charts::sheet::english_request(request, &report);
            sheet.theme = theme;
            sheet.labels = labels;
            charts::sheet::render(&report, &sheet, format)?
        }
    };
    std::fs::write(&args.out, &bytes).map_err(|source| Error::Io {
        path: args.out.clone(),
        source,
    })?;

    if as_json {
        return Ok(json!({
            "chart": name,
            "out": args.out.display().to_string(),
            "bytes": bytes.len(),
            "from": report.range.from,
            "to": report.range.to,
        })
        .to_string());
    }
    Ok(format!(
        "Wrote the {} chart for {} to {} to {}",
        name,
        report.range.from,
        report.range.to,
        args.out.display()
    ))
}

fn format_of(path: &std::path::Path) -> Result<SheetFormat> {
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match extension.as_deref() {
        Some("svg") => Ok(SheetFormat::Svg),
        Some("png") => Ok(SheetFormat::Png),
        Some("pdf") => Ok(SheetFormat::Pdf),
        _ => Err(Error::invalid(
            "--out",
            path.display().to_string(),
            "name a file ending in .svg, .png or (for the dashboard) .pdf",
        )),
    }
}

/// Returns the format of a single chart; only the whole sheet has a PDF.
fn chart_format(format: SheetFormat, path: &std::path::Path) -> Result<ChartFormat> {
    match format {
        SheetFormat::Svg => Ok(ChartFormat::Svg),
        SheetFormat::Png => Ok(ChartFormat::Png),
        SheetFormat::Pdf => Err(Error::invalid(
            "--out",
            path.display().to_string(),
            "write one chart as .svg or .png, or use the name dashboard for a PDF",
        )),
    }
}

/// Converts cents to major units, exact to the cent.
fn major(cents: i64) -> f64 {
    cents as f64 / 100.0
}

/// Converts a fractional amount of cents to major units, rounded half away
/// from zero to whole cents.
fn major_rounded(cents: f64) -> f64 {
    cents.round() / 100.0
}

/// Returns the figures in the command's JSON shape: money in major units,
/// ratios in percent, null where undefined.
pub fn figures_json(figures: &KpiFigures) -> Map<String, Value> {
    let value = json!({
        "leads": figures.leads,
        "visitors": figures.visitors,
        "conversion_rate": figures.conversion_rate,
        "cost": figures.cost_cents.map(major),
        "cost_per_lead": figures.cost_per_lead_cents.map(major_rounded),
        "lead_quality": {"avg_fit": figures.avg_fit, "icp_share": figures.icp_share},
        "mqls": figures.mqls,
        "sqls": figures.sqls,
        "mql_to_sql_ratio": figures.mql_to_sql_ratio,
        "customers": figures.customers,
        "time_to_conversion_days": {
            "median": figures.median_days_to_customer,
            "mean": figures.mean_days_to_customer,
            "excluded": figures.excluded_durations,
        },
        "revenue": major(figures.revenue_cents),
        "roi": figures.roi,
    });
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Returns the whole `kpi --json` object.
pub fn summary_json(report: &KpiReport) -> Value {
    let mut object = figures_json(&report.totals);
    let by_channel: Map<String, Value> = report
        .by_channel
        .iter()
        .map(|row| {
            (
                row.channel.clone(),
                Value::Object(figures_json(&row.figures)),
            )
        })
        .collect();
    object.insert("by_channel".into(), Value::Object(by_channel));
    Value::Object(object)
}

fn summary_text(report: &KpiReport) -> String {
    let labels = ChartLabels {
        currency_symbol: charts::currency_symbol(&report.currency),
        ..ChartLabels::english()
    };
    let totals = &report.totals;
    let or_na = |value: Option<f64>, format: &dyn Fn(f64) -> String| match value {
        Some(value) => format(value),
        None => "n/a".to_owned(),
    };
    let reason = |kpi: super::KpiId| -> String {
        let card = report.cards.iter().find(|card| card.kpi == kpi);
        match card.and_then(|c| c.not_available.as_ref()) {
            Some(NotAvailable { message, .. }) => format!("  ({message})"),
            None => String::new(),
        }
    };
    let percent = |v: f64| labels.percent(v);
    let money = |v: f64| labels.money(v);
    let days = |v: f64| format!("{} days", labels.number(v, 1));
    let score = |v: f64| labels.number(v, 1);

    let mut lines = vec![format!(
        "KPIs from {} to {} ({}), {} leads",
        report.range.from, report.range.to, report.time_zone, totals.leads
    )];
    use super::KpiId::*;
    lines.push(format!(
        "Conversion rate     {}{}",
        or_na(totals.conversion_rate, &percent),
        reason(ConversionRate)
    ));
    lines.push(format!(
        "Cost per lead       {}{}",
        or_na(totals.cost_per_lead_cents.map(|c| c / 100.0), &money),
        reason(CostPerLead)
    ));
    lines.push(format!(
        "Lead quality        average fit {}, ICP share {}{}",
        or_na(totals.avg_fit, &score),
        or_na(totals.icp_share, &percent),
        reason(LeadQuality)
    ));
    lines.push(format!(
        "MQL-to-SQL ratio    {} ({} of {} MQLs){}",
        or_na(totals.mql_to_sql_ratio, &percent),
        totals.sqls,
        totals.mqls,
        reason(MqlToSql)
    ));
    lines.push(format!(
        "Time to conversion  median {}, mean {} ({} customers, {} left out){}",
        or_na(totals.median_days_to_customer, &days),
        or_na(totals.mean_days_to_customer, &days),
        totals.customers,
        totals.excluded_durations,
        reason(TimeToConversion)
    ));
    lines.push(format!(
        "ROI                 {}{}",
        or_na(totals.roi, &percent),
        reason(Roi)
    ));
    lines.push(String::new());
    lines.push(format!(
        "{:<24} {:>8} {:>8} {:>10} {:>12}",
        "channel", "leads", "MQLs", "customers", "MQL->SQL"
    ));
    for row in &report.by_channel {
        let name = if row.channel == NO_CHANNEL {
            "(no channel)"
        } else {
            &row.channel
        };
        lines.push(format!(
            "{:<24} {:>8} {:>8} {:>10} {:>12}",
            name,
            row.figures.leads,
            row.figures.mqls,
            row.figures.customers,
            or_na(row.figures.mql_to_sql_ratio, &percent)
        ));
    }
    lines.join("\n")
}
