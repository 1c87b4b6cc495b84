//! Saving, editing and listing sequences, and reading enrolments, the
//! outbox and history.
//!
//! Editing an active sequence keeps every enrolled lead. A lead goes on from
//! the step with the same id in the new version. When that step was removed,
//! it goes on from the next old step that still exists, and when none is
//! left, its enrolment completes. Every enrolled lead is then looked at again on the
//! next run, so changed waits count from when the lead reached the step.

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::model::{
    EditImpact, Enrolment, EnrolmentState, HistoryEntry, OutboxKind, OutboxQuery, OutboxRow,
    OutboxStatus, Sequence, SequenceDraft, SequenceStatus, SequenceSummary, Trigger,
};
use super::validate::validate;
use crate::error::{Error, Result};
use crate::Database;

fn trigger_columns(trigger: &Trigger) -> (&'static str, Option<String>) {
    match trigger {
        Trigger::Event { event_type, .. } => ("event", Some(event_type.trim().to_owned())),
        Trigger::Stage { stage } => ("stage", Some(stage.as_str().to_owned())),
        Trigger::Score { .. } => ("score", None),
        Trigger::Manual => ("manual", None),
    }
}

fn to_json(draft: &SequenceDraft) -> String {
    serde_json::to_string(draft).unwrap_or_else(|_| "{}".to_owned())
}

fn parse_draft(id: i64, json: &str) -> Result<SequenceDraft> {
    serde_json::from_str(json).map_err(|error| {
        Error::invalid(
            "stored sequence",
            id.to_string(),
            format!(
                "its definition cannot be read ({error}); open it in the editor and save it again"
            ),
        )
    })
}

/// Saves a new sequence and returns it.
pub fn create_sequence(db: &mut Database, draft: &SequenceDraft, now: i64) -> Result<Sequence> {
    validate(draft)?;
    let tx = db.write()?;
    let id = insert_sequence(&tx, draft, now)?;
    tx.commit()?;
    get_sequence(db.conn(), id)
}

/// Inserts a validated sequence inside the caller's transaction.
pub(crate) fn insert_sequence(conn: &Connection, draft: &SequenceDraft, now: i64) -> Result<i64> {
    let name = draft.name.trim();
    let taken: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM nurture_sequences WHERE name = ?1)",
        [name],
        |row| row.get(0),
    )?;
    if taken {
        return Err(Error::invalid(
            "sequence name",
            name,
            "another sequence has that name; choose another",
        ));
    }
    let (kind, key) = trigger_columns(&draft.trigger);
    let mut stored = draft.clone();
    stored.name = name.to_owned();
    conn.execute(
        "INSERT INTO nurture_sequences
             (name, status, definition, trigger_kind, trigger_key, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        params![
            name,
            draft.status.as_str(),
            to_json(&stored),
            kind,
            key,
            now
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Reads one sequence.
pub fn get_sequence(conn: &Connection, id: i64) -> Result<Sequence> {
    let row = conn
        .query_row(
            "SELECT definition, version, created_at, updated_at, status
             FROM nurture_sequences WHERE id = ?1",
            [id],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get::<_, String>(4)?,
                ))
            },
        )
        .optional()?;
    let Some((json, version, created_at, updated_at, status)) = row else {
        return Err(Error::NotFound {
            what: "sequence".into(),
            id: id.to_string(),
        });
    };
    let mut draft = parse_draft(id, &json)?;
    draft.status = parse_status(&status);
    Ok(Sequence {
        id,
        version,
        created_at,
        updated_at,
        draft,
    })
}

fn parse_status(text: &str) -> SequenceStatus {
    if text == "paused" {
        SequenceStatus::Paused
    } else {
        SequenceStatus::Active
    }
}

