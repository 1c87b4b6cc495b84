//! Writing scores: full recomputation of every lead, re-scoring of a few
//! leads after an edit, and recording new events. All three compute with the
//! same engine from the stored rules, fields and events, so re-scoring a
//! lead gives exactly what a full recomputation gives.

use std::path::Path;

use rusqlite::{params, Connection, Transaction};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::engine::{CompiledRules, EventFact, LeadFacts, LeadScore, TallyTable};
use super::load::{read_lead, text_at, Accounts, IdIndex, StoredLead, LEAD_SQL};
use super::rules::from_hundredths;
use super::stages::{
    automatic_move, current_thresholds, is_cooling, MovedCounts, StageWriter, Thresholds,
};
use super::store::list_rules;
use crate::error::{Error, Result};
use crate::model::Stage;
use crate::Database;

/// Result of [`recompute`] and of re-scoring some leads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RecomputeSummary {
    /// Leads scored.
    pub leads: u32,
    /// Leads whose score, its parts or its disqualifying rule changed.
    pub changed: u32,
    /// Leads moved forward into each stage.
    pub moved: MovedCounts,
    /// Leads moved to Disqualified by a disqualifying rule.
    pub disqualified: u32,
}

/// A new behaviour event for [`record_events`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct NewEvent {
    #[ts(type = "number")]
    pub lead_id: i64,
    pub event_type: String,
    /// Unix seconds, UTC.
    #[ts(type = "number")]
    pub occurred_at: i64,
    /// Properties as a JSON object, such as `{"url": "/pricing"}`.
    #[serde(default)]
    #[ts(type = "Record<string, unknown>")]
    pub properties: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub source: Option<String>,
    /// Id from the sending system; an event whose id is already stored is
    /// ignored, however often it is delivered.
    #[serde(default)]
    pub external_id: Option<String>,
}

/// Result of [`record_events`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RecordedEvents {
    pub inserted: u32,
    /// Events ignored because their external id was already stored.
    pub duplicates: u32,
    pub rescored: RecomputeSummary,
}

/// Writes new scores and automatic stage moves.
struct ScoreWriter<'t> {
    update: rusqlite::Statement<'t>,
    stages: StageWriter<'t>,
    thresholds: Thresholds,
    now: i64,
    summary: RecomputeSummary,
}

impl<'t> ScoreWriter<'t> {
    fn new(tx: &'t Transaction<'_>, now: i64) -> Result<Self> {
        Ok(ScoreWriter {
            update: tx.prepare(
                "UPDATE leads SET score = ?2, score_fit = ?3, score_behaviour = ?4, disqualified_by = ?5,
                                  cooling = ?6
                 WHERE id = ?1",
            )?,
            stages: StageWriter::new(tx)?,
            thresholds: current_thresholds(tx)?,
            now,
            summary: RecomputeSummary::default(),
        })
    }

    fn write(&mut self, lead: &StoredLead, score: &LeadScore) -> Result<()> {
        let points = score.points();
        let fit = from_hundredths(score.fit);
        let behaviour = from_hundredths(score.behaviour);
        let disqualified_by = score.disqualified_name();
        self.summary.leads += 1;

        let next = automatic_move(
            lead.stage,
            lead.pinned,
            points,
            disqualified_by.is_some(),
            &self.thresholds,
        );
        if let Some(to) = next {
            let actor = disqualified_by.filter(|_| to == Stage::Disqualified);
            self.stages
                .move_lead(lead.id, lead.stage, to, points, actor, self.now)?;
            self.summary.moved.add(to, 1);
            if to == Stage::Disqualified {
                self.summary.disqualified += 1;
            }
        }

        let cooling = is_cooling(next.unwrap_or(lead.stage), points, &self.thresholds);
        let changed = differs(lead, score);
        if changed || cooling != lead.cooling {
            self.update.execute(params![
                lead.id,
                points,
                fit,
                behaviour,
                disqualified_by,
                cooling
            ])?;
        }
        self.summary.changed += u32::from(changed);
        Ok(())
    }
}

