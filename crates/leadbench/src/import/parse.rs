//! Cell values: e-mail addresses, booleans, dates and money.
//!
//! Dates and amounts are read with one format per column. The format is
//! decided from every value in the column ([`DateColumn`], [`MoneyColumn`]),
//! never per value, so `03/04/2024` means the same day in every row.
//! Impossible values such as 31-04-2024 are rejected, never rolled over.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Characters that make a spreadsheet read a cell as a formula.
pub const FORMULA_TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Removes the `'` that a spreadsheet-safe export puts before a cell
/// starting with `=`, `+`, `-`, `@`, tab or carriage return (after any
/// quotes of its own).
pub fn strip_formula_guard(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.trim_start_matches('\'').starts_with(FORMULA_TRIGGERS) => rest,
        _ => text,
    }
}

/// Trims Unicode white space (including no-break spaces and tabs) and the
/// invisible zero-width characters that copy and paste leaves behind.
pub fn trim_cell(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || matches!(c, '\u{200B}' | '\u{FEFF}'))
}

/// Normalises an e-mail address: trimmed, without a `mailto:` prefix and
/// lowercased. Returns the reason when the result is not a valid address;
/// white space inside the address is never joined away.
pub fn normalize_email(text: &str) -> Result<String, String> {
    let trimmed = trim_cell(text);
    let trimmed = trimmed
        .strip_prefix("mailto:")
        .or_else(|| trimmed.strip_prefix("MAILTO:"))
        .unwrap_or(trimmed);
    let email = trimmed.to_lowercase();

    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err("not an e-mail address: the @ is missing".to_owned());
    };
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("an e-mail address cannot contain spaces".to_owned());
    }
    if local.is_empty() || local.contains('@') || local.len() > 64 {
        return Err("the part before the @ is empty or invalid".to_owned());
    }
    let labels_ok = domain.split('.').all(|label| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    });
    if !domain.contains('.') || !labels_ok || email.len() > 254 {
        return Err("the domain after the @ is invalid".to_owned());
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err("the part before the @ has a misplaced dot".to_owned());
    }
    Ok(email)
}

/// Reads yes/no, true/false, ja/nee, waar/onwaar, y/n, j/n and 1/0 in any
/// case. An empty cell is `None`.
pub fn parse_bool(text: &str) -> Result<Option<bool>, String> {
    let value = trim_cell(text).to_lowercase();
    match value.as_str() {
        "" => Ok(None),
        "yes" | "y" | "true" | "1" | "ja" | "j" | "waar" | "x" => Ok(Some(true)),
        "no" | "n" | "false" | "0" | "nee" | "onwaar" => Ok(Some(false)),
        _ => Err("not a yes/no value; use yes or no, true or false, ja or nee, 1 or 0".to_owned()),
    }
}

/// Order of day, month and year in dates whose year comes last. Values
/// whose year comes first (`2024-03-01`) are always year-month-day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum DateOrder {
    Dmy,
    Mdy,
    Ymd,
}

impl std::str::FromStr for DateOrder {
    type Err = crate::Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "dmy" => Ok(DateOrder::Dmy),
            "mdy" => Ok(DateOrder::Mdy),
            "ymd" => Ok(DateOrder::Ymd),
            _ => Err(crate::Error::invalid(
                "date order",
                text,
                "use dmy (31-12-2024), mdy (12/31/2024) or ymd (2024-12-31)",
            )),
        }
    }
}

/// A date split into its numeric parts, before the order is known.
#[derive(Debug, Clone, Copy)]
struct DateParts {
    first: u32,
    first_digits: usize,
    second: u32,
    third: u32,
    third_digits: usize,
    time: Option<NaiveTime>,
    /// UTC offset in seconds when the value states one (`Z`, `+01:00`).
    offset: Option<i32>,
}

