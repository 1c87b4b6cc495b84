//! The import history and undo of a whole import.
//!
//! Every row an import writes carries its `import_id`. For leads that
//! existed before, the values before and after the import are kept in
//! `import_lead_changes`. Undo deletes what the import wrote and restores
//! those values, unless a lead was changed after the import: then it
//! returns the list of such leads and changes nothing.

use std::collections::BTreeMap;

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::mapping::ColumnChoice;
use super::plan::Plan;
use super::{ImportKind, ImportReport, ImportRequest};
use crate::error::{Error, Result};
use crate::model::Stage;
use crate::time::to_rfc3339;
use crate::Database;

/// The lead columns an import may change, as one JSON object. `score` is
/// left out because scoring recomputes it at any time.
const LEAD_SNAPSHOT: &str = "json_object(
    'email', email, 'external_id', external_id, 'first_name', first_name, 'last_name', last_name,
    'phone', phone, 'job_title', job_title, 'account_id', account_id, 'source', source,
    'campaign_id', campaign_id, 'owner', owner, 'stage', stage, 'stage_changed_at', stage_changed_at,
    'pinned', pinned, 'consent', consent, 'created_at', created_at, 'updated_at', updated_at,
    'custom_fields', json(custom_fields))";

/// Records the start of an import and returns its id.
pub(super) fn begin(
    tx: &Transaction<'_>,
    request: &ImportRequest,
    plan: &Plan,
    now: i64,
) -> Result<i64> {
    let file_name = request
        .path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mapping: Vec<ColumnChoice> = plan
        .headers
        .iter()
        .zip(&plan.targets)
        .map(|(column, target)| ColumnChoice {
            column: column.clone(),
            target: target.clone(),
        })
        .collect();
    let options = serde_json::json!({
        "format": plan.format,
        "duplicates": request.duplicates,
        "stage": request.stage,
        "campaign": request.campaign,
        "owner": request.owner,
        "date_order": request.date_order,
        "decimal_mark": request.decimal_mark,
    });
    tx.execute(
        "INSERT INTO imports (kind, file_name, imported_at, mapping, options) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            request.kind.as_str(),
            file_name,
            now,
            serde_json::to_string(&mapping).unwrap_or_else(|_| "[]".to_owned()),
            options.to_string()
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Stores the counts and the after-values of changed leads.
pub(super) fn finish(tx: &Transaction<'_>, import_id: i64, report: &ImportReport) -> Result<()> {
    tx.execute(
        &format!(
            "UPDATE import_lead_changes
             SET after = (SELECT {LEAD_SNAPSHOT} FROM leads WHERE leads.id = import_lead_changes.lead_id)
             WHERE import_id = ?1"
        ),
        [import_id],
    )?;
    tx.execute(
        "UPDATE imports SET created = ?2, updated = ?3, skipped = ?4, rejected = ?5, warnings = ?6,
             last_event_id = (SELECT COALESCE(MAX(id), 0) FROM events),
             last_stage_change_id = (SELECT COALESCE(MAX(id), 0) FROM stage_changes),
             last_deal_id = (SELECT COALESCE(MAX(id), 0) FROM deals)
         WHERE id = ?1",
        params![
            import_id,
            report.created as i64,
            report.updated as i64,
            report.skipped as i64,
            report.rejected as i64,
            report.warnings.len() as i64
        ],
    )?;
    Ok(())
}

/// Keeps the values of an existing lead before the import first changes it.
pub(super) fn remember_lead(tx: &Transaction<'_>, import_id: i64, lead_id: i64) -> Result<()> {
    tx.prepare_cached(&format!(
        "INSERT OR IGNORE INTO import_lead_changes (import_id, lead_id, before, after)
         SELECT ?1, id, {LEAD_SNAPSHOT}, '{{}}' FROM leads WHERE id = ?2"
    ))?
    .execute(params![import_id, lead_id])?;
    Ok(())
}

/// Records a stage change written by an import.
pub(super) fn insert_stage_change(
    tx: &Transaction<'_>,
    lead_id: i64,
    from: Option<Stage>,
    to: Stage,
    at: i64,
    reason: &str,
    import_id: i64,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO stage_changes (lead_id, from_stage, to_stage, changed_at, reason, actor, import_id)
         VALUES (?1, ?2, ?3, ?4, ?5, 'import', ?6)",
    )?
    .execute(params![lead_id, from, to, at, reason, import_id])?;
    Ok(())
}

/// One entry of the import history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ImportRecord {
    #[ts(type = "number")]
    pub id: i64,
    pub kind: ImportKind,
    pub file_name: String,
    /// UTC, RFC 3339.
    pub imported_at: String,
    #[ts(type = "number")]
    pub created: u64,
    #[ts(type = "number")]
    pub updated: u64,
    #[ts(type = "number")]
    pub skipped: u64,
    #[ts(type = "number")]
    pub rejected: u64,
    #[ts(type = "number")]
    pub warnings: u64,
    pub mapping: Vec<ColumnChoice>,
    /// UTC, RFC 3339. Null unless the import was undone.
    pub undone_at: Option<String>,
}

