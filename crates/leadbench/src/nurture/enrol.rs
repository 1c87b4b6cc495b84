//! Enrolment rules and hooks: who may be enrolled, when a lead leaves, and
//! the reactions to events, stage changes and scores.
//!
//! The hooks [`on_event`], [`on_stage_change`] and [`on_score_change`] take
//! the connection of the caller's open transaction, so code that writes an
//! event, a stage change or a score calls them before committing and the
//! enrolment is part of the same transaction. They also end enrolments
//! whose goal was reached and wake conditions waiting for that change, so
//! the reaction does not wait for the next poll.

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::engine::stage_reached;
use super::model::{
    Audience, ConditionTest, ReEntry, SequenceDraft, SequenceStatus, StepAction, Trigger,
};
use crate::error::Result;
use crate::model::Stage;

/// Event type recorded when a lead unsubscribes; it ends every enrolment.
pub const UNSUBSCRIBE_EVENT: &str = "unsubscribed";

/// Counts of the enrolments a hook changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct EnrolChanges {
    pub enrolled: u32,
    pub exited: u32,
    /// Enrolments waiting on a condition that the change may satisfy; they
    /// are due at once.
    pub woken: u32,
}

/// The facts about a lead that decide whether it may be nurtured.
#[derive(Debug, Clone)]
pub(crate) struct LeadState {
    pub stage: Stage,
    pub score: f64,
    pub consent: Option<bool>,
    pub unsubscribed: bool,
}

impl LeadState {
    /// Returns why the lead may not receive anything, or `None` when it may.
    pub fn ineligible_reason(&self) -> Option<&'static str> {
        if self.unsubscribed {
            Some("unsubscribed")
        } else if self.stage == Stage::Disqualified {
            Some("disqualified")
        } else if self.consent != Some(true) {
            // Only an explicit yes counts: unknown consent is no consent.
            Some("no consent")
        } else {
            None
        }
    }
}

/// Reads a lead's state, or `None` when the lead was deleted.
pub(crate) fn lead_state(conn: &Connection, lead_id: i64) -> Result<Option<LeadState>> {
    let mut stmt = conn.prepare_cached(
        "SELECT stage, score, consent,
                EXISTS (SELECT 1 FROM events WHERE lead_id = l.id AND type = ?2)
         FROM leads l WHERE id = ?1",
    )?;
    let state = stmt
        .query_row(params![lead_id, UNSUBSCRIBE_EVENT], |row| {
            Ok(LeadState {
                stage: row.get(0)?,
                score: row.get(1)?,
                consent: row.get(2)?,
                unsubscribed: row.get(3)?,
            })
        })
        .optional()?;
    Ok(state)
}