/// Scores every lead from scratch at time `now` and moves leads forward,
/// in one transaction.
pub fn recompute(db: &mut Database, now: i64) -> Result<RecomputeSummary> {
    let rules = CompiledRules::new(&list_rules(db.conn())?);
    let old_cache = cache_size(db.conn())?;
    // A second connection can read the events in parallel only from a file.
    // This transaction holds the write lock and has written nothing yet, so
    // the second connection reads the same data.
    let file = Some(db.path().to_owned()).filter(|path| path.is_file());
    let tx = db.write()?;
    let summary = recompute_with(&tx, &rules, now, file.as_deref());
    let committed = summary.and_then(|summary| Ok(tx.commit().map(|_| summary)?));
    db.conn().pragma_update(None, "cache_size", old_cache)?;
    let summary = committed?;
    tracing::info!(
        leads = summary.leads,
        changed = summary.changed,
        moved = summary.moved.total(),
        "scores recomputed"
    );
    Ok(summary)
}

/// Page cache used while rewriting every lead, in KiB: large enough that
/// a transaction over 100,000 leads does not spill pages to the WAL file
/// before it commits. SQLite allocates it only as pages are read.
const LARGE_CACHE_KIB: i64 = 131_072;

fn cache_size(conn: &rusqlite::Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA cache_size", [], |row| row.get(0))?)
}

/// Sets the large page cache for the rest of the connection's use; the
/// caller restores the old size.
fn enlarge_cache(conn: &rusqlite::Connection) -> Result<()> {
    conn.pragma_update(None, "cache_size", -LARGE_CACHE_KIB)?;
    Ok(())
}

/// Runs `work` with a larger page cache, then restores the old size. Only
/// worth it for writes: a large cache filled by reads costs page faults.
pub(crate) fn with_large_cache<T>(
    db: &mut Database,
    work: impl FnOnce(&mut Database) -> Result<T>,
) -> Result<T> {
    let old = cache_size(db.conn())?;
    enlarge_cache(db.conn())?;
    let result = work(db);
    db.conn().pragma_update(None, "cache_size", old)?;
    result
}

/// Scores every lead with `rules` inside `tx`; the work of [`recompute`].
pub(crate) fn recompute_in(
    tx: &Transaction<'_>,
    rules: &CompiledRules,
    now: i64,
) -> Result<RecomputeSummary> {
    recompute_with(tx, rules, now, None)
}

/// Scores every lead inside `tx`. With `parallel_file`, the database file
/// of a transaction that has written nothing yet, a second connection
/// reads part of the events on another thread.
fn recompute_with(
    tx: &Transaction<'_>,
    rules: &CompiledRules,
    now: i64,
    parallel_file: Option<&Path>,
) -> Result<RecomputeSummary> {
    // 1. Leads and their fields, in id order, and 2. one pass over the
    //    events that some rule counts.
    let parallel = match parallel_file {
        Some(file) => read_in_parallel(tx, rules, now, file)?,
        None => None,
    };
    let (leads, index, table) = match parallel {
        Some(read) => read,
        None => {
            let leads = read_leads(tx, rules)?;
            let index = IdIndex::new(leads.iter().map(|(lead, _)| lead.id));
            let mut table = rules.new_table(leads.len());
            tally_events(tx, rules, &index, &mut table, now, i64::MIN, i64::MAX)?;
            (leads, index, table)
        }
    };

    // 3. Scores, then stage moves and writes, with a cache large enough to
    //    keep every changed page until the commit. When most leads change,
    //    the indexes on scores are rebuilt once instead of being
    //    updated row by row.
    let scores: Vec<LeadScore> = leads
        .iter()
        .map(|(lead, facts)| {
            let slot = index.get(lead.id).expect("every lead read has a slot");
            rules.total_row(facts, &table, slot)
        })
        .collect();
    drop(table);
    let changing = leads
        .iter()
        .zip(&scores)
        .filter(|((lead, _), score)| differs(lead, score))
        .count();
    enlarge_cache(tx)?;
    let rebuild = if changing >= BULK_WRITE_LEADS && changing * 4 >= leads.len() {
        drop_score_indexes(tx)?
    } else {
        Vec::new()
    };
    let mut writer = ScoreWriter::new(tx, now)?;
    for ((lead, _), score) in leads.iter().zip(&scores) {
        writer.write(lead, score)?;
    }
    let summary = writer.summary;
    for index in rebuild {
        tx.execute_batch(&index)?;
    }
    Ok(summary)
}