/// Finds a sequence by its name, ignoring case.
pub fn find_sequence(conn: &Connection, name: &str) -> Result<Sequence> {
    let id: Option<i64> = conn
        .query_row(
            "SELECT id FROM nurture_sequences WHERE name = ?1 COLLATE NOCASE",
            [name.trim()],
            |row| row.get(0),
        )
        .optional()?;
    match id {
        Some(id) => get_sequence(conn, id),
        None => Err(Error::NotFound {
            what: "sequence".into(),
            id: name.to_owned(),
        }),
    }
}

/// Lists every sequence with its enrolment counts.
pub fn list_sequences(conn: &Connection) -> Result<Vec<SequenceSummary>> {
    let mut stmt = conn.prepare(
        "SELECT s.id, s.name, s.status, s.definition,
                (SELECT COUNT(*) FROM nurture_enrolments e WHERE e.sequence_id = s.id AND e.state = 'active'),
                (SELECT COUNT(*) FROM nurture_enrolments e WHERE e.sequence_id = s.id AND e.state = 'completed'),
                (SELECT COUNT(*) FROM nurture_enrolments e WHERE e.sequence_id = s.id AND e.state = 'exited')
         FROM nurture_sequences s ORDER BY s.name",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
            row.get::<_, u32>(4)?,
            row.get::<_, u32>(5)?,
            row.get::<_, u32>(6)?,
        ))
    })?;
    let mut summaries = Vec::new();
    for row in rows {
        let (id, name, status, json, active, completed, exited) = row?;
        let draft = parse_draft(id, &json)?;
        summaries.push(SequenceSummary {
            id,
            name,
            status: parse_status(&status),
            trigger: draft.trigger,
            steps: draft.steps.len() as u32,
            active,
            completed,
            exited,
        });
    }
    Ok(summaries)
}

/// Loads the definitions of every sequence, keyed by id, with its name and
/// status, for a scheduler run.
pub(crate) fn load_definitions(
    conn: &Connection,
) -> Result<HashMap<i64, (String, SequenceStatus, SequenceDraft)>> {
    let mut stmt = conn.prepare("SELECT id, name, status, definition FROM nurture_sequences")?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
        ))
    })?;
    let mut definitions = HashMap::new();
    for row in rows {
        let (id, name, status, json) = row?;
        definitions.insert(id, (name, parse_status(&status), parse_draft(id, &json)?));
    }
    Ok(definitions)
}

/// Pauses or resumes a sequence. Paused sequences enrol no leads, and their
/// leads wait at their step. After a resume, overdue steps run on the next run.
pub fn set_status(db: &mut Database, id: i64, status: SequenceStatus, now: i64) -> Result<()> {
    let tx = db.write()?;
    let changed = tx.execute(
        "UPDATE nurture_sequences SET status = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, status.as_str(), now],
    )?;
    if changed == 0 {
        return Err(Error::NotFound {
            what: "sequence".into(),
            id: id.to_string(),
        });
    }
    tx.commit()?;
    Ok(())
}

/// Enrolment ids with the new step index, or `None` to complete.
type EditPlan = Vec<(i64, Option<usize>)>;

/// Plans where each active enrolment of the sequence goes under `draft`
/// and counts the outcomes.
fn plan_edit(conn: &Connection, id: i64, draft: &SequenceDraft) -> Result<(EditPlan, EditImpact)> {
    let old = get_sequence(conn, id)?.draft;
    let new_index: HashMap<&str, usize> = draft
        .steps
        .iter()
        .enumerate()
        .map(|(index, step)| (step.id.as_str(), index))
        .collect();

    let mut stmt = conn.prepare(
        "SELECT id, step_index FROM nurture_enrolments WHERE sequence_id = ?1 AND state = 'active'",
    )?;
    let rows = stmt.query_map([id], |row| {
        Ok((row.get::<_, i64>(0)?, row.get::<_, usize>(1)?))
    })?;
    let mut plan = Vec::new();
    let mut impact = EditImpact::default();
    for row in rows {
        let (enrolment, step_index) = row?;
        impact.active_enrolments += 1;
        let target = old
            .steps
            .iter()
            .skip(step_index)
            .find_map(|step| new_index.get(step.id.as_str()).copied());
        let same = old
            .steps
            .get(step_index)
            .is_some_and(|step| new_index.contains_key(step.id.as_str()));
        match (target, same) {
            (Some(_), true) => impact.stay_on_step += 1,
            (Some(_), false) => impact.moved_forward += 1,
            (None, _) => impact.completed += 1,
        }
        plan.push((enrolment, target));
    }
    Ok((plan, impact))
}

