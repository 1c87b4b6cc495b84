//! Runs due steps. The app calls [`run_due`] from a background task and on
//! launch; `leadbench nurture run` calls it from cron while the app is
//! closed. Both may run at once: every batch is one `BEGIN IMMEDIATE`
//! transaction, so they take turns.
//!
//! A step runs at most once per enrolment, also when a run is killed: the
//! step's touchpoint goes into the outbox (unique per enrolment and step)
//! in the same transaction that moves the enrolment past the step. Whether
//! the lead may still be nurtured is checked in that transaction, right
//! before each step.

use std::collections::HashMap;

use chrono_tz::Tz;
use rusqlite::{params, Connection};

use super::actions::change_stage_in;
use super::engine::{self, Effect, LeadFacts, Position, Transition, LATE_AFTER_SECONDS};
use super::enrol::{add_history, end_enrolment, lead_state};
use super::mail::{self, MailSender};
use super::model::{RunSummary, SequenceDraft, SequenceStatus};
use super::{clock, store, template};
use crate::error::Result;
use crate::model::Stage;
use crate::settings::Language;
use crate::Database;

/// Enrolments handled per transaction.
pub const DEFAULT_BATCH: usize = 500;

/// Limits of one run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub batch_size: usize,
    /// Stop after this many steps, as a run that is killed part-way would.
    /// Tests use it; the app and the CLI leave it unset.
    pub max_steps: Option<u32>,
    /// Also hand due e-mails to the sender after the steps ran.
    pub deliver: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            batch_size: DEFAULT_BATCH,
            max_steps: None,
            deliver: true,
        }
    }
}

/// Runs every step due at `now` (Unix seconds) and then delivers due
/// e-mails through `sender`.
pub fn run_due(db: &mut Database, now: i64, sender: &mut dyn MailSender) -> Result<RunSummary> {
    run_due_with(db, now, sender, &RunOptions::default())
}

/// [`run_due`] with explicit limits.
pub fn run_due_with(
    db: &mut Database,
    now: i64,
    sender: &mut dyn MailSender,
    options: &RunOptions,
) -> Result<RunSummary> {
    let tz = clock::user_time_zone(db.conn())?;
    let language = crate::settings::load(db.conn())?
        .language
        .unwrap_or(Language::En);
    let mut summary = RunSummary::default();

    advance_enrolments(db, now, tz, language, options, &mut summary)?;
    if options.deliver {
        mail::deliver(db, now, tz, sender, &mut summary)?;
    }
    tracing::info!(
        due = summary.due,
        executed = summary.executed,
        skipped = summary.skipped,
        failed = summary.failed,
        late = summary.late,
        "nurture run finished"
    );
    Ok(summary)
}

struct DueEnrolment {
    id: i64,
    sequence_id: i64,
    lead_id: Option<i64>,
    position: Position,
    failures: u32,
}

fn advance_enrolments(
    db: &mut Database,
    now: i64,
    tz: Tz,
    language: Language,
    options: &RunOptions,
    summary: &mut RunSummary,
) -> Result<()> {
    let definitions = store::load_definitions(db.conn())?;
    loop {
        let tx = db.write()?;
        let more = advance_batch(&tx, &definitions, now, tz, language, options, summary)?;
        tx.commit()?;
        if !more {
            return Ok(());
        }
    }
}

/// Sequence definitions by id, with name and status.
pub(crate) type Definitions = HashMap<i64, (String, SequenceStatus, SequenceDraft)>;