pub(crate) fn in_audience(
    conn: &Connection,
    audience: &Audience,
    lead_id: i64,
    state: &LeadState,
) -> Result<bool> {
    if !audience.stages.is_empty() && !audience.stages.contains(&state.stage) {
        return Ok(false);
    }
    if audience.min_score.is_some_and(|min| state.score < min) {
        return Ok(false);
    }
    if audience.industries.is_empty() && audience.countries.is_empty() {
        return Ok(true);
    }
    let (industry, country): (Option<String>, Option<String>) = conn.query_row(
        "SELECT a.industry, a.country FROM leads l LEFT JOIN accounts a ON a.id = l.account_id
         WHERE l.id = ?1",
        [lead_id],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    let matches = |wanted: &[String], value: Option<String>| {
        wanted.is_empty()
            || value
                .is_some_and(|value| wanted.iter().any(|w| w.eq_ignore_ascii_case(value.trim())))
    };
    Ok(matches(&audience.industries, industry) && matches(&audience.countries, country))
}

/// Returns whether the re-entry policy lets the lead in at `at`.
pub(crate) fn may_enter(
    conn: &Connection,
    sequence_id: i64,
    lead_id: i64,
    re_entry: ReEntry,
    at: i64,
) -> Result<bool> {
    let last: Option<(String, i64)> = conn
        .prepare_cached(
            "SELECT state, enrolled_at FROM nurture_enrolments
             WHERE sequence_id = ?1 AND lead_id = ?2 ORDER BY enrolled_at DESC, id DESC LIMIT 1",
        )?
        .query_row(params![sequence_id, lead_id], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    let Some((state, enrolled_at)) = last else {
        return Ok(true);
    };
    if state == "active" {
        return Ok(false);
    }
    Ok(match re_entry {
        ReEntry::Never => false,
        ReEntry::AfterDays { days } => at - enrolled_at >= i64::from(days) * 86_400,
    })
}

/// Enrols the lead when it is eligible, in the audience and allowed in by
/// the re-entry policy. Returns whether it was enrolled.
pub(crate) fn enrol_lead_with_reason(
    conn: &Connection,
    sequence_id: i64,
    draft: &SequenceDraft,
    lead_id: i64,
    at: i64,
    reason: &str,
) -> Result<EnrolAttempt> {
    let Some(state) = lead_state(conn, lead_id)? else {
        return Ok(EnrolAttempt::NotEligible);
    };
    if state.ineligible_reason().is_some() || !in_audience(conn, &draft.audience, lead_id, &state)?
    {
        return Ok(EnrolAttempt::NotEligible);
    }
    if !may_enter(conn, sequence_id, lead_id, draft.re_entry, at)? {
        return Ok(EnrolAttempt::AlreadyEnrolled);
    }
    conn.prepare_cached(
        "INSERT INTO nurture_enrolments
             (sequence_id, lead_id, state, step_index, next_due_at, step_started_at, enrolled_at)
         VALUES (?1, ?2, 'active', 0, ?3, ?3, ?3)",
    )?
    .execute(params![sequence_id, lead_id, at])?;
    let enrolment_id = conn.last_insert_rowid();
    add_history(
        conn,
        enrolment_id,
        sequence_id,
        lead_id,
        at,
        "enrolled",
        None,
        Some(reason),
    )?;
    Ok(EnrolAttempt::Enrolled)
}

/// Enrols one lead by hand inside the caller's transaction, with the same
/// checks as [`super::actions::enrol_manual`]. Returns whether the lead was enrolled.
pub(crate) fn enrol_lead(
    conn: &Connection,
    sequence_id: i64,
    draft: &SequenceDraft,
    lead_id: i64,
    at: i64,
) -> Result<bool> {
    let attempt =
        enrol_lead_with_reason(conn, sequence_id, draft, lead_id, at, "enrolled by hand")?;
    Ok(matches!(attempt, EnrolAttempt::Enrolled))
}

pub(crate) enum EnrolAttempt {
    Enrolled,
    AlreadyEnrolled,
    NotEligible,
}

/// Appends one history entry.
#[allow(clippy::too_many_arguments)]
pub(crate) fn add_history(
    conn: &Connection,
    enrolment_id: i64,
    sequence_id: i64,
    lead_id: i64,
    at: i64,
    kind: &str,
    step_id: Option<&str>,
    detail: Option<&str>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO nurture_history (enrolment_id, sequence_id, lead_id, at, kind, step_id, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![enrolment_id, sequence_id, lead_id, at, kind, step_id, detail])?;
    Ok(())
}

/// Ends an active enrolment (`kind` is `exited` or `removed`), skips its
/// pending touchpoints and writes the history entry.
pub(crate) fn end_enrolment(
    conn: &Connection,
    enrolment_id: i64,
    at: i64,
    kind: &str,
    reason: &str,
) -> Result<bool> {
    let found: Option<(i64, Option<i64>)> = conn
        .prepare_cached(
            "SELECT sequence_id, lead_id FROM nurture_enrolments WHERE id = ?1 AND state = 'active'",
        )?
        .query_row([enrolment_id], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let Some((sequence_id, lead_id)) = found else {
        return Ok(false);
    };
    conn.prepare_cached(
        "UPDATE nurture_enrolments
         SET state = 'exited', next_due_at = NULL, ended_at = ?2, exit_reason = ?3
         WHERE id = ?1",
    )?
    .execute(params![enrolment_id, at, reason])?;
    conn.prepare_cached(
        "UPDATE nurture_outbox SET status = 'skipped', skip_reason = ?2, next_attempt_at = NULL
         WHERE enrolment_id = ?1 AND status IN ('due', 'failed')",
    )?
    .execute(params![enrolment_id, reason])?;
    conn.prepare_cached(
        "INSERT INTO nurture_history (enrolment_id, sequence_id, lead_id, at, kind, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        enrolment_id,
        sequence_id,
        lead_id,
        at,
        kind,
        reason
    ])?;
    Ok(true)
}

struct ActiveEnrolment {
    id: i64,
    step_index: usize,
    enrolled_at: i64,
    draft: SequenceDraft,
}

fn active_enrolments(conn: &Connection, lead_id: i64) -> Result<Vec<ActiveEnrolment>> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.id, e.step_index, e.enrolled_at, s.definition
         FROM nurture_enrolments e JOIN nurture_sequences s ON s.id = e.sequence_id
         WHERE e.lead_id = ?1 AND e.state = 'active'",
    )?;
    let rows = stmt.query_map([lead_id], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, usize>(1)?,
            row.get::<_, i64>(2)?,
            row.get::<_, String>(3)?,
        ))
    })?;
    let mut enrolments = Vec::new();
    for row in rows {
        let (id, step_index, enrolled_at, json) = row?;
        if let Ok(draft) = serde_json::from_str(&json) {
            enrolments.push(ActiveEnrolment {
                id,
                step_index,
                enrolled_at,
                draft,
            });
        }
    }
    Ok(enrolments)
}

