//! Delivering e-mails from the outbox.
//!
//! In manual mode Leadbench sends nothing: due e-mails stay in the outbox
//! for the Today list, where the user opens them in their own mail client.
//! In SMTP mode Leadbench sends them through the configured server with
//! lettre, up to a daily cap. The SMTP password is never stored in the
//! database: the app keeps it in the operating system's keyring and passes
//! it to [`build_sender`].
//!
//! An e-mail is claimed (status `sending`) in a transaction that first
//! checks the lead may still be mailed, and marked sent or failed after the
//! server replied. A run killed in between leaves it `sending`, and such a
//! row is reported as failed instead of sent again, so no e-mail goes out
//! twice. Failures are retried with backoff and stay in the outbox.

use std::time::Duration;

use chrono_tz::Tz;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};
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
/// Settings key of the mail settings (JSON).
const SETTINGS_KEY: &str = "nurture_mail";

/// Delivery mode of nurture e-mails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum MailMode {
    /// Due e-mails are listed; the user sends them from their mail client.
    #[default]
    Manual,
    Smtp,
}

/// Encryption of the SMTP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (usually port 587).
    #[default]
    StartTls,
    /// TLS from the first byte (usually port 465).
    Tls,
    /// No encryption; accepted only for a server on this computer.
    None,
}

/// The mail settings, stored in the database without the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MailSettings {
    pub mode: MailMode,
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// SMTP user name; empty means no login.
    pub user: String,
    pub from_address: String,
    pub from_name: String,
    /// Most e-mails sent per local calendar day.
    pub daily_cap: u32,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            mode: MailMode::Manual,
            host: String::new(),
            port: 587,
            security: SmtpSecurity::StartTls,
            user: String::new(),
            from_address: String::new(),
            from_name: String::new(),
            daily_cap: 200,
        }
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim().trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|address| address.is_loopback())
}

fn parse_mailbox(name: &str, address: &str) -> Result<Mailbox> {
    let address = address.trim().parse().map_err(|_| {
        Error::invalid(
            "sender address",
            address,
            "enter an e-mail address such as sales@example.com",
        )
    })?;
    let name = Some(name.trim().to_owned()).filter(|n| !n.is_empty());
    Ok(Mailbox::new(name, address))
}

/// Checks mail settings; manual mode needs nothing else.
pub fn validate_settings(settings: &MailSettings) -> Result<()> {
    if settings.daily_cap == 0 || settings.daily_cap > 100_000 {
        return Err(Error::invalid(
            "daily send cap",
            settings.daily_cap.to_string(),
            "choose between 1 and 100000 e-mails a day",
        ));
    }
    if settings.mode == MailMode::Manual {
        return Ok(());
    }
    if settings.host.trim().is_empty() {
        return Err(Error::invalid(
            "SMTP server",
            &settings.host,
            "enter the host name of your mail server, for example smtp.example.com",
        ));
    }
    if settings.port == 0 {
        return Err(Error::invalid(
            "SMTP port",
            "0",
            "use 587 for STARTTLS or 465 for TLS",
        ));
    }
    if settings.security == SmtpSecurity::None && !is_loopback(&settings.host) {
        return Err(Error::invalid(
            "SMTP security",
            &settings.host,
            "an unencrypted connection is allowed only to a server on this computer; choose STARTTLS or TLS",
        ));
    }
    parse_mailbox(&settings.from_name, &settings.from_address).map(|_| ())
}

/// Reads the mail settings; defaults to manual mode.
pub fn load_settings(conn: &Connection) -> Result<MailSettings> {
    let json: Option<String> = conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [SETTINGS_KEY],
            |row| row.get(0),
        )
        .optional()?;
    Ok(json
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default())
}

/// Validates and stores the mail settings.
pub fn save_settings(db: &mut Database, settings: &MailSettings) -> Result<()> {
    validate_settings(settings)?;
    let json = serde_json::to_string(settings).unwrap_or_default();
    let tx = db.write()?;
    tx.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [SETTINGS_KEY, json.as_str()],
    )?;
    tx.commit()?;
    Ok(())
}

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

/// SMTP mode through lettre.
pub struct SmtpSender {
    transport: SmtpTransport,
    from: Mailbox,
    daily_cap: u32,
}