/// Runs one batch of due enrolments inside the caller's transaction and
/// returns whether more may be due. Each enrolment runs inside a savepoint,
/// so one that fails is rolled back alone and retried later with backoff.
pub(crate) fn advance_batch(
    conn: &Connection,
    definitions: &Definitions,
    now: i64,
    tz: Tz,
    language: Language,
    options: &RunOptions,
    summary: &mut RunSummary,
) -> Result<bool> {
    let batch_size = options.batch_size.max(1);
    let batch = due_batch(conn, now, batch_size)?;
    let mut progressed = false;
    for due in &batch {
        if options.max_steps.is_some_and(|max| summary.due >= max) {
            return Ok(false);
        }
        let Some((name, status, draft)) = definitions.get(&due.sequence_id) else {
            continue;
        };
        if *status == SequenceStatus::Paused {
            continue;
        }
        let context = StepContext {
            name,
            draft,
            now,
            tz,
            language,
            max_steps: options.max_steps,
        };
        progressed = true;
        conn.execute_batch("SAVEPOINT nurture_enrolment")?;
        let mut counts = summary.clone();
        match run_enrolment(conn, &context, due, &mut counts) {
            Ok(()) => {
                conn.execute_batch("RELEASE nurture_enrolment")?;
                *summary = counts;
            }
            Err(error) => {
                conn.execute_batch("ROLLBACK TO nurture_enrolment; RELEASE nurture_enrolment")?;
                record_failure(conn, due, now, &error.to_string())?;
                summary.due += 1;
                summary.failed += 1;
            }
        }
    }
    // Enrolments of a sequence created after the definitions were read stay
    // due; stop instead of selecting them again and again.
    Ok(progressed && batch.len() == batch_size)
}

/// Runs every due step inside the caller's transaction, for the demo data.
pub(crate) fn advance_all_in(conn: &Connection, now: i64) -> Result<RunSummary> {
    let definitions = store::load_definitions(conn)?;
    let tz = clock::user_time_zone(conn)?;
    let mut summary = RunSummary::default();
    let options = RunOptions::default();
    while advance_batch(
        conn,
        &definitions,
        now,
        tz,
        Language::En,
        &options,
        &mut summary,
    )? {}
    Ok(summary)
}

fn due_batch(conn: &Connection, now: i64, limit: usize) -> Result<Vec<DueEnrolment>> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.id, e.sequence_id, e.lead_id, e.step_index, e.step_started_at, e.enrolled_at,
                e.failures
         FROM nurture_enrolments e JOIN nurture_sequences s ON s.id = e.sequence_id
         WHERE e.state = 'active' AND e.next_due_at <= ?1 AND s.status = 'active'
         ORDER BY e.next_due_at, e.id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![now, limit as i64], |row| {
        Ok(DueEnrolment {
            id: row.get(0)?,
            sequence_id: row.get(1)?,
            lead_id: row.get(2)?,
            position: Position {
                step_index: row.get(3)?,
                due_at: row.get(4)?,
                enrolled_at: row.get(5)?,
            },
            failures: row.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Backs off a failed enrolment: 5 minutes, doubling up to a day.
fn record_failure(conn: &Connection, due: &DueEnrolment, now: i64, error: &str) -> Result<()> {
    let failures = due.failures + 1;
    let delay = (300_i64 << failures.min(9)).min(86_400);
    tracing::warn!(
        enrolment = due.id,
        sequence = due.sequence_id,
        failures,
        error,
        "nurture step failed; retrying later"
    );
    conn.execute(
        "UPDATE nurture_enrolments SET failures = ?2, next_due_at = ?3 WHERE id = ?1",
        params![due.id, failures, now + delay],
    )?;
    conn.execute(
        "INSERT INTO nurture_history (enrolment_id, sequence_id, lead_id, at, kind, step_id, detail)
         VALUES (?1, ?2, ?3, ?4, 'failed', NULL, ?5)",
        params![due.id, due.sequence_id, due.lead_id, now, error],
    )?;
    Ok(())
}

struct StepContext<'a> {
    name: &'a str,
    draft: &'a SequenceDraft,
    now: i64,
    tz: Tz,
    language: Language,
    max_steps: Option<u32>,
}

/// The scheduler's view of a lead: its current row and its events.
struct DbFacts<'a> {
    conn: &'a Connection,
    lead_id: i64,
    stage: Stage,
    score: f64,
}

impl LeadFacts for DbFacts<'_> {
    fn first_event(&self, event_type: &str, from: i64, to: i64) -> Result<Option<i64>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT MIN(occurred_at) FROM events
             WHERE lead_id = ?1 AND type = ?2 AND occurred_at BETWEEN ?3 AND ?4",
        )?;
        Ok(
            stmt.query_row(params![self.lead_id, event_type, from, to], |row| {
                row.get(0)
            })?,
        )
    }

    fn stage_at(&self, _at: i64) -> Result<Stage> {
        Ok(self.stage)
    }

    fn score_at(&self, _at: i64) -> Result<f64> {
        Ok(self.score)
    }
}

