//! Writes that people and importers make on leads and enrolments, each in
//! one transaction together with its enrolment hooks: enrolling by hand,
//! removing from a sequence, unsubscribing, recording an event and moving a
//! lead to a stage.

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::enrol::{
    end_enrolment, enrol_lead_with_reason, on_event, on_stage_change, EnrolAttempt, EnrolChanges,
    UNSUBSCRIBE_EVENT,
};
use super::model::SequenceStatus;
use crate::error::{Error, Result};
use crate::model::Stage;
use crate::Database;

/// The result of enrolling leads by hand.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ManualEnrolResult {
    pub enrolled: u32,
    /// Leads already in the sequence or kept out by the re-entry policy.
    pub already_enrolled: u32,
    /// Leads that are deleted, disqualified, unsubscribed, without consent
    /// or outside the audience.
    pub not_eligible: u32,
}

/// Enrols leads by hand (from the board, one or in bulk) in one transaction.
/// Works for any active sequence, whatever its trigger.
pub fn enrol_manual(
    db: &mut Database,
    sequence_id: i64,
    lead_ids: &[i64],
    now: i64,
) -> Result<ManualEnrolResult> {
    let sequence = super::store::get_sequence(db.conn(), sequence_id)?;
    if sequence.draft.status == SequenceStatus::Paused {
        return Err(Error::invalid(
            "sequence",
            &sequence.draft.name,
            "it is paused; resume it before enrolling leads",
        ));
    }
    let tx = db.write()?;
    let mut result = ManualEnrolResult::default();
    for lead_id in lead_ids {
        match enrol_lead_with_reason(
            &tx,
            sequence_id,
            &sequence.draft,
            *lead_id,
            now,
            "enrolled by hand",
        )? {
            EnrolAttempt::Enrolled => result.enrolled += 1,
            EnrolAttempt::AlreadyEnrolled => result.already_enrolled += 1,
            EnrolAttempt::NotEligible => result.not_eligible += 1,
        }
    }
    tx.commit()?;
    Ok(result)
}

/// Takes a lead out of a sequence: the enrolment ends, pending touchpoints
/// are skipped and the history records who removed it. Fails when the
/// lead is not in the sequence, so a removal never fails silently.
pub fn remove_from_sequence(
    db: &mut Database,
    sequence_id: i64,
    lead_id: i64,
    now: i64,
    actor: &str,
) -> Result<()> {
    let tx = db.write()?;
    let enrolment: Option<i64> = tx
        .query_row(
            "SELECT id FROM nurture_enrolments WHERE sequence_id = ?1 AND lead_id = ?2 AND state = 'active'",
            params![sequence_id, lead_id],
            |row| row.get(0),
        )
        .optional()?;
    let Some(enrolment) = enrolment else {
        return Err(Error::NotFound {
            what: format!("active enrolment of lead {lead_id} in sequence"),
            id: sequence_id.to_string(),
        });
    };
    let reason = format!(
        "removed by {}",
        if actor.trim().is_empty() {
            "a user"
        } else {
            actor.trim()
        }
    );
    end_enrolment(&tx, enrolment, now, "removed", &reason)?;
    tx.commit()?;
    Ok(())
}

/// Records that a lead unsubscribed: an `unsubscribed` event, consent set to
/// no and every enrolment ended, in one transaction.
pub fn record_unsubscribe(db: &mut Database, lead_id: i64, at: i64) -> Result<EnrolChanges> {
    let tx = db.write()?;
    let changed = tx.execute(
        "UPDATE leads SET consent = 0, updated_at = ?2 WHERE id = ?1",
        params![lead_id, at],
    )?;
    if changed == 0 {
        return Err(Error::NotFound {
            what: "lead".into(),
            id: lead_id.to_string(),
        });
    }
    tx.execute(
        "INSERT INTO events (lead_id, type, occurred_at, properties, source) VALUES (?1, ?2, ?3, '{}', 'nurture')",
        params![lead_id, UNSUBSCRIBE_EVENT, at],
    )?;
    let changes = on_event(&tx, lead_id, UNSUBSCRIBE_EVENT, "{}", at)?;
    tx.commit()?;
    Ok(changes)
}

/// Writes an event and runs [`on_event`] in one transaction. Code that
/// writes events in its own transaction calls [`on_event`] instead.
pub fn record_event(
    db: &mut Database,
    lead_id: i64,
    event_type: &str,
    properties: &str,
    occurred_at: i64,
) -> Result<EnrolChanges> {
    let tx = db.write()?;
    tx.execute(
        "INSERT INTO events (lead_id, type, occurred_at, properties) VALUES (?1, ?2, ?3, ?4)",
        params![lead_id, event_type, occurred_at, properties],
    )?;
    let changes = on_event(&tx, lead_id, event_type, properties, occurred_at)?;
    tx.commit()?;
    Ok(changes)
}

/// Moves a lead to a stage, records the change and runs
/// [`on_stage_change`], inside the caller's transaction. `actor` names who
/// or what moved it.
pub fn change_stage_in(
    conn: &Connection,
    lead_id: i64,
    to: Stage,
    at: i64,
    actor: &str,
) -> Result<EnrolChanges> {
    let from: Option<Stage> = conn
        .prepare_cached("SELECT stage FROM leads WHERE id = ?1")?
        .query_row([lead_id], |row| row.get(0))
        .optional()?;
    let Some(from) = from else {
        return Err(Error::NotFound {
            what: "lead".into(),
            id: lead_id.to_string(),
        });
    };
    if from == to {
        return Ok(EnrolChanges::default());
    }
    conn.prepare_cached(
        "UPDATE leads SET stage = ?2, stage_changed_at = ?3, updated_at = ?3 WHERE id = ?1",
    )?
    .execute(params![lead_id, to, at])?;
    conn.prepare_cached(
        "INSERT INTO stage_changes (lead_id, from_stage, to_stage, changed_at, reason, actor, score)
         VALUES (?1, ?2, ?3, ?4, 'manual', ?5, (SELECT score FROM leads WHERE id = ?1))",
    )?
    .execute(params![lead_id, from, to, at, actor])?;
    on_stage_change(conn, lead_id, to, at)
}

/// Moves a lead to a stage in its own transaction; see [`change_stage_in`].
pub fn change_stage(
    db: &mut Database,
    lead_id: i64,
    to: Stage,
    at: i64,
    actor: &str,
) -> Result<EnrolChanges> {
    let tx = db.write()?;
    let changes = change_stage_in(&tx, lead_id, to, at, actor)?;
    tx.commit()?;
    Ok(changes)
}
