//! Stages from score thresholds. Automatic moves only go forward
//! (New -> MQL -> Warm -> SQL). Pinned leads, Customers and Disqualified
//! leads are never moved by scoring; a manual move pins the lead. A lead
//! whose score fell below its stage's threshold is marked cooling, and its
//! stage stays.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::board::SqlAssigner;
use crate::error::{Error, Result};
use crate::model::Stage;
use crate::time::to_rfc3339;
use crate::Database;

/// Scores at which a lead becomes MQL, Warm and SQL.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Thresholds {
    pub mql: f64,
    pub warm: f64,
    pub sql: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds::DEFAULT
    }
}

impl Thresholds {
    /// Thresholds of a new database.
    pub const DEFAULT: Thresholds = Thresholds {
        mql: 40.0,
        warm: 60.0,
        sql: 80.0,
    };

    /// Checks that every threshold is a non-negative number and that
    /// MQL < Warm < SQL.
    pub fn validate(&self) -> Result<()> {
        for (name, value) in [("MQL", self.mql), ("Warm", self.warm), ("SQL", self.sql)] {
            if !value.is_finite() {
                return Err(Error::invalid(
                    &format!("{name} threshold"),
                    value.to_string(),
                    "enter a number of points such as 40",
                ));
            }
            if value < 0.0 {
                return Err(Error::invalid(
                    &format!("{name} threshold"),
                    value.to_string(),
                    "a threshold cannot be negative; enter 0 or more points",
                ));
            }
        }
        if !(self.mql < self.warm && self.warm < self.sql) {
            return Err(Error::invalid(
                "thresholds",
                format!("MQL {}, Warm {}, SQL {}", self.mql, self.warm, self.sql),
                "they must rise: MQL below Warm, and Warm below SQL",
            ));
        }
        Ok(())
    }

    /// Parses thresholds typed as text, such as command-line values.
    pub fn parse(mql: &str, warm: &str, sql: &str) -> Result<Self> {
        let number = |name: &str, text: &str| -> Result<f64> {
            text.trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .ok_or_else(|| {
                    Error::invalid(
                        &format!("{name} threshold"),
                        text,
                        "it is not a number; enter a number of points such as 40",
                    )
                })
        };
        let thresholds = Thresholds {
            mql: number("MQL", mql)?,
            warm: number("Warm", warm)?,
            sql: number("SQL", sql)?,
        };
        thresholds.validate()?;
        Ok(thresholds)
    }

    /// Returns the highest stage whose threshold `score` reaches.
    pub fn target(&self, score: f64) -> Stage {
        if score >= self.sql {
            Stage::Sql
        } else if score >= self.warm {
            Stage::Warm
        } else if score >= self.mql {
            Stage::Mql
        } else {
            Stage::New
        }
    }

    /// Returns the threshold of a scored stage (MQL, Warm or SQL).
    pub fn of(&self, stage: Stage) -> Option<f64> {
        match stage {
            Stage::Mql => Some(self.mql),
            Stage::Warm => Some(self.warm),
            Stage::Sql => Some(self.sql),
            _ => None,
        }
    }
}

/// Reports whether scoring may move a lead in `stage`.
pub fn is_movable(stage: Stage, pinned: bool) -> bool {
    !pinned && !matches!(stage, Stage::Customer | Stage::Disqualified)
}

/// Returns the stage scoring moves a lead to, or `None` when it stays.
/// A matching disqualifying rule moves a movable lead to Disqualified.
// NOTE: another stated product rule lets only a person or an imported
// outcome set Disqualified. Disqualifying rules still do it here, naming
// the rule as actor in the stage history, until that choice is settled.
pub fn automatic_move(
    stage: Stage,
    pinned: bool,
    score: f64,
    disqualified: bool,
    thresholds: &Thresholds,
) -> Option<Stage> {
    if !is_movable(stage, pinned) {
        return None;
    }
    if disqualified {
        return Some(Stage::Disqualified);
    }
    let target = thresholds.target(score);
    (target > stage).then_some(target)
}

/// Reports whether a lead's score fell below the threshold of its stage.
pub fn is_cooling(stage: Stage, score: f64, thresholds: &Thresholds) -> bool {
    thresholds
        .of(stage)
        .is_some_and(|threshold| score < threshold)
}

