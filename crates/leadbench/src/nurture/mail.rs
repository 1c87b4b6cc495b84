//! Delivering e-mails from the outbox.
//!
//! In manual mode Leadbench sends nothing: due e-mails stay in the outbox
//! for the Today list, where the user opens them in their own mail client.
//! In SMTP mode Leadbench sends them through the configured server with
//! lettre (see [`super::smtp`]), up to a daily cap.
//!
//! An e-mail is claimed (status `sending`) in a transaction that first
//! checks the lead may still be mailed, and marked sent or failed after the
//! server replied. A run killed in between leaves it `sending`, and such a
//! row is reported as failed instead of sent again, so no e-mail goes out
//! twice. Failures are retried with backoff and stay in the outbox.

use chrono_tz::Tz;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::clock::start_of_local_day;
use super::enrol::{end_enrolment, lead_state};
use super::model::RunSummary;
use crate::error::{Error, Result};
use crate::settings::Language;
use crate::Database;

/// Tries per e-mail before it stays failed until the user retries it.
pub const MAX_ATTEMPTS: u32 = 6;
/// A `sending` row older than this many seconds was left by a killed run.
pub const SENDING_STALE_SECONDS: i64 = 900;

/// Returns the unsubscribe line added under every nurture e-mail.
pub fn unsubscribe_footer(language: Language) -> String {
    let text = match language {
        Language::En => "You receive this e-mail because you showed interest in our products. To stop receiving these e-mails, reply with the word \"unsubscribe\".",
        Language::Nl => "U ontvangt deze e-mail omdat u interesse toonde in onze producten. Wilt u deze e-mails niet meer ontvangen? Antwoord dan met het woord \"afmelden\".",
    };
    format!("\n\n--\n{text}\n")
}

/// An e-mail as a lead would receive it, for the editor's preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct EmailPreview {
    pub to: Option<String>,
    pub subject: String,
    pub body: String,
}

/// Renders `subject` and `body` for a real lead, with the unsubscribe line
/// in the user's language. Fails on an unknown merge field or lead.
pub fn preview_email(
    conn: &Connection,
    subject: &str,
    body: &str,
    lead_id: i64,
) -> Result<EmailPreview> {
    super::template::validate("subject", subject)?;
    super::template::validate("body", body)?;
    let Some(values) = super::template::load_values(conn, lead_id)? else {
        return Err(Error::NotFound {
            what: "lead".into(),
            id: lead_id.to_string(),
        });
    };
    let language = crate::settings::load(conn)?
        .language
        .unwrap_or(Language::En);
    let mut text = super::template::render(body, &values);
    text.push_str(&unsubscribe_footer(language));
    Ok(EmailPreview {
        to: values.email.clone(),
        subject: super::template::render(subject, &values),
        body: text,
    })
}

/// One e-mail handed to a [`MailSender`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub outbox_id: i64,
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Failure of one send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub message: String,
    /// The server rejected the e-mail for good (for example an unknown
    /// mailbox), so it is not retried automatically.
    pub permanent: bool,
    /// The server could not be reached or refused the login, so the other
    /// e-mails of this run are not tried either.
    pub stop_run: bool,
}

/// Something that delivers e-mails.
pub trait MailSender {
    /// Returns whether this sender sends e-mails. When false, they wait in
    /// the outbox for the user.
    fn delivers(&self) -> bool;
    /// Most e-mails to send per local calendar day.
    fn daily_cap(&self) -> u32;
    /// Sends one e-mail.
    fn send(&mut self, email: &OutgoingEmail) -> std::result::Result<(), SendError>;
}

/// Manual mode: sends nothing.
#[derive(Debug, Default)]
pub struct ManualSender;

impl MailSender for ManualSender {
    fn delivers(&self) -> bool {
        false
    }

    fn daily_cap(&self) -> u32 {
        u32::MAX
    }

    fn send(&mut self, _email: &OutgoingEmail) -> std::result::Result<(), SendError> {
        Err(SendError {
            message: "manual mode sends no e-mail".into(),
            permanent: true,
            stop_run: true,
        })
    }
}

/// Delay before retry number `attempts + 1`: 5 minutes, tripling, at most 6 hours.
fn backoff_seconds(attempts: u32) -> i64 {
    (300 * 3_i64.pow(attempts.saturating_sub(1).min(6))).min(6 * 3_600)
}

struct Candidate {
    id: i64,
    lead_id: Option<i64>,
    enrolment_id: i64,
    to: String,
    subject: String,
    body: String,
    attempts: u32,
}

