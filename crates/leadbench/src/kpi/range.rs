//! Date ranges in the user's time zone.
//!
//! The user picks local calendar dates, and the database stores UTC Unix
//! seconds. A range of local dates `[from, to]` (both inclusive) becomes the
//! half-open UTC interval `[start, end)` from local midnight of `from` to
//! local midnight of the day after `to`. Each midnight is converted on its
//! own through the IANA time zone, so a local day lasts 23 or 25 hours
//! across a daylight-saving change.

use chrono::{DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};

/// The dates a dashboard covers, as the user picks them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(tag = "preset", rename_all = "snake_case")]
#[ts(export)]
pub enum RangeRequest {
    /// From the 1st of the current month up to and including today.
    ThisMonth,
    /// The last 30 days, today included.
    #[serde(rename = "last_30_days")]
    Last30Days,
    /// The last 90 days, today included.
    #[serde(rename = "last_90_days")]
    Last90Days,
    /// From the first day of the current quarter up to and including today.
    ThisQuarter,
    /// From 1 January up to and including today.
    YearToDate,
    /// From the day of the earliest to the day of the latest lead, stage
    /// move, won deal or campaign, or today alone when there is no data.
    #[default]
    AllTime,
    /// Local dates (YYYY-MM-DD), both inclusive. A missing `from` starts at
    /// the earliest data and a missing `to` ends today.
    Custom {
        from: Option<String>,
        to: Option<String>,
    },
}

/// A resolved range of local dates with its UTC interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalRange {
    /// First local date in the range.
    pub from: NaiveDate,
    /// Last local date in the range (inclusive).
    pub to: NaiveDate,
    /// UTC Unix seconds of local midnight at the start of `from`.
    pub start: i64,
    /// UTC Unix seconds of local midnight after `to` (exclusive).
    pub end: i64,
}

impl LocalRange {
    /// Builds the range `[from, to]` in `zone`, and rejects `from` after `to`.
    pub fn new(from: NaiveDate, to: NaiveDate, zone: Tz) -> Result<Self> {
        if from > to {
            return Err(Error::invalid(
                "date range",
                format!("{from} to {to}"),
                "the start date is after the end date; swap them",
            ));
        }
        let after = next_day(to)?;
        Ok(LocalRange {
            from,
            to,
            start: local_midnight(from, zone),
            end: local_midnight(after, zone),
        })
    }

    /// Returns the number of local calendar days in the range.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// Returns the range of the same number of days that ends the day
    /// before this one starts, or `None` before the earliest date chrono
    /// supports.
    pub fn previous(&self, zone: Tz) -> Option<LocalRange> {
        let to = self.from.checked_sub_days(Days::new(1))?;
        let from = self.from.checked_sub_days(Days::new(self.days() as u64))?;
        LocalRange::new(from, to, zone).ok()
    }
}

/// Returns the UTC Unix seconds at which `date` begins in `zone`.
///
/// A few zones skip midnight when daylight saving starts (Brazil did until
/// 2019), so the day then begins at the first local time after the gap.
/// When midnight occurs twice, the earlier instant is the start.
pub fn local_midnight(date: NaiveDate, zone: Tz) -> i64 {
    let midnight = date.and_time(NaiveTime::MIN);
    for quarter_hours in 0..=12 {
        let local = midnight + chrono::Duration::minutes(15 * quarter_hours);
        match zone.from_local_datetime(&local) {
            LocalResult::Single(moment) => return moment.timestamp(),
            LocalResult::Ambiguous(earlier, _) => return earlier.timestamp(),
            LocalResult::None => continue,
        }
    }
    // NOTE: the loop covers gaps of up to three hours at midnight. A longer
    // gap falls back to the UTC reading of midnight.
    midnight.and_utc().timestamp()
}

/// Returns the local date of the UTC instant `seconds` in `zone`.
pub fn local_date(seconds: i64, zone: Tz) -> NaiveDate {
    let moment = DateTime::<Utc>::from_timestamp(seconds, 0).unwrap_or(DateTime::UNIX_EPOCH);
    moment.with_timezone(&zone).date_naive()
}

/// Parses a local calendar date such as `2024-03-31`.
pub fn parse_date(field: &str, text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        Error::invalid(
            field,
            text,
            "use a calendar date such as 2024-03-31 (year-month-day)",
        )
    })
}

