//! Backtest of candidate thresholds against real outcomes. A lead that
//! became a Customer or won a deal is a positive. A lead that a person
//! disqualified, or whose deal was lost, is a negative. Each is scored as it
//! stood just before its outcome, from the events up to that moment, so
//! later events do not leak into the result. Fit uses the current fields,
//! because field history is not stored.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::engine::CompiledRules;
use super::load::{read_lead_events, read_one_lead};
use super::preview::ScoreSnapshot;
use super::store::list_rules;
use crate::error::Result;

/// Outcome of one candidate threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BacktestPoint {
    pub threshold: f64,
    /// Leads with an outcome that scored at least the threshold before it.
    pub sent: u32,
    /// Of those, the ones that became customers.
    pub customers: u32,
    /// Share of all later customers the threshold would have sent to
    /// sales; null when there are no customers.
    pub recall: Option<f64>,
    /// Share of the sent leads with an outcome that became customers; null
    /// when none would have been sent.
    pub precision: Option<f64>,
    /// Current leads scoring at least the threshold.
    pub volume: u32,
}

/// Backtest curves for a range of thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Backtest {
    /// Leads that became customers.
    pub customers: u32,
    /// Leads with an outcome: customers plus lost or disqualified leads.
    pub decided: u32,
    pub points: Vec<BacktestPoint>,
}

/// Scores of leads with an outcome, at the moment of the outcome.
#[derive(Debug, Clone, Default)]
pub struct Outcomes {
    /// Ascending.
    positives: Vec<f64>,
    /// Ascending.
    negatives: Vec<f64>,
}

const OUTCOMES_SQL: &str = "
SELECT lead_id, MAX(positive), MIN(at) FROM (
    SELECT lead_id, 1 AS positive, won_at AS at FROM deals WHERE won_at IS NOT NULL
    UNION ALL
    SELECT lead_id, 0, lost_at FROM deals WHERE lost_at IS NOT NULL AND won_at IS NULL
    UNION ALL
    SELECT lead_id, to_stage = 'customer', changed_at FROM stage_changes
     WHERE to_stage = 'customer' OR (to_stage = 'disqualified' AND reason <> 'score')
    UNION ALL
    SELECT id, 1, stage_changed_at FROM leads WHERE stage = 'customer'
)
GROUP BY lead_id";

impl Outcomes {
    /// Finds every lead with an outcome and scores it just before its
    /// earliest outcome. A lead with both kinds counts as a customer.
    pub fn load(conn: &Connection) -> Result<Self> {
        let rules = CompiledRules::new(&list_rules(conn)?);
        let mut stmt = conn.prepare(OUTCOMES_SQL)?;
        let found = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, bool>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;

        let mut outcomes = Outcomes::default();
        for (lead_id, positive, at) in found {
            let Some((_, facts)) = read_one_lead(conn, &rules, lead_id)? else {
                continue;
            };
            let events = read_lead_events(conn, lead_id)?;
            // One second before the outcome: events at that moment are the
            // outcome's own paperwork, not the behaviour that led to it.
            let score = rules.score(&facts, events.iter().map(|e| e.fact()), at - 1);
            let list = if positive {
                &mut outcomes.positives
            } else {
                &mut outcomes.negatives
            };
            list.push(score.points());
        }
        outcomes.positives.sort_unstable_by(f64::total_cmp);
        outcomes.negatives.sort_unstable_by(f64::total_cmp);
        Ok(outcomes)
    }

    /// Evaluates each candidate threshold; `snapshot` gives the current volume.
    pub fn evaluate(&self, candidates: &[f64], snapshot: &ScoreSnapshot) -> Backtest {
        let at_least = |sorted: &[f64], threshold: f64| {
            (sorted.len() - sorted.partition_point(|s| *s < threshold)) as u32
        };
        let customers = self.positives.len() as u32;
        let points = candidates
            .iter()
            .map(|&threshold| {
                let won = at_least(&self.positives, threshold);
                let sent = won + at_least(&self.negatives, threshold);
                BacktestPoint {
                    threshold,
                    sent,
                    customers: won,
                    recall: (customers > 0).then(|| f64::from(won) / f64::from(customers)),
                    precision: (sent > 0).then(|| f64::from(won) / f64::from(sent)),
                    volume: at_least(snapshot.scores(), threshold),
                }
            })
            .collect();
        Backtest {
            customers,
            decided: customers + self.negatives.len() as u32,
            points,
        }
    }
}

/// Returns evenly spaced candidate thresholds from 0 to the highest score,
/// about `count` of them on whole points.
pub fn candidate_thresholds(snapshot: &ScoreSnapshot, count: usize) -> Vec<f64> {
    let high = snapshot.scores().last().copied().unwrap_or(0.0).max(1.0);
    let step = (high / count.max(1) as f64).ceil().max(1.0);
    let mut candidates = Vec::new();
    let mut threshold = 0.0;
    while threshold <= high {
        candidates.push(threshold);
        threshold += step;
    }
    candidates
}
