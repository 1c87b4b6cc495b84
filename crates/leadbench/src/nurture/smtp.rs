//! SMTP delivery with lettre and the mail settings. The settings live in
//! the database without the password: the app keeps the password in the
//! operating system's keyring and passes it to [`build_sender`].

use std::time::Duration;

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::mail::{MailSender, ManualSender, OutgoingEmail, SendError};
use crate::error::{Error, Result};
use crate::Database;

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

/// Sends one test e-mail to `to` with the given settings, so the user
/// sees at once whether the server accepts them. Manual mode has nothing
/// to test.
pub fn send_test_email(
    settings: &MailSettings,
    password: Option<String>,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<()> {
    if settings.mode == MailMode::Manual {
        return Err(Error::invalid(
            "mail mode",
            "manual",
            "choose SMTP mode and fill in the server before sending a test e-mail",
        ));
    }
    if to.trim().parse::<lettre::Address>().is_err() {
        return Err(Error::invalid(
            "test recipient",
            to,
            "enter an e-mail address such as you@example.com",
        ));
    }
    let mut sender = build_sender(settings, password)?;
    let email = OutgoingEmail {
        outbox_id: 0,
        to: to.trim().to_owned(),
        subject: subject.to_owned(),
        body: body.to_owned(),
    };
    sender.send(&email).map_err(|error| {
        Error::invalid(
            "SMTP server",
            format!("{}:{}", settings.host.trim(), settings.port),
            format!(
                "the test e-mail was not accepted ({}); check host, port, security and login",
                error.message
            ),
        )
    })
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
