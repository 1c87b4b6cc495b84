//! Dry run: replays a sequence (saved or not) over the last days of real
//! history and reports who would have been enrolled, which steps each lead
//! would have reached and which messages would have gone out. It only
//! reads; nothing is written.

use std::collections::HashMap;

use chrono_tz::Tz;
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::engine::{self, Effect, LeadFacts, Position, Transition};
use super::enrol::{in_audience, lead_state, may_enter, property_matches};
use super::model::{ReEntry, SequenceDraft, Trigger};
use super::validate::validate;
use super::{clock, template};
use crate::error::{Error, Result};
use crate::model::Stage;

/// Most leads listed one by one in a result; the counts cover all.
pub const MAX_LISTED_LEADS: usize = 200;
/// Maximum history a dry run replays, in days.
pub const MAX_DAYS: u32 = 365;

/// One step a lead would have reached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SimulatedStep {
    pub step_id: String,
    #[ts(type = "number")]
    pub at: i64,
    /// For an e-mail: the subject and body the lead would have received.
    pub subject: Option<String>,
    pub body: Option<String>,
}

/// Replayed outcome for one lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SimulatedLead {
    #[ts(type = "number")]
    pub lead_id: i64,
    pub name: Option<String>,
    pub email: Option<String>,
    #[ts(type = "number")]
    pub enrolled_at: i64,
    pub steps: Vec<SimulatedStep>,
    /// `completed`, `waiting` (at `waiting_at_step`) or `exited`.
    pub outcome: String,
    pub waiting_at_step: Option<String>,
    pub exit_reason: Option<String>,
}

/// The result of a dry run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SimulationResult {
    #[ts(type = "number")]
    pub from: i64,
    #[ts(type = "number")]
    pub to: i64,
    pub enrolled: u32,
    pub completed: u32,
    pub waiting: u32,
    pub exited: u32,
    pub emails: u32,
    /// How many leads reached each step, in step order.
    pub reached: Vec<(String, u32)>,
    /// The first leads in enrolment order, at most [`MAX_LISTED_LEADS`].
    pub leads: Vec<SimulatedLead>,
    /// A limit of the replay the user should know about, if any.
    pub note: Option<String>,
}

/// A lead's events and stage changes, as read by the dry run.
pub(crate) struct History {
    events: Vec<(String, i64)>,
    stages: Vec<(i64, Stage)>,
    current_stage: Stage,
    score: f64,
}

impl LeadFacts for History {
    fn first_event(&self, event_type: &str, from: i64, to: i64) -> Result<Option<i64>> {
        Ok(self
            .events
            .iter()
            .filter(|(kind, at)| kind == event_type && *at >= from && *at <= to)
            .map(|(_, at)| *at)
            .min())
    }

    fn stage_at(&self, at: i64) -> Result<Stage> {
        Ok(self
            .stages
            .iter()
            .rev()
            .find(|(changed_at, _)| *changed_at <= at)
            .map_or(self.current_stage, |(_, stage)| *stage))
    }

    fn score_at(&self, _at: i64) -> Result<f64> {
        // NOTE: scores have no history, so score tests use today's score.
        Ok(self.score)
    }
}

