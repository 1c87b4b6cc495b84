//! User settings kept in the database's `settings` table, so they travel
//! with the workspace file.

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};

/// Languages the UI is translated into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Language {
    En,
    Nl,
}

impl Language {
    /// Picks the language for an OS locale such as `nl-NL`, `nl_BE.UTF-8`
    /// or `en-US`; anything that is not Dutch falls back to English.
    pub fn from_locale(locale: &str) -> Language {
        let lower = locale.to_ascii_lowercase();
        if lower == "nl"
            || lower.starts_with("nl-")
            || lower.starts_with("nl_")
            || lower.starts_with("nl.")
        {
            Language::Nl
        } else {
            Language::En
        }
    }
}

/// The user's settings. A field that was never set is null, and the app
/// then follows the operating system (language, time zone).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Settings {
    pub language: Option<Language>,
    /// ISO 4217 code used to show money, for example `EUR`.
    pub currency: String,
    /// IANA time zone name, for example `Europe/Amsterdam`.
    pub time_zone: Option<String>,
}

/// Currency used when none is set.
pub const DEFAULT_CURRENCY: &str = "EUR";

/// Reads the settings.
pub fn load(conn: &Connection) -> Result<Settings> {
    let get = |key: &str| -> Result<Option<String>> {
        Ok(conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()?)
    };
    let language = match get("language")?.as_deref() {
        Some("nl") => Some(Language::Nl),
        Some("en") => Some(Language::En),
        _ => None,
    };
    Ok(Settings {
        language,
        currency: get("currency")?.unwrap_or_else(|| DEFAULT_CURRENCY.to_owned()),
        time_zone: get("time_zone")?,
    })
}

/// Validates and stores the settings in one transaction.
pub fn save(conn: &mut Connection, settings: &Settings) -> Result<()> {
    let currency = settings.currency.trim().to_ascii_uppercase();
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(Error::invalid(
            "currency",
            &settings.currency,
            "use a three-letter ISO 4217 code such as EUR or USD",
        ));
    }
    if let Some(zone) = &settings.time_zone {
        zone.parse::<chrono_tz::Tz>().map_err(|_| {
            Error::invalid(
                "time zone",
                zone,
                "use an IANA time zone name such as Europe/Amsterdam",
            )
        })?;
    }

    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let language = settings.language.map(|l| match l {
        Language::En => "en",
        Language::Nl => "nl",
    });
    put(&tx, "language", language)?;
    put(&tx, "currency", Some(&currency))?;
    put(&tx, "time_zone", settings.time_zone.as_deref())?;
    tx.commit()?;
    Ok(())
}

fn put(conn: &Connection, key: &str, value: Option<&str>) -> Result<()> {
    match value {
        Some(value) => conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?,
        None => conn.execute("DELETE FROM settings WHERE key = ?1", [key])?,
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_picks_language() {
        for (locale, expected) in [
            ("nl-NL", Language::Nl),
            ("nl_BE.UTF-8", Language::Nl),
            ("nl", Language::Nl),
            ("en-US", Language::En),
            ("de-DE", Language::En),
            ("C", Language::En),
        ] {
            assert_eq!(Language::from_locale(locale), expected, "{locale}");
        }
    }

    #[test]
    fn settings_round_trip() {
        let mut db = crate::Database::open_in_memory().unwrap();
        let settings = Settings {
            language: Some(Language::Nl),
            currency: "usd".into(),
            time_zone: Some("Europe/Amsterdam".into()),
        };
        save(db.conn_mut(), &settings).unwrap();
        let loaded = load(db.conn()).unwrap();
        assert_eq!(loaded.language, Some(Language::Nl));
        assert_eq!(loaded.currency, "USD");
        assert_eq!(loaded.time_zone.as_deref(), Some("Europe/Amsterdam"));
    }

    #[test]
    fn unknown_time_zone_rejected_nothing_saved() {
        let mut db = crate::Database::open_in_memory().unwrap();
        let settings = Settings {
            language: Some(Language::Nl),
            currency: "EUR".into(),
            time_zone: Some("Mars/Olympus".into()),
        };
        let error = save(db.conn_mut(), &settings).unwrap_err();
        assert!(error.to_string().contains("Mars/Olympus"), "{error}");
        assert_eq!(load(db.conn()).unwrap().language, None);
    }

    #[test]
    fn bad_currency_rejected() {
        let mut db = crate::Database::open_in_memory().unwrap();
        let settings = Settings {
            currency: "euro".into(),
            ..Settings::default()
        };
        let error = save(db.conn_mut(), &settings).unwrap_err();
        assert!(error.to_string().contains("\"euro\""), "{error}");
    }
}