/// Number of changed leads from which a full recomputation rebuilds the
/// indexes on scores, if it also changes a quarter of all leads.
/// Below it, updating the indexes row by row is cheaper.
const BULK_WRITE_LEADS: usize = 10_000;

/// Reports whether the stored score, its parts or its disqualifying rule
/// differ from `score`.
fn differs(lead: &StoredLead, score: &LeadScore) -> bool {
    lead.score != score.points()
        || lead.fit != from_hundredths(score.fit)
        || lead.behaviour != from_hundredths(score.behaviour)
        || lead.disqualified_by.as_deref() != score.disqualified_name()
}

/// Drops the indexes of `leads` that contain a score column and returns
/// their definitions, to be run again after the writes. Indexes with the
/// stage stay: a recomputation moves few leads, so updating them row by
/// row is cheaper. Indexes that SQLite made for UNIQUE constraints have no
/// definition and stay.
fn drop_score_indexes(tx: &Transaction<'_>) -> Result<Vec<String>> {
    let mut stmt = tx.prepare(
        "SELECT m.name, m.sql FROM sqlite_master m
         WHERE m.type = 'index' AND m.tbl_name = 'leads' AND m.sql IS NOT NULL
           AND EXISTS (SELECT 1 FROM pragma_index_info(m.name) i
                       WHERE i.name IN ('score', 'score_fit', 'score_behaviour', 'cooling',
                                        'disqualified_by'))",
    )?;
    let found = stmt
        .query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    drop(stmt);
    for (name, _) in &found {
        tx.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))?;
    }
    Ok(found.into_iter().map(|(_, sql)| sql).collect())
}

/// Reads every lead and its account facts, in id order.
fn read_leads(conn: &Connection, rules: &CompiledRules) -> Result<LeadRows> {
    let mut accounts = Accounts::load_all(conn)?;
    let mut leads = Vec::new();
    let mut stmt = conn.prepare(&format!("{LEAD_SQL} ORDER BY l.id"))?;
    let mut rows = stmt.query([!rules.custom_keys().is_empty()])?;
    while let Some(row) = rows.next()? {
        leads.push(read_lead(row, rules, &mut accounts, conn)?);
    }
    Ok(leads)
}

/// Events are read in this many parts of their id range, so that the two
/// connections share the work whatever each one's speed.
const EVENT_PARTS: i64 = 32;

/// Every lead with the facts its fit rules test, in id order.
type LeadRows = Vec<(StoredLead, LeadFacts)>;

/// The leads, the position of each lead id in the tally table, and the
/// tally table.
type ReadLeads = (LeadRows, IdIndex, TallyTable);