fn split_date(text: &str) -> Option<DateParts> {
    let text = trim_cell(text);
    let (date, time) = match text.find(['T', ' ']) {
        Some(at) => (&text[..at], Some(text[at + 1..].trim())),
        None => (text, None),
    };

    let separator = date.chars().find(|c| matches!(c, '-' | '/' | '.'))?;
    let mut parts = date.split(separator);
    let (a, b, c) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let number = |part: &str| -> Option<(u32, usize)> {
        if part.is_empty() || part.len() > 4 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some((part.parse().ok()?, part.len()))
    };
    let (first, first_digits) = number(a)?;
    let (second, _) = number(b)?;
    let (third, third_digits) = number(c)?;

    let (time, offset) = match time.filter(|t| !t.is_empty()) {
        Some(time) => {
            let (clock, offset) = split_offset(time)?;
            (Some(parse_clock(clock)?), offset)
        }
        None => (None, None),
    };
    Some(DateParts {
        first,
        first_digits,
        second,
        third,
        third_digits,
        time,
        offset,
    })
}

fn split_offset(time: &str) -> Option<(&str, Option<i32>)> {
    if let Some(clock) = time.strip_suffix('Z').or_else(|| time.strip_suffix(" UTC")) {
        return Some((clock.trim(), Some(0)));
    }
    let Some(at) = time.rfind(['+', '-']) else {
        return Some((time, None));
    };
    let (clock, zone) = time.split_at(at);
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let digits: String = zone[1..].chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    Some((clock.trim(), Some(sign * (hours * 3600 + minutes * 60))))
}

fn parse_clock(clock: &str) -> Option<NaiveTime> {
    ["%H:%M:%S%.f", "%H:%M:%S", "%H:%M"]
        .iter()
        .find_map(|format| NaiveTime::parse_from_str(clock, format).ok())
}

fn full_year(year: u32, digits: usize) -> Option<i32> {
    match digits {
        4 => Some(year as i32),
        // Two-digit years: 00-69 are 2000-2069, 70-99 are 1970-1999.
        2 if year < 70 => Some(2000 + year as i32),
        2 => Some(1900 + year as i32),
        _ => None,
    }
}

impl DateParts {
    fn year_first(&self) -> bool {
        self.first_digits == 4
    }

    /// Returns the calendar date under `order`, or `None` when that day
    /// does not exist.
    fn date(&self, order: DateOrder) -> Option<NaiveDate> {
        if self.year_first() {
            return NaiveDate::from_ymd_opt(self.first as i32, self.second, self.third);
        }
        let year = full_year(self.third, self.third_digits)?;
        match order {
            DateOrder::Dmy => NaiveDate::from_ymd_opt(year, self.second, self.first),
            DateOrder::Mdy => NaiveDate::from_ymd_opt(year, self.first, self.second),
            DateOrder::Ymd => None,
        }
    }
}

/// Counts, over a whole column, how its date values can be read.
#[derive(Debug, Clone, Default)]
pub struct DateColumn {
    values: u64,
    year_first: u64,
    day_first_valid: u64,
    month_first_valid: u64,
    with_time: u64,
}

/// Order a date column is read in, decided from all its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", content = "order", rename_all = "snake_case")]
#[ts(export)]
pub enum DateDecision {
    /// The column has no dates to read.
    Empty,
    /// One order fits the values (or the caller chose it).
    Order(DateOrder),
    /// Every value reads as a valid date both day-first and month-first:
    /// the caller must choose.
    Ambiguous,
}

impl DateColumn {
    /// Counts one cell; empty cells are ignored.
    pub fn add(&mut self, text: &str) {
        if trim_cell(text).is_empty() {
            return;
        }
        self.values += 1;
        let Some(parts) = split_date(text) else {
            return;
        };
        if parts.time.is_some() {
            self.with_time += 1;
        }
        if parts.year_first() {
            self.year_first += 1;
            return;
        }
        if parts.date(DateOrder::Dmy).is_some() {
            self.day_first_valid += 1;
        }
        if parts.date(DateOrder::Mdy).is_some() {
            self.month_first_valid += 1;
        }
    }

    /// Returns the number of non-empty cells counted.
    pub fn values(&self) -> u64 {
        self.values
    }

    /// Returns true when most values carry a time of day.
    pub fn has_time(&self) -> bool {
        self.with_time * 2 > self.values
    }

    /// Decides the column's order. An order the caller chose always wins.
    /// Otherwise the order under which more values are valid dates wins,
    /// and a tie with at least one year-last value is ambiguous.
    pub fn decide(&self, chosen: Option<DateOrder>) -> DateDecision {
        if let Some(order) = chosen {
            return DateDecision::Order(order);
        }
        if self.values == 0 {
            return DateDecision::Empty;
        }
        let day_first = self.day_first_valid;
        let month_first = self.month_first_valid;
        if day_first == 0 && month_first == 0 {
            return DateDecision::Order(DateOrder::Ymd);
        }
        match day_first.cmp(&month_first) {
            std::cmp::Ordering::Greater => DateDecision::Order(DateOrder::Dmy),
            std::cmp::Ordering::Less => DateDecision::Order(DateOrder::Mdy),
            std::cmp::Ordering::Equal => DateDecision::Ambiguous,
        }
    }
}

