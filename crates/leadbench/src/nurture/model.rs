//! Types of nurture sequences (trigger, audience, steps, goal and re-entry
//! policy) and the rows the app shows about enrolments and the outbox. The TypeScript versions are generated from these by ts-rs.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::model::Stage;

/// Whether a sequence enrols leads and runs its steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum SequenceStatus {
    Active,
    /// No new enrolments; enrolled leads wait at their step until resumed.
    Paused,
}

impl SequenceStatus {
    /// Returns the name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            SequenceStatus::Active => "active",
            SequenceStatus::Paused => "paused",
        }
    }
}

/// Event or action that enrols a lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum Trigger {
    /// The lead does an event of this type, optionally with a property value.
    Event {
        event_type: String,
        property: Option<PropertyFilter>,
    },
    /// The lead enters this stage.
    Stage { stage: Stage },
    /// The lead's score rises from below `threshold` to `threshold` or more.
    Score { threshold: f64 },
    /// A person enrols leads from the board, one or in bulk.
    Manual,
}

/// An event property that must have a given value, compared as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PropertyFilter {
    pub key: String,
    pub equals: String,
}

/// Fit conditions a lead must meet to be enrolled. An empty list or a
/// missing value means "any".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Audience {
    pub stages: Vec<Stage>,
    pub min_score: Option<f64>,
    /// Industries of the lead's account, compared without regard to case.
    pub industries: Vec<String>,
    /// Countries of the lead's account, compared without regard to case.
    pub countries: Vec<String>,
}

/// One step of a sequence. The id stays the same when steps are reordered
/// or edited, so a step never runs twice for one enrolment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Step {
    pub id: String,
    pub action: StepAction,
}

/// Action of a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum StepAction {
    Wait {
        wait: Wait,
    },
    /// Subject and body may use merge fields such as `{{first_name}}`, and
    /// `{{first_name|there}}` gives a fallback for an empty value.
    SendEmail {
        subject: String,
        body: String,
    },
    /// A task for the lead's owner, listed in the outbox until done.
    CreateTask {
        title: String,
    },
    NotifySales {
        message: String,
    },
    MoveToStage {
        stage: Stage,
    },
    /// When `test` holds, the lead goes to step `goto_step` (a later step);
    /// otherwise it goes on with the next step. With `timeout_days` the step
    /// waits up to that many days for the test to hold before going on.
    Condition {
        test: ConditionTest,
        goto_step: String,
        timeout_days: Option<u32>,
    },
    /// Completes the enrolment, so a branch does not run into the next one.
    End,
}

/// How long a wait step waits, counted in the user's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum Wait {
    /// `amount` hours or days. Days are calendar days, and with `at`
    /// (`HH:MM`) the wait ends at that local time of the last day.
    For {
        amount: u32,
        unit: WaitUnit,
        at: Option<String>,
    },
    /// Until the next `weekday` at local time `at` (`HH:MM`).
    Until { weekday: Weekday, at: String },
}

/// Unit of [`Wait::For`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum WaitUnit {
    Hours,
    Days,
}

/// Day of the week of [`Wait::Until`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

/// The test of a condition step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum ConditionTest {
    /// The lead did an event of this type since it was enrolled.
    DidEvent {
        event_type: String,
    },
    ScoreAbove {
        value: f64,
    },
    InStage {
        stage: Stage,
    },
}

/// When a lead leaves the sequence early because it reached the aim.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Goal {
    /// Reaching this stage or a later one (customer after SQL) ends the
    /// enrolment. Disqualified is never "later".
    pub stage: Option<Stage>,
    /// Doing an event of this type after enrolment ends it.
    pub event_type: Option<String>,
}

/// Whether a lead that left a sequence can be enrolled again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum ReEntry {
    Never,
    /// Again once `days` days have passed since the previous enrolment.
    AfterDays {
        days: u32,
    },
}

/// A sequence as the user designs it, before and after saving.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SequenceDraft {
    pub name: String,
    pub status: SequenceStatus,
    pub trigger: Trigger,
    pub audience: Audience,
    pub steps: Vec<Step>,
    pub goal: Goal,
    pub re_entry: ReEntry,
}

/// A saved sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Sequence {
    #[ts(type = "number")]
    pub id: i64,
    /// Raised by one on every saved edit.
    #[ts(type = "number")]
    pub version: i64,
    #[ts(type = "number")]
    pub created_at: i64,
    #[ts(type = "number")]
    pub updated_at: i64,
    pub draft: SequenceDraft,
}

