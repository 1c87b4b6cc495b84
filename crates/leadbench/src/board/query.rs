//! Reading the board: per-stage counts and one screen of cards at a time.

use rusqlite::{params_from_iter, types::Value, Connection};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::config::BoardConfig;
use super::FOLLOW_UP_EVENTS;
use crate::error::{Error, Result};
use crate::leads::NAME_SQL;
use crate::model::Stage;
use crate::scoring::defaults::owned_rule_key;
use crate::time::to_rfc3339;

const DAY: i64 = 86_400;

/// Returns the SQL of a card's title: the lead's name, else its company,
/// else its external id (ids over 16 characters, such as hashes, cut to
/// their first 10), else its row id.
pub(crate) fn title_sql() -> String {
    format!(
        "COALESCE({NAME_SQL}, a.name,
                  CASE WHEN length(l.external_id) > 16 THEN substr(l.external_id, 1, 10) || '…'
                       ELSE l.external_id END,
                  '#' || l.id)"
    )
}
/// Largest number of cards one request may read.
pub const MAX_CARDS: u32 = 500;

/// Filters that apply to every column of the board.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BoardFilter {
    /// Case-insensitive text matched against name, e-mail and company.
    pub search: Option<String>,
    pub owner: Option<String>,
    pub channel: Option<String>,
    #[ts(type = "number | null")]
    pub campaign_id: Option<i64>,
    pub min_score: Option<f64>,
    pub max_score: Option<f64>,
    pub only_rotting: bool,
    /// Only SQLs without a follow-up within the SLA ("Needs follow-up").
    pub only_sla_overdue: bool,
}

/// Order of the cards within a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum CardSort {
    /// The order the user dragged the cards into; other cards follow by score.
    Manual,
    #[default]
    Score,
    DaysInStage,
    LastActivity,
    Name,
}

/// A request for one screen of cards of one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ColumnQuery {
    pub stage: Stage,
    pub filter: BoardFilter,
    pub sort: CardSort,
    pub offset: u32,
    pub limit: u32,
    /// Leads shown first, in front of the chosen order: the cards the user
    /// just moved here, so they land where the user dropped them.
    #[serde(default)]
    #[ts(type = "number[]")]
    pub first_ids: Vec<i64>,
}

/// One card on the board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Card {
    #[ts(type = "number")]
    pub id: i64,
    /// The lead's name, else its company, else its external id.
    pub title: String,
    pub company: Option<String>,
    pub score: f64,
    pub channel: Option<String>,
    pub owner: Option<String>,
    pub stage: Stage,
    pub pinned: bool,
    #[ts(type = "number")]
    pub days_in_stage: i64,
    /// Last activity (or creation when there was none), UTC RFC 3339.
    pub last_activity_at: String,
    pub rotting: bool,
    pub sla_overdue: bool,
    /// Name of the disqualifying rule the lead matches, if any.
    pub disqualified_by: Option<String>,
    /// Stable key of that rule while it has its default name, so the UI
    /// can show the name in the user's language.
    pub disqualified_key: Option<String>,
    /// Whether the score fell below the threshold of the lead's stage, as
    /// scoring last marked it.
    pub cooling: bool,
}

/// One screen of cards and the number of cards in the filtered column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ColumnPage {
    pub stage: Stage,
    pub total: u32,
    pub offset: u32,
    pub cards: Vec<Card>,
}

/// A column header: its stage, filtered count and work-in-progress limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ColumnSummary {
    pub stage: Stage,
    pub count: u32,
    pub wip_limit: Option<u32>,
}

/// SQL expressions for the per-card flags, built from integers only.
struct FlagSql {
    last_activity: String,
    rotting: String,
    sla_overdue: String,
}

fn flag_sql(config: &BoardConfig, now: i64) -> FlagSql {
    let last_activity =
        "COALESCE((SELECT MAX(e.occurred_at) FROM events e WHERE e.lead_id = l.id), l.created_at)"
            .to_owned();
    let mut cases = String::from("CASE l.stage");
    for stage in Stage::ALL {
        let threshold = match config.rot_days_for(stage) {
            Some(days) => format!("{now} - {last_activity} > {}", i64::from(days) * DAY),
            None => "0".to_owned(),
        };
        cases.push_str(&format!(" WHEN '{}' THEN {threshold}", stage.as_str()));
    }
    cases.push_str(" ELSE 0 END");
    let follow_ups = FOLLOW_UP_EVENTS
        .iter()
        .map(|kind| format!("'{kind}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let sla_overdue = format!(
        "(l.stage = 'sql' AND {now} - l.stage_changed_at > {} AND NOT EXISTS (
            SELECT 1 FROM events f WHERE f.lead_id = l.id AND f.type IN ({follow_ups})
              AND f.occurred_at >= l.stage_changed_at))",
        i64::from(config.sla_hours) * 3_600
    );
    FlagSql {
        last_activity,
        rotting: format!("({cases})"),
        sla_overdue,
    }
}