/// Runs the due steps of one enrolment until it waits, completes or leaves.
fn run_enrolment(
    conn: &Connection,
    context: &StepContext<'_>,
    due: &DueEnrolment,
    summary: &mut RunSummary,
) -> Result<()> {
    let now = context.now;
    let Some(lead_id) = due.lead_id else {
        leave(conn, due.id, now, "lead deleted", summary)?;
        return Ok(());
    };
    let mut position = due.position;

    for _ in 0..=context.draft.steps.len() {
        if context.max_steps.is_some_and(|max| summary.due >= max) {
            return park(conn, due.id, position, now);
        }
        // An edit can leave an enrolment past the last step.
        if position.step_index >= context.draft.steps.len() {
            return complete(conn, due, lead_id, now);
        }

        // Eligibility and goal, checked in this transaction right before the step.
        let Some(state) = lead_state(conn, lead_id)? else {
            return leave(conn, due.id, now, "lead deleted", summary);
        };
        if let Some(reason) = state.ineligible_reason() {
            return leave(conn, due.id, now, reason, summary);
        }
        let facts = DbFacts {
            conn,
            lead_id,
            stage: state.stage,
            score: state.score,
        };
        if goal_reached(context.draft, &facts, position.enrolled_at, now)? {
            return leave(conn, due.id, now, "goal reached", summary);
        }

        let (step_id, effect, next) =
            match engine::step(context.draft, position, now, &facts, context.tz)? {
                Transition::Park { until } => return park(conn, due.id, position, until),
                Transition::Ran {
                    step_id,
                    effect,
                    next,
                } => (step_id, effect, next),
            };
        // Only steps that touch the lead count as late; waits and conditions
        // passed on the way are bookkeeping.
        let late = effect != Effect::Nothing && now - position.due_at > LATE_AFTER_SECONDS;
        summary.due += 1;
        summary.executed += 1;
        summary.late += u32::from(late);
        let detail = late.then_some("late: no scheduler ran when it was due");
        add_history(
            conn,
            due.id,
            due.sequence_id,
            lead_id,
            now,
            "step",
            Some(&step_id),
            detail,
        )?;
        apply_effect(
            conn,
            context,
            due,
            lead_id,
            &step_id,
            &effect,
            position.due_at,
            late,
        )?;

        match next {
            Some(next) => {
                position = next;
                set_position(conn, due.id, position)?;
            }
            None => return complete(conn, due, lead_id, now),
        }
        // A stage move may have ended this enrolment through a goal.
        if matches!(effect, Effect::MoveToStage(_)) && !still_active(conn, due.id)? {
            return Ok(());
        }
    }
    park(conn, due.id, position, now)
}

fn goal_reached(
    draft: &SequenceDraft,
    facts: &DbFacts<'_>,
    enrolled_at: i64,
    now: i64,
) -> Result<bool> {
    if let Some(goal) = draft.goal.stage {
        if engine::stage_reached(facts.stage, goal) {
            return Ok(true);
        }
    }
    if let Some(event_type) = &draft.goal.event_type {
        return Ok(facts.first_event(event_type, enrolled_at, now)?.is_some());
    }
    Ok(false)
}