/// One line of the sequence list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SequenceSummary {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    pub status: SequenceStatus,
    pub trigger: Trigger,
    pub steps: u32,
    pub active: u32,
    pub completed: u32,
    pub exited: u32,
}

/// Lifecycle of one lead in one sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum EnrolmentState {
    Active,
    Completed,
    Exited,
}

/// One lead's place in one sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Enrolment {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub sequence_id: i64,
    /// Null once the lead was deleted.
    #[ts(type = "number | null")]
    pub lead_id: Option<i64>,
    pub state: EnrolmentState,
    pub step_index: u32,
    /// Unix seconds (UTC) at which the current step is due.
    #[ts(type = "number | null")]
    pub next_due_at: Option<i64>,
    #[ts(type = "number")]
    pub enrolled_at: i64,
    #[ts(type = "number | null")]
    pub ended_at: Option<i64>,
    pub exit_reason: Option<String>,
    /// Failed attempts at the current step since it last made progress.
    pub failures: u32,
}

/// Kind of touchpoint in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum OutboxKind {
    Email,
    Task,
    Notify,
}

/// Delivery state of a touchpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum OutboxStatus {
    /// Waiting to be sent (or, in manual mode, for the user to send it).
    Due,
    /// Handed to the mail server; a row left in this state by a crash
    /// becomes failed and is not sent again automatically.
    Sending,
    Sent,
    /// A task or notification the user has dealt with.
    Done,
    Failed,
    Skipped,
}

/// One touchpoint of the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct OutboxRow {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub enrolment_id: i64,
    #[ts(type = "number")]
    pub sequence_id: i64,
    pub sequence_name: String,
    pub step_id: String,
    #[ts(type = "number | null")]
    pub lead_id: Option<i64>,
    pub kind: OutboxKind,
    pub status: OutboxStatus,
    pub to_address: Option<String>,
    pub subject: Option<String>,
    pub body: String,
    #[ts(type = "number")]
    pub due_at: i64,
    /// True when the step ran well after it was due, because no scheduler
    /// was running (for example while the app was closed).
    pub late: bool,
    pub attempts: u32,
    #[ts(type = "number | null")]
    pub next_attempt_at: Option<i64>,
    pub last_error: Option<String>,
    #[ts(type = "number | null")]
    pub sent_at: Option<i64>,
    pub skip_reason: Option<String>,
}

/// Filter of [`crate::nurture::store::list_outbox`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct OutboxQuery {
    pub status: Option<OutboxStatus>,
    pub kind: Option<OutboxKind>,
    #[ts(type = "number | null")]
    pub sequence_id: Option<i64>,
    #[ts(type = "number | null")]
    pub lead_id: Option<i64>,
    pub limit: u32,
}

/// One entry of an enrolment's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct HistoryEntry {
    #[ts(type = "number | null")]
    pub enrolment_id: Option<i64>,
    #[ts(type = "number")]
    pub sequence_id: i64,
    #[ts(type = "number | null")]
    pub lead_id: Option<i64>,
    #[ts(type = "number")]
    pub at: i64,
    /// enrolled, step, late, failed, exited, completed, removed or edited.
    pub kind: String,
    pub step_id: Option<String>,
    pub detail: Option<String>,
}

/// Effect of saving an edited sequence on the leads already in it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct EditImpact {
    pub active_enrolments: u32,
    /// Leads whose current step still exists; they go on from it.
    pub stay_on_step: u32,
    /// Leads whose current step was removed; they go on from the next old
    /// step that still exists.
    pub moved_forward: u32,
    /// Leads whose current step and all steps after it were removed; they
    /// complete the sequence.
    pub completed: u32,
}

/// Counts of one scheduler run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RunSummary {
    /// Steps and deliveries that were due in this run.
    pub due: u32,
    pub executed: u32,
    /// Steps not run because the lead left: deleted, disqualified,
    /// unsubscribed, without consent or goal reached.
    pub skipped: u32,
    pub failed: u32,
    /// Executed steps that touched the lead (e-mail, task, notification,
    /// stage move) well after they were due, for example because the app
    /// was closed.
    pub late: u32,
    /// E-mails handed to the mail server.
    pub sent: u32,
    /// E-mails left for the user to send from their own mail client.
    pub manual: u32,
    /// E-mails held back by the daily send cap until tomorrow.
    pub capped: u32,
}
