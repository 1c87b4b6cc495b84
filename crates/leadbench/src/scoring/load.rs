//! Reading what the engine scores: leads with their fields, accounts
//! shared by their leads, and events, borrowed from database rows where
//! possible.

use std::collections::HashMap;
use std::sync::Arc;

use rusqlite::params;

use super::engine::{AccountFacts, AccountRef, CompiledRules, EventFact, LeadFacts, LeadFields};
use crate::error::Result;
use crate::model::Stage;

/// Stored state of one lead, read before scoring it.
pub(crate) struct StoredLead {
    pub(crate) id: i64,
    pub(crate) stage: Stage,
    pub(crate) pinned: bool,
    pub(crate) score: f64,
    pub(crate) fit: f64,
    pub(crate) behaviour: f64,
    pub(crate) cooling: bool,
    pub(crate) disqualified_by: Option<String>,
}

/// An event as stored.
#[derive(Debug, Clone)]
pub(crate) struct StoredEvent {
    pub(crate) id: i64,
    pub(crate) external_id: Option<String>,
    pub(crate) event_type: String,
    pub(crate) occurred_at: i64,
    pub(crate) properties: String,
}

impl StoredEvent {
    pub(crate) fn fact(&self) -> EventFact<'_> {
        EventFact {
            id: self.id,
            event_type: &self.event_type,
            occurred_at: self.occurred_at,
            properties: &self.properties,
        }
    }
}

/// Reads one lead's stored state and fields.
pub(crate) fn read_one_lead(
    conn: &rusqlite::Connection,
    rules: &CompiledRules,
    lead_id: i64,
) -> Result<Option<(StoredLead, LeadFacts)>> {
    let mut stmt = conn.prepare_cached(&format!("{LEAD_SQL} WHERE l.id = ?2"))?;
    let mut rows = stmt.query(params![!rules.custom_keys().is_empty(), lead_id])?;
    match rows.next()? {
        Some(row) => Ok(Some(read_lead(row, rules, &mut Accounts::default(), conn)?)),
        None => Ok(None),
    }
}