/// Tells what saving `draft` over sequence `id` would do to enrolled leads,
/// without saving.
pub fn preview_edit(conn: &Connection, id: i64, draft: &SequenceDraft) -> Result<EditImpact> {
    validate(draft)?;
    Ok(plan_edit(conn, id, draft)?.1)
}

/// Saves `draft` over sequence `id` and moves enrolled leads as
/// [`preview_edit`] describes, in one transaction.
pub fn update_sequence(
    db: &mut Database,
    id: i64,
    draft: &SequenceDraft,
    now: i64,
) -> Result<EditImpact> {
    validate(draft)?;
    let tx = db.write()?;
    let (plan, impact) = plan_edit(&tx, id, draft)?;
    let name = draft.name.trim();
    let clash: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM nurture_sequences WHERE name = ?1 AND id <> ?2)",
        params![name, id],
        |row| row.get(0),
    )?;
    if clash {
        return Err(Error::invalid(
            "sequence name",
            name,
            "another sequence has that name; choose another",
        ));
    }

    let mut stored = draft.clone();
    stored.name = name.to_owned();
    let (kind, key) = trigger_columns(&draft.trigger);
    tx.execute(
        "UPDATE nurture_sequences
         SET name = ?2, status = ?3, definition = ?4, trigger_kind = ?5, trigger_key = ?6,
             version = version + 1, updated_at = ?7
         WHERE id = ?1",
        params![
            id,
            name,
            draft.status.as_str(),
            to_json(&stored),
            kind,
            key,
            now
        ],
    )?;

    for (enrolment, target) in plan {
        match target {
            Some(index) => {
                tx.execute(
                    "UPDATE nurture_enrolments SET step_index = ?2, next_due_at = MIN(next_due_at, ?3)
                     WHERE id = ?1",
                    params![enrolment, index, now],
                )?;
            }
            None => {
                tx.execute(
                    "UPDATE nurture_enrolments
                     SET state = 'completed', next_due_at = NULL, ended_at = ?2,
                         exit_reason = 'steps removed by an edit'
                     WHERE id = ?1",
                    params![enrolment, now],
                )?;
            }
        }
    }
    tx.execute(
        "INSERT INTO nurture_history (sequence_id, at, kind, detail) VALUES (?1, ?2, 'edited', ?3)",
        params![
            id,
            now,
            format!(
                "{} on the same step, {} moved forward, {} completed",
                impact.stay_on_step, impact.moved_forward, impact.completed
            )
        ],
    )?;
    tx.commit()?;
    Ok(impact)
}

/// Deletes a sequence with its enrolments, outbox and history.
pub fn delete_sequence(db: &mut Database, id: i64) -> Result<()> {
    let tx = db.write()?;
    tx.execute("DELETE FROM nurture_outbox WHERE sequence_id = ?1", [id])?;
    tx.execute("DELETE FROM nurture_history WHERE sequence_id = ?1", [id])?;
    let deleted = tx.execute("DELETE FROM nurture_sequences WHERE id = ?1", [id])?;
    if deleted == 0 {
        return Err(Error::NotFound {
            what: "sequence".into(),
            id: id.to_string(),
        });
    }
    tx.commit()?;
    Ok(())
}

fn enrolment_from_row(row: &Row<'_>) -> rusqlite::Result<Enrolment> {
    let state: String = row.get(3)?;
    Ok(Enrolment {
        id: row.get(0)?,
        sequence_id: row.get(1)?,
        lead_id: row.get(2)?,
        state: match state.as_str() {
            "active" => EnrolmentState::Active,
            "completed" => EnrolmentState::Completed,
            _ => EnrolmentState::Exited,
        },
        step_index: row.get(4)?,
        next_due_at: row.get(5)?,
        enrolled_at: row.get(6)?,
        ended_at: row.get(7)?,
        exit_reason: row.get(8)?,
        failures: row.get(9)?,
    })
}

