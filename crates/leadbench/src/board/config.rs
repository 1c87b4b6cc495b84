//! Board settings: work-in-progress limits, rotting thresholds, the SQL
//! follow-up SLA and the list of disqualification reasons.

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::model::Stage;

/// Board settings, stored as JSON under the `board` settings key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BoardConfig {
    /// Maximum number of cards per column before the header turns red; null
    /// means no limit. Order: new, mql, warm, sql, customer, disqualified.
    pub wip_limits: [Option<u32>; 6],
    /// Days without activity after which a card is flagged as rotting, per
    /// stage in the same order; null means never.
    pub rot_days: [Option<u32>; 6],
    /// Hours within which an SQL must be followed up.
    pub sla_hours: u32,
    pub disqualify_reasons: Vec<String>,
}

impl Default for BoardConfig {
    fn default() -> Self {
        BoardConfig {
            wip_limits: [None, None, None, Some(300), None, None],
            rot_days: [Some(14), Some(14), Some(21), Some(7), None, None],
            sla_hours: 24,
            disqualify_reasons: vec![
                "No budget".to_owned(),
                "Chose a competitor".to_owned(),
                "No response".to_owned(),
                "Not a fit".to_owned(),
            ],
        }
    }
}

impl BoardConfig {
    /// Returns the rotting threshold of `stage` in days.
    pub fn rot_days_for(&self, stage: Stage) -> Option<u32> {
        self.rot_days[stage_index(stage)]
    }

    /// Returns the work-in-progress limit of `stage`.
    pub fn wip_limit_for(&self, stage: Stage) -> Option<u32> {
        self.wip_limits[stage_index(stage)]
    }
}

pub(crate) fn stage_index(stage: Stage) -> usize {
    Stage::ALL.iter().position(|s| *s == stage).unwrap_or(0)
}

/// Reads the board settings, or the defaults when none are stored.
pub fn load_config(conn: &Connection) -> Result<BoardConfig> {
    let text: Option<String> = conn
        .query_row(
            "SELECT value FROM settings WHERE key = 'board'",
            [],
            |row| row.get(0),
        )
        .optional()?;
    Ok(text
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default())
}

/// Validates and stores the board settings.
pub fn save_config(conn: &Connection, config: &BoardConfig) -> Result<()> {
    if config.sla_hours == 0 || config.sla_hours > 24 * 90 {
        return Err(Error::invalid(
            "follow-up SLA",
            config.sla_hours.to_string(),
            "use a number of hours between 1 and 2160",
        ));
    }
    if let Some(limit) = config
        .wip_limits
        .iter()
        .flatten()
        .find(|limit| **limit == 0)
    {
        return Err(Error::invalid(
            "work-in-progress limit",
            limit.to_string(),
            "use a positive number, or leave it empty for no limit",
        ));
    }
    if config
        .disqualify_reasons
        .iter()
        .any(|reason| reason.trim().is_empty())
    {
        return Err(Error::invalid(
            "disqualification reason",
            "",
            "remove empty reasons from the list",
        ));
    }
    let text = serde_json::to_string(config).unwrap_or_default();
    conn.execute(
        "INSERT INTO settings (key, value) VALUES ('board', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [text],
    )?;
    Ok(())
}