/// Number of leads moved into each scored stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MovedCounts {
    pub mql: u32,
    pub warm: u32,
    pub sql: u32,
}

impl MovedCounts {
    /// Counts `count` moves into `stage`; other stages are not counted here.
    pub fn add(&mut self, stage: Stage, count: u32) {
        match stage {
            Stage::Mql => self.mql += count,
            Stage::Warm => self.warm += count,
            Stage::Sql => self.sql += count,
            _ => {}
        }
    }

    /// Returns the number of moves.
    pub fn total(&self) -> u32 {
        self.mql + self.warm + self.sql
    }
}

/// One applied threshold change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ThresholdChange {
    /// Thresholds before the change; null for the first change.
    pub old: Option<Thresholds>,
    pub new: Thresholds,
    /// Time of the change in UTC, RFC 3339.
    pub changed_at: String,
    /// Number of leads the change moved.
    pub moved: u32,
}

/// Result of [`apply_thresholds`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ApplyThresholds {
    pub previous: Thresholds,
    pub thresholds: Thresholds,
    pub moved: MovedCounts,
    /// Leads now below the threshold of their stage.
    pub cooling: u32,
}

/// Returns the thresholds in force.
pub fn current_thresholds(conn: &Connection) -> Result<Thresholds> {
    let found = conn
        .query_row(
            "SELECT mql, warm, sql FROM score_thresholds ORDER BY id DESC LIMIT 1",
            [],
            |row| {
                Ok(Thresholds {
                    mql: row.get(0)?,
                    warm: row.get(1)?,
                    sql: row.get(2)?,
                })
            },
        )
        .optional()?;
    Ok(found.unwrap_or_default())
}

/// Returns every applied threshold change, newest first.
pub fn threshold_history(conn: &Connection) -> Result<Vec<ThresholdChange>> {
    let mut stmt = conn.prepare(
        "SELECT old_mql, old_warm, old_sql, mql, warm, sql, changed_at, moved
         FROM score_thresholds ORDER BY id DESC",
    )?;
    let rows = stmt.query_map([], |row| {
        let old_mql: Option<f64> = row.get(0)?;
        let old = match old_mql {
            Some(mql) => Some(Thresholds {
                mql,
                warm: row.get(1)?,
                sql: row.get(2)?,
            }),
            None => None,
        };
        Ok(ThresholdChange {
            old,
            new: Thresholds {
                mql: row.get(3)?,
                warm: row.get(4)?,
                sql: row.get(5)?,
            },
            changed_at: to_rfc3339(row.get(6)?),
            moved: row.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Saves new thresholds and re-stages every unpinned lead from its stored
/// score, in one transaction. Invalid thresholds are rejected before
/// anything is written.
pub fn apply_thresholds(
    db: &mut Database,
    thresholds: Thresholds,
    now: i64,
) -> Result<ApplyThresholds> {
    thresholds.validate()?;

    let (previous, moved, cooling) = super::recompute::with_large_cache(db, |db| {
        let tx = db.write()?;
        let previous = current_thresholds(&tx)?;
        let (moved, cooling) = restage_all(&tx, &thresholds, now)?;
        tx.execute(
            "INSERT INTO score_thresholds (mql, warm, sql, old_mql, old_warm, old_sql, changed_at, moved)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                thresholds.mql,
                thresholds.warm,
                thresholds.sql,
                previous.mql,
                previous.warm,
                previous.sql,
                now,
                moved.total()
            ],
        )?;
        tx.commit()?;
        Ok((previous, moved, cooling))
    })?;
    tracing::info!(moved = moved.total(), "score thresholds applied");
    Ok(ApplyThresholds {
        previous,
        thresholds,
        moved,
        cooling,
    })
}

fn restage_all(
    tx: &Transaction<'_>,
    thresholds: &Thresholds,
    now: i64,
) -> Result<(MovedCounts, u32)> {
    let mut moved = MovedCounts::default();
    let mut cooling_total = 0;
    let mut read = tx.prepare("SELECT id, stage, pinned, score, cooling FROM leads")?;
    let mut writer = StageWriter::new(tx)?;
    let rows = read.query_map([], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, Stage>(1)?,
            row.get::<_, bool>(2)?,
            row.get::<_, f64>(3)?,
            row.get::<_, bool>(4)?,
        ))
    })?;
    for row in rows {
        let (id, stage, pinned, score, was_cooling) = row?;
        // Disqualifying rules are applied when scores are computed, not here.
        let next = automatic_move(stage, pinned, score, false, thresholds);
        let stage_now = next.unwrap_or(stage);
        let cooling = is_cooling(stage_now, score, thresholds);
        cooling_total += u32::from(cooling);
        if let Some(to) = next {
            writer.move_lead(id, stage, to, score, None, now)?;
            moved.add(to, 1);
        }
        if cooling != was_cooling {
            writer.set_cooling(id, cooling)?;
        }
    }
    Ok((moved, cooling_total))
}

/// Prepared statements for automatic stage moves.
pub(crate) struct StageWriter<'t> {
    assigner: SqlAssigner<'t>,
    update: rusqlite::Statement<'t>,
    history: rusqlite::Statement<'t>,
    cooling: rusqlite::Statement<'t>,
}