/// Hands due e-mails to `sender`, checking each lead right before.
pub(crate) fn deliver(
    db: &mut Database,
    now: i64,
    tz: Tz,
    sender: &mut dyn MailSender,
    summary: &mut RunSummary,
) -> Result<()> {
    if !sender.delivers() {
        return review_manual(db, now, summary);
    }
    recover_interrupted(db, now)?;
    let candidates = due_emails(db.conn(), now)?;
    let mut sent_today: u32 = db.conn().query_row(
        "SELECT COUNT(*) FROM nurture_outbox WHERE kind = 'email' AND sent_at >= ?1",
        [start_of_local_day(tz, now)],
        |row| row.get(0),
    )?;

    for candidate in candidates {
        if sent_today >= sender.daily_cap() {
            summary.capped += 1;
            continue;
        }
        if !claim(db, &candidate, now, summary)? {
            continue;
        }

        let email = OutgoingEmail {
            outbox_id: candidate.id,
            to: candidate.to.clone(),
            subject: candidate.subject.clone(),
            body: candidate.body.clone(),
        };
        let result = sender.send(&email);
        let tx = db.write()?;
        match result {
            Ok(()) => {
                tx.execute(
                    "UPDATE nurture_outbox SET status = 'sent', sent_at = ?2, last_error = NULL,
                            next_attempt_at = NULL
                     WHERE id = ?1",
                    params![candidate.id, now],
                )?;
                summary.sent += 1;
                sent_today += 1;
            }
            Err(error) => {
                let attempts = candidate.attempts + 1;
                let retry = (!error.permanent && attempts < MAX_ATTEMPTS)
                    .then(|| now + backoff_seconds(attempts));
                tracing::warn!(
                    outbox = candidate.id,
                    attempts,
                    permanent = error.permanent,
                    error = %error.message,
                    "nurture e-mail failed"
                );
                tx.execute(
                    "UPDATE nurture_outbox SET status = 'failed', last_error = ?2, next_attempt_at = ?3
                     WHERE id = ?1",
                    params![candidate.id, error.message, retry],
                )?;
                summary.failed += 1;
                if error.stop_run {
                    tx.commit()?;
                    return Ok(());
                }
            }
        }
        tx.commit()?;
    }
    Ok(())
}

fn due_emails(conn: &Connection, now: i64) -> Result<Vec<Candidate>> {
    let mut stmt = conn.prepare(
        "SELECT id, lead_id, enrolment_id, COALESCE(to_address, ''), COALESCE(subject, ''), body,
                attempts
         FROM nurture_outbox
         WHERE kind = 'email'
           AND ((status = 'due' AND due_at <= ?1) OR (status = 'failed' AND next_attempt_at <= ?1))
         ORDER BY due_at, id",
    )?;
    let rows = stmt.query_map([now], |row| {
        Ok(Candidate {
            id: row.get(0)?,
            lead_id: row.get(1)?,
            enrolment_id: row.get(2)?,
            to: row.get(3)?,
            subject: row.get(4)?,
            body: row.get(5)?,
            attempts: row.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Returns why the lead of an e-mail may no longer be mailed, or `None`.
fn ineligible(conn: &Connection, lead_id: Option<i64>) -> Result<Option<&'static str>> {
    let Some(lead_id) = lead_id else {
        return Ok(Some("lead deleted"));
    };
    Ok(match lead_state(conn, lead_id)? {
        None => Some("lead deleted"),
        Some(state) => state.ineligible_reason(),
    })
}

fn skip(conn: &Connection, candidate: &Candidate, now: i64, reason: &str) -> Result<()> {
    conn.execute(
        "UPDATE nurture_outbox SET status = 'skipped', skip_reason = ?2, next_attempt_at = NULL
         WHERE id = ?1",
        params![candidate.id, reason],
    )?;
    end_enrolment(conn, candidate.enrolment_id, now, "exited", reason)?;
    Ok(())
}

/// Checks the lead may still be mailed and marks the e-mail as being sent,
/// in one transaction. An e-mail to a lead that left is skipped and its
/// enrolment ended. Returns whether to send it.
fn claim(
    db: &mut Database,
    candidate: &Candidate,
    now: i64,
    summary: &mut RunSummary,
) -> Result<bool> {
    let tx = db.write()?;
    let status: Option<String> = tx
        .query_row(
            "SELECT status FROM nurture_outbox WHERE id = ?1",
            [candidate.id],
            |row| row.get(0),
        )
        .optional()?;
    if !matches!(status.as_deref(), Some("due" | "failed")) {
        return Ok(false);
    }
    if let Some(reason) = ineligible(&tx, candidate.lead_id)? {
        skip(&tx, candidate, now, reason)?;
        tx.commit()?;
        summary.skipped += 1;
        return Ok(false);
    }

    tx.execute(
        "UPDATE nurture_outbox SET status = 'sending', attempts = attempts + 1, next_attempt_at = ?2
         WHERE id = ?1",
        params![candidate.id, now],
    )?;
    tx.commit()?;
    Ok(true)
}

/// Manual mode: skips due e-mails whose lead may no longer be mailed, so the
/// Today list only shows e-mails the user may send, and counts the rest.
fn review_manual(db: &mut Database, now: i64, summary: &mut RunSummary) -> Result<()> {
    let tx = db.write()?;
    for candidate in due_emails(&tx, now)? {
        match ineligible(&tx, candidate.lead_id)? {
            Some(reason) => {
                skip(&tx, &candidate, now, reason)?;
                summary.skipped += 1;
            }
            None => summary.manual += 1,
        }
    }
    tx.commit()?;
    Ok(())
}

/// Reports e-mails left `sending` by a killed run as failed, without
/// retrying them: the server may have accepted them already.
fn recover_interrupted(db: &mut Database, now: i64) -> Result<()> {
    let tx = db.write()?;
    let count = tx.execute(
        "UPDATE nurture_outbox
         SET status = 'failed', next_attempt_at = NULL,
             last_error = 'the run was interrupted while sending; check the sent folder of the mail server and retry it if it did not arrive'
         WHERE status = 'sending' AND next_attempt_at < ?1",
        [now - SENDING_STALE_SECONDS],
    )?;
    tx.commit()?;
    if count > 0 {
        tracing::warn!(
            count,
            "e-mails interrupted while sending were marked failed"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(backoff_seconds(1), 300);
        assert_eq!(backoff_seconds(2), 900);
        assert_eq!(backoff_seconds(10), 6 * 3_600);
    }
}