/// Lists imports, newest first.
pub fn list(conn: &Connection) -> Result<Vec<ImportRecord>> {
    let mut stmt = conn.prepare(
        "SELECT id, kind, file_name, imported_at, created, updated, skipped, rejected, warnings, mapping, undone_at
         FROM imports ORDER BY id DESC",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, i64>(3)?,
            [
                row.get::<_, i64>(4)?,
                row.get(5)?,
                row.get(6)?,
                row.get(7)?,
                row.get(8)?,
            ],
            row.get::<_, String>(9)?,
            row.get::<_, Option<i64>>(10)?,
        ))
    })?;
    let mut records = Vec::new();
    for row in rows {
        let (id, kind, file_name, imported_at, counts, mapping, undone_at) = row?;
        records.push(ImportRecord {
            id,
            kind: kind.parse()?,
            file_name,
            imported_at: to_rfc3339(imported_at),
            created: counts[0] as u64,
            updated: counts[1] as u64,
            skipped: counts[2] as u64,
            rejected: counts[3] as u64,
            warnings: counts[4] as u64,
            mapping: serde_json::from_str(&mapping).unwrap_or_default(),
            undone_at: undone_at.map(to_rfc3339),
        });
    }
    Ok(records)
}

/// A lead that changed after the import, so undo would lose that change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct UndoConflict {
    #[ts(type = "number")]
    pub lead_id: i64,
    /// E-mail address or external id.
    pub lead: String,
    pub kind: ConflictKind,
    /// The later import that changed the lead, for [`ConflictKind::LaterImport`].
    #[ts(type = "number | null")]
    pub later_import: Option<i64>,
    /// English explanation with the fix.
    pub reason: String,
}

/// Kind of change that stops an undo, so the app can show a translated text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ConflictKind {
    /// A later import changed the lead; undo that import first.
    LaterImport,
    StageChanged,
    NewActivity,
    NewDeal,
    /// A person (or another command) edited the lead.
    Edited,
}

/// Outcome of [`undo`]: the counts of what it removed, or the conflicts
/// that stopped it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct UndoReport {
    #[ts(type = "number")]
    pub import_id: i64,
    /// False when conflicts stopped the undo; nothing was changed then.
    pub undone: bool,
    pub conflicts: Vec<UndoConflict>,
    #[ts(type = "number")]
    pub leads_deleted: u64,
    #[ts(type = "number")]
    pub leads_restored: u64,
    #[ts(type = "number")]
    pub deals_deleted: u64,
    #[ts(type = "number")]
    pub events_deleted: u64,
}

/// Leads the import created or changed, as an SQL subquery on `?1`.
const TOUCHED: &str =
    "(SELECT id FROM leads WHERE import_id = ?1 UNION SELECT lead_id FROM import_lead_changes WHERE import_id = ?1)";

/// Undoes import `import_id` as a whole in one transaction: deletes the
/// leads, deals, events and stage changes it wrote and restores the leads it
/// changed. When a lead changed after the import (by a person, a later
/// import, new events or stage moves), nothing is changed and the report
/// lists those leads. Fails when the import does not exist or was undone.
pub fn undo(db: &mut Database, import_id: i64) -> Result<UndoReport> {
    let tx = db.write()?;
    let record: Option<(i64, Option<i64>, [i64; 3])> = tx
        .query_row(
            "SELECT imported_at, undone_at, last_event_id, last_stage_change_id, last_deal_id FROM imports WHERE id = ?1",
            [import_id],
            |row| Ok((row.get(0)?, row.get(1)?, [row.get(2)?, row.get(3)?, row.get(4)?])),
        )
        .optional()?;
    let Some((imported_at, undone_at, last_ids)) = record else {
        return Err(Error::NotFound {
            what: "import".to_owned(),
            id: import_id.to_string(),
        });
    };
    if undone_at.is_some() {
        return Err(Error::invalid(
            "import",
            import_id.to_string(),
            "this import was already undone",
        ));
    }

    let conflicts = find_conflicts(&tx, import_id, imported_at, last_ids)?;
    if !conflicts.is_empty() {
        return Ok(UndoReport {
            import_id,
            conflicts,
            ..UndoReport::default()
        });
    }

    let mut report = UndoReport {
        import_id,
        undone: true,
        ..UndoReport::default()
    };
    report.events_deleted =
        tx.execute("DELETE FROM events WHERE import_id = ?1", [import_id])? as u64;
    report.deals_deleted =
        tx.execute("DELETE FROM deals WHERE import_id = ?1", [import_id])? as u64;
    tx.execute(
        "DELETE FROM stage_changes WHERE import_id = ?1",
        [import_id],
    )?;
    report.leads_deleted =
        tx.execute("DELETE FROM leads WHERE import_id = ?1", [import_id])? as u64;
    report.leads_restored = restore_leads(&tx, import_id)?;
    tx.execute(
        "DELETE FROM accounts WHERE import_id = ?1 AND NOT EXISTS (SELECT 1 FROM leads WHERE account_id = accounts.id)",
        [import_id],
    )?;
    tx.execute(
        "DELETE FROM campaigns WHERE import_id = ?1 AND NOT EXISTS (SELECT 1 FROM leads WHERE campaign_id = campaigns.id)",
        [import_id],
    )?;
    tx.execute(
        "UPDATE imports SET undone_at = ?2 WHERE id = ?1",
        params![import_id, crate::time::now()],
    )?;
    tx.commit()?;
    tracing::info!(import_id, "import undone");
    Ok(report)
}

