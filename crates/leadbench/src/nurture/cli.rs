//! `leadbench nurture ...`: run due steps from cron while the app is
//! closed, and look at sequences, the outbox and stuck leads.

use clap::Subcommand;
use serde_json::json;

use super::model::{OutboxQuery, OutboxStatus, RunSummary};
use super::smtp::{self, MailMode};
use super::{actions, presets, scheduler, simulate, store};
use crate::error::{Error, Result};
use crate::settings::Language;
use crate::Database;

/// Environment variable the CLI reads the SMTP password from in SMTP mode;
/// the app reads it from the operating system's keyring instead.
pub const PASSWORD_VARIABLE: &str = "LEADBENCH_SMTP_PASSWORD";

/// Subcommands of `leadbench nurture`.
#[derive(Debug, Subcommand)]
pub enum NurtureCommand {
    /// Run every step that is due and send due e-mails (SMTP mode).
    Run {
        /// Run as if it were this moment (RFC 3339 or YYYY-MM-DD, default now).
        #[arg(long, value_name = "TIMESTAMP")]
        now: Option<String>,
    },
    /// List sequences with their enrolment counts.
    List,
    /// List touchpoints in the outbox, the most recently due first.
    Outbox {
        /// Only this status: due, sending, sent, done, failed or skipped.
        #[arg(long)]
        status: Option<String>,
        /// Maximum number of rows to print.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// List leads whose step is overdue by more than the grace period.
    Stuck {
        /// Grace period in minutes.
        #[arg(long, default_value_t = 10)]
        grace: i64,
        #[arg(long, value_name = "TIMESTAMP")]
        now: Option<String>,
    },
    /// Save one of the ready-made sequences: white_paper, webinar, cooling_mql, welcome_mql.
    AddPreset {
        key: String,
        /// Language of the texts: en or nl.
        #[arg(long, default_value = "en")]
        language: String,
    },
    /// Replay a saved sequence over the last days of history without writing.
    DryRun {
        /// Name of the sequence.
        name: String,
        /// Number of days to replay.
        #[arg(long, default_value_t = 30)]
        days: u32,
        #[arg(long, value_name = "TIMESTAMP")]
        now: Option<String>,
    },
    /// Enrol leads by hand.
    Enrol {
        /// Name of the sequence.
        name: String,
        /// Ids of the leads.
        #[arg(required = true)]
        leads: Vec<i64>,
    },
    /// Take a lead out of a sequence.
    Remove {
        /// Name of the sequence.
        name: String,
        lead: i64,
    },
}

fn instant(field: &str, text: Option<&str>) -> Result<i64> {
    match text {
        Some(text) => crate::time::parse_instant(field, text),
        None => Ok(crate::time::now()),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Runs one `nurture` subcommand and returns what to print.
pub fn run(db: &mut Database, command: NurtureCommand, as_json: bool) -> Result<String> {
    match command {
        NurtureCommand::Run { now } => {
            let now = instant("--now", now.as_deref())?;
            let settings = smtp::load_settings(db.conn())?;
            let password = match settings.mode {
                MailMode::Smtp => std::env::var(PASSWORD_VARIABLE).ok(),
                MailMode::Manual => None,
            };
            let needs_password =
                settings.mode == MailMode::Smtp && !settings.user.trim().is_empty();
            if needs_password && password.as_deref().is_none_or(str::is_empty) {
                return Err(Error::invalid(
                    PASSWORD_VARIABLE,
                    "",
                    format!(
                        "SMTP mode logs in as {}; set {PASSWORD_VARIABLE} to the password for the command line",
                        settings.user.trim()
                    ),
                ));
            }
            let mut sender = smtp::build_sender(&settings, password)?;
            let summary = scheduler::run_due(db, now, sender.as_mut())?;
            Ok(format_run(&summary, as_json))
        }
        NurtureCommand::List => {
            let sequences = store::list_sequences(db.conn())?;
            if as_json {
                return Ok(json!({ "sequences": sequences }).to_string());
            }
            let mut text = format!(
                "{:>4}  {:<32} {:<7} {:>5} {:>7} {:>9} {:>6}\n",
                "id", "name", "status", "steps", "active", "completed", "exited"
            );
            for s in &sequences {
                text.push_str(&format!(
                    "{:>4}  {:<32} {:<7} {:>5} {:>7} {:>9} {:>6}\n",
                    s.id,
                    s.name,
                    s.status.as_str(),
                    s.steps,
                    s.active,
                    s.completed,
                    s.exited
                ));
            }
            text.push_str(&format!("{} sequences", sequences.len()));
            Ok(text)
        }
        NurtureCommand::Outbox { status, limit } => {
            let status = status.as_deref().map(parse_status).transpose()?;
            let rows = store::list_outbox(
                db.conn(),
                &OutboxQuery {
                    status,
                    limit,
                    ..OutboxQuery::default()
                },
            )?;
            if as_json {
                return Ok(json!({ "outbox": rows }).to_string());
            }
            let mut text = String::new();
            for row in &rows {
                text.push_str(&format!(
                    "{:>6}  {:<8} {:<7} {}  {:<28} {}{}\n",
                    row.id,
                    store::outbox_status_name(row.status),
                    format!("{:?}", row.kind).to_lowercase(),
                    crate::time::to_rfc3339(row.due_at),
                    row.to_address.as_deref().unwrap_or("-"),
                    row.subject.as_deref().unwrap_or(""),
                    if row.late { "  (late)" } else { "" }
                ));
            }
            text.push_str(&format!("{} rows", rows.len()));
            Ok(text)
        }
        NurtureCommand::Stuck { grace, now } => {
            let now = instant("--now", now.as_deref())?;
            let stuck = store::stuck_enrolments(db.conn(), now, grace * 60)?;
            if as_json {
                return Ok(json!({ "stuck": stuck }).to_string());
            }
            Ok(format!(
                "{} enrolments overdue by more than {grace} minutes",
                stuck.len()
            ))
        }
        NurtureCommand::AddPreset { key, language } => {
            let language = match language.as_str() {
                "nl" => Language::Nl,
                "en" => Language::En,
                other => {
                    return Err(Error::invalid("--language", other, "use en or nl"));
                }
            };
            let preset = presets::presets(language)
                .into_iter()
                .find(|p| p.key == key)
                .ok_or_else(|| {
                    Error::invalid(
                        "preset",
                        &key,
                        "use white_paper, webinar, cooling_mql or welcome_mql",
                    )
                })?;
            let sequence = store::create_sequence(db, &preset.draft, crate::time::now())?;
            if as_json {
                return Ok(to_json(&sequence));
            }
            Ok(format!(
                "Saved sequence {} ({})",
                sequence.draft.name, sequence.id
            ))
        }
        NurtureCommand::DryRun { name, days, now } => {
            let now = instant("--now", now.as_deref())?;
            let sequence = store::find_sequence(db.conn(), &name)?;
            let result = simulate::simulate(db.conn(), &sequence.draft, now, days)?;
            if as_json {
                return Ok(to_json(&result));
            }
            Ok(format!(
                "{days} days: {} enrolled, {} completed, {} waiting, {} exited, {} e-mails",
                result.enrolled, result.completed, result.waiting, result.exited, result.emails
            ))
        }
        NurtureCommand::Enrol { name, leads } => {
            let sequence = store::find_sequence(db.conn(), &name)?;
            let result = actions::enrol_manual(db, sequence.id, &leads, crate::time::now())?;
            if as_json {
                return Ok(to_json(&result));
            }
            Ok(format!(
                "{} enrolled, {} already enrolled, {} not eligible",
                result.enrolled, result.already_enrolled, result.not_eligible
            ))
        }
        NurtureCommand::Remove { name, lead } => {
            let sequence = store::find_sequence(db.conn(), &name)?;
            actions::remove_from_sequence(
                db,
                sequence.id,
                lead,
                crate::time::now(),
                "command line",
            )?;
            if as_json {
                return Ok(json!({ "removed": true }).to_string());
            }
            Ok(format!("Lead {lead} removed from {}", sequence.draft.name))
        }
    }
}

/// Formats a run for people or, with `as_json`, as the four counts cron
/// scripts read.
pub fn format_run(summary: &RunSummary, as_json: bool) -> String {
    if as_json {
        /// The four counts in the order cron scripts expect them.
        #[derive(serde::Serialize)]
        struct Counts {
            due: u32,
            executed: u32,
            skipped: u32,
            failed: u32,
        }
        return to_json(&Counts {
            due: summary.due,
            executed: summary.executed,
            skipped: summary.skipped,
            failed: summary.failed,
        });
    }
    format!(
        "{} steps due: {} executed ({} late), {} skipped, {} failed; e-mails: {} sent, {} waiting to be sent by hand, {} held by the daily cap",
        summary.due,
        summary.executed,
        summary.late,
        summary.skipped,
        summary.failed,
        summary.sent,
        summary.manual,
        summary.capped
    )
}

fn parse_status(text: &str) -> Result<OutboxStatus> {
    Ok(match text {
        "due" => OutboxStatus::Due,
        "sending" => OutboxStatus::Sending,
        "sent" => OutboxStatus::Sent,
        "done" => OutboxStatus::Done,
        "failed" => OutboxStatus::Failed,
        "skipped" => OutboxStatus::Skipped,
        other => {
            return Err(Error::invalid(
                "--status",
                other,
                "use due, sending, sent, done, failed or skipped",
            ))
        }
    })
}