const ENROLMENT_COLUMNS: &str = "id, sequence_id, lead_id, state, step_index, next_due_at, \
                                 enrolled_at, ended_at, exit_reason, failures";

/// Lists the enrolments of one sequence, or of one lead, newest first.
pub fn list_enrolments(
    conn: &Connection,
    sequence_id: Option<i64>,
    lead_id: Option<i64>,
    limit: u32,
) -> Result<Vec<Enrolment>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {ENROLMENT_COLUMNS} FROM nurture_enrolments
         WHERE (?1 IS NULL OR sequence_id = ?1) AND (?2 IS NULL OR lead_id = ?2)
         ORDER BY enrolled_at DESC, id DESC LIMIT ?3"
    ))?;
    let rows = stmt.query_map(params![sequence_id, lead_id, limit], enrolment_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Lists active enrolments that no run has moved on: those whose step was
/// due more than `grace_seconds` before `now`, and those whose step failed
/// and waits for a retry. A scheduler run leaves only failed ones.
pub fn stuck_enrolments(conn: &Connection, now: i64, grace_seconds: i64) -> Result<Vec<Enrolment>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {ENROLMENT_COLUMNS} FROM nurture_enrolments e
         WHERE state = 'active' AND (next_due_at < ?1 OR failures > 0)
           AND (SELECT status FROM nurture_sequences s WHERE s.id = e.sequence_id) = 'active'
         ORDER BY next_due_at"
    ))?;
    let rows = stmt.query_map([now - grace_seconds], enrolment_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn outbox_kind(text: &str) -> OutboxKind {
    match text {
        "task" => OutboxKind::Task,
        "notify" => OutboxKind::Notify,
        _ => OutboxKind::Email,
    }
}

pub(crate) fn outbox_status(text: &str) -> OutboxStatus {
    match text {
        "sending" => OutboxStatus::Sending,
        "sent" => OutboxStatus::Sent,
        "done" => OutboxStatus::Done,
        "failed" => OutboxStatus::Failed,
        "skipped" => OutboxStatus::Skipped,
        _ => OutboxStatus::Due,
    }
}

/// Returns the name stored in the database for an outbox status.
pub fn outbox_status_name(status: OutboxStatus) -> &'static str {
    match status {
        OutboxStatus::Due => "due",
        OutboxStatus::Sending => "sending",
        OutboxStatus::Sent => "sent",
        OutboxStatus::Done => "done",
        OutboxStatus::Failed => "failed",
        OutboxStatus::Skipped => "skipped",
    }
}

fn outbox_kind_name(kind: OutboxKind) -> &'static str {
    match kind {
        OutboxKind::Email => "email",
        OutboxKind::Task => "task",
        OutboxKind::Notify => "notify",
    }
}

