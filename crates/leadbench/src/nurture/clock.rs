//! Wait arithmetic in the user's IANA time zone. Days are calendar days, so
//! "1 day at 09:00" ends at 09:00 local time also across a daylight-saving
//! change. A local time that does not exist (the hour skipped in spring)
//! moves forward by the length of the gap, and a local time that exists
//! twice (the hour repeated in autumn) takes the first occurrence.

use chrono::{
    Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone,
};
use chrono_tz::Tz;
use rusqlite::Connection;

use super::model::{Wait, WaitUnit, Weekday};
use crate::error::{Error, Result};

/// Returns the time zone waits count in: the one in the settings, else UTC.
pub fn user_time_zone(conn: &Connection) -> Result<Tz> {
    // NOTE: with no time zone in the settings this falls back to UTC, not to
    // the operating system's zone. The app is expected to store the zone.
    let Some(name) = crate::settings::load(conn)?.time_zone else {
        return Ok(Tz::UTC);
    };
    parse_time_zone(&name)
}

/// Parses an IANA time zone name such as `Europe/Amsterdam`.
pub fn parse_time_zone(name: &str) -> Result<Tz> {
    name.parse::<Tz>().map_err(|_| {
        Error::invalid(
            "time zone",
            name,
            "use an IANA time zone name such as Europe/Amsterdam",
        )
    })
}

/// Parses a local time of day written as `HH:MM`.
pub fn parse_time_of_day(field: &str, text: &str) -> Result<NaiveTime> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").map_err(|_| {
        Error::invalid(
            field,
            text,
            "write the time as HH:MM on a 24-hour clock, for example 09:00",
        )
    })
}

/// Converts a local date and time in `tz` to Unix seconds, moving a time in
/// a daylight-saving gap forward by the gap and taking the earlier of two
/// repeated times.
pub fn resolve_local(tz: Tz, local: NaiveDateTime) -> i64 {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(moment) => moment.timestamp(),
        LocalResult::Ambiguous(earlier, _) => earlier.timestamp(),
        LocalResult::None => {
            // The offset in force a day before the gap, applied to the
            // missing wall-clock time, lands the same distance past the gap.
            let before = tz
                .offset_from_utc_datetime(&(local - Duration::days(1)))
                .fix()
                .local_minus_utc();
            (local - Duration::seconds(i64::from(before)))
                .and_utc()
                .timestamp()
        }
    }
}

fn local_datetime(tz: Tz, seconds: i64) -> NaiveDateTime {
    let utc = chrono::DateTime::from_timestamp(seconds, 0).unwrap_or_default();
    utc.with_timezone(&tz).naive_local()
}

fn chrono_weekday(weekday: Weekday) -> chrono::Weekday {
    match weekday {
        Weekday::Mon => chrono::Weekday::Mon,
        Weekday::Tue => chrono::Weekday::Tue,
        Weekday::Wed => chrono::Weekday::Wed,
        Weekday::Thu => chrono::Weekday::Thu,
        Weekday::Fri => chrono::Weekday::Fri,
        Weekday::Sat => chrono::Weekday::Sat,
        Weekday::Sun => chrono::Weekday::Sun,
    }
}

/// Returns when a wait that starts at `anchor` (Unix seconds) ends.
/// The wait was validated when its sequence was saved.
pub fn wait_until(anchor: i64, wait: &Wait, tz: Tz) -> Result<i64> {
    let local = local_datetime(tz, anchor);
    match wait {
        Wait::For {
            amount,
            unit: WaitUnit::Hours,
            ..
        } => Ok(anchor + i64::from(*amount) * 3_600),
        Wait::For {
            amount,
            unit: WaitUnit::Days,
            at,
        } => {
            let time = match at {
                Some(text) => parse_time_of_day("wait time", text)?,
                None => local.time(),
            };
            let date = local.date() + Duration::days(i64::from(*amount));
            Ok(resolve_local(tz, date.and_time(time)))
        }
        Wait::Until { weekday, at } => {
            let time = parse_time_of_day("wait time", at)?;
            let wanted = chrono_weekday(*weekday);
            let first: NaiveDate = local.date();
            for offset in 0..=7 {
                let date = first + Duration::days(offset);
                if date.weekday() != wanted {
                    continue;
                }
                let end = resolve_local(tz, date.and_time(time));
                if end > anchor {
                    return Ok(end);
                }
            }
            // Day seven has the wanted weekday and lies after the anchor, so
            // the loop always returns.
            Ok(anchor + 7 * 86_400)
        }
    }
}