/// Describes `order` for messages, for example `day-first (31-12-2024)`.
pub fn describe_order(order: DateOrder) -> &'static str {
    match order {
        DateOrder::Dmy => "day-first (31-12-2024)",
        DateOrder::Mdy => "month-first (12/31/2024)",
        DateOrder::Ymd => "year-first (2024-12-31)",
    }
}

/// Parses a date or timestamp under the column's `order` into Unix
/// seconds. A value without a UTC offset is local time in `zone`; a date
/// without a time is midnight.
pub fn parse_date(text: &str, order: DateOrder, zone: Tz) -> Result<i64, String> {
    let Some(parts) = split_date(text) else {
        return Err(format!(
            "not a date; this column is read {}",
            describe_order(order)
        ));
    };
    let Some(date) = parts.date(order) else {
        return Err(format!(
            "no such day; this column is read {}",
            describe_order(order)
        ));
    };
    if !(1900..=2200).contains(&chrono::Datelike::year(&date)) {
        return Err("the year is outside 1900-2200".to_owned());
    }
    let local = NaiveDateTime::new(date, parts.time.unwrap_or(NaiveTime::MIN));
    if let Some(offset) = parts.offset {
        return Ok(local.and_utc().timestamp() - i64::from(offset));
    }
    zone.from_local_datetime(&local)
        .earliest()
        .map(|moment| moment.timestamp())
        .ok_or_else(|| "this local time does not exist (clock change)".to_owned())
}

/// Decimal mark of a money column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum DecimalMark {
    /// `1,234.56`
    Point,
    /// `1.234,56`
    Comma,
}

impl DecimalMark {
    fn chars(self) -> (char, char) {
        match self {
            DecimalMark::Point => ('.', ','),
            DecimalMark::Comma => (',', '.'),
        }
    }
}

/// Counts, over a whole column, which decimal mark its amounts allow.
#[derive(Debug, Clone, Default)]
pub struct MoneyColumn {
    values: u64,
    point_only: u64,
    comma_only: u64,
}

/// Decimal mark a money column is read with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MoneyDecision {
    pub decimal_mark: DecimalMark,
    /// True when no value settled the mark (for example only `1.000`), so
    /// the choice came from the caller or the language setting.
    pub assumed: bool,
}

impl MoneyColumn {
    /// Counts one cell; empty cells are ignored.
    pub fn add(&mut self, text: &str) {
        let Some(digits) = strip_money(text) else {
            return;
        };
        self.values += 1;
        let point = read_amount(&digits, DecimalMark::Point).is_some();
        let comma = read_amount(&digits, DecimalMark::Comma).is_some();
        match (point, comma) {
            (true, false) => self.point_only += 1,
            (false, true) => self.comma_only += 1,
            _ => {}
        }
    }

    /// Decides the column's decimal mark: the caller's choice, else the
    /// mark more values require, else `fallback`.
    pub fn decide(&self, chosen: Option<DecimalMark>, fallback: DecimalMark) -> MoneyDecision {
        if let Some(mark) = chosen {
            return MoneyDecision {
                decimal_mark: mark,
                assumed: false,
            };
        }
        let decimal_mark = match self.point_only.cmp(&self.comma_only) {
            std::cmp::Ordering::Greater => DecimalMark::Point,
            std::cmp::Ordering::Less => DecimalMark::Comma,
            std::cmp::Ordering::Equal => fallback,
        };
        MoneyDecision {
            decimal_mark,
            assumed: self.point_only == self.comma_only,
        }
    }
}

/// Removes currency signs and codes, spaces (also no-break and narrow
/// no-break spaces used as thousands separators) and apostrophes used as
/// thousands separators. Returns `None` for an empty cell.
fn strip_money(text: &str) -> Option<String> {
    let mut text = trim_cell(text);
    for code in ["R$", "EUR", "USD", "GBP", "BRL"] {
        text = text.strip_prefix(code).unwrap_or(text);
        text = text.strip_suffix(code).unwrap_or(text);
    }
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '€' | '$' | '£' | '¥' | '\'' | '\u{202F}'))
        .collect();
    (!cleaned.is_empty()).then_some(cleaned)
}

