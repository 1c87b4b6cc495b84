//! The Today view: follow-up tasks, e-mails waiting to be sent
//! by hand, SQLs past the follow-up SLA and what the scheduler will do
//! before the day ends. Also the counts behind the catch-up notice at
//! launch and the figures of one sequence. Everything here only reads.

use chrono_tz::Tz;
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::engine::{self, Effect, Position, Transition};
use super::model::{OutboxKind, OutboxQuery, OutboxRow, OutboxStatus, SequenceStatus};
use super::simulate::load_history;
use super::{clock, store};
use crate::board::{self, BoardFilter, Card, CardSort, ColumnQuery};
use crate::error::Result;
use crate::model::Stage;

/// Maximum number of enrolments played for the "later today" list.
pub const MAX_SCHEDULED: usize = 300;
/// Maximum number of SQLs listed as past the follow-up SLA. The total counts all.
pub const MAX_SLA_LEADS: u32 = 8;

/// Work that is due but has not run: steps of enrolments and e-mails.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DueWork {
    /// Enrolments in active sequences whose current step is due.
    pub steps: u32,
    /// E-mails in the outbox that are due or wait for a retry.
    pub emails: u32,
}

impl DueWork {
    /// Returns the sum of both counts.
    pub fn total(&self) -> u32 {
        self.steps + self.emails
    }
}

/// Counts the work due at `now`, for the catch-up notice at launch.
pub fn due_work(conn: &Connection, now: i64) -> Result<DueWork> {
    let steps = conn.query_row(
        "SELECT COUNT(*) FROM nurture_enrolments e JOIN nurture_sequences s ON s.id = e.sequence_id
         WHERE e.state = 'active' AND e.next_due_at <= ?1 AND s.status = 'active'",
        [now],
        |row| row.get(0),
    )?;
    let emails = conn.query_row(
        "SELECT COUNT(*) FROM nurture_outbox
         WHERE kind = 'email'
           AND ((status = 'due' AND due_at <= ?1) OR (status = 'failed' AND next_attempt_at <= ?1))",
        [now],
        |row| row.get(0),
    )?;
    Ok(DueWork { steps, emails })
}

/// A touchpoint the scheduler will create later today.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ScheduledTouch {
    #[ts(type = "number")]
    pub sequence_id: i64,
    pub sequence_name: String,
    #[ts(type = "number")]
    pub lead_id: i64,
    pub lead_name: String,
    pub step_id: String,
    /// `email`, `task`, `notify` or `stage`.
    pub kind: String,
    /// Unix seconds at which the step is due; earlier than now when overdue.
    #[ts(type = "number")]
    pub at: i64,
    /// E-mail subject or task text, before merge fields are filled in.
    pub text: String,
}

/// The Today view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TodayView {
    /// Tasks and sales notifications not yet done, the most recent first.
    pub tasks: Vec<OutboxRow>,
    /// E-mails due that wait to be sent by hand or by the scheduler.
    pub emails_due: Vec<OutboxRow>,
    /// E-mails that failed and wait for a retry or for the user.
    pub failed: u32,
    /// Touchpoints the scheduler will create before the local day ends.
    pub scheduled: Vec<ScheduledTouch>,
    /// SQLs without a follow-up within the SLA, longest waiting first.
    pub sla_overdue: Vec<Card>,
    pub sla_total: u32,
    pub due: DueWork,
    /// End of the local day, Unix seconds.
    #[ts(type = "number")]
    pub day_ends_at: i64,
}