fn find_conflicts(
    tx: &Transaction<'_>,
    import_id: i64,
    imported_at: i64,
    last_ids: [i64; 3],
) -> Result<Vec<UndoConflict>> {
    let mut found: BTreeMap<i64, (ConflictKind, Option<i64>, String)> = BTreeMap::new();
    let mut collect = |sql: &str,
                       args: &[&dyn rusqlite::ToSql],
                       kind: ConflictKind,
                       reason: &dyn Fn(i64) -> String|
     -> Result<()> {
        let mut stmt = tx.prepare(sql)?;
        let rows = stmt.query_map(args, |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (lead_id, detail) = row?;
            let later = (kind == ConflictKind::LaterImport).then_some(detail);
            found
                .entry(lead_id)
                .or_insert_with(|| (kind, later, reason(detail)));
        }
        Ok(())
    };

    collect(
        &format!(
            "SELECT c.lead_id, c.import_id FROM import_lead_changes c JOIN imports i ON i.id = c.import_id
             WHERE c.import_id > ?1 AND i.undone_at IS NULL AND c.lead_id IN {TOUCHED}"
        ),
        &[&import_id],
        ConflictKind::LaterImport,
        &|later| format!("changed by the later import {later}; undo that one first"),
    )?;
    for (table, last_id, kind, what) in [
        (
            "stage_changes",
            last_ids[1],
            ConflictKind::StageChanged,
            "its stage changed",
        ),
        (
            "events",
            last_ids[0],
            ConflictKind::NewActivity,
            "it has new activity",
        ),
        (
            "deals",
            last_ids[2],
            ConflictKind::NewDeal,
            "it has a new deal",
        ),
    ] {
        collect(
            &format!("SELECT lead_id, id FROM {table} WHERE id > ?2 AND lead_id IN {TOUCHED}"),
            &[&import_id, &last_id],
            kind,
            &|_| format!("{what} after the import"),
        )?;
    }
    collect(
        &format!(
            "SELECT c.lead_id, 0 FROM import_lead_changes c JOIN leads ON leads.id = c.lead_id
             WHERE c.import_id = ?1 AND {LEAD_SNAPSHOT} <> c.after"
        ),
        &[&import_id],
        ConflictKind::Edited,
        &|_| "edited after the import".to_owned(),
    )?;
    // NOTE: a change made within the same second as the import is not seen
    // here, because updated_at has one-second resolution.
    collect(
        "SELECT id, 0 FROM leads WHERE import_id = ?1 AND updated_at > ?2",
        &[&import_id, &imported_at],
        ConflictKind::Edited,
        &|_| "edited after the import".to_owned(),
    )?;

    let mut conflicts = Vec::with_capacity(found.len());
    for (lead_id, (kind, later_import, reason)) in found {
        let lead: String = tx.query_row(
            "SELECT COALESCE(email, external_id, '') FROM leads WHERE id = ?1",
            [lead_id],
            |row| row.get(0),
        )?;
        conflicts.push(UndoConflict {
            lead_id,
            lead,
            kind,
            later_import,
            reason,
        });
    }
    Ok(conflicts)
}

fn restore_leads(tx: &Transaction<'_>, import_id: i64) -> Result<u64> {
    let restored = tx.execute(
        "UPDATE leads SET
             email = json_extract(c.before, '$.email'), external_id = json_extract(c.before, '$.external_id'),
             first_name = json_extract(c.before, '$.first_name'), last_name = json_extract(c.before, '$.last_name'),
             phone = json_extract(c.before, '$.phone'), job_title = json_extract(c.before, '$.job_title'),
             account_id = json_extract(c.before, '$.account_id'), source = json_extract(c.before, '$.source'),
             campaign_id = json_extract(c.before, '$.campaign_id'), owner = json_extract(c.before, '$.owner'),
             stage = json_extract(c.before, '$.stage'),
             stage_changed_at = json_extract(c.before, '$.stage_changed_at'),
             pinned = json_extract(c.before, '$.pinned'), consent = json_extract(c.before, '$.consent'),
             created_at = json_extract(c.before, '$.created_at'),
             updated_at = json_extract(c.before, '$.updated_at'),
             custom_fields = json_extract(c.before, '$.custom_fields')
         FROM import_lead_changes c
         WHERE c.import_id = ?1 AND c.lead_id = leads.id",
        [import_id],
    )?;
    Ok(restored as u64)
}
