//! The Scoring screen's data: the rules with their change log, the
//! thresholds with theirs, and threshold previews with backtests. Scores
//! and outcomes are loaded once and kept until the database changes, so a
//! slider move only counts and draws.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::backtest::{candidate_thresholds, BacktestPoint, Outcomes};
use super::chart::{backtest_svg, histogram_svg};
use super::preview::{ScoreSnapshot, ThresholdPreview};
use super::rules::Rule;
use super::stages::{current_thresholds, threshold_history, ThresholdChange, Thresholds};
use super::store::{rule_history, rules_for_editing, RuleChange};
use crate::charts::Theme;
use crate::error::{Error, Result};
use crate::Database;

/// Number of rule changes the screen lists.
const RULE_HISTORY: u32 = 50;
/// Number of candidate thresholds on the backtest curves.
const BACKTEST_POINTS: usize = 50;
/// Largest chart the screen may ask for, in pixels per side.
const MAX_CHART_SIDE: u32 = 4_000;

/// Everything the Scoring screen shows apart from the preview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ScoringOverview {
    /// Rules in scoring order, each with its id.
    pub rules: Vec<Rule>,
    pub thresholds: Thresholds,
    /// Latest rule changes, newest first.
    pub rule_history: Vec<RuleChange>,
    /// Applied threshold changes, newest first.
    pub threshold_history: Vec<ThresholdChange>,
    /// Leads per disqualifying rule, for rules that match any lead.
    pub disqualified: Vec<DisqualifiedCount>,
    /// Event types stored in the database, most frequent first.
    pub event_types: Vec<String>,
    /// Highest stored score; 0 without leads.
    pub max_score: f64,
    pub leads: u32,
}

/// Leads that a disqualifying rule matches, and how many it moved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DisqualifiedCount {
    /// Name of the rule, as stored with the lead.
    pub rule: String,
    /// Leads whose fields match the rule now.
    pub matching: u32,
    /// Leads the rule moved to Disqualified (from the stage history).
    pub moved: u32,
}

/// Translated words the preview charts draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PreviewLabels {
    pub histogram_title: String,
    pub backtest_title: String,
    pub recall: String,
    pub precision: String,
}

/// One redraw of the tuning panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PreviewRequest {
    pub thresholds: Thresholds,
    pub labels: PreviewLabels,
    pub theme: Theme,
    /// Size of each chart in pixels.
    pub width: u32,
    pub height: u32,
}

/// Counts, backtest figures and charts for candidate thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PreviewResult {
    pub preview: ThresholdPreview,
    /// Leads that became customers.
    pub customers: u32,
    /// Leads with an outcome: customers plus lost or disqualified leads.
    pub decided: u32,
    /// Backtest at the MQL, Warm and SQL thresholds, in that order.
    pub at_thresholds: Vec<BacktestPoint>,
    pub histogram_svg: String,
    pub backtest_svg: String,
}

/// State of the database as seen from one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DataVersion {
    /// Changes when another connection commits (`PRAGMA data_version`).
    others: i64,
    /// Rows changed by this connection so far.
    own: u64,
}

impl DataVersion {
    fn of(conn: &Connection) -> Result<Self> {
        Ok(DataVersion {
            others: conn.query_row("PRAGMA data_version", [], |row| row.get(0))?,
            own: conn.total_changes(),
        })
    }
}

/// The Scoring screen's cache for one connection: stored scores and the
/// scored outcomes, read again only after the database changed.
#[derive(Default)]
pub struct Workbench {
    snapshot: Option<(DataVersion, ScoreSnapshot)>,
    outcomes: Option<(DataVersion, Outcomes)>,
}

