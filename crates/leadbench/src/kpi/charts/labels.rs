//! The words and number format of the charts, passed in by the caller in
//! the user's language.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Every text a dashboard chart shows. The app fills it from its
/// translations, and the command line uses [`ChartLabels::english`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ChartLabels {
    pub funnel_title: String,
    pub leads_title: String,
    pub ratios_title: String,
    pub channels_title: String,
    pub time_to_conversion_title: String,
    pub scores_title: String,
    /// New, MQL, Warm, SQL, Customer.
    pub stages: [String; 5],
    pub leads: String,
    pub mql_to_sql: String,
    pub conversion_rate: String,
    pub cost_per_lead: String,
    pub roi: String,
    pub days: String,
    pub score: String,
    pub not_available: String,
    pub no_data: String,
    /// Name of the stack that gathers the smallest channels.
    pub other_channels: String,
    /// Name shown for leads without a channel.
    pub no_channel: String,
    /// Short month names, January first.
    pub months: [String; 12],
    /// Decimal separator of numbers: "." or ",".
    pub decimal_separator: String,
    /// Currency symbol or code put before money amounts, such as "€".
    pub currency_symbol: String,
}

impl Default for ChartLabels {
    fn default() -> Self {
        ChartLabels::english()
    }
}

impl ChartLabels {
    /// Returns the English labels.
    pub fn english() -> ChartLabels {
        let owned =
            |items: &[&str]| -> Vec<String> { items.iter().map(|s| (*s).to_owned()).collect() };
        let stages = owned(&["New", "MQL", "Warm", "SQL", "Customer"]);
        let months = owned(&[
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ]);
        ChartLabels {
            funnel_title: "Funnel".into(),
            leads_title: "Leads by channel".into(),
            ratios_title: "MQL-to-SQL ratio and conversion rate".into(),
            channels_title: "Cost per lead and ROI by channel".into(),
            time_to_conversion_title: "Time to conversion".into(),
            scores_title: "Lead scores".into(),
            stages: stages.try_into().unwrap_or_default(),
            leads: "Leads".into(),
            mql_to_sql: "MQL-to-SQL ratio".into(),
            conversion_rate: "Conversion rate".into(),
            cost_per_lead: "Cost per lead".into(),
            roi: "ROI".into(),
            days: "Days".into(),
            score: "Score".into(),
            not_available: "n/a".into(),
            no_data: "No data in this period".into(),
            other_channels: "Other".into(),
            no_channel: "No channel".into(),
            months: months.try_into().unwrap_or_default(),
            decimal_separator: ".".into(),
            currency_symbol: "€".into(),
        }
    }

    /// Formats `value` with `decimals` decimals and the decimal separator,
    /// grouping thousands with "," (or "." when the separator is ",").
    pub fn number(&self, value: f64, decimals: usize) -> String {
        let text = format!("{:.*}", decimals, value.abs());
        let (whole, fraction) = match text.split_once('.') {
            Some((whole, fraction)) => (whole.to_owned(), Some(fraction.to_owned())),
            None => (text, None),
        };
        let mut grouped = String::new();
        for (index, digit) in whole.chars().enumerate() {
            if index > 0 && (whole.len() - index) % 3 == 0 {
                grouped.push(if self.decimal_separator == "," {
                    '.'
                } else {
                    ','
                });
            }
            grouped.push(digit);
        }
        let sign = if value < 0.0 && value.abs() >= 0.5 * 10f64.powi(-(decimals as i32)) {
            "-"
        } else {
            ""
        };
        match fraction {
            Some(fraction) => format!("{sign}{grouped}{}{fraction}", self.decimal_separator),
            None => format!("{sign}{grouped}"),
        }
    }

    /// Formats a percentage with one decimal, such as "10.5 %".
    pub fn percent(&self, value: f64) -> String {
        format!("{} %", self.number(value, 1))
    }

    /// Formats a money amount in major units with two decimals.
    pub fn money(&self, value: f64) -> String {
        format!("{} {}", self.currency_symbol, self.number(value, 2))
    }

    /// Returns a short label for a local date such as "4 Mar".
    pub fn day(&self, date: &str) -> String {
        let Some((_, month, day)) = split_date(date) else {
            return date.to_owned();
        };
        format!("{day} {}", self.month(month))
    }

    /// Returns a label for the month of a local date such as "Mar 2024".
    pub fn month_of(&self, date: &str) -> String {
        let Some((year, month, _)) = split_date(date) else {
            return date.to_owned();
        };
        format!("{} {year}", self.month(month))
    }

    fn month(&self, number: usize) -> &str {
        self.months
            .get(number.saturating_sub(1))
            .map_or("", String::as_str)
    }
}

/// Returns the symbol of an ISO 4217 currency code (EUR gives €), or the
/// code itself for currencies without a common symbol here.
pub fn currency_symbol(code: &str) -> String {
    match code.trim().to_ascii_uppercase().as_str() {
        "EUR" => "€".to_owned(),
        "USD" => "$".to_owned(),
        "GBP" => "£".to_owned(),
        "JPY" => "¥".to_owned(),
        other => other.to_owned(),
    }
}

fn split_date(date: &str) -> Option<(&str, usize, usize)> {
    let mut parts = date.splitn(3, '-');
    let year = parts.next()?;
    let month = parts.next()?.parse().ok()?;
    let day = parts.next()?.parse().ok()?;
    Some((year, month, day))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_decimal_separator() {
        let mut labels = ChartLabels::english();
        assert_eq!(labels.number(4574.456, 2), "4,574.46");
        assert_eq!(labels.number(-100.0, 1), "-100.0");
        assert_eq!(labels.number(-0.01, 1), "0.0");
        labels.decimal_separator = ",".into();
        assert_eq!(labels.money(228.723), "€ 228,72");
        assert_eq!(labels.number(1234567.0, 0), "1.234.567");
    }

    #[test]
    fn dates_use_month_names() {
        let labels = ChartLabels::english();
        assert_eq!(labels.day("2024-03-04"), "4 Mar");
        assert_eq!(labels.month_of("2024-12-01"), "Dec 2024");
    }
}