pub(crate) fn load_history(
    conn: &Connection,
    lead_id: i64,
    current_stage: Stage,
    score: f64,
) -> Result<History> {
    let mut stmt = conn.prepare_cached(
        "SELECT type, occurred_at FROM events WHERE lead_id = ?1 ORDER BY occurred_at",
    )?;
    let events = stmt
        .query_map([lead_id], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT changed_at, to_stage FROM stage_changes WHERE lead_id = ?1 ORDER BY changed_at, id",
    )?;
    let stages = stmt
        .query_map([lead_id], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(History {
        events,
        stages,
        current_stage,
        score,
    })
}

/// Moments in `from..=to` at which the trigger would have enrolled a lead,
/// in time order.
fn trigger_moments(
    conn: &Connection,
    draft: &SequenceDraft,
    from: i64,
    to: i64,
) -> Result<Vec<(i64, i64)>> {
    let mut moments = Vec::new();
    match &draft.trigger {
        Trigger::Event {
            event_type,
            property,
        } => {
            let mut stmt = conn.prepare(
                "SELECT lead_id, occurred_at, properties FROM events
                 WHERE type = ?1 AND occurred_at BETWEEN ?2 AND ?3 ORDER BY occurred_at, id",
            )?;
            let rows = stmt.query_map(params![event_type, from, to], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })?;
            for row in rows {
                let (lead_id, at, properties) = row?;
                let matches = property.as_ref().is_none_or(|filter| {
                    property_matches(&properties, &filter.key, &filter.equals)
                });
                if matches {
                    moments.push((lead_id, at));
                }
            }
        }
        Trigger::Stage { stage } => {
            let mut stmt = conn.prepare(
                "SELECT lead_id, changed_at FROM stage_changes
                 WHERE to_stage = ?1 AND changed_at BETWEEN ?2 AND ?3 ORDER BY changed_at, id",
            )?;
            let rows = stmt.query_map(params![stage, from, to], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?;
            moments = rows.collect::<rusqlite::Result<_>>()?;
        }
        Trigger::Score { threshold } => {
            // Stage changes record the score at that moment; the first one
            // at or above the threshold is taken as the crossing.
            let mut stmt = conn.prepare(
                "SELECT lead_id, MIN(changed_at) FROM stage_changes
                 WHERE score >= ?1 AND changed_at BETWEEN ?2 AND ?3 GROUP BY lead_id ORDER BY 2",
            )?;
            let rows = stmt.query_map(params![threshold, from, to], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?;
            moments = rows.collect::<rusqlite::Result<_>>()?;
        }
        Trigger::Manual => {}
    }
    Ok(moments)
}

/// Replays `draft` over the `days` days before `now` without writing.
pub fn simulate(
    conn: &Connection,
    draft: &SequenceDraft,
    now: i64,
    days: u32,
) -> Result<SimulationResult> {
    validate(draft)?;
    if days == 0 || days > MAX_DAYS {
        return Err(Error::invalid(
            "dry-run days",
            days.to_string(),
            format!("choose between 1 and {MAX_DAYS} days"),
        ));
    }
    let tz = clock::user_time_zone(conn)?;
    let from = now - i64::from(days) * 86_400;
    let mut result = SimulationResult {
        from,
        to: now,
        reached: draft.steps.iter().map(|s| (s.id.clone(), 0)).collect(),
        ..SimulationResult::default()
    };
    if draft.trigger == Trigger::Manual {
        result.note =
            Some("manual enrolment has no history to replay; enrol leads from the board".into());
        return Ok(result);
    }

    let mut last_enrolled: HashMap<i64, i64> = HashMap::new();
    for (lead_id, at) in trigger_moments(conn, draft, from, now)? {
        let allowed = match (last_enrolled.get(&lead_id), draft.re_entry) {
            (None, _) => true,
            (Some(_), ReEntry::Never) => false,
            (Some(previous), ReEntry::AfterDays { days }) => {
                at - previous >= i64::from(days) * 86_400
            }
        };
        if !allowed {
            continue;
        }
        let Some(lead) = replay_lead(conn, draft, lead_id, at, now, tz)? else {
            continue;
        };
        last_enrolled.insert(lead_id, at);
        tally(&mut result, lead);
    }
    Ok(result)
}

/// Maximum number of leads a forecast plays, taken by lowest lead id.
pub const MAX_FORECAST_LEADS: usize = 500;

/// Plays `draft` forward over the `days` days after `now` for leads that
/// fit the audience today, as if each were enrolled at `now` and did nothing
/// new: conditions on future events take their timeout path. It shows who
/// would get what and when before a sequence is activated. For a saved
/// sequence (`sequence_id`), leads its re-entry policy keeps out, such as
/// those already in it, are left out. Only reads.
pub fn forecast(
    conn: &Connection,
    draft: &SequenceDraft,
    sequence_id: Option<i64>,
    now: i64,
    days: u32,
) -> Result<SimulationResult> {
    validate(draft)?;
    if days == 0 || days > MAX_DAYS {
        return Err(Error::invalid(
            "dry-run days",
            days.to_string(),
            format!("choose between 1 and {MAX_DAYS} days"),
        ));
    }
    let tz = clock::user_time_zone(conn)?;
    let to = now + i64::from(days) * 86_400;
    let mut result = SimulationResult {
        from: now,
        to,
        reached: draft.steps.iter().map(|s| (s.id.clone(), 0)).collect(),
        ..SimulationResult::default()
    };
    let mut stmt = conn.prepare(
        "SELECT id FROM leads WHERE consent = 1 AND stage <> 'disqualified' ORDER BY id",
    )?;
    let candidates: Vec<i64> = stmt
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut played = 0;
    for lead_id in candidates {
        if played >= MAX_FORECAST_LEADS {
            result.note = Some(format!(
                "only the first {MAX_FORECAST_LEADS} leads that fit the audience were played"
            ));
            break;
        }
        let Some(state) = lead_state(conn, lead_id)? else {
            continue;
        };
        if state.ineligible_reason().is_some()
            || !in_audience(conn, &draft.audience, lead_id, &state)?
        {
            continue;
        }
        if let Some(id) = sequence_id {
            if !may_enter(conn, id, lead_id, draft.re_entry, now)? {
                continue;
            }
        }
        if let Some(lead) = replay_lead(conn, draft, lead_id, now, to, tz)? {
            played += 1;
            tally(&mut result, lead);
        }
    }
    Ok(result)
}

fn tally(result: &mut SimulationResult, lead: SimulatedLead) {
    result.enrolled += 1;
    match lead.outcome.as_str() {
        "completed" => result.completed += 1,
        "waiting" => result.waiting += 1,
        _ => result.exited += 1,
    }
    for step in &lead.steps {
        result.emails += u32::from(step.subject.is_some());
        if let Some(slot) = result
            .reached
            .iter_mut()
            .find(|(id, _)| *id == step.step_id)
        {
            slot.1 += 1;
        }
    }
    if result.leads.len() < MAX_LISTED_LEADS {
        result.leads.push(lead);
    }
}

/// Plays one enrolment from `enrolled_at` up to `now`; `None` when the lead
/// would not have been enrolled.
fn replay_lead(
    conn: &Connection,
    draft: &SequenceDraft,
    lead_id: i64,
    enrolled_at: i64,
    now: i64,
    tz: Tz,
) -> Result<Option<SimulatedLead>> {
    // NOTE: consent, unsubscribes and the audience are judged by today's
    // values; they have no history.
    let Some(state) = lead_state(conn, lead_id)? else {
        return Ok(None);
    };
    let history = load_history(conn, lead_id, state.stage, state.score)?;
    if state.ineligible_reason().is_some() || history.stage_at(enrolled_at)? == Stage::Disqualified
    {
        return Ok(None);
    }
    if !draft.audience.stages.is_empty()
        && !draft
            .audience
            .stages
            .contains(&history.stage_at(enrolled_at)?)
    {
        return Ok(None);
    }
    if draft
        .audience
        .min_score
        .is_some_and(|min| state.score < min)
    {
        return Ok(None);
    }
    let values = template::load_values(conn, lead_id)?.unwrap_or_default();
    let mut lead = SimulatedLead {
        lead_id,
        name: Some(format!(
            "{} {}",
            values.first_name.clone().unwrap_or_default(),
            values.last_name.clone().unwrap_or_default()
        ))
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty()),
        email: values.email.clone(),
        enrolled_at,
        steps: Vec::new(),
        outcome: "completed".into(),
        waiting_at_step: None,
        exit_reason: None,
    };

    let mut position = Position {
        step_index: 0,
        due_at: enrolled_at,
        enrolled_at,
    };
    for _ in 0..=draft.steps.len() {
        if goal_reached_by(draft, &history, enrolled_at, position.due_at.min(now))? {
            lead.outcome = "exited".into();
            lead.exit_reason = Some("goal reached".into());
            return Ok(Some(lead));
        }
        match engine::step(draft, position, now, &history, tz)? {
            Transition::Park { .. } => {
                lead.outcome = "waiting".into();
                lead.waiting_at_step = draft.steps.get(position.step_index).map(|s| s.id.clone());
                return Ok(Some(lead));
            }
            Transition::Ran {
                step_id,
                effect,
                next,
            } => {
                let (subject, body) = match effect {
                    Effect::Email { subject, body } => (
                        Some(template::render(&subject, &values)),
                        Some(template::render(&body, &values)),
                    ),
                    _ => (None, None),
                };
                lead.steps.push(SimulatedStep {
                    step_id,
                    at: position.due_at,
                    subject,
                    body,
                });
                match next {
                    Some(next) => position = next,
                    None => return Ok(Some(lead)),
                }
            }
        }
    }
    Ok(Some(lead))
}

fn goal_reached_by(
    draft: &SequenceDraft,
    history: &History,
    enrolled_at: i64,
    at: i64,
) -> Result<bool> {
    if let Some(goal) = draft.goal.stage {
        if engine::stage_reached(history.stage_at(at)?, goal) {
            return Ok(true);
        }
    }
    if let Some(event_type) = &draft.goal.event_type {
        return Ok(history.first_event(event_type, enrolled_at, at)?.is_some());
    }
    Ok(false)
}
