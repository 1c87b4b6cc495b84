//! A lead's score broken down by rule and event, and its score over time.
//! The explanation is computed by the same engine as the stored score, and
//! its rule points add up to its score exactly (in hundredths of a point).

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::defaults::owned_rule_key;
use super::engine::{CompiledRules, EventFact};
use super::load::{read_lead_events, read_one_lead, StoredEvent};
use super::rules::{from_hundredths, RuleBody, RuleKind};
use super::store::list_rules;
use crate::error::{Error, Result};
use crate::model::Stage;
use crate::time::to_rfc3339;

/// Maximum number of points in a score-over-time series. Older event
/// moments are dropped first.
pub const MAX_SERIES_POINTS: usize = 200;

/// One event counted (or skipped) by a behaviour rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct EventContribution {
    #[ts(type = "number")]
    pub event_id: i64,
    pub external_id: Option<String>,
    /// Time of the event in UTC, RFC 3339.
    pub occurred_at: String,
    pub points_before_decay: f64,
    pub points_after_decay: f64,
    /// False when a "once per" rule already counted an earlier event with
    /// the same property value.
    pub counted: bool,
}

/// Points one rule gave the lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RuleContribution {
    #[ts(type = "number | null")]
    pub rule_id: Option<i64>,
    pub rule: String,
    /// Stable key of a default rule that keeps its default name.
    pub rule_key: Option<String>,
    pub kind: RuleKind,
    /// Counted events; 0 for fit rules.
    pub events: u32,
    pub points_before_decay: f64,
    /// Points after decay, before the rule's cap.
    pub points_after_decay: f64,
    /// Points the rule adds to the score, after decay and cap.
    pub points: f64,
    pub capped: bool,
    /// Matched events, oldest first; empty for fit rules.
    pub details: Vec<EventContribution>,
}

/// A lead's score broken down by rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ScoreExplanation {
    #[ts(type = "number")]
    pub lead: i64,
    pub score: f64,
    pub fit: f64,
    pub behaviour: f64,
    /// Name of the disqualifying rule the lead matches, if any.
    pub disqualified_by: Option<String>,
    /// Stable key of that rule while it has its default name.
    pub disqualified_key: Option<String>,
    pub stage: Stage,
    pub pinned: bool,
    pub cooling: bool,
    /// Moment the explanation was computed for, in UTC, RFC 3339.
    pub computed_at: String,
    /// Rules that gave points, in rule order.
    pub rules: Vec<RuleContribution>,
}

/// The score at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ScorePoint {
    /// Unix seconds, UTC.
    #[ts(type = "number")]
    pub at: i64,
    pub score: f64,
}

/// Finds a lead by id, by e-mail address (any case, surrounding spaces
/// ignored) or by the external id from the system it was imported from,
/// such as a CRM, for leads without an e-mail address.
pub fn find_lead(conn: &Connection, id_or_email: &str) -> Result<i64> {
    let lead = id_or_email.trim();
    let not_found = || Error::NotFound {
        what: "lead with id, e-mail or external id".to_owned(),
        id: lead.to_owned(),
    };
    let mut found = if lead.contains('@') {
        conn.query_row(
            "SELECT id FROM leads WHERE email = lower(?1) ORDER BY id LIMIT 1",
            [lead],
            |row| row.get(0),
        )
        .optional()?
    } else {
        match lead.parse::<i64>() {
            Ok(id) => conn
                .query_row("SELECT id FROM leads WHERE id = ?1", [id], |row| row.get(0))
                .optional()?,
            Err(_) => None,
        }
    };
    if found.is_none() && !lead.is_empty() {
        found = conn
            .query_row(
                "SELECT id FROM leads WHERE external_id = ?1",
                [lead],
                |row| row.get(0),
            )
            .optional()?;
    }
    found.ok_or_else(not_found)
}

/// Explains a lead's score at time `now`.
pub fn explain(conn: &Connection, lead_id: i64, now: i64) -> Result<ScoreExplanation> {
    let rules = CompiledRules::new(&list_rules(conn)?);
    let (stored, facts) = read_one_lead(conn, &rules, lead_id)?.ok_or_else(|| Error::NotFound {
        what: "lead".to_owned(),
        id: lead_id.to_string(),
    })?;
    let events = read_lead_events(conn, lead_id)?;
    let facts_of_events: Vec<EventFact<'_>> = events.iter().map(StoredEvent::fact).collect();
    let score = rules.score(&facts, facts_of_events.iter().copied(), now);
    let matches = rules.match_events(&facts_of_events, now);

    let mut parts = Vec::new();
    for part in &score.parts {
        let rule = &rules.rules()[part.rule];
        let details: Vec<EventContribution> = matches
            .iter()
            .filter(|m| m.rule == part.rule)
            .map(|m| {
                let event = &events[m.event];
                EventContribution {
                    event_id: event.id,
                    external_id: event.external_id.clone(),
                    occurred_at: to_rfc3339(event.occurred_at),
                    points_before_decay: from_hundredths(m.before),
                    points_after_decay: from_hundredths(m.after),
                    counted: m.counted,
                }
            })
            .collect();
        let before_decay = match &rule.body {
            RuleBody::Behaviour(_) => matches
                .iter()
                .filter(|m| m.rule == part.rule && m.counted)
                .map(|m| m.before)
                .sum(),
            _ => part.before_cap,
        };
        parts.push(RuleContribution {
            rule_id: rule.id,
            rule: rule.name.clone(),
            rule_key: rule.key.clone(),
            kind: rule.body.kind(),
            events: part.events,
            points_before_decay: from_hundredths(before_decay),
            points_after_decay: from_hundredths(part.before_cap),
            points: from_hundredths(part.points),
            capped: part.points != part.before_cap,
            details,
        });
    }

    let thresholds = super::stages::current_thresholds(conn)?;
    Ok(ScoreExplanation {
        lead: lead_id,
        score: score.points(),
        fit: from_hundredths(score.fit),
        behaviour: from_hundredths(score.behaviour),
        disqualified_by: score.disqualified_name().map(str::to_owned),
        disqualified_key: owned_rule_key(score.disqualified_name()),
        stage: stored.stage,
        pinned: stored.pinned,
        cooling: super::stages::is_cooling(stored.stage, score.points(), &thresholds),
        computed_at: to_rfc3339(now),
        rules: parts,
    })
}

/// Returns the lead's score just after each of its events and at `now`,
/// oldest first, at most [`MAX_SERIES_POINTS`] points. Each point is the
/// score as it was read at that moment, decay included.
pub fn score_series(conn: &Connection, lead_id: i64, now: i64) -> Result<Vec<ScorePoint>> {
    let rules = CompiledRules::new(&list_rules(conn)?);
    let (_, facts) = read_one_lead(conn, &rules, lead_id)?.ok_or_else(|| Error::NotFound {
        what: "lead".to_owned(),
        id: lead_id.to_string(),
    })?;
    let events = read_lead_events(conn, lead_id)?;

    let mut moments: Vec<i64> = events
        .iter()
        .map(|e| e.occurred_at)
        .filter(|at| *at < now)
        .collect();
    moments.dedup();
    let skip = moments.len().saturating_sub(MAX_SERIES_POINTS - 1);
    moments.drain(..skip);
    moments.push(now);

    Ok(moments
        .into_iter()
        .map(|at| ScorePoint {
            at,
            score: rules
                .score(&facts, events.iter().map(StoredEvent::fact), at)
                .points(),
        })
        .collect())
}
