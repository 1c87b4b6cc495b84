//! Helpers shared by the nurture integration tests: leads, sequences, a
//! sender that records e-mails, and a small SMTP server on loopback.

#![allow(dead_code)]

pub mod smtp_sink;

use leadbench::nurture::mail::{MailSender, OutgoingEmail, SendError};
use leadbench::nurture::model::{
    Audience, ConditionTest, Goal, ReEntry, SequenceDraft, SequenceStatus, Step, StepAction,
    Trigger, Wait, WaitUnit,
};
use leadbench::nurture::model::{OutboxQuery, OutboxRow};
use leadbench::nurture::store;
use leadbench::Database;
use rusqlite::params;

/// Parses an RFC 3339 timestamp.
pub fn at(text: &str) -> i64 {
    leadbench::time::parse_instant("at", text).unwrap()
}

/// Path of a file of the shared failure cases.
pub fn case_file(name: &str) -> String {
    let path = format!(
        "{}/../../../shared/cases/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// Inserts a lead with consent in stage `new` and returns its id.
pub fn add_lead(db: &Database, first: &str, last: &str, email: &str, created_at: i64) -> i64 {
    db.conn()
        .execute(
            "INSERT INTO leads (email, first_name, last_name, stage, stage_changed_at, consent,
                                created_at, updated_at)
             VALUES (?1, ?2, ?3, 'new', ?4, 1, ?4, ?4)",
            params![email, first, last, created_at],
        )
        .unwrap();
    db.conn().last_insert_rowid()
}

pub fn step(id: &str, action: StepAction) -> Step {
    Step {
        id: id.into(),
        action,
    }
}

pub fn email(subject: &str) -> StepAction {
    StepAction::SendEmail {
        subject: subject.into(),
        body: format!("Hi {{{{first_name}}}}, this is {subject}."),
    }
}

pub fn wait_days(amount: u32, at: Option<&str>) -> StepAction {
    StepAction::Wait {
        wait: Wait::For {
            amount,
            unit: WaitUnit::Days,
            at: at.map(str::to_owned),
        },
    }
}

pub fn did_within(event_type: &str, goto: &str, days: u32) -> StepAction {
    StepAction::Condition {
        test: ConditionTest::DidEvent {
            event_type: event_type.into(),
        },
        goto_step: goto.into(),
        timeout_days: Some(days),
    }
}

pub fn draft(name: &str, trigger: Trigger, steps: Vec<Step>) -> SequenceDraft {
    SequenceDraft {
        name: name.into(),
        status: SequenceStatus::Active,
        trigger,
        audience: Audience::default(),
        steps,
        goal: Goal::default(),
        re_entry: ReEntry::Never,
    }
}

/// Returns every outbox row, oldest first.
pub fn outbox(db: &Database) -> Vec<OutboxRow> {
    let mut rows = store::list_outbox(
        db.conn(),
        &OutboxQuery {
            limit: 10_000,
            ..OutboxQuery::default()
        },
    )
    .unwrap();
    rows.reverse();
    rows
}

/// Subjects of the outbox rows of one lead, oldest first.
pub fn subjects_for(db: &Database, lead_id: i64) -> Vec<String> {
    outbox(db)
        .into_iter()
        .filter(|row| row.lead_id == Some(lead_id))
        .filter_map(|row| row.subject)
        .collect()
}

/// A sender that keeps what it was given, for tests that do not need SMTP.
#[derive(Default)]
pub struct RecordingSender {
    pub sent: Vec<OutgoingEmail>,
    /// Fail this many sends before succeeding.
    pub fail_next: u32,
    /// Daily send cap; 1,000 when unset.
    pub cap: Option<u32>,
}

impl MailSender for RecordingSender {
    fn delivers(&self) -> bool {
        true
    }

    fn daily_cap(&self) -> u32 {
        self.cap.unwrap_or(1_000)
    }

    fn send(&mut self, email: &OutgoingEmail) -> Result<(), SendError> {
        if self.fail_next > 0 {
            self.fail_next -= 1;
            return Err(SendError {
                message: "451 try again later".into(),
                permanent: false,
                stop_run: false,
            });
        }
        self.sent.push(email.clone());
        Ok(())
    }
}

impl RecordingSender {
    /// Subjects sent to `address`, in order.
    pub fn subjects_to(&self, address: &str) -> Vec<String> {
        self.sent
            .iter()
            .filter(|email| email.to == address)
            .map(|email| email.subject.clone())
            .collect()
    }
}