/// Reads the leads on `tx` while a second connection to `file` starts on
/// the events on another thread. Once the leads are read, `tx` helps with
/// the rest of the events. Both tallies are indexed by lead id and added
/// up, and because points are whole hundredths, the sum does not depend on
/// the split. Returns `None` when lead ids are too sparse for a table
/// indexed by id.
fn read_in_parallel(
    tx: &Transaction<'_>,
    rules: &CompiledRules,
    now: i64,
    file: &Path,
) -> Result<Option<ReadLeads>> {
    // Separate statements, so that SQLite finds the smallest and largest id
    // at the ends of the table and counts on its smallest index.
    let query_number = |sql: &str| tx.query_row(sql, [], |row| row.get::<_, i64>(0));
    let count = query_number("SELECT COUNT(*) FROM leads")?;
    let first = query_number("SELECT COALESCE(MIN(id), 0) FROM leads")?;
    let last = query_number("SELECT COALESCE(MAX(id), 0) FROM leads")?;
    let span = last - first + 1;
    if count == 0 || span > count.saturating_mul(4) {
        return Ok(None);
    }
    let index = IdIndex::new(first..=last);
    let first_event = query_number("SELECT COALESCE(MIN(id), 0) FROM events")?;
    let last_event = query_number("SELECT COALESCE(MAX(id), 0) FROM events")?;
    let part = ((last_event - first_event) / EVENT_PARTS).max(1) + 1;
    let next_part = std::sync::atomic::AtomicI64::new(0);
    // Takes the next part of the events and tallies it, until none is left.
    let tally_parts = |conn: &Connection, table: &mut TallyTable| -> Result<()> {
        loop {
            let part_index = next_part.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let after = first_event - 1 + part_index * part;
            if after >= last_event {
                return Ok(());
            }
            tally_events(conn, rules, &index, table, now, after, after + part)?;
        }
    };

    let read: Result<Option<(LeadRows, TallyTable)>> = std::thread::scope(|scope| {
        // Without a second connection, this one reads every part alone.
        let helper = scope.spawn(|| -> Result<Option<TallyTable>> {
            let reader = match crate::db::open_reader(file) {
                Ok(reader) => reader,
                Err(error) => {
                    tracing::warn!(%error, "second connection failed to open, so scoring reads all events on the first");
                    return Ok(None);
                }
            };
            let mut table = rules.new_table(span as usize);
            tally_parts(&reader, &mut table)?;
            Ok(Some(table))
        });
        let leads = read_leads(tx, rules);
        let mut table = rules.new_table(span as usize);
        let own = tally_parts(tx, &mut table);
        let other = helper
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        let leads = leads?;
        own?;
        if let Some(other) = other? {
            table.merge(other);
        }
        // Both connections read the same leads while the write lock is held.
        // Should a lead ever lie outside the counted id range, the events
        // are counted again on one connection.
        if leads.iter().any(|(lead, _)| index.get(lead.id).is_none()) {
            tracing::warn!("leads changed while scoring, so the events are counted again");
            return Ok(None);
        }
        Ok(Some((leads, table)))
    });
    Ok(read?.map(|(leads, table)| (leads, index, table)))
}

/// Adds the events with an id above `after` and up to `until` to `table`,
/// a tally table over the leads of `index`.
fn tally_events(
    conn: &Connection,
    rules: &CompiledRules,
    index: &IdIndex,
    table: &mut TallyTable,
    now: i64,
    after: i64,
    until: i64,
) -> Result<()> {
    // Events of types no rule counts are skipped here rather than in SQL:
    // an IN list costs SQLite a lookup per row.
    let mut stmt = conn.prepare_cached(
        "SELECT id, lead_id, type, occurred_at, properties FROM events
         WHERE id > ?1 AND id <= ?2",
    )?;
    let mut rows = stmt.query([after, until])?;
    while let Some(row) = rows.next()? {
        let Some(slot) = index.get(row.get(1)?) else {
            continue;
        };
        let event_type = text_at(row, 2)?;
        if !rules.counts_type(event_type) {
            continue;
        }
        let event = EventFact {
            id: row.get(0)?,
            event_type,
            occurred_at: row.get(3)?,
            properties: text_at(row, 4)?,
        };
        rules.add_event_to_row(table, slot, &event, now);
    }
    Ok(())
}

/// Scores the leads with an id from `first_id` up inside `tx`, reading them
/// and their events in one pass each. An import calls it for the leads it
/// created, which hold the highest ids.
pub fn rescore_from_in(tx: &Transaction<'_>, first_id: i64, now: i64) -> Result<RecomputeSummary> {
    let rules = CompiledRules::new(&list_rules(tx)?);
    let mut accounts = Accounts::default();
    let mut leads = Vec::new();
    {
        let mut stmt = tx.prepare(&format!("{LEAD_SQL} WHERE l.id >= ?2 ORDER BY l.id"))?;
        let mut rows = stmt.query(params![!rules.custom_keys().is_empty(), first_id])?;
        while let Some(row) = rows.next()? {
            leads.push(read_lead(row, &rules, &mut accounts, tx)?);
        }
    }
    let index = IdIndex::new(leads.iter().map(|(lead, _)| lead.id));
    let mut table = rules.new_table(leads.len());
    {
        let mut stmt = tx.prepare(
            "SELECT id, lead_id, type, occurred_at, properties FROM events WHERE lead_id >= ?1",
        )?;
        let mut rows = stmt.query([first_id])?;
        while let Some(row) = rows.next()? {
            let Some(slot) = index.get(row.get(1)?) else {
                continue;
            };
            let event = EventFact {
                id: row.get(0)?,
                event_type: text_at(row, 2)?,
                occurred_at: row.get(3)?,
                properties: text_at(row, 4)?,
            };
            rules.add_event_to_row(&mut table, slot, &event, now);
        }
    }
    let mut writer = ScoreWriter::new(tx, now)?;
    for (slot, (lead, facts)) in leads.iter().enumerate() {
        writer.write(lead, &rules.total_row(facts, &table, slot))?;
    }
    Ok(writer.summary)
}