/// Builds the Today view at `now`.
pub fn today(conn: &Connection, now: i64) -> Result<TodayView> {
    let tz = clock::user_time_zone(conn)?;
    let day_ends_at = end_of_local_day(tz, now);
    let outbox = |kind: OutboxKind, status: OutboxStatus| {
        store::list_outbox(
            conn,
            &OutboxQuery {
                status: Some(status),
                kind: Some(kind),
                limit: 200,
                ..OutboxQuery::default()
            },
        )
    };
    let mut tasks = outbox(OutboxKind::Task, OutboxStatus::Due)?;
    tasks.extend(outbox(OutboxKind::Notify, OutboxStatus::Due)?);
    tasks.sort_by_key(|row| std::cmp::Reverse(row.due_at));
    let emails_due = outbox(OutboxKind::Email, OutboxStatus::Due)?;
    let failed = conn.query_row(
        "SELECT COUNT(*) FROM nurture_outbox WHERE status = 'failed'",
        [],
        |row| row.get(0),
    )?;

    let config = board::load_config(conn)?;
    let sla = board::column(
        conn,
        &ColumnQuery {
            stage: Stage::Sql,
            filter: BoardFilter {
                only_sla_overdue: true,
                ..BoardFilter::default()
            },
            sort: CardSort::DaysInStage,
            offset: 0,
            limit: MAX_SLA_LEADS,
            first_ids: Vec::new(),
        },
        &config,
        now,
    )?;

    Ok(TodayView {
        tasks,
        emails_due,
        failed,
        scheduled: scheduled_until(conn, tz, day_ends_at)?,
        sla_overdue: sla.cards,
        sla_total: sla.total,
        due: due_work(conn, now)?,
        day_ends_at,
    })
}

/// Returns the end of the local calendar day that contains `now`.
fn end_of_local_day(tz: Tz, now: i64) -> i64 {
    // 36 hours after the start always lands in the next day, also on the
    // 23- and 25-hour days of a daylight-saving change.
    clock::start_of_local_day(tz, clock::start_of_local_day(tz, now) + 36 * 3_600)
}

/// Plays the active enrolments due before `until` forward and lists the
/// touchpoints their steps would create, as if no new events arrived.
fn scheduled_until(conn: &Connection, tz: Tz, until: i64) -> Result<Vec<ScheduledTouch>> {
    let definitions = store::load_definitions(conn)?;
    let mut stmt = conn.prepare(&format!(
        "SELECT e.sequence_id, e.lead_id, e.step_index, e.step_started_at, e.enrolled_at,
                TRIM(COALESCE(l.first_name, '') || ' ' || COALESCE(l.last_name, '')), l.stage,
                l.score
         FROM nurture_enrolments e JOIN leads l ON l.id = e.lead_id
         WHERE e.state = 'active' AND e.next_due_at < ?1
         ORDER BY e.next_due_at, e.id LIMIT {MAX_SCHEDULED}"
    ))?;
    let rows = stmt.query_map(params![until], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, i64>(1)?,
            row.get::<_, usize>(2)?,
            row.get::<_, i64>(3)?,
            row.get::<_, i64>(4)?,
            row.get::<_, String>(5)?,
            row.get::<_, Stage>(6)?,
            row.get::<_, f64>(7)?,
        ))
    })?;
    let mut touches = Vec::new();
    for row in rows {
        let (sequence_id, lead_id, step_index, due_at, enrolled_at, lead_name, stage, score) = row?;
        let Some((name, status, draft)) = definitions.get(&sequence_id) else {
            continue;
        };
        if *status == SequenceStatus::Paused {
            continue;
        }
        let history = load_history(conn, lead_id, stage, score)?;
        let mut position = Position {
            step_index,
            due_at,
            enrolled_at,
        };
        for _ in 0..=draft.steps.len() {
            let Transition::Ran {
                step_id,
                effect,
                next,
            } = engine::step(draft, position, until, &history, tz)?
            else {
                break;
            };
            let touch = |kind: &str, text: String| ScheduledTouch {
                sequence_id,
                sequence_name: name.clone(),
                lead_id,
                lead_name: lead_name.clone(),
                step_id: step_id.clone(),
                kind: kind.to_owned(),
                at: position.due_at,
                text,
            };
            match effect {
                Effect::Email { subject, .. } => touches.push(touch("email", subject)),
                Effect::Task { title } => touches.push(touch("task", title)),
                Effect::Notify { message } => touches.push(touch("notify", message)),
                Effect::MoveToStage(stage) => {
                    touches.push(touch("stage", stage.as_str().to_owned()))
                }
                Effect::Nothing => {}
            }
            match next {
                Some(next) => position = next,
                None => break,
            }
        }
    }
    touches.sort_by_key(|touch| touch.at);
    Ok(touches)
}

