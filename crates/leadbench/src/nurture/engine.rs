//! The step machine shared by the scheduler and the dry run. It decides what
//! one step does for one enrolment at a given time; the caller writes the
//! result (scheduler) or only records it (dry run).
//!
//! Times are scheduled times, not the moments a scheduler happened to run.
//! The step after a wait is due when the wait ends. The step after an action
//! is due when the action was due. A condition's timeout counts from when
//! the condition was due. So a run after the app was closed for days
//! does what an open app would have done, only late.

use chrono_tz::Tz;

use super::clock::wait_until;
use super::model::{ConditionTest, SequenceDraft, StepAction};
use crate::error::Result;
use crate::model::Stage;

/// How often a condition that waits for its timeout is looked at again, in
/// seconds, for events written by code that does not wake enrolments.
pub const CONDITION_POLL_SECONDS: i64 = 3_600;

/// A step that runs more than this many seconds after it was due is late.
pub const LATE_AFTER_SECONDS: i64 = 600;

/// Facts about a lead that steps depend on.
pub trait LeadFacts {
    /// Returns the first time in `from..=to` the lead did `event_type`.
    fn first_event(&self, event_type: &str, from: i64, to: i64) -> Result<Option<i64>>;
    /// Returns the lead's stage at time `at`.
    fn stage_at(&self, at: i64) -> Result<Stage>;
    /// Returns the lead's score at time `at`.
    fn score_at(&self, at: i64) -> Result<f64>;
}

/// An enrolment's place: the step it is at and when that step was due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub step_index: usize,
    pub due_at: i64,
    pub enrolled_at: i64,
}

/// The touchpoint or change a step produces.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Waits and conditions change nothing outside the enrolment.
    Nothing,
    Email {
        subject: String,
        body: String,
    },
    Task {
        title: String,
    },
    Notify {
        message: String,
    },
    MoveToStage(Stage),
}

/// The outcome of looking at one step.
#[derive(Debug, Clone, PartialEq)]
pub enum Transition {
    /// The step is not due yet; look again at `until`.
    Park { until: i64 },
    /// The step ran; `next` is where the enrolment goes, or `None` when the
    /// sequence is complete.
    Ran {
        step_id: String,
        effect: Effect,
        next: Option<Position>,
    },
}

/// Decides what the step at `position` does at time `now`.
pub fn step(
    draft: &SequenceDraft,
    position: Position,
    now: i64,
    facts: &dyn LeadFacts,
    tz: Tz,
) -> Result<Transition> {
    let Some(step) = draft.steps.get(position.step_index) else {
        return Ok(Transition::Ran {
            step_id: String::new(),
            effect: Effect::Nothing,
            next: None,
        });
    };
    if position.due_at > now {
        return Ok(Transition::Park {
            until: position.due_at,
        });
    }

    let follow = |due_at: i64| {
        let next_index = position.step_index + 1;
        (next_index < draft.steps.len()).then_some(Position {
            step_index: next_index,
            due_at,
            enrolled_at: position.enrolled_at,
        })
    };
    let ran = |effect: Effect, next: Option<Position>| Transition::Ran {
        step_id: step.id.clone(),
        effect,
        next,
    };

    let transition = match &step.action {
        StepAction::Wait { wait } => {
            let until = wait_until(position.due_at, wait, tz)?;
            if until > now {
                return Ok(Transition::Park { until });
            }
            ran(Effect::Nothing, follow(until))
        }
        StepAction::SendEmail { subject, body } => ran(
            Effect::Email {
                subject: subject.clone(),
                body: body.clone(),
            },
            follow(position.due_at),
        ),
        StepAction::CreateTask { title } => ran(
            Effect::Task {
                title: title.clone(),
            },
            follow(position.due_at),
        ),
        StepAction::NotifySales { message } => ran(
            Effect::Notify {
                message: message.clone(),
            },
            follow(position.due_at),
        ),
        StepAction::MoveToStage { stage } => {
            ran(Effect::MoveToStage(*stage), follow(position.due_at))
        }
        StepAction::End => ran(Effect::Nothing, None),
        StepAction::Condition {
            test,
            goto_step,
            timeout_days,
        } => {
            let deadline = timeout_days.map(|days| position.due_at + i64::from(days) * 86_400);
            // Without a timeout the test looks at the moment the step was
            // due, as a scheduler running on time would have.
            let horizon = deadline.map_or(position.due_at, |deadline| deadline.min(now));
            if let Some(met_at) = evaluate(test, position, horizon, facts)? {
                let target = draft
                    .steps
                    .iter()
                    .position(|s| &s.id == goto_step)
                    .unwrap_or(draft.steps.len());
                let next = (target < draft.steps.len()).then_some(Position {
                    step_index: target,
                    due_at: met_at.max(position.due_at),
                    enrolled_at: position.enrolled_at,
                });
                ran(Effect::Nothing, next)
            } else {
                match deadline {
                    Some(deadline) if deadline > now => {
                        return Ok(Transition::Park {
                            until: deadline.min(now + CONDITION_POLL_SECONDS),
                        })
                    }
                    Some(deadline) => ran(Effect::Nothing, follow(deadline)),
                    None => ran(Effect::Nothing, follow(position.due_at)),
                }
            }
        }
    };
    Ok(transition)
}

/// Returns when the condition held, or `None` when it did not hold up to
/// `horizon`. Events count from enrolment on, including those that arrived
/// before the condition step was reached.
fn evaluate(
    test: &ConditionTest,
    position: Position,
    horizon: i64,
    facts: &dyn LeadFacts,
) -> Result<Option<i64>> {
    match test {
        ConditionTest::DidEvent { event_type } => {
            facts.first_event(event_type, position.enrolled_at, horizon)
        }
        ConditionTest::ScoreAbove { value } => {
            Ok((facts.score_at(horizon)? > *value).then_some(horizon))
        }
        ConditionTest::InStage { stage } => {
            Ok((facts.stage_at(horizon)? == *stage).then_some(horizon))
        }
    }
}

/// Returns whether `current` counts as having reached the goal stage
/// `goal`: the same stage or a later one in the pipeline. Disqualified only
/// reaches itself.
pub fn stage_reached(current: Stage, goal: Stage) -> bool {
    if current == Stage::Disqualified || goal == Stage::Disqualified {
        return current == goal;
    }
    current >= goal
}
