//! Previews of candidate thresholds, computed in memory so a slider can
//! redraw at every move. Stage counts and moves come from scores loaded
//! once and sorted, next to a histogram of all scores.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::stages::{current_thresholds, MovedCounts, Thresholds};
use crate::error::Result;
use crate::model::{Stage, StageCounts};

/// Target number of histogram bins. The bin width is rounded to 1, 2 or 5
/// times a power of ten, so the real number varies.
const TARGET_BINS: f64 = 40.0;

/// One bar of the score histogram: scores from `from` (inclusive) to `to`
/// (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[ts(export, rename = "ScoringHistogramBin")]
pub struct HistogramBin {
    pub from: f64,
    pub to: f64,
    pub count: u32,
}

/// Effect of candidate thresholds on the current leads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ThresholdPreview {
    pub thresholds: Thresholds,
    /// Leads per stage after applying the thresholds.
    pub stages: StageCounts,
    /// Leads that would move forward into each stage.
    pub moved: MovedCounts,
    /// The same moves by stage of origin: New to MQL, MQL to SQL and so on.
    /// Pairs without moves are left out.
    pub transitions: Vec<StageMove>,
    /// Leads whose score would sit below the threshold of their stage.
    pub cooling: u32,
}

/// Number of leads that would move from one stage to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StageMove {
    pub from: Stage,
    pub to: Stage,
    pub count: u32,
}

/// Stored scores and stages of all leads, sorted for fast counting.
#[derive(Debug, Clone, Default)]
pub struct ScoreSnapshot {
    /// Every lead's score, ascending.
    scores: Vec<f64>,
    /// Scores of leads scoring may move, by stage New, MQL, Warm, SQL; ascending.
    movable: [Vec<f64>; 4],
    /// Scores of pinned leads in New, MQL, Warm, SQL; ascending.
    pinned: [Vec<f64>; 4],
    /// Customers and Disqualified leads.
    settled: StageCounts,
    saved: Thresholds,
    histogram: Vec<HistogramBin>,
}

fn scored_slot(stage: Stage) -> Option<usize> {
    match stage {
        Stage::New => Some(0),
        Stage::Mql => Some(1),
        Stage::Warm => Some(2),
        Stage::Sql => Some(3),
        Stage::Customer | Stage::Disqualified => None,
    }
}

/// Returns how many values of ascending `sorted` are at least `threshold`.
fn at_least(sorted: &[f64], threshold: f64) -> u32 {
    (sorted.len() - sorted.partition_point(|score| *score < threshold)) as u32
}

impl ScoreSnapshot {
    /// Reads every lead's stored score, stage and pin, and the saved thresholds.
    pub fn load(conn: &Connection) -> Result<Self> {
        let mut rows: Vec<(Stage, bool, f64)> = Vec::new();
        let mut stmt = conn.prepare("SELECT stage, pinned, score FROM leads")?;
        let mapped = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
        for row in mapped {
            rows.push(row?);
        }
        Ok(Self::from_leads(rows, current_thresholds(conn)?))
    }

    /// Builds a snapshot from (stage, pinned, score) of each lead.
    pub fn from_leads(
        leads: impl IntoIterator<Item = (Stage, bool, f64)>,
        saved: Thresholds,
    ) -> Self {
        let mut snapshot = ScoreSnapshot {
            saved,
            ..ScoreSnapshot::default()
        };
        for (stage, pinned, score) in leads {
            snapshot.scores.push(score);
            match scored_slot(stage) {
                Some(slot) if pinned => snapshot.pinned[slot].push(score),
                Some(slot) => snapshot.movable[slot].push(score),
                None => snapshot.settled.add(stage, 1),
            }
        }
        let ascending = |a: &f64, b: &f64| a.total_cmp(b);
        snapshot.scores.sort_unstable_by(ascending);
        for list in snapshot
            .movable
            .iter_mut()
            .chain(snapshot.pinned.iter_mut())
        {
            list.sort_unstable_by(ascending);
        }
        snapshot.histogram = histogram(&snapshot.scores);
        snapshot
    }

    /// Returns the thresholds saved when the snapshot was loaded.
    pub fn saved_thresholds(&self) -> Thresholds {
        self.saved
    }

    /// Returns the histogram of all scores.
    pub fn histogram(&self) -> &[HistogramBin] {
        &self.histogram
    }

    /// Returns every score, ascending.
    pub fn scores(&self) -> &[f64] {
        &self.scores
    }

    /// Counts stages, moves and cooling leads for candidate thresholds, the
    /// way [`super::stages::apply_thresholds`] would apply them. Fails on
    /// thresholds that are negative, not numbers or out of order.
    pub fn preview(&self, thresholds: &Thresholds) -> Result<ThresholdPreview> {
        thresholds.validate()?;

        let mut stages = self.settled.clone();
        let mut moved = MovedCounts::default();
        let mut transitions = Vec::new();
        let mut cooling = 0;
        let scored = [Stage::New, Stage::Mql, Stage::Warm, Stage::Sql];
        let limits = [
            f64::NEG_INFINITY,
            thresholds.mql,
            thresholds.warm,
            thresholds.sql,
        ];

        for (slot, scores) in self.movable.iter().enumerate() {
            // A lead moves to the highest stage above its own whose
            // threshold it meets. Thresholds rise, so the counts of leads
            // meeting them nest: SQL within Warm within MQL.
            let mut above = 0;
            for target in (slot + 1..4).rev() {
                let reached = at_least(scores, limits[target]);
                let newly = reached - above;
                stages.add(scored[target], newly);
                moved.add(scored[target], newly);
                if newly > 0 {
                    transitions.push(StageMove {
                        from: scored[slot],
                        to: scored[target],
                        count: newly,
                    });
                }
                above = reached;
            }
            stages.add(scored[slot], scores.len() as u32 - above);
            // Leads that stay and score below their own stage's threshold.
            cooling += scores.len() as u32 - at_least(scores, limits[slot]);
        }
        for (slot, scores) in self.pinned.iter().enumerate() {
            stages.add(scored[slot], scores.len() as u32);
            cooling += scores.len() as u32 - at_least(scores, limits[slot]);
        }

        transitions.sort_by_key(|m| (m.from, m.to));
        Ok(ThresholdPreview {
            thresholds: *thresholds,
            stages,
            moved,
            transitions,
            cooling,
        })
    }
}

/// Returns a bin width of 1, 2 or 5 times a power of ten near `raw`.
fn nice_step(raw: f64) -> f64 {
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    let scaled = raw / power;
    let factor = if scaled <= 1.0 {
        1.0
    } else if scaled <= 2.0 {
        2.0
    } else if scaled <= 5.0 {
        5.0
    } else {
        10.0
    };
    factor * power
}

fn histogram(sorted: &[f64]) -> Vec<HistogramBin> {
    let (Some(&low), Some(&high)) = (sorted.first(), sorted.last()) else {
        return Vec::new();
    };
    let step = nice_step((high - low) / TARGET_BINS).max(1.0);
    let first = (low / step).floor() * step;
    let count = (((high - first) / step).floor() as usize) + 1;

    let mut bins: Vec<HistogramBin> = (0..count)
        .map(|i| HistogramBin {
            from: first + i as f64 * step,
            to: first + (i + 1) as f64 * step,
            count: 0,
        })
        .collect();
    for score in sorted {
        let index = (((score - first) / step).floor() as usize).min(count - 1);
        bins[index].count += 1;
    }
    bins
}