/// Figures of one sequence for its detail panel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SequenceStats {
    pub enrolled: u32,
    pub active: u32,
    pub completed: u32,
    pub exited: u32,
    /// Enrolments that ended because the lead reached the goal.
    pub goal_reached: u32,
    pub emails_sent: u32,
    pub emails_due: u32,
    pub emails_failed: u32,
    pub emails_skipped: u32,
    /// Enrolled leads with an `email_open` event after enrolment; zero
    /// when opens are not tracked.
    pub opened: u32,
    /// Enrolled leads with an `email_click` event after enrolment.
    pub clicked: u32,
    pub tasks: u32,
}

/// Counts the enrolments, touchpoints and reactions of one sequence.
pub fn sequence_stats(conn: &Connection, sequence_id: i64) -> Result<SequenceStats> {
    let mut stats = conn.query_row(
        "SELECT COUNT(*),
                COALESCE(SUM(state = 'active'), 0),
                COALESCE(SUM(state = 'completed'), 0),
                COALESCE(SUM(state = 'exited'), 0),
                COALESCE(SUM(exit_reason = 'goal reached'), 0),
                COALESCE(SUM(EXISTS (SELECT 1 FROM events v WHERE v.lead_id = e.lead_id
                     AND v.type = 'email_open' AND v.occurred_at >= e.enrolled_at)), 0),
                COALESCE(SUM(EXISTS (SELECT 1 FROM events v WHERE v.lead_id = e.lead_id
                     AND v.type = 'email_click' AND v.occurred_at >= e.enrolled_at)), 0)
         FROM nurture_enrolments e WHERE e.sequence_id = ?1",
        [sequence_id],
        |row| {
            Ok(SequenceStats {
                enrolled: row.get(0)?,
                active: row.get(1)?,
                completed: row.get(2)?,
                exited: row.get(3)?,
                goal_reached: row.get(4)?,
                opened: row.get(5)?,
                clicked: row.get(6)?,
                ..SequenceStats::default()
            })
        },
    )?;
    let mut stmt = conn.prepare(
        "SELECT kind, status, COUNT(*) FROM nurture_outbox WHERE sequence_id = ?1
         GROUP BY kind, status",
    )?;
    let rows = stmt.query_map([sequence_id], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, u32>(2)?,
        ))
    })?;
    for row in rows {
        let (kind, status, count) = row?;
        match (kind.as_str(), status.as_str()) {
            ("email", "sent") => stats.emails_sent += count,
            ("email", "due" | "sending") => stats.emails_due += count,
            ("email", "failed") => stats.emails_failed += count,
            ("email", _) => stats.emails_skipped += count,
            _ => stats.tasks += count,
        }
    }
    Ok(stats)
}

/// State of the app's scheduler, shown in the Nurture screen and the
/// catch-up notice.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SchedulerStatus {
    /// False when the scheduler was switched off for this session.
    pub enabled: bool,
    /// Work that was due at launch. The scheduler waits until the user
    /// runs it, and this is `None` once the user did or none was due.
    pub catch_up: Option<DueWork>,
    #[ts(type = "number | null")]
    pub last_run_at: Option<i64>,
    pub last_run: Option<super::model::RunSummary>,
    /// Error message of the last run, when it failed.
    pub last_error: Option<String>,
    /// Seconds between runs.
    pub interval_seconds: u32,
    /// True when SMTP mode logs in and no password was given this session.
    pub password_missing: bool,
    /// Storage place of the SMTP password.
    pub password_store: PasswordStore,
}

/// Storage place of the SMTP password, which is never the database.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum PasswordStore {
    /// No password was given.
    #[default]
    None,
    /// In the operating system's keyring.
    Keyring,
    /// In memory until the app closes, because no keyring was found.
    Memory,
    /// The keyring is locked and asked to be unlocked; the password is
    /// in memory until the app closes.
    Locked,
}
