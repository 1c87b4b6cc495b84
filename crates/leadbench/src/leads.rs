//! Reading leads: pages for the Leads table and totals per stage.

use rusqlite::{params_from_iter, types::Value, Connection};

use crate::error::{Error, Result};
use crate::model::{LeadPage, LeadQuery, LeadRow, LeadSort, Stage, Stats};
use crate::scoring::defaults::owned_rule_key;
use crate::time::to_rfc3339;

/// Largest page the table or the CLI can request at once.
pub const MAX_PAGE: u32 = 10_000;

pub(crate) const NAME_SQL: &str =
    "NULLIF(TRIM(COALESCE(l.first_name, '') || ' ' || COALESCE(l.last_name, '')), '')";

/// Returns one page of leads for `query`, with the number of matching leads.
/// Only the requested rows are read, so a table over 100,000 leads stays
/// cheap to scroll.
pub fn list(conn: &Connection, query: &LeadQuery) -> Result<LeadPage> {
    if query.limit == 0 || query.limit > MAX_PAGE {
        return Err(Error::invalid(
            "limit",
            query.limit.to_string(),
            format!("ask for between 1 and {MAX_PAGE} leads at a time"),
        ));
    }

    // Each condition refers to its argument by number (?1, ?2, ...), so the
    // search pattern can be used three times with one binding.
    // Leads whose personal data was erased stay only for the KPIs.
    let mut conditions = vec!["l.forgotten_at IS NULL".to_owned()];
    let mut args: Vec<Value> = Vec::new();
    if let Some(stage) = query.stage {
        args.push(Value::Text(stage.as_str().to_owned()));
        conditions.push(format!("l.stage = ?{}", args.len()));
    }
    if let Some(search) = query
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        args.push(Value::Text(format!("%{}%", escape_like(search))));
        let n = args.len();
        conditions.push(format!(
            "({NAME_SQL} LIKE ?{n} ESCAPE '\\' OR l.email LIKE ?{n} ESCAPE '\\' OR a.name LIKE ?{n} ESCAPE '\\')"
        ));
    }
    // Leads behind a dashboard figure: the ids travel as one JSON array.
    let searches_company = args.len() > usize::from(query.stage.is_some());
    if let Some(ids) = &query.ids {
        args.push(Value::Text(serde_json::to_string(ids).unwrap_or_default()));
        conditions.push(format!(
            "l.id IN (SELECT value FROM json_each(?{}))",
            args.len()
        ));
    }
    let where_clause = format!("WHERE {}", conditions.join(" AND "));

    // The join to accounts is only needed when the search looks at company names.
    let join = if searches_company {
        "LEFT JOIN accounts a ON a.id = l.account_id"
    } else {
        ""
    };
    let total: u32 = conn.query_row(
        &format!("SELECT COUNT(*) FROM leads l {join} {where_clause}"),
        params_from_iter(args.iter()),
        |row| row.get(0),
    )?;

    let direction = if query.descending { "DESC" } else { "ASC" };
    let order = match query.sort {
        LeadSort::CreatedAt => format!("l.created_at {direction}, l.id {direction}"),
        LeadSort::Name => format!("{NAME_SQL} COLLATE NOCASE {direction} NULLS LAST, l.id"),
        LeadSort::Company => format!("a.name COLLATE NOCASE {direction} NULLS LAST, l.id"),
        LeadSort::Email => format!("l.email {direction} NULLS LAST, l.id"),
        LeadSort::Score => format!("l.score {direction}, l.id"),
        LeadSort::Stage => format!(
            "CASE l.stage WHEN 'new' THEN 0 WHEN 'mql' THEN 1 WHEN 'warm' THEN 2 WHEN 'sql' THEN 3 \
             WHEN 'customer' THEN 4 ELSE 5 END {direction}, l.id"
        ),
    };
    // NOTE: OFFSET walks past every skipped row, so a page near the end of
    // 100,000 leads costs more than the first; keyset paging would not.
    let sql = format!(
        "SELECT l.id, l.external_id, l.email, {NAME_SQL}, a.name, l.job_title, l.source, l.owner,
                l.stage, l.score, l.created_at, l.disqualified_by
         FROM leads l LEFT JOIN accounts a ON a.id = l.account_id
         {where_clause}
         ORDER BY {order}
         LIMIT {} OFFSET {}",
        query.limit, query.offset
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(args.iter()), |row| {
            let disqualified_by: Option<String> = row.get(11)?;
            Ok(LeadRow {
                id: row.get(0)?,
                external_id: row.get(1)?,
                email: row.get(2)?,
                name: row.get(3)?,
                company: row.get(4)?,
                job_title: row.get(5)?,
                source: row.get(6)?,
                owner: row.get(7)?,
                stage: row.get(8)?,
                score: row.get(9)?,
                created_at: to_rfc3339(row.get(10)?),
                disqualified_key: owned_rule_key(disqualified_by.as_deref()),
                disqualified_by,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(LeadPage {
        total,
        offset: query.offset,
        rows,
    })
}

pub(crate) fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(ch);
    }
    escaped
}

/// Returns lead counts per stage and the sizes of the other main tables.
pub fn stats(conn: &Connection) -> Result<Stats> {
    let mut stats = Stats::default();
    let mut stmt = conn
        .prepare("SELECT stage, COUNT(*) FROM leads WHERE forgotten_at IS NULL GROUP BY stage")?;
    let rows = stmt.query_map([], |row| {
        Ok((row.get::<_, Stage>(0)?, row.get::<_, u32>(1)?))
    })?;
    for row in rows {
        let (stage, count) = row?;
        stats.stages.add(stage, count);
        stats.leads += count;
    }
    let count = |table: &str| -> Result<u32> {
        Ok(
            conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
                row.get(0)
            })?,
        )
    };
    stats.accounts = count("accounts")?;
    stats.campaigns = count("campaigns")?;
    stats.events = count("events")?;
    Ok(stats)
}
