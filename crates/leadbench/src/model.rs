//! Domain types shared by the library, the CLI and the app's IPC layer.
//! The TypeScript versions are generated from these by ts-rs.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::Error;

/// Lifecycle stage of a lead. Warm sits between MQL and SQL: the lead is
/// interested but needs more touchpoints before sales takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Stage {
    New,
    Mql,
    Warm,
    Sql,
    Customer,
    Disqualified,
}

impl Stage {
    /// All stages in pipeline order.
    pub const ALL: [Stage; 6] = [
        Stage::New,
        Stage::Mql,
        Stage::Warm,
        Stage::Sql,
        Stage::Customer,
        Stage::Disqualified,
    ];

    /// Returns the name stored in the database and used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::New => "new",
            Stage::Mql => "mql",
            Stage::Warm => "warm",
            Stage::Sql => "sql",
            Stage::Customer => "customer",
            Stage::Disqualified => "disqualified",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Stage {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().to_ascii_lowercase();
        Stage::ALL
            .into_iter()
            .find(|stage| stage.as_str() == wanted)
            .ok_or_else(|| {
                Error::invalid(
                    "stage",
                    text,
                    "use one of new, mql, warm, sql, customer, disqualified",
                )
            })
    }
}

impl rusqlite::types::FromSql for Stage {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        let text = value.as_str()?;
        text.parse()
            .map_err(|error: Error| rusqlite::types::FromSqlError::Other(Box::new(error)))
    }
}

impl rusqlite::ToSql for Stage {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

/// Cause of a stage change, as stored in the stage history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum StageChangeReason {
    Score,
    Manual,
    Import,
    Outcome,
}

impl StageChangeReason {
    /// Returns the name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            StageChangeReason::Score => "score",
            StageChangeReason::Manual => "manual",
            StageChangeReason::Import => "import",
            StageChangeReason::Outcome => "outcome",
        }
    }
}

/// One row of the Leads table and of `leadbench leads --json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LeadRow {
    #[ts(type = "number")]
    pub id: i64,
    pub external_id: Option<String>,
    pub email: Option<String>,
    /// First and last name joined by a space, or null when both are empty.
    pub name: Option<String>,
    pub company: Option<String>,
    pub job_title: Option<String>,
    pub source: Option<String>,
    pub owner: Option<String>,
    pub stage: Stage,
    pub score: f64,
    /// Creation time in UTC, RFC 3339.
    pub created_at: String,
    /// Name of the disqualifying rule the lead matches, if any.
    pub disqualified_by: Option<String>,
    /// Stable key of that rule while it has its default name.
    pub disqualified_key: Option<String>,
}

/// Column the Leads table is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum LeadSort {
    #[default]
    CreatedAt,
    Name,
    Company,
    Stage,
    Score,
    Email,
}

/// A request for one page of leads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LeadQuery {
    pub offset: u32,
    pub limit: u32,
    pub stage: Option<Stage>,
    /// Case-insensitive text matched against name, e-mail and company.
    pub search: Option<String>,
    pub sort: LeadSort,
    pub descending: bool,
    /// Only these leads, such as the leads behind a KPI on the dashboard
    /// (see `kpi::drill`). `None` shows every lead.
    #[serde(default)]
    #[ts(type = "Array<number> | null")]
    pub ids: Option<Vec<i64>>,
}

/// One page of leads and the number of leads that match the query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LeadPage {
    pub total: u32,
    pub offset: u32,
    pub rows: Vec<LeadRow>,
}

/// Lead counts per stage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StageCounts {
    pub new: u32,
    pub mql: u32,
    pub warm: u32,
    pub sql: u32,
    pub customer: u32,
    pub disqualified: u32,
}

impl StageCounts {
    /// Adds `count` to `stage`.
    pub fn add(&mut self, stage: Stage, count: u32) {
        let slot = match stage {
            Stage::New => &mut self.new,
            Stage::Mql => &mut self.mql,
            Stage::Warm => &mut self.warm,
            Stage::Sql => &mut self.sql,
            Stage::Customer => &mut self.customer,
            Stage::Disqualified => &mut self.disqualified,
        };
        *slot += count;
    }
}

/// Totals shown by `leadbench stats` and on the app's status bar.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Stats {
    pub leads: u32,
    pub stages: StageCounts,
    pub accounts: u32,
    pub campaigns: u32,
    pub events: u32,
}

/// Version, settings and lead counts of the app and its open database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AppInfo {
    pub version: String,
    pub database_path: String,
    pub settings: crate::settings::Settings,
    /// Language of the operating system's locale, used when none is set.
    pub system_language: crate::settings::Language,
    /// IANA time zone of the operating system, used when none is set.
    pub system_time_zone: String,
    pub stats: Stats,
}