fn wake(conn: &Connection, enrolment_id: i64, at: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE nurture_enrolments SET next_due_at = MIN(next_due_at, ?2) WHERE id = ?1",
    )?
    .execute(params![enrolment_id, at])?;
    Ok(())
}

fn triggered_sequences(
    conn: &Connection,
    kind: &str,
    key: Option<&str>,
) -> Result<Vec<(i64, SequenceDraft)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, definition FROM nurture_sequences
         WHERE status = ?1 AND trigger_kind = ?2 AND trigger_key IS ?3 ORDER BY id",
    )?;
    let rows = stmt.query_map(params![SequenceStatus::Active.as_str(), kind, key], |row| {
        Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
    })?;
    let mut found = Vec::new();
    for row in rows {
        let (id, json) = row?;
        if let Ok(draft) = serde_json::from_str(&json) {
            found.push((id, draft));
        }
    }
    Ok(found)
}

/// Returns whether the JSON `properties` of an event have `key` equal to
/// `expected`. Numbers and booleans compare by their JSON text.
pub(crate) fn property_matches(properties: &str, key: &str, expected: &str) -> bool {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(properties) else {
        return false;
    };
    match value.get(key) {
        Some(serde_json::Value::String(text)) => text == expected,
        Some(other) => {
            let text = other.to_string();
            text == expected
        }
        None => false,
    }
}

