//! Keeps the facts between dashboard requests, so a filter or range change
//! only recomputes the KPIs and charts, and the facts are read again only
//! after the data has changed.

use rusqlite::Connection;

use super::charts::sheet::{SheetFormat, SheetRequest};
use super::charts::{self, ChartFormat, ChartImage, ChartRequest};
use super::drill::LeadDrill;
use super::facts::{Facts, FitScores};
use super::report::{self, KpiReport, KpiRequest};
use crate::error::Result;

/// Seconds for which [`Dashboard::report`] hands out its last report again
/// for the same request on unchanged data. The app requests the report and
/// then for each of the six charts of the same request in quick succession.
const REPORT_REUSE_SECONDS: i64 = 30;

/// The dashboard of one connection, with the facts of its last request.
pub struct Dashboard {
    fit: Box<dyn FitScores + Send + Sync>,
    facts: Option<(DataVersion, Facts)>,
    last_report: Option<LastReport>,
}

/// The last report built, with what it was built from.
struct LastReport {
    version: DataVersion,
    request: KpiRequest,
    built_at: i64,
    report: KpiReport,
}

/// State of the database as seen from one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DataVersion {
    /// Changes when another connection commits (`PRAGMA data_version`).
    others: i64,
    /// Rows changed by this connection so far (`sqlite3_total_changes`).
    own: u64,
}

impl DataVersion {
    fn of(conn: &Connection) -> Result<DataVersion> {
        Ok(DataVersion {
            others: conn.query_row("PRAGMA data_version", [], |row| row.get(0))?,
            own: conn.total_changes(),
        })
    }
}

impl Dashboard {
    /// Creates a dashboard that reads fit scores from `fit`.
    pub fn new(fit: Box<dyn FitScores + Send + Sync>) -> Dashboard {
        Dashboard {
            fit,
            facts: None,
            last_report: None,
        }
    }

    /// Computes the report for `request` as of `now` (UTC seconds), reading
    /// the facts again only when the database changed since the last call.
    /// Always pass the same connection: the change check is per connection.
    pub fn report_at(
        &mut self,
        conn: &Connection,
        request: &KpiRequest,
        now: i64,
    ) -> Result<KpiReport> {
        let settings = crate::settings::load(conn)?;
        let zone = super::time_zone(request.time_zone.as_deref(), settings.time_zone.as_deref())?;
        let facts = self.fresh_facts(conn)?;
        report::build(facts, request, zone, &settings.currency, now)
    }

    /// Returns the ids of the leads behind `drill` as of now.
    pub fn lead_ids(&mut self, conn: &Connection, drill: &LeadDrill) -> Result<Vec<i64>> {
        let settings = crate::settings::load(conn)?;
        let zone = super::time_zone(
            drill.kpi.time_zone.as_deref(),
            settings.time_zone.as_deref(),
        )?;
        let facts = self.fresh_facts(conn)?;
        super::drill::lead_ids(facts, drill, zone, crate::time::now())
    }

    /// Returns the facts, read again only when the database changed since
    /// the last call.
    fn fresh_facts(&mut self, conn: &Connection) -> Result<&Facts> {
        let version = DataVersion::of(conn)?;
        let facts = match self.facts.take() {
            Some((seen, facts)) if seen == version => facts,
            _ => Facts::load(conn, self.fit.as_ref())?,
        };
        Ok(&self.facts.insert((version, facts)).1)
    }

    /// Draws the chart of `request` as SVG with its hover regions.
    pub fn chart_image(&mut self, conn: &Connection, request: &ChartRequest) -> Result<ChartImage> {
        let report = self.report(conn, &request.kpi)?;
        let size = (request.width, request.height);
        charts::svg_with_hits(&report, request.chart, size, request.theme, &request.labels)
    }

    /// Computes the report for `request` as of now. The same request on
    /// unchanged data within a few seconds gets the last report again, so
    /// the six charts drawn after the cards do not each rebuild it.
    // NOTE: a reused report keeps its "now" for up to REPORT_REUSE_SECONDS,
    // so a preset such as "this month" can lag a day change by that long.
    pub fn report(&mut self, conn: &Connection, request: &KpiRequest) -> Result<KpiReport> {
        let now = crate::time::now();
        let version = DataVersion::of(conn)?;
        if let Some(last) = &self.last_report {
            let fresh = (0..REPORT_REUSE_SECONDS).contains(&(now - last.built_at));
            if fresh && last.version == version && last.request == *request {
                return Ok(last.report.clone());
            }
        }
        let report = self.report_at(conn, request, now)?;
        self.last_report = Some(LastReport {
            version,
            request: request.clone(),
            built_at: now,
            report: report.clone(),
        });
        Ok(report)
    }

    /// Draws the chart of `request` in `format`, reusing the facts as
    /// [`Dashboard::report`] does. SVG comes back as UTF-8 bytes.
    pub fn chart(
        &mut self,
        conn: &Connection,
        request: &ChartRequest,
        format: ChartFormat,
    ) -> Result<Vec<u8>> {
        let report = self.report(conn, &request.kpi)?;
        let size = (request.width, request.height);
        charts::render(
            &report,
            request.chart,
            format,
            size,
            request.theme,
            &request.labels,
        )
    }

    /// Draws the whole dashboard of `request` on one sheet in `format`.
    pub fn sheet(
        &mut self,
        conn: &Connection,
        request: &SheetRequest,
        format: SheetFormat,
    ) -> Result<Vec<u8>> {
        let report = self.report(conn, &request.kpi)?;
        charts::sheet::render(&report, request, format)
    }
}

impl Default for Dashboard {
    fn default() -> Self {
        Dashboard::new(Box::new(super::facts::StoredFitScores))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kpi::range::RangeRequest;

    #[test]
    fn new_lead_is_seen_after_write() {
        let db = crate::Database::open_in_memory().unwrap();
        let request = KpiRequest {
            range: RangeRequest::AllTime,
            time_zone: Some("UTC".into()),
            ..KpiRequest::default()
        };
        let now = 1_733_011_200;
        let mut dashboard = Dashboard::default();
        assert_eq!(
            dashboard
                .report_at(db.conn(), &request, now)
                .unwrap()
                .totals
                .leads,
            0
        );

        db.conn()
            .execute(
                "INSERT INTO leads (stage, stage_changed_at, created_at, updated_at)
                 VALUES ('new', ?1, ?1, ?1)",
                [now - 60],
            )
            .unwrap();
        assert_eq!(
            dashboard
                .report_at(db.conn(), &request, now)
                .unwrap()
                .totals
                .leads,
            1
        );
    }

    #[test]
    fn report_rebuilt_after_write() {
        let db = crate::Database::open_in_memory().unwrap();
        let request = KpiRequest {
            range: RangeRequest::AllTime,
            time_zone: Some("UTC".into()),
            ..KpiRequest::default()
        };
        let mut dashboard = Dashboard::default();
        let first = dashboard.report(db.conn(), &request).unwrap();
        assert_eq!(dashboard.report(db.conn(), &request).unwrap(), first);

        db.conn()
            .execute(
                "INSERT INTO leads (stage, stage_changed_at, created_at, updated_at)
                 VALUES ('new', 0, 0, 0)",
                [],
            )
            .unwrap();
        let after = dashboard.report(db.conn(), &request).unwrap();
        assert_eq!(after.totals.leads, first.totals.leads + 1);
    }
}