/// Returns the join to accounts when `filter` needs it. Counting without it
/// reads only the stage index, which is what keeps the counts fast.
fn accounts_join(filter: &BoardFilter) -> &'static str {
    if filter
        .search
        .as_deref()
        .is_some_and(|s| !s.trim().is_empty())
    {
        "LEFT JOIN accounts a ON a.id = l.account_id"
    } else {
        ""
    }
}

/// Builds the WHERE conditions of `filter` with numbered placeholders.
fn filter_sql(filter: &BoardFilter, flags: &FlagSql, args: &mut Vec<Value>) -> Vec<String> {
    let mut conditions = Vec::new();
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        args.push(Value::Text(format!(
            "%{}%",
            crate::leads::escape_like(search)
        )));
        let n = args.len();
        conditions.push(format!(
            "({NAME_SQL} LIKE ?{n} ESCAPE '\\' OR l.email LIKE ?{n} ESCAPE '\\' OR a.name LIKE ?{n} ESCAPE '\\')"
        ));
    }
    if let Some(owner) = filter.owner.as_deref().filter(|s| !s.is_empty()) {
        args.push(Value::Text(owner.to_owned()));
        conditions.push(format!("l.owner = ?{}", args.len()));
    }
    if let Some(channel) = filter.channel.as_deref().filter(|s| !s.is_empty()) {
        args.push(Value::Text(channel.to_owned()));
        conditions.push(format!("l.source = ?{}", args.len()));
    }
    if let Some(campaign) = filter.campaign_id {
        args.push(Value::Integer(campaign));
        conditions.push(format!("l.campaign_id = ?{}", args.len()));
    }
    if let Some(min) = filter.min_score {
        args.push(Value::Real(min));
        conditions.push(format!("l.score >= ?{}", args.len()));
    }
    if let Some(max) = filter.max_score {
        args.push(Value::Real(max));
        conditions.push(format!("l.score <= ?{}", args.len()));
    }
    if filter.only_rotting {
        conditions.push(flags.rotting.clone());
    }
    if filter.only_sla_overdue {
        conditions.push(flags.sla_overdue.clone());
    }
    conditions
}

/// Returns the filtered card count of every column, in pipeline order.
pub fn summary(
    conn: &Connection,
    filter: &BoardFilter,
    config: &BoardConfig,
    now: i64,
) -> Result<Vec<ColumnSummary>> {
    let flags = flag_sql(config, now);
    let mut args = Vec::new();
    let mut conditions = vec!["l.forgotten_at IS NULL".to_owned()];
    conditions.extend(filter_sql(filter, &flags, &mut args));
    let where_clause = format!("WHERE {}", conditions.join(" AND "));
    let sql = format!(
        "SELECT l.stage, COUNT(*) FROM leads l {} {where_clause} GROUP BY l.stage",
        accounts_join(filter)
    );
    let mut counts = [0u32; 6];
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params_from_iter(args.iter()), |row| {
        Ok((row.get::<_, Stage>(0)?, row.get::<_, u32>(1)?))
    })?;
    for row in rows {
        let (stage, count) = row?;
        counts[super::config::stage_index(stage)] = count;
    }
    Ok(Stage::ALL
        .iter()
        .zip(counts)
        .map(|(stage, count)| ColumnSummary {
            stage: *stage,
            count,
            wip_limit: config.wip_limit_for(*stage),
        })
        .collect())
}