/// Reacts to an event the caller has just written in its open transaction:
/// ends enrolments whose goal is this event (and all of them for an
/// unsubscribe), wakes conditions waiting for it and enrols the lead in
/// sequences it triggers. The enrolment starts at `occurred_at`, so an
/// import of old events should not call this hook: its leads would get the
/// whole sequence at once, as late steps.
pub fn on_event(
    conn: &Connection,
    lead_id: i64,
    event_type: &str,
    properties: &str,
    occurred_at: i64,
) -> Result<EnrolChanges> {
    let mut changes = EnrolChanges::default();

    for enrolment in active_enrolments(conn, lead_id)? {
        if event_type == UNSUBSCRIBE_EVENT {
            changes.exited += u32::from(end_enrolment(
                conn,
                enrolment.id,
                occurred_at,
                "exited",
                "unsubscribed",
            )?);
            continue;
        }
        let goal = enrolment.draft.goal.event_type.as_deref();
        if goal == Some(event_type) && occurred_at >= enrolment.enrolled_at {
            changes.exited += u32::from(end_enrolment(
                conn,
                enrolment.id,
                occurred_at,
                "exited",
                "goal reached",
            )?);
            continue;
        }
        if let Some(StepAction::Condition {
            test: ConditionTest::DidEvent { event_type: wanted },
            ..
        }) = enrolment
            .draft
            .steps
            .get(enrolment.step_index)
            .map(|s| &s.action)
        {
            if wanted == event_type {
                wake(conn, enrolment.id, occurred_at)?;
                changes.woken += 1;
            }
        }
    }

    for (sequence_id, draft) in triggered_sequences(conn, "event", Some(event_type))? {
        if let Trigger::Event {
            property: Some(filter),
            ..
        } = &draft.trigger
        {
            if !property_matches(properties, &filter.key, &filter.equals) {
                continue;
            }
        }
        let reason = format!("event {event_type}");
        if let EnrolAttempt::Enrolled =
            enrol_lead_with_reason(conn, sequence_id, &draft, lead_id, occurred_at, &reason)?
        {
            changes.enrolled += 1;
        }
    }
    Ok(changes)
}

/// Reacts to a stage change the caller has just written in its open
/// transaction: a disqualified lead leaves every sequence, goal stages end
/// enrolments, conditions on the stage wake and stage triggers enrol.
pub fn on_stage_change(
    conn: &Connection,
    lead_id: i64,
    to: Stage,
    at: i64,
) -> Result<EnrolChanges> {
    let mut changes = EnrolChanges::default();

    for enrolment in active_enrolments(conn, lead_id)? {
        if to == Stage::Disqualified {
            changes.exited += u32::from(end_enrolment(
                conn,
                enrolment.id,
                at,
                "exited",
                "disqualified",
            )?);
            continue;
        }
        if enrolment
            .draft
            .goal
            .stage
            .is_some_and(|goal| stage_reached(to, goal))
        {
            changes.exited += u32::from(end_enrolment(
                conn,
                enrolment.id,
                at,
                "exited",
                "goal reached",
            )?);
            continue;
        }
        if let Some(StepAction::Condition {
            test: ConditionTest::InStage { .. },
            ..
        }) = enrolment
            .draft
            .steps
            .get(enrolment.step_index)
            .map(|s| &s.action)
        {
            wake(conn, enrolment.id, at)?;
            changes.woken += 1;
        }
    }

    for (sequence_id, draft) in triggered_sequences(conn, "stage", Some(to.as_str()))? {
        let reason = format!("entered stage {to}");
        if let EnrolAttempt::Enrolled =
            enrol_lead_with_reason(conn, sequence_id, &draft, lead_id, at, &reason)?
        {
            changes.enrolled += 1;
        }
    }
    Ok(changes)
}

/// Reacts to a score change the caller has just written in its open
/// transaction: score conditions wake and sequences whose threshold the
/// score crossed upwards enrol the lead.
pub fn on_score_change(
    conn: &Connection,
    lead_id: i64,
    old: f64,
    new: f64,
    at: i64,
) -> Result<EnrolChanges> {
    let mut changes = EnrolChanges::default();

    for enrolment in active_enrolments(conn, lead_id)? {
        if let Some(StepAction::Condition {
            test: ConditionTest::ScoreAbove { .. },
            ..
        }) = enrolment
            .draft
            .steps
            .get(enrolment.step_index)
            .map(|s| &s.action)
        {
            wake(conn, enrolment.id, at)?;
            changes.woken += 1;
        }
    }

    for (sequence_id, draft) in triggered_sequences(conn, "score", None)? {
        let Trigger::Score { threshold } = draft.trigger else {
            continue;
        };
        if !(old < threshold && new >= threshold) {
            continue;
        }
        let reason = format!("score reached {threshold}");
        if let EnrolAttempt::Enrolled =
            enrol_lead_with_reason(conn, sequence_id, &draft, lead_id, at, &reason)?
        {
            changes.enrolled += 1;
        }
    }
    Ok(changes)
}