/// Scores the given leads from scratch inside `tx`, for use after an edit,
/// an import or new events. Unknown ids are skipped.
// NOTE: code that writes lead fields or events outside this module (CSV
// import, the lead editor) must call this in its own transaction, or the
// stored scores stay stale until the next full recomputation.
pub fn rescore_in(tx: &Transaction<'_>, lead_ids: &[i64], now: i64) -> Result<RecomputeSummary> {
    let rules = CompiledRules::new(&list_rules(tx)?);
    let mut read_lead_stmt = tx.prepare(&format!("{LEAD_SQL} WHERE l.id = ?2"))?;
    let mut accounts = Accounts::default();
    let mut read_events =
        tx.prepare("SELECT id, type, occurred_at, properties FROM events WHERE lead_id = ?1")?;
    let mut writer = ScoreWriter::new(tx, now)?;

    let mut ids = lead_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        let mut found = read_lead_stmt.query(params![!rules.custom_keys().is_empty(), id])?;
        let Some(row) = found.next()? else {
            continue;
        };
        let (lead, facts) = read_lead(row, &rules, &mut accounts, tx)?;
        let mut tally = rules.new_tally();
        let mut events = read_events.query([id])?;
        while let Some(row) = events.next()? {
            let event = EventFact {
                id: row.get(0)?,
                event_type: text_at(row, 1)?,
                occurred_at: row.get(2)?,
                properties: text_at(row, 3)?,
            };
            rules.add_event(&mut tally, &event, now);
        }
        writer.write(&lead, &rules.finish(&facts, &tally))?;
    }
    Ok(writer.summary)
}

/// Scores the given leads again in one transaction, for example after their
/// fields were edited.
pub fn rescore(db: &mut Database, lead_ids: &[i64], now: i64) -> Result<RecomputeSummary> {
    let tx = db.write()?;
    let summary = rescore_in(&tx, lead_ids, now)?;
    tx.commit()?;
    Ok(summary)
}

/// Stores new events and re-scores their leads in one transaction. An event
/// whose external id is already stored is counted as a duplicate and
/// ignored.
pub fn record_events(db: &mut Database, events: &[NewEvent], now: i64) -> Result<RecordedEvents> {
    for event in events {
        if event.event_type.trim().is_empty() {
            return Err(Error::invalid(
                "event type",
                event.event_type.clone(),
                "give every event a type such as page_view",
            ));
        }
    }

    let tx = db.write()?;
    let mut recorded = RecordedEvents::default();
    let mut touched = Vec::new();
    {
        let mut exists = tx.prepare("SELECT 1 FROM leads WHERE id = ?1")?;
        let mut insert = tx.prepare(
            "INSERT INTO events (lead_id, type, occurred_at, properties, source, external_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (external_id) DO NOTHING",
        )?;
        for event in events {
            if !exists.exists([event.lead_id])? {
                return Err(Error::NotFound {
                    what: "lead".to_owned(),
                    id: event.lead_id.to_string(),
                });
            }
            let properties = serde_json::Value::Object(event.properties.clone()).to_string();
            let inserted = insert.execute(params![
                event.lead_id,
                event.event_type.trim(),
                event.occurred_at,
                properties,
                event.source,
                event.external_id
            ])?;
            if inserted == 0 {
                recorded.duplicates += 1;
            } else {
                recorded.inserted += 1;
                touched.push(event.lead_id);
            }
        }
    }
    recorded.rescored = rescore_in(&tx, &touched, now)?;
    tx.commit()?;
    Ok(recorded)
}
