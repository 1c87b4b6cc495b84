//! Checks a sequence draft before it is saved, so the scheduler never meets
//! a step it cannot run. Each error names the step and the fix.

use std::collections::HashMap;

use super::clock::parse_time_of_day;
use super::model::{ConditionTest, ReEntry, SequenceDraft, StepAction, Trigger, Wait, WaitUnit};
use super::template;
use crate::error::{Error, Result};

/// Maximum wait or condition timeout, in days.
pub const MAX_WAIT_DAYS: u32 = 365;
/// Largest number of steps in one sequence.
pub const MAX_STEPS: usize = 100;

/// Checks `draft` and returns the first problem found.
pub fn validate(draft: &SequenceDraft) -> Result<()> {
    if draft.name.trim().is_empty() {
        return Err(Error::invalid(
            "sequence name",
            &draft.name,
            "give the sequence a name",
        ));
    }
    if draft.steps.is_empty() || draft.steps.len() > MAX_STEPS {
        return Err(Error::invalid(
            "number of steps",
            draft.steps.len().to_string(),
            format!("a sequence needs between 1 and {MAX_STEPS} steps"),
        ));
    }
    validate_trigger(&draft.trigger)?;

    let mut positions = HashMap::new();
    for (index, step) in draft.steps.iter().enumerate() {
        if step.id.trim().is_empty() {
            return Err(Error::invalid(
                "step id",
                &step.id,
                format!("give step {} a non-empty id", index + 1),
            ));
        }
        if positions.insert(step.id.as_str(), index).is_some() {
            return Err(Error::invalid(
                "step id",
                &step.id,
                "each step needs its own id; rename one of the two",
            ));
        }
    }
    for (index, step) in draft.steps.iter().enumerate() {
        validate_action(&step.id, index, &step.action, &positions)?;
    }

    if let Some(event_type) = &draft.goal.event_type {
        require_text("goal event type", event_type)?;
    }
    if let ReEntry::AfterDays { days } = draft.re_entry {
        if days == 0 || days > 10 * MAX_WAIT_DAYS {
            return Err(Error::invalid(
                "re-entry days",
                days.to_string(),
                format!("choose between 1 and {} days", 10 * MAX_WAIT_DAYS),
            ));
        }
    }
    if let Some(score) = draft.audience.min_score {
        require_finite("audience minimum score", score)?;
    }
    Ok(())
}

fn validate_trigger(trigger: &Trigger) -> Result<()> {
    match trigger {
        Trigger::Event {
            event_type,
            property,
        } => {
            require_text("trigger event type", event_type)?;
            if let Some(filter) = property {
                require_text("trigger property name", &filter.key)?;
            }
            Ok(())
        }
        Trigger::Score { threshold } => require_finite("trigger score", *threshold),
        Trigger::Stage { .. } | Trigger::Manual => Ok(()),
    }
}

fn validate_action(
    id: &str,
    index: usize,
    action: &StepAction,
    positions: &HashMap<&str, usize>,
) -> Result<()> {
    match action {
        StepAction::Wait { wait } => validate_wait(id, wait),
        StepAction::SendEmail { subject, body } => {
            require_text(&format!("subject of step {id}"), subject)?;
            template::validate(&format!("subject of step {id}"), subject)?;
            template::validate(&format!("body of step {id}"), body)
        }
        StepAction::CreateTask { title } => require_text(&format!("task of step {id}"), title),
        StepAction::NotifySales { message } => {
            require_text(&format!("message of step {id}"), message)
        }
        StepAction::Condition {
            test,
            goto_step,
            timeout_days,
        } => {
            match positions.get(goto_step.as_str()) {
                Some(target) if *target > index => {}
                Some(_) => {
                    return Err(Error::invalid(
                        &format!("target of condition step {id}"),
                        goto_step,
                        "a condition can only jump forward; choose a step below it",
                    ))
                }
                None => {
                    return Err(Error::invalid(
                        &format!("target of condition step {id}"),
                        goto_step,
                        "no step has that id; choose one of the sequence's steps",
                    ))
                }
            }
            if let Some(days) = timeout_days {
                require_days(&format!("timeout of step {id}"), *days)?;
            }
            match test {
                ConditionTest::DidEvent { event_type } => {
                    require_text(&format!("event type of step {id}"), event_type)
                }
                ConditionTest::ScoreAbove { value } => {
                    require_finite(&format!("score of step {id}"), *value)
                }
                ConditionTest::InStage { .. } => Ok(()),
            }
        }
        StepAction::MoveToStage { .. } | StepAction::End => Ok(()),
    }
}

fn validate_wait(id: &str, wait: &Wait) -> Result<()> {
    let field = format!("wait of step {id}");
    match wait {
        Wait::For { amount, unit, at } => {
            let days = match unit {
                WaitUnit::Days => *amount,
                WaitUnit::Hours => amount.div_ceil(24),
            };
            if *amount == 0 {
                return Err(Error::invalid(
                    &field,
                    "0",
                    "wait at least 1 hour or 1 day, or remove the step",
                ));
            }
            require_days(&field, days)?;
            match (unit, at) {
                (WaitUnit::Hours, Some(time)) => Err(Error::invalid(
                    &field,
                    time,
                    "a time of day goes with a wait in days; use days or remove the time",
                )),
                (_, Some(time)) => parse_time_of_day(&field, time).map(|_| ()),
                (_, None) => Ok(()),
            }
        }
        Wait::Until { at, .. } => parse_time_of_day(&field, at).map(|_| ()),
    }
}

fn require_text(field: &str, text: &str) -> Result<()> {
    if text.trim().is_empty() {
        return Err(Error::invalid(field, text, "fill it in"));
    }
    Ok(())
}

fn require_finite(field: &str, value: f64) -> Result<()> {
    if !value.is_finite() {
        return Err(Error::invalid(field, value.to_string(), "enter a number"));
    }
    Ok(())
}

fn require_days(field: &str, days: u32) -> Result<()> {
    if days == 0 || days > MAX_WAIT_DAYS {
        return Err(Error::invalid(
            field,
            days.to_string(),
            format!("choose between 1 and {MAX_WAIT_DAYS} days"),
        ));
    }
    Ok(())
}