impl Workbench {
    /// Returns the rules, thresholds, change logs and counts. Writes the
    /// default rule set first if the rules were never changed, so every
    /// rule has an id.
    pub fn overview(&mut self, db: &mut Database, now: i64) -> Result<ScoringOverview> {
        let rules = rules_for_editing(db, now)?;
        let conn = db.conn();
        let snapshot = self.snapshot(conn)?;
        let max_score = snapshot.scores().last().copied().unwrap_or(0.0);
        let leads = snapshot.scores().len() as u32;
        Ok(ScoringOverview {
            rules,
            thresholds: current_thresholds(conn)?,
            rule_history: rule_history(conn, RULE_HISTORY)?,
            threshold_history: threshold_history(conn)?,
            disqualified: disqualified_counts(conn)?,
            event_types: event_types(conn)?,
            max_score,
            leads,
        })
    }

    /// Counts what `request.thresholds` would do and draws both charts.
    /// Fails on thresholds that are negative or out of order, or on a
    /// chart size of 0 or above 4,000 pixels.
    pub fn preview(
        &mut self,
        conn: &Connection,
        request: &PreviewRequest,
    ) -> Result<PreviewResult> {
        let size = (request.width, request.height);
        if [request.width, request.height]
            .iter()
            .any(|side| *side == 0 || *side > MAX_CHART_SIDE)
        {
            return Err(Error::invalid(
                "chart size",
                format!("{} x {}", request.width, request.height),
                format!("use 1 to {MAX_CHART_SIDE} pixels per side"),
            ));
        }
        let thresholds = &request.thresholds;

        let version = DataVersion::of(conn)?;
        let snapshot = cached(&mut self.snapshot, version, || ScoreSnapshot::load(conn))?;
        let outcomes = cached(&mut self.outcomes, version, || Outcomes::load(conn))?;
        let preview = snapshot.preview(thresholds)?;
        let labels = &request.labels;
        let histogram = histogram_svg(
            &labels.histogram_title,
            snapshot.histogram(),
            thresholds,
            size,
            request.theme,
        )?;

        let curves = outcomes.evaluate(&candidate_thresholds(snapshot, BACKTEST_POINTS), snapshot);
        let marks = [thresholds.mql, thresholds.warm, thresholds.sql];
        let at_thresholds = outcomes.evaluate(&marks, snapshot).points;
        let backtest = backtest_svg(
            [&labels.backtest_title, &labels.recall, &labels.precision],
            &curves,
            Some(thresholds),
            size,
            request.theme,
        )?;
        Ok(PreviewResult {
            preview,
            customers: curves.customers,
            decided: curves.decided,
            at_thresholds,
            histogram_svg: histogram,
            backtest_svg: backtest,
        })
    }

    fn snapshot(&mut self, conn: &Connection) -> Result<&ScoreSnapshot> {
        let version = DataVersion::of(conn)?;
        cached(&mut self.snapshot, version, || ScoreSnapshot::load(conn))
    }
}

/// Returns the value in `slot` if it was loaded at `version`, else loads
/// and stores it.
fn cached<T>(
    slot: &mut Option<(DataVersion, T)>,
    version: DataVersion,
    load: impl FnOnce() -> Result<T>,
) -> Result<&T> {
    let value = match slot.take() {
        Some((seen, value)) if seen == version => value,
        _ => load()?,
    };
    Ok(&slot.insert((version, value)).1)
}

fn disqualified_counts(conn: &Connection) -> Result<Vec<DisqualifiedCount>> {
    let mut stmt = conn.prepare(
        "SELECT rule, SUM(matching), SUM(moved) FROM (
             SELECT disqualified_by AS rule, 1 AS matching, 0 AS moved FROM leads
              WHERE disqualified_by IS NOT NULL
             UNION ALL
             SELECT actor, 0, 1 FROM stage_changes
              WHERE reason = 'score' AND to_stage = 'disqualified' AND actor IS NOT NULL
         ) GROUP BY rule ORDER BY rule",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok(DisqualifiedCount {
            rule: row.get(0)?,
            matching: row.get(1)?,
            moved: row.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

fn event_types(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn
        .prepare("SELECT type FROM events GROUP BY type ORDER BY COUNT(*) DESC, type LIMIT 100")?;
    let rows = stmt.query_map([], |row| row.get(0))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