impl<'t> StageWriter<'t> {
    pub(crate) fn new(tx: &'t Transaction<'_>) -> Result<Self> {
        Ok(StageWriter {
            assigner: SqlAssigner::new(tx)?,
            update: tx.prepare("UPDATE leads SET stage = ?2, stage_changed_at = ?3 WHERE id = ?1")?,
            history: tx.prepare(
                "INSERT INTO stage_changes (lead_id, from_stage, to_stage, changed_at, reason, actor, score)
                 VALUES (?1, ?2, ?3, ?4, 'score', ?5, ?6)",
            )?,
            cooling: tx.prepare("UPDATE leads SET cooling = ?2 WHERE id = ?1")?,
        })
    }

    /// Moves a lead and writes the move to the stage history with reason
    /// "score". `actor` names the disqualifying rule, if one caused it. A
    /// lead entering SQL gets an owner by the assignment settings.
    pub(crate) fn move_lead(
        &mut self,
        id: i64,
        from: Stage,
        to: Stage,
        score: f64,
        actor: Option<&str>,
        now: i64,
    ) -> Result<()> {
        self.update.execute(params![id, to, now])?;
        self.history
            .execute(params![id, from, to, now, actor, score])?;
        if to == Stage::Sql {
            self.assigner.assign(id)?;
        }
        Ok(())
    }

    pub(crate) fn set_cooling(&mut self, id: i64, cooling: bool) -> Result<()> {
        self.cooling.execute(params![id, cooling])?;
        Ok(())
    }
}

/// Moves a lead by hand and pins it, so scoring leaves it where the person
/// put it. The move is written to the stage history with reason "manual".
pub fn move_manually(
    db: &mut Database,
    lead_id: i64,
    to: Stage,
    actor: &str,
    now: i64,
) -> Result<()> {
    let tx = db.write()?;
    let found: Option<(Stage, f64)> = tx
        .query_row(
            "SELECT stage, score FROM leads WHERE id = ?1",
            [lead_id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let Some((from, score)) = found else {
        return Err(Error::NotFound {
            what: "lead".to_owned(),
            id: lead_id.to_string(),
        });
    };
    let cooling = is_cooling(to, score, &current_thresholds(&tx)?);
    tx.execute(
        "UPDATE leads SET stage = ?2, stage_changed_at = ?3, pinned = 1, cooling = ?4, updated_at = ?3
         WHERE id = ?1",
        params![lead_id, to, now, cooling],
    )?;
    tx.execute(
        "INSERT INTO stage_changes (lead_id, from_stage, to_stage, changed_at, reason, actor, score)
         SELECT id, ?2, ?3, ?4, 'manual', ?5, score FROM leads WHERE id = ?1",
        params![lead_id, from, to, now, actor],
    )?;
    if to == Stage::Sql {
        SqlAssigner::new(&tx)?.assign(lead_id)?;
    }
    tx.commit()?;
    Ok(())
}

/// Unpins a lead and scores it again, so scoring may move it forward.
pub fn unpin(db: &mut Database, lead_id: i64, now: i64) -> Result<()> {
    let tx = db.write()?;
    let changed = tx.execute("UPDATE leads SET pinned = 0 WHERE id = ?1", [lead_id])?;
    if changed == 0 {
        return Err(Error::NotFound {
            what: "lead".to_owned(),
            id: lead_id.to_string(),
        });
    }
    super::recompute::rescore_in(&tx, &[lead_id], now)?;
    tx.commit()?;
    Ok(())
}