/// Parses an IANA time zone name such as `Europe/Amsterdam`.
pub fn parse_zone(text: &str) -> Result<Tz> {
    text.trim().parse::<Tz>().map_err(|_| {
        Error::invalid(
            "time zone",
            text,
            "use an IANA time zone name such as Europe/Amsterdam or UTC",
        )
    })
}

/// Resolves `request` to local dates. `today` is the current local date and
/// `data_span` the local dates of the earliest and latest data (used by
/// `AllTime` and by a custom range without a start).
pub fn resolve(
    request: &RangeRequest,
    zone: Tz,
    today: NaiveDate,
    data_span: Option<(NaiveDate, NaiveDate)>,
) -> Result<LocalRange> {
    let (first_data_day, last_data_day) = data_span.unwrap_or((today, today));
    let days_back = |days: u64| today.checked_sub_days(Days::new(days)).unwrap_or(today);
    let month_start = today.with_day(1).unwrap_or(today);

    let (from, to) = match request {
        RangeRequest::ThisMonth => (month_start, today),
        RangeRequest::Last30Days => (days_back(29), today),
        RangeRequest::Last90Days => (days_back(89), today),
        RangeRequest::ThisQuarter => {
            let quarter_month = (today.month0() / 3) * 3 + 1;
            let start = NaiveDate::from_ymd_opt(today.year(), quarter_month, 1).unwrap_or(today);
            (start, today)
        }
        RangeRequest::YearToDate => {
            let start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
            (start, today)
        }
        RangeRequest::AllTime => (first_data_day, last_data_day),
        RangeRequest::Custom { from, to } => {
            let to = match to.as_deref().filter(|t| !t.trim().is_empty()) {
                Some(text) => parse_date("end date", text)?,
                None => today,
            };
            let from = match from.as_deref().filter(|t| !t.trim().is_empty()) {
                Some(text) => parse_date("start date", text)?,
                None => first_data_day.min(to),
            };
            (from, to)
        }
    };
    LocalRange::new(from, to, zone)
}

/// Size of the buckets of a trend line or a chart over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum BucketSize {
    Day,
    Week,
    Month,
}

impl BucketSize {
    /// Picks days up to a month, weeks up to half a year, else months, so a
    /// chart has between a few and about 31 bars.
    pub fn for_days(days: i64) -> BucketSize {
        match days {
            ..=31 => BucketSize::Day,
            32..=183 => BucketSize::Week,
            _ => BucketSize::Month,
        }
    }
}

/// Splits `range` into consecutive buckets of `size`. The first and last
/// bucket are cut at the range's ends, and weeks start on Monday.
pub fn buckets(range: &LocalRange, size: BucketSize, zone: Tz) -> Result<Vec<LocalRange>> {
    let mut result = Vec::new();
    let mut from = range.from;
    while from <= range.to {
        let next = match size {
            BucketSize::Day => next_day(from)?,
            BucketSize::Week => {
                let days_to_monday = 7 - u64::from(from.weekday().num_days_from_monday());
                from.checked_add_days(Days::new(days_to_monday))
                    .ok_or_else(|| out_of_range(from))?
            }
            BucketSize::Month => {
                let first = from.with_day(1).unwrap_or(from);
                first
                    .checked_add_months(chrono::Months::new(1))
                    .ok_or_else(|| out_of_range(from))?
            }
        };
        let to = next.pred_opt().unwrap_or(next).min(range.to);
        result.push(LocalRange::new(from, to, zone)?);
        from = next;
    }
    Ok(result)
}

fn next_day(date: NaiveDate) -> Result<NaiveDate> {
    date.succ_opt().ok_or_else(|| out_of_range(date))
}