/// Reads unsigned digits with optional thousands groups and decimals into
/// cents, or `None` when they do not fit `mark`.
fn read_amount(digits: &str, mark: DecimalMark) -> Option<i64> {
    let (decimal, group) = mark.chars();
    let (whole, fraction) = match digits.split_once(decimal) {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (digits, None),
    };
    if let Some(fraction) = fraction {
        if fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    let groups: Vec<&str> = whole.split(group).collect();
    let grouped_ok = groups.len() == 1
        || (!groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3));
    let whole_digits: String = groups.concat();
    if !grouped_ok
        || !whole_digits.bytes().all(|b| b.is_ascii_digit())
        || (whole_digits.is_empty() && fraction.is_none())
        || whole_digits.len() > 15
    {
        return None;
    }

    let units: i64 = if whole_digits.is_empty() {
        0
    } else {
        whole_digits.parse().ok()?
    };
    let cents = match fraction {
        None => 0,
        Some(fraction) => {
            // Round half up on the third decimal.
            let padded = format!("{fraction:0<3}");
            let thousandths: i64 = padded[..3].parse().ok()?;
            (thousandths + 5) / 10
        }
    };
    units.checked_mul(100)?.checked_add(cents)
}

/// Parses an amount under the column's decimal mark into cents. Negative
/// amounts (`-12` or `(12)`) are returned negative.
pub fn parse_money(text: &str, mark: DecimalMark) -> Result<Option<i64>, String> {
    let Some(cleaned) = strip_money(text) else {
        return Ok(None);
    };
    let (negative, digits) = if let Some(rest) = cleaned.strip_prefix('-') {
        (true, rest.to_owned())
    } else if let Some(inner) = cleaned.strip_prefix('(').and_then(|c| c.strip_suffix(')')) {
        (true, inner.to_owned())
    } else {
        (false, cleaned)
    };
    let Some(cents) = read_amount(&digits, mark) else {
        let example = match mark {
            DecimalMark::Point => "1,234.56",
            DecimalMark::Comma => "1.234,56",
        };
        return Err(format!(
            "not an amount in this column's format (like {example})"
        ));
    };
    Ok(Some(if negative { -cents } else { cents }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const UTC: Tz = chrono_tz::UTC;

    #[test]
    fn email_normalised_from_messy_cells() {
        for raw in [
            "Femke.DeWit@Example.NL",
            " femke.dewit@example.nl ",
            "femke.dewit@example.nl\u{A0}",
            "\tFEMKE.DEWIT@EXAMPLE.NL",
        ] {
            assert_eq!(
                normalize_email(raw).as_deref(),
                Ok("femke.dewit@example.nl"),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn email_inner_space_rejected() {
        assert!(normalize_email("femke dewit@example.nl").is_err());
        assert!(normalize_email("femke.dewit.example.nl").is_err());
        assert!(normalize_email("femke@example").is_err());
    }

    #[test]
    fn booleans_in_english_and_dutch() {
        for (raw, expected) in [
            ("yes", Some(true)),
            ("Ja", Some(true)),
            ("TRUE", Some(true)),
            ("1", Some(true)),
            ("no", Some(false)),
            ("nee", Some(false)),
            ("False", Some(false)),
            ("0", Some(false)),
            ("", None),
        ] {
            assert_eq!(parse_bool(raw), Ok(expected), "{raw:?}");
        }
        assert!(parse_bool("maybe").is_err());
    }

    fn column(values: &[&str]) -> DateColumn {
        let mut column = DateColumn::default();
        for value in values {
            column.add(value);
        }
        column
    }

    fn day(seconds: i64) -> String {
        crate::time::to_rfc3339(seconds)[..10].to_owned()
    }

    #[test]
    fn day_first_decided_by_one_unambiguous_value() {
        let values = ["03/04/2024", "12/03/2024", "28/02/2024"];
        let decision = column(&values).decide(None);
        assert_eq!(decision, DateDecision::Order(DateOrder::Dmy));
        let parsed: Vec<String> = values
            .iter()
            .map(|v| day(parse_date(v, DateOrder::Dmy, UTC).unwrap()))
            .collect();
        assert_eq!(parsed, ["2024-04-03", "2024-03-12", "2024-02-28"]);
    }

    #[test]
    fn all_ambiguous_column_needs_a_choice() {
        let column = column(&["03/04/2024", "12/03/2024"]);
        assert_eq!(column.decide(None), DateDecision::Ambiguous);
        assert_eq!(
            column.decide(Some(DateOrder::Mdy)),
            DateDecision::Order(DateOrder::Mdy)
        );
    }

    #[test]
    fn dashes_and_short_forms_read_alike() {
        for raw in ["03-04-2024", "3-4-2024", "03.04.2024", "3/4/24"] {
            assert_eq!(
                day(parse_date(raw, DateOrder::Dmy, UTC).unwrap()),
                "2024-04-03",
                "{raw}"
            );
        }
    }

    #[test]
    fn impossible_dates_rejected() {
        assert!(parse_date("31-04-2024", DateOrder::Dmy, UTC).is_err());
        assert!(parse_date("29-02-2023", DateOrder::Dmy, UTC).is_err());
        assert!(parse_date("2024-02-30", DateOrder::Dmy, UTC).is_err());
        assert!(parse_date("13/13/2024", DateOrder::Mdy, UTC).is_err());
    }

    #[test]
    fn timestamps_with_zone_and_local_time() {
        let at = parse_date("2024-03-01T10:15:00Z", DateOrder::Ymd, UTC).unwrap();
        assert_eq!(crate::time::to_rfc3339(at), "2024-03-01T10:15:00Z");
        let at = parse_date("26-02-2018 19:58", DateOrder::Dmy, UTC).unwrap();
        assert_eq!(crate::time::to_rfc3339(at), "2018-02-26T19:58:00Z");
        let amsterdam: Tz = "Europe/Amsterdam".parse().unwrap();
        let at = parse_date("01-03-2024 10:00", DateOrder::Dmy, amsterdam).unwrap();
        assert_eq!(crate::time::to_rfc3339(at), "2024-03-01T09:00:00Z");
        let at = parse_date("2024-03-01 10:00+02:00", DateOrder::Ymd, UTC).unwrap();
        assert_eq!(crate::time::to_rfc3339(at), "2024-03-01T08:00:00Z");
    }

    #[test]
    fn decimal_comma_column_from_all_values() {
        let values = ["1.234,56", "1.000", "89,9", "250", "€ 2.000,00"];
        let mut column = MoneyColumn::default();
        for value in values {
            column.add(value);
        }
        let decision = column.decide(None, DecimalMark::Point);
        assert_eq!(decision.decimal_mark, DecimalMark::Comma);
        assert!(!decision.assumed);
        let cents: Vec<i64> = values
            .iter()
            .map(|v| parse_money(v, DecimalMark::Comma).unwrap().unwrap())
            .collect();
        assert_eq!(cents, [123_456, 100_000, 8_990, 25_000, 200_000]);
        assert_eq!(cents.iter().sum::<i64>(), 457_446);
    }

    #[test]
    fn comma_amounts_rejected_under_point() {
        assert!(parse_money("1.234,56", DecimalMark::Point).is_err());
        assert!(parse_money("€ 2.000,00", DecimalMark::Point).is_err());
        assert_eq!(
            parse_money("1,234.56", DecimalMark::Point),
            Ok(Some(123_456))
        );
        assert_eq!(
            parse_money("$ 1 000", DecimalMark::Point),
            Ok(Some(100_000))
        );
    }

    #[test]
    fn thousands_only_column_uses_fallback() {
        let mut column = MoneyColumn::default();
        column.add("1.000");
        column.add("2.500");
        let decision = column.decide(None, DecimalMark::Comma);
        assert!(decision.assumed);
        assert_eq!(decision.decimal_mark, DecimalMark::Comma);
    }

    #[test]
    fn formula_guard_removed_once() {
        assert_eq!(strip_formula_guard("'=1+1"), "=1+1");
        assert_eq!(strip_formula_guard("'+31 6 1234"), "+31 6 1234");
        assert_eq!(strip_formula_guard("''=1"), "'=1");
        assert_eq!(strip_formula_guard("'t Hooft"), "'t Hooft");
    }
}
