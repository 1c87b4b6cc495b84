//! Conversions between the database's UTC Unix seconds and text.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::error::{Error, Result};

/// Formats Unix seconds as RFC 3339 in UTC, for example `2024-03-01T10:15:00Z`.
pub fn to_rfc3339(seconds: i64) -> String {
    DateTime::<Utc>::from_timestamp(seconds, 0)
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parses an RFC 3339 timestamp or a plain `YYYY-MM-DD` date (taken as
/// midnight UTC) into Unix seconds.
pub fn parse_instant(field: &str, text: &str) -> Result<i64> {
    let trimmed = text.trim();
    if let Ok(moment) = DateTime::parse_from_rfc3339(trimmed) {
        return Ok(moment.timestamp());
    }
    if let Ok(date) = chrono::NaiveDate::parse_from_str(trimmed, "%Y-%m-%d") {
        return Ok(date
            .and_hms_opt(0, 0, 0)
            .map(|d| d.and_utc().timestamp())
            .unwrap_or(0));
    }
    Err(Error::invalid(
        field,
        text,
        "use a date such as 2024-03-01 or a timestamp such as 2024-03-01T10:15:00Z",
    ))
}

/// Returns the current time as Unix seconds.
pub fn now() -> i64 {
    Utc::now().timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trip() {
        let seconds = parse_instant("at", "2024-02-29T23:30:00Z").unwrap();
        assert_eq!(to_rfc3339(seconds), "2024-02-29T23:30:00Z");
    }

    #[test]
    fn offset_converted_to_utc() {
        let seconds = parse_instant("at", "2024-03-01T00:30:00+01:00").unwrap();
        assert_eq!(to_rfc3339(seconds), "2024-02-29T23:30:00Z");
    }

    #[test]
    fn plain_date_is_midnight_utc() {
        assert_eq!(
            to_rfc3339(parse_instant("at", "2024-03-01").unwrap()),
            "2024-03-01T00:00:00Z"
        );
    }

    #[test]
    fn impossible_date_rejected() {
        let error = parse_instant("until", "2024-04-31").unwrap_err();
        assert!(error.to_string().contains("2024-04-31"), "{error}");
    }
}