fn out_of_range(date: NaiveDate) -> Error {
    Error::invalid(
        "date",
        date.to_string(),
        "the date is too far in the future; choose a date before the year 100000",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        parse_date("date", text).unwrap()
    }

    const AMSTERDAM: Tz = chrono_tz::Europe::Amsterdam;

    #[test]
    fn spring_forward_day_has_23_hours() {
        let day = LocalRange::new(date("2024-03-31"), date("2024-03-31"), AMSTERDAM).unwrap();
        assert_eq!(crate::time::to_rfc3339(day.start), "2024-03-30T23:00:00Z");
        assert_eq!(crate::time::to_rfc3339(day.end), "2024-03-31T22:00:00Z");
        assert_eq!(day.end - day.start, 23 * 3600);
    }

    #[test]
    fn fall_back_day_has_25_hours() {
        let day = LocalRange::new(date("2024-10-27"), date("2024-10-27"), AMSTERDAM).unwrap();
        assert_eq!(day.end - day.start, 25 * 3600);
    }

    #[test]
    fn skipped_midnight_starts_after_gap() {
        // Brazil started daylight saving at midnight on 2017-10-15.
        let zone: Tz = chrono_tz::America::Sao_Paulo;
        let start = local_midnight(date("2017-10-15"), zone);
        assert_eq!(crate::time::to_rfc3339(start), "2017-10-15T03:00:00Z");
        assert_eq!(local_date(start, zone), date("2017-10-15"));
    }

    #[test]
    fn presets_end_today() {
        let today = date("2024-05-15");
        let zone = AMSTERDAM;
        let check = |request: RangeRequest, from: &str| {
            let span = Some((date("2023-01-10"), today));
            let range = resolve(&request, zone, today, span).unwrap();
            assert_eq!(range.from, date(from), "{request:?}");
            assert_eq!(range.to, today, "{request:?}");
        };
        check(RangeRequest::ThisMonth, "2024-05-01");
        check(RangeRequest::Last30Days, "2024-04-16");
        check(RangeRequest::Last90Days, "2024-02-16");
        check(RangeRequest::ThisQuarter, "2024-04-01");
        check(RangeRequest::YearToDate, "2024-01-01");
        check(RangeRequest::AllTime, "2023-01-10");
    }

    #[test]
    fn all_time_ends_at_latest_data() {
        let span = Some((date("2017-06-14"), date("2018-10-01")));
        let range = resolve(&RangeRequest::AllTime, AMSTERDAM, date("2024-05-15"), span).unwrap();
        assert_eq!(range.from, date("2017-06-14"));
        assert_eq!(range.to, date("2018-10-01"));
        let empty = resolve(&RangeRequest::AllTime, AMSTERDAM, date("2024-05-15"), None).unwrap();
        assert_eq!(
            (empty.from, empty.to),
            (date("2024-05-15"), date("2024-05-15"))
        );
    }

    #[test]
    fn reversed_custom_range_rejected() {
        let request = RangeRequest::Custom {
            from: Some("2024-04-30".into()),
            to: Some("2024-04-01".into()),
        };
        let error = resolve(&request, AMSTERDAM, date("2024-05-01"), None).unwrap_err();
        assert!(
            error.to_string().contains("2024-04-30 to 2024-04-01"),
            "{error}"
        );
    }

    #[test]
    fn previous_period_has_same_length() {
        let march = LocalRange::new(date("2024-03-01"), date("2024-03-31"), AMSTERDAM).unwrap();
        let previous = march.previous(AMSTERDAM).unwrap();
        assert_eq!(previous.from, date("2024-01-30"));
        assert_eq!(previous.to, date("2024-02-29"));
    }

    #[test]
    fn weeks_start_on_monday() {
        // 2024-03-01 is a Friday.
        let range = LocalRange::new(date("2024-03-01"), date("2024-03-20"), AMSTERDAM).unwrap();
        let weeks = buckets(&range, BucketSize::Week, AMSTERDAM).unwrap();
        let spans: Vec<(String, String)> = weeks
            .iter()
            .map(|w| (w.from.to_string(), w.to.to_string()))
            .collect();
        assert_eq!(
            spans,
            vec![
                ("2024-03-01".into(), "2024-03-03".into()),
                ("2024-03-04".into(), "2024-03-10".into()),
                ("2024-03-11".into(), "2024-03-17".into()),
                ("2024-03-18".into(), "2024-03-20".into()),
            ]
        );
        assert_eq!(weeks[0].start, range.start);
        assert_eq!(weeks[3].end, range.end);
    }

    #[test]
    fn months_cover_range_without_gaps() {
        let range = LocalRange::new(date("2024-01-15"), date("2024-04-02"), AMSTERDAM).unwrap();
        let months = buckets(&range, BucketSize::Month, AMSTERDAM).unwrap();
        assert_eq!(months.len(), 4);
        for pair in months.windows(2) {
            assert_eq!(pair[0].end, pair[1].start);
        }
    }
}