/// Reads one lead's events, oldest first.
pub(crate) fn read_lead_events(
    conn: &rusqlite::Connection,
    lead_id: i64,
) -> Result<Vec<StoredEvent>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, external_id, type, occurred_at, properties FROM events
         WHERE lead_id = ?1 ORDER BY occurred_at, id",
    )?;
    let rows = stmt.query_map([lead_id], |row| {
        Ok(StoredEvent {
            id: row.get(0)?,
            external_id: row.get(1)?,
            event_type: row.get(2)?,
            occurred_at: row.get(3)?,
            properties: row.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(crate) const LEAD_SQL: &str =
    "SELECT l.id, l.job_title, l.account_id, l.source, l.email, l.consent,
        CASE WHEN ?1 THEN l.custom_fields END, l.stage, l.pinned, l.score, l.score_fit,
        l.score_behaviour, l.cooling, l.disqualified_by
 FROM leads l";

/// Normalized account fields by account id, read once and shared by the
/// account's leads.
#[derive(Default)]
pub(crate) struct Accounts {
    index: Option<IdIndex>,
    table: Option<Arc<[AccountFacts]>>,
    fetched: HashMap<i64, AccountRef>,
    none: AccountRef,
}

impl Accounts {
    pub(crate) fn load_all(conn: &rusqlite::Connection) -> Result<Self> {
        let mut ids = Vec::new();
        let mut facts = Vec::new();
        let mut stmt = conn.prepare("SELECT id, industry, size_band, country FROM accounts")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            ids.push(row.get::<_, i64>(0)?);
            facts.push(account_facts(row)?);
        }
        Ok(Accounts {
            index: Some(IdIndex::new(ids.iter().copied())),
            table: Some(Arc::from(facts)),
            ..Accounts::default()
        })
    }

    fn get(&mut self, conn: &rusqlite::Connection, id: Option<i64>) -> Result<AccountRef> {
        let Some(id) = id else {
            return Ok(self.none.clone());
        };
        let position = self.index.as_ref().and_then(|index| index.get(id));
        if let (Some(position), Some(table)) = (position, &self.table) {
            return Ok(AccountRef::shared(table.clone(), position));
        }
        if let Some(found) = self.fetched.get(&id) {
            return Ok(found.clone());
        }
        let mut stmt = conn.prepare_cached(
            "SELECT id, industry, size_band, country FROM accounts WHERE id = ?1",
        )?;
        let mut rows = stmt.query([id])?;
        let facts = match rows.next()? {
            Some(row) => AccountRef::single(account_facts(row)?),
            None => self.none.clone(),
        };
        self.fetched.insert(id, facts.clone());
        Ok(facts)
    }
}

fn optional_text<'r>(
    row: &'r rusqlite::Row<'_>,
    index: usize,
) -> rusqlite::Result<Option<&'r str>> {
    Ok(row.get_ref(index)?.as_str_or_null().ok().flatten())
}

fn account_facts(row: &rusqlite::Row<'_>) -> rusqlite::Result<AccountFacts> {
    Ok(AccountFacts::new(
        optional_text(row, 1)?,
        optional_text(row, 2)?,
        optional_text(row, 3)?,
    ))
}

pub(crate) fn read_lead(
    row: &rusqlite::Row<'_>,
    rules: &CompiledRules,
    accounts: &mut Accounts,
    conn: &rusqlite::Connection,
) -> Result<(StoredLead, LeadFacts)> {
    let fields = LeadFields {
        job_title: optional_text(row, 1)?,
        source: optional_text(row, 3)?,
        email: optional_text(row, 4)?,
        consent: row.get(5)?,
        custom_fields: optional_text(row, 6)?,
        ..LeadFields::default()
    };
    let account = accounts.get(conn, row.get(2)?)?;
    let facts = LeadFacts::with_account(&fields, account, rules.custom_keys());
    let stored = StoredLead {
        id: row.get(0)?,
        stage: row.get(7)?,
        pinned: row.get(8)?,
        score: row.get(9)?,
        fit: row.get(10)?,
        behaviour: row.get(11)?,
        cooling: row.get(12)?,
        disqualified_by: row.get(13)?,
    };
    Ok((stored, facts))
}

/// Borrows a text column without copying it.
pub(crate) fn text_at<'r>(row: &'r rusqlite::Row<'_>, index: usize) -> rusqlite::Result<&'r str> {
    row.get_ref(index)?.as_str().map_err(|error| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            Box::new(error),
        )
    })
}

/// Maps row ids to positions: a dense table when ids are compact, which
/// they are in SQLite unless many rows were deleted, else a hash map.
pub(crate) enum IdIndex {
    Dense { first: i64, slots: Vec<u32> },
    Sparse(HashMap<i64, usize>),
}

impl IdIndex {
    pub(crate) fn new(ids: impl Iterator<Item = i64> + Clone) -> Self {
        let count = ids.clone().count();
        let first = ids.clone().min().unwrap_or(0);
        let last = ids.clone().max().unwrap_or(0);
        let span = (last - first + 1).max(0) as usize;
        if count > 0 && span <= count.saturating_mul(4) {
            let mut slots = vec![u32::MAX; span];
            for (position, id) in ids.enumerate() {
                slots[(id - first) as usize] = position as u32;
            }
            IdIndex::Dense { first, slots }
        } else {
            IdIndex::Sparse(
                ids.enumerate()
                    .map(|(position, id)| (id, position))
                    .collect(),
            )
        }
    }

    pub(crate) fn get(&self, id: i64) -> Option<usize> {
        match self {
            IdIndex::Dense { first, slots } => {
                let offset = usize::try_from(id - first).ok()?;
                slots
                    .get(offset)
                    .filter(|s| **s != u32::MAX)
                    .map(|s| *s as usize)
            }
            IdIndex::Sparse(map) => map.get(&id).copied(),
        }
    }
}