/// Builds the sender for `settings`; `password` comes from the keyring and
/// is needed when a user name is set.
pub fn build_sender(
    settings: &MailSettings,
    password: Option<String>,
) -> Result<Box<dyn MailSender + Send>> {
    validate_settings(settings)?;
    if settings.mode == MailMode::Manual {
        return Ok(Box::new(ManualSender));
    }

    let host = settings.host.trim();
    let tls = || {
        TlsParameters::new(host.to_owned()).map_err(|error| {
            Error::invalid(
                "SMTP server",
                host,
                format!("TLS cannot be set up: {error}"),
            )
        })
    };
    let tls = match settings.security {
        SmtpSecurity::StartTls => Tls::Required(tls()?),
        SmtpSecurity::Tls => Tls::Wrapper(tls()?),
        SmtpSecurity::None => Tls::None,
    };
    let mut builder = SmtpTransport::builder_dangerous(host)
        .port(settings.port)
        .tls(tls)
        .timeout(Some(Duration::from_secs(20)));
    if !settings.user.trim().is_empty() {
        let Some(password) = password.filter(|p| !p.is_empty()) else {
            return Err(Error::invalid(
                "SMTP password",
                "",
                format!(
                    "the user {} needs a password; enter it in the mail settings",
                    settings.user.trim()
                ),
            ));
        };
        builder = builder.credentials(Credentials::new(settings.user.trim().to_owned(), password));
    }
    Ok(Box::new(SmtpSender {
        transport: builder.build(),
        from: parse_mailbox(&settings.from_name, &settings.from_address)?,
        daily_cap: settings.daily_cap,
    }))
}

impl MailSender for SmtpSender {
    fn delivers(&self) -> bool {
        true
    }

    fn daily_cap(&self) -> u32 {
        self.daily_cap
    }

    fn send(&mut self, email: &OutgoingEmail) -> std::result::Result<(), SendError> {
        let invalid = |message: String| SendError {
            message,
            permanent: true,
            stop_run: false,
        };
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|_| invalid(format!("invalid recipient address {:?}", email.to)))?;
        let unsubscribe = format!("<mailto:{}?subject=unsubscribe>", self.from.email);
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                unsubscribe,
            ))
            .body(email.body.clone())
            .map_err(|error| invalid(format!("the e-mail cannot be built: {error}")))?;
        self.transport.send(&message).map(|_| ()).map_err(|error| {
            // 530, 534 and 535 reject the login: a settings problem that
            // retrying later with the right password solves.
            let code = error.status().map(|code| code.to_string());
            let login = matches!(code.as_deref(), Some("530" | "534" | "535"));
            let unreachable = !(error.is_transient() || error.is_permanent() || error.is_client());
            SendError {
                message: error.to_string(),
                permanent: error.is_permanent() && !login,
                stop_run: unreachable || login,
            }
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

/// Returns a `mailto:` link that opens a due e-mail in the user's mail
/// client (manual mode).
pub fn mailto_link(to: &str, subject: &str, body: &str) -> String {
    fn encode(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for byte in text.bytes() {
            match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    out.push(byte as char)
                }
                _ => out.push_str(&format!("%{byte:02X}")),
            }
        }
        out
    }
    format!(
        "mailto:{}?subject={}&body={}",
        to.trim(),
        encode(subject),
        encode(body)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_smtp_only_on_loopback() {
        let mut settings = MailSettings {
            mode: MailMode::Smtp,
            host: "smtp.example.com".into(),
            port: 25,
            security: SmtpSecurity::None,
            from_address: "sales@example.com".into(),
            ..MailSettings::default()
        };
        let error = validate_settings(&settings).unwrap_err();
        assert!(error.to_string().contains("smtp.example.com"), "{error}");
        settings.host = "127.0.0.1".into();
        validate_settings(&settings).unwrap();
    }

    #[test]
    fn login_without_password_rejected() {
        let settings = MailSettings {
            mode: MailMode::Smtp,
            host: "localhost".into(),
            port: 2525,
            security: SmtpSecurity::None,
            user: "sales".into(),
            from_address: "sales@example.com".into(),
            ..MailSettings::default()
        };
        let error = build_sender(&settings, None).err().unwrap();
        assert!(error.to_string().contains("password"), "{error}");
    }

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(backoff_seconds(1), 300);
        assert_eq!(backoff_seconds(2), 900);
        assert_eq!(backoff_seconds(10), 6 * 3_600);
    }

    #[test]
    fn mailto_encodes_text() {
        let link = mailto_link("a@example.nl", "Hi & bye", "line 1\nline 2");
        assert_eq!(
            link,
            "mailto:a@example.nl?subject=Hi%20%26%20bye&body=line%201%0Aline%202"
        );
    }

    #[test]
    fn settings_round_trip_without_password() {
        let mut db = Database::open_in_memory().unwrap();
        let settings = MailSettings {
            mode: MailMode::Smtp,
            host: "smtp.example.com".into(),
            port: 465,
            security: SmtpSecurity::Tls,
            user: "sales".into(),
            from_address: "sales@example.com".into(),
            from_name: "Sales".into(),
            daily_cap: 50,
        };
        save_settings(&mut db, &settings).unwrap();
        assert_eq!(load_settings(db.conn()).unwrap(), settings);
        let stored: String = db
            .conn()
            .query_row(
                "SELECT value FROM settings WHERE key = 'nurture_mail'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert!(!stored.contains("password"), "{stored}");
    }
}