fn leave(
    conn: &Connection,
    enrolment_id: i64,
    now: i64,
    reason: &str,
    summary: &mut RunSummary,
) -> Result<()> {
    end_enrolment(conn, enrolment_id, now, "exited", reason)?;
    summary.due += 1;
    summary.skipped += 1;
    Ok(())
}

fn set_position(conn: &Connection, enrolment_id: i64, position: Position) -> Result<()> {
    conn.prepare_cached(
        "UPDATE nurture_enrolments SET step_index = ?2, step_started_at = ?3
         WHERE id = ?1 AND state = 'active'",
    )?
    .execute(params![enrolment_id, position.step_index, position.due_at])?;
    Ok(())
}

fn park(conn: &Connection, enrolment_id: i64, position: Position, until: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE nurture_enrolments SET step_index = ?2, step_started_at = ?3, next_due_at = ?4,
                failures = 0
         WHERE id = ?1 AND state = 'active'",
    )?
    .execute(params![
        enrolment_id,
        position.step_index,
        position.due_at,
        until
    ])?;
    Ok(())
}

fn complete(conn: &Connection, due: &DueEnrolment, lead_id: i64, now: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE nurture_enrolments SET state = 'completed', next_due_at = NULL, ended_at = ?2
         WHERE id = ?1 AND state = 'active'",
    )?
    .execute(params![due.id, now])?;
    add_history(
        conn,
        due.id,
        due.sequence_id,
        lead_id,
        now,
        "completed",
        None,
        None,
    )
}

fn still_active(conn: &Connection, enrolment_id: i64) -> Result<bool> {
    let state: String = conn
        .prepare_cached("SELECT state FROM nurture_enrolments WHERE id = ?1")?
        .query_row([enrolment_id], |row| row.get(0))?;
    Ok(state == "active")
}

/// Writes the step's touchpoint or change. The outbox key (enrolment, step)
/// makes a second write of the same step a no-op.
#[allow(clippy::too_many_arguments)]
fn apply_effect(
    conn: &Connection,
    context: &StepContext<'_>,
    due: &DueEnrolment,
    lead_id: i64,
    step_id: &str,
    effect: &Effect,
    due_at: i64,
    late: bool,
) -> Result<()> {
    let values = match effect {
        Effect::Nothing => return Ok(()),
        Effect::MoveToStage(stage) => {
            let actor = format!("nurture: {}", context.name);
            change_stage_in(conn, lead_id, *stage, context.now, &actor)?;
            return Ok(());
        }
        _ => template::load_values(conn, lead_id)?.unwrap_or_default(),
    };
    let (kind, to, subject, body) = match effect {
        Effect::Email { subject, body } => {
            let mut text = template::render(body, &values);
            text.push_str(&mail::unsubscribe_footer(context.language));
            (
                "email",
                values.email.clone(),
                template::render(subject, &values),
                text,
            )
        }
        Effect::Task { title } => (
            "task",
            values.owner.clone(),
            template::render(title, &values),
            String::new(),
        ),
        Effect::Notify { message } => (
            "notify",
            values.owner.clone(),
            template::render(message, &values),
            String::new(),
        ),
        Effect::Nothing | Effect::MoveToStage(_) => return Ok(()),
    };
    let no_address = kind == "email" && to.as_deref().is_none_or(|to| to.trim().is_empty());
    let (status, skip_reason) = if no_address {
        ("skipped", Some("no e-mail address"))
    } else {
        ("due", None)
    };
    conn.prepare_cached(
        "INSERT INTO nurture_outbox
             (enrolment_id, step_id, sequence_id, lead_id, kind, status, to_address, subject, body,
              due_at, created_at, late, skip_reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (enrolment_id, step_id) DO NOTHING",
    )?
    .execute(params![
        due.id,
        step_id,
        due.sequence_id,
        lead_id,
        kind,
        status,
        to,
        subject,
        body,
        due_at,
        context.now,
        late,
        skip_reason
    ])?;
    Ok(())
}
