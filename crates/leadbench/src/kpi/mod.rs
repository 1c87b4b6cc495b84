//! The KPI dashboard: the six lead-generation KPIs over a date range in the
//! user's time zone, with the previous period, trend lines, splits by
//! channel and campaign, and the charts.
//!
//! - [`range`]: date ranges, presets and trend buckets, DST-correct.
//! - [`facts`]: the per-lead facts read from SQLite in a few scans.
//! - [`metrics`]: the KPI formulas. An undefined ratio is `None` with a reason.
//! - [`series`]: tallies per period, channel and campaign, the funnel, histograms.
//! - [`report`]: the request and result types the app and the CLI use.
//! - [`cards`]: the six KPI cards with change and trend.
//! - [`export`]: the KPI table as CSV.
//! - [`drill`]: the leads behind a card, a funnel step or a channel.
//! - [`cache`]: [`Dashboard`], which keeps the facts between requests.
//! - [`charts`]: the dashboard charts as SVG or PNG.
//! - [`cli`]: the `kpi` and `chart` commands.
//!
//! Definitions, as the cards' tooltips state them:
//! - Conversion rate = leads created / visitors x 100, visitors being those
//!   recorded on the campaigns in view, prorated to the period.
//! - Cost per lead = spend in the period / leads created in the period.
//! - Lead quality = average fit score of the period's new leads, and the
//!   share with fit at or above the ICP threshold.
//! - MQL-to-SQL ratio = of the leads that first reached MQL in the period,
//!   the share that reached SQL by now. A lead that skipped MQL counts as
//!   MQL at the moment it reached a later step, and Customer counts as
//!   having reached SQL.
//! - Time to conversion = median and mean days from creation to Customer for
//!   leads that became Customer in the period. Negative durations are left
//!   out and counted.
//! - ROI = (revenue of deals won in the period - spend) / spend x 100.

pub mod cache;
pub mod cards;
pub mod charts;
pub mod cli;
pub mod drill;
pub mod export;
pub mod facts;
pub mod metrics;
pub mod range;
pub mod report;
pub mod series;

use chrono_tz::Tz;
use rusqlite::Connection;

use crate::error::Result;
pub use cache::Dashboard;
pub use cards::{KpiCard, KpiId, KpiUnit};
pub use facts::{Facts, FitScores, StoredFitScores};
pub use metrics::{NaReason, NotAvailable};
pub use range::{BucketSize, RangeRequest};
pub use report::{KpiFigures, KpiFilters, KpiReport, KpiRequest};

/// Computes the dashboard for `request` from the database, as of now. The
/// app should keep a [`Dashboard`] instead, which skips reading the facts
/// again while the data has not changed.
pub fn dashboard(conn: &Connection, request: &KpiRequest) -> Result<KpiReport> {
    dashboard_at(conn, request, crate::time::now())
}

/// Computes the dashboard as of `now` (UTC Unix seconds), so presets such as
/// "this month" are reproducible in tests.
pub fn dashboard_at(conn: &Connection, request: &KpiRequest, now: i64) -> Result<KpiReport> {
    let settings = crate::settings::load(conn)?;
    let zone = time_zone(request.time_zone.as_deref(), settings.time_zone.as_deref())?;
    let facts = Facts::load(conn, &StoredFitScores)?;
    report::build(&facts, request, zone, &settings.currency, now)
}

/// Picks the time zone: the requested one, else the settings' one, else the
/// operating system's, else UTC. Only a requested zone that is not a valid
/// IANA name is an error.
pub fn time_zone(requested: Option<&str>, from_settings: Option<&str>) -> Result<Tz> {
    if let Some(name) = requested {
        return range::parse_zone(name);
    }
    if let Some(zone) = from_settings.and_then(|name| name.parse::<Tz>().ok()) {
        return Ok(zone);
    }
    let system = iana_time_zone::get_timezone().ok();
    Ok(system
        .and_then(|name| name.parse::<Tz>().ok())
        .unwrap_or(Tz::UTC))
}