/// Returns the start of the local calendar day that contains `seconds`.
pub fn start_of_local_day(tz: Tz, seconds: i64) -> i64 {
    let local = local_datetime(tz, seconds);
    resolve_local(tz, local.date().and_time(NaiveTime::MIN))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{parse_instant, to_rfc3339};

    fn amsterdam() -> Tz {
        parse_time_zone("Europe/Amsterdam").unwrap()
    }

    fn at(text: &str) -> i64 {
        parse_instant("at", text).unwrap()
    }

    fn one_day_at(time: &str) -> Wait {
        Wait::For {
            amount: 1,
            unit: WaitUnit::Days,
            at: Some(time.into()),
        }
    }

    #[test]
    fn day_wait_keeps_local_time_across_spring_forward() {
        // Saturday 30 March 2024 09:00 CET; clocks go forward on Sunday.
        let end = wait_until(
            at("2024-03-30T08:00:00Z"),
            &one_day_at("09:00"),
            amsterdam(),
        );
        assert_eq!(to_rfc3339(end.unwrap()), "2024-03-31T07:00:00Z");
    }

    #[test]
    fn day_wait_keeps_local_time_across_fall_back() {
        // Saturday 26 October 2024 09:00 CEST; clocks go back on Sunday.
        let end = wait_until(
            at("2024-10-26T07:00:00Z"),
            &one_day_at("09:00"),
            amsterdam(),
        );
        assert_eq!(to_rfc3339(end.unwrap()), "2024-10-27T08:00:00Z");
    }

    #[test]
    fn skipped_local_time_moves_past_gap() {
        // 02:30 does not exist in Amsterdam on 31 March 2024; 03:30 CEST does.
        let end = wait_until(
            at("2024-03-30T08:00:00Z"),
            &one_day_at("02:30"),
            amsterdam(),
        );
        assert_eq!(to_rfc3339(end.unwrap()), "2024-03-31T01:30:00Z");
    }

    #[test]
    fn repeated_local_time_takes_first() {
        // 02:30 happens twice in Amsterdam on 27 October 2024: CEST first.
        let end = wait_until(
            at("2024-10-26T07:00:00Z"),
            &one_day_at("02:30"),
            amsterdam(),
        );
        assert_eq!(to_rfc3339(end.unwrap()), "2024-10-27T00:30:00Z");
    }

    #[test]
    fn hour_wait_is_elapsed_time() {
        let wait = Wait::For {
            amount: 24,
            unit: WaitUnit::Hours,
            at: None,
        };
        let end = wait_until(at("2024-03-30T08:00:00Z"), &wait, amsterdam()).unwrap();
        assert_eq!(to_rfc3339(end), "2024-03-31T08:00:00Z");
    }

    #[test]
    fn until_weekday_finds_next_one() {
        let wait = Wait::Until {
            weekday: Weekday::Tue,
            at: "10:00".into(),
        };
        // Monday 3 June 2024 12:00 CEST.
        let end = wait_until(at("2024-06-03T10:00:00Z"), &wait, amsterdam()).unwrap();
        assert_eq!(to_rfc3339(end), "2024-06-04T08:00:00Z");
        // Tuesday 4 June after 10:00 goes to the next Tuesday.
        let end = wait_until(at("2024-06-04T09:00:00Z"), &wait, amsterdam()).unwrap();
        assert_eq!(to_rfc3339(end), "2024-06-11T08:00:00Z");
    }

    #[test]
    fn until_weekday_across_spring_forward() {
        let wait = Wait::Until {
            weekday: Weekday::Mon,
            at: "09:00".into(),
        };
        // Friday 29 March 2024 09:00 CET to Monday 1 April 09:00 CEST.
        let end = wait_until(at("2024-03-29T08:00:00Z"), &wait, amsterdam()).unwrap();
        assert_eq!(to_rfc3339(end), "2024-04-01T07:00:00Z");
    }
}