/// Returns one screen of cards of a column.
pub fn column(
    conn: &Connection,
    query: &ColumnQuery,
    config: &BoardConfig,
    now: i64,
) -> Result<ColumnPage> {
    if query.limit == 0 || query.limit > MAX_CARDS {
        return Err(Error::invalid(
            "limit",
            query.limit.to_string(),
            format!("ask for between 1 and {MAX_CARDS} cards at a time"),
        ));
    }
    let flags = flag_sql(config, now);
    let mut args = vec![Value::Text(query.stage.as_str().to_owned())];
    let mut conditions = vec![
        "l.stage = ?1".to_owned(),
        "l.forgotten_at IS NULL".to_owned(),
    ];
    conditions.extend(filter_sql(&query.filter, &flags, &mut args));
    let where_clause = conditions.join(" AND ");

    let total: u32 = conn.query_row(
        &format!(
            "SELECT COUNT(*) FROM leads l {} WHERE {where_clause}",
            accounts_join(&query.filter)
        ),
        params_from_iter(args.iter()),
        |row| row.get(0),
    )?;

    let order = match query.sort {
        CardSort::Manual => "l.board_rank IS NULL, l.board_rank, l.score DESC, l.id".to_owned(),
        CardSort::Score => "l.score DESC, l.id".to_owned(),
        CardSort::DaysInStage => "l.stage_changed_at ASC, l.id".to_owned(),
        CardSort::LastActivity => format!("{} DESC, l.id", flags.last_activity),
        CardSort::Name => {
            format!("COALESCE({NAME_SQL}, a.name, l.external_id) COLLATE NOCASE, l.id")
        }
    };
    let order = if query.first_ids.is_empty() {
        order
    } else {
        // The ids are integers, so writing them into the SQL is safe.
        let ids = query
            .first_ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        format!("l.id IN ({ids}) DESC, {order}")
    };
    let sql = format!(
        "SELECT l.id, {title}, a.name, l.score, l.source,
                l.owner, l.stage, l.pinned, l.stage_changed_at, {last}, {rotting}, {sla},
                l.disqualified_by, l.cooling
         FROM leads l LEFT JOIN accounts a ON a.id = l.account_id
         WHERE {where_clause}
         ORDER BY {order}
         LIMIT {} OFFSET {}",
        query.limit,
        query.offset,
        title = title_sql(),
        last = flags.last_activity,
        rotting = flags.rotting,
        sla = flags.sla_overdue,
    );
    let mut stmt = conn.prepare(&sql)?;
    let cards = stmt
        .query_map(params_from_iter(args.iter()), |row| {
            let stage_changed_at: i64 = row.get(8)?;
            let disqualified_by: Option<String> = row.get(12)?;
            Ok(Card {
                id: row.get(0)?,
                title: row.get(1)?,
                company: row.get(2)?,
                score: row.get(3)?,
                channel: row.get(4)?,
                owner: row.get(5)?,
                stage: row.get(6)?,
                pinned: row.get(7)?,
                days_in_stage: ((now - stage_changed_at) / DAY).max(0),
                last_activity_at: to_rfc3339(row.get(9)?),
                rotting: row.get(10)?,
                sla_overdue: row.get(11)?,
                disqualified_key: owned_rule_key(disqualified_by.as_deref()),
                disqualified_by,
                cooling: row.get(13)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(ColumnPage {
        stage: query.stage,
        total,
        offset: query.offset,
        cards,
    })
}

/// Values the board's filter lists offer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BoardFacets {
    pub owners: Vec<String>,
    pub channels: Vec<String>,
}

/// Returns the owners (from the owners list and from leads) and channels in use.
pub fn facets(conn: &Connection) -> Result<BoardFacets> {
    let list = |sql: &str| -> Result<Vec<String>> {
        let mut stmt = conn.prepare(sql)?;
        let values = stmt
            .query_map([], |row| row.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(values)
    };
    Ok(BoardFacets {
        owners: list(
            "SELECT name FROM owners WHERE active = 1
             UNION SELECT DISTINCT owner FROM leads WHERE owner IS NOT NULL AND owner <> '' AND forgotten_at IS NULL
             ORDER BY 1 COLLATE NOCASE",
        )?,
        channels: list(
            "SELECT DISTINCT source FROM leads WHERE source IS NOT NULL AND source <> '' ORDER BY 1 COLLATE NOCASE",
        )?,
    })
}

/// Everything the board shows when it opens: the column headers and the
/// first screen of every column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BoardSnapshot {
    pub columns: Vec<ColumnSummary>,
    /// First pages in pipeline order, one per column.
    pub pages: Vec<ColumnPage>,
}

/// Reads the column headers and the first `limit` cards of every column in
/// one call, so opening the board costs one request instead of seven.
pub fn snapshot(
    conn: &Connection,
    filter: &BoardFilter,
    sort: CardSort,
    limit: u32,
    first_ids: &[i64],
    config: &BoardConfig,
    now: i64,
) -> Result<BoardSnapshot> {
    let columns = summary(conn, filter, config, now)?;
    let pages = Stage::ALL
        .iter()
        .map(|stage| {
            let query = ColumnQuery {
                stage: *stage,
                filter: filter.clone(),
                sort,
                offset: 0,
                limit,
                first_ids: first_ids.to_vec(),
            };
            column(conn, &query, config, now)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(BoardSnapshot { columns, pages })
}