/// Lists outbox rows, the most recently due first.
pub fn list_outbox(conn: &Connection, query: &OutboxQuery) -> Result<Vec<OutboxRow>> {
    let limit = if query.limit == 0 { 100 } else { query.limit };
    let mut stmt = conn.prepare(
        "SELECT o.id, o.enrolment_id, o.sequence_id, COALESCE(s.name, ''), o.step_id, o.lead_id,
                o.kind, o.status, o.to_address, o.subject, o.body, o.due_at, o.late, o.attempts,
                o.next_attempt_at, o.last_error, o.sent_at, o.skip_reason
         FROM nurture_outbox o LEFT JOIN nurture_sequences s ON s.id = o.sequence_id
         WHERE (?1 IS NULL OR o.status = ?1) AND (?2 IS NULL OR o.kind = ?2)
           AND (?3 IS NULL OR o.sequence_id = ?3) AND (?4 IS NULL OR o.lead_id = ?4)
         ORDER BY o.due_at DESC, o.id DESC LIMIT ?5",
    )?;
    let rows = stmt.query_map(
        params![
            query.status.map(outbox_status_name),
            query.kind.map(outbox_kind_name),
            query.sequence_id,
            query.lead_id,
            limit
        ],
        |row| {
            Ok(OutboxRow {
                id: row.get(0)?,
                enrolment_id: row.get(1)?,
                sequence_id: row.get(2)?,
                sequence_name: row.get(3)?,
                step_id: row.get(4)?,
                lead_id: row.get(5)?,
                kind: outbox_kind(&row.get::<_, String>(6)?),
                status: outbox_status(&row.get::<_, String>(7)?),
                to_address: row.get(8)?,
                subject: row.get(9)?,
                body: row.get(10)?,
                due_at: row.get(11)?,
                late: row.get(12)?,
                attempts: row.get(13)?,
                next_attempt_at: row.get(14)?,
                last_error: row.get(15)?,
                sent_at: row.get(16)?,
                skip_reason: row.get(17)?,
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Counts touchpoints really sent (or marked sent by the user) with
/// `sent_at` in `from..to`, for the "touchpoints sent" KPI. Due, failed and
/// skipped ones do not count.
pub fn count_sent(conn: &Connection, from: i64, to: i64) -> Result<u32> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM nurture_outbox WHERE status = 'sent' AND sent_at >= ?1 AND sent_at < ?2",
        params![from, to],
        |row| row.get(0),
    )?)
}

/// Lists the history of one lead's enrolments, oldest first.
pub fn lead_history(conn: &Connection, lead_id: i64) -> Result<Vec<HistoryEntry>> {
    let mut stmt = conn.prepare(
        "SELECT h.enrolment_id, h.sequence_id, h.lead_id, h.at, h.kind, h.step_id, h.detail
         FROM nurture_history h
         WHERE h.lead_id = ?1
            OR h.enrolment_id IN (SELECT id FROM nurture_enrolments WHERE lead_id = ?1)
         ORDER BY h.at, h.id",
    )?;
    let rows = stmt.query_map([lead_id], |row| {
        Ok(HistoryEntry {
            enrolment_id: row.get(0)?,
            sequence_id: row.get(1)?,
            lead_id: row.get(2)?,
            at: row.get(3)?,
            kind: row.get(4)?,
            step_id: row.get(5)?,
            detail: row.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Marks a due task or notification as dealt with, or a due e-mail as sent
/// by the user from their own mail client (manual mode).
pub fn mark_outbox_done(db: &mut Database, outbox_id: i64, now: i64) -> Result<()> {
    let tx = db.write()?;
    let changed = tx.execute(
        "UPDATE nurture_outbox
         SET status = CASE kind WHEN 'email' THEN 'sent' ELSE 'done' END,
             sent_at = ?2, next_attempt_at = NULL
         WHERE id = ?1 AND status IN ('due', 'failed')",
        params![outbox_id, now],
    )?;
    if changed == 0 {
        return Err(Error::invalid(
            "outbox row",
            outbox_id.to_string(),
            "only a due or failed touchpoint can be marked done; reload the outbox",
        ));
    }
    tx.commit()?;
    Ok(())
}

/// Puts a failed e-mail back in the queue for the next run.
pub fn retry_outbox(db: &mut Database, outbox_id: i64, now: i64) -> Result<()> {
    let tx = db.write()?;
    let changed = tx.execute(
        "UPDATE nurture_outbox SET status = 'failed', next_attempt_at = ?2, attempts = 0
         WHERE id = ?1 AND kind = 'email' AND status IN ('failed', 'sending')",
        params![outbox_id, now],
    )?;
    if changed == 0 {
        return Err(Error::invalid(
            "outbox row",
            outbox_id.to_string(),
            "only a failed e-mail can be retried; reload the outbox",
        ));
    }
    tx.commit()?;
    Ok(())
}
