//! The six KPIs, computed from per-period tallies with checked arithmetic:
//! a ratio whose denominator is zero is `None` with a reason, never NaN,
//! infinity or a panic. Money stays in integer cents until a ratio is taken.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Seconds in a day, for durations in days. A duration is elapsed time, so
/// it is not affected by daylight saving.
const DAY: f64 = 86_400.0;

/// Counts and sums for one period and one group of leads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// Leads created in the period.
    pub leads: u64,
    /// Sum of the fit scores of those leads.
    pub fit_sum: f64,
    /// Those leads with fit at or above the ICP threshold.
    pub icp_leads: u64,
    /// Leads that first reached MQL (or a later step) in the period.
    pub mqls: u64,
    /// Of those, the leads that reached SQL (or Customer) by now.
    pub mqls_reaching_sql: u64,
    /// Leads that became Customer in the period.
    pub customers: u64,
    /// Days from creation to Customer for those customers, negative ones
    /// left out.
    pub conversion_days: Vec<f64>,
    /// Customers whose Customer moment lies before their creation.
    pub negative_durations: u64,
    /// Value of the deals won in the period.
    pub revenue_cents: i64,
    /// Spend in the period, or `None` when no campaign in view records
    /// spend.
    pub cost_cents: Option<i64>,
    /// Visitors in the period, or `None` when no campaign in view records
    /// visitors.
    pub visitors: Option<i64>,
}

impl Tally {
    /// Adds one customer's time from creation to Customer.
    pub fn add_conversion(&mut self, created_at: i64, customer_at: i64) {
        self.customers += 1;
        let seconds = customer_at.saturating_sub(created_at);
        if seconds < 0 {
            self.negative_durations += 1;
        } else {
            self.conversion_days.push(seconds as f64 / DAY);
        }
    }
}

/// Reason a KPI has no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum NaReason {
    /// No campaign in view records visitors.
    NoVisitorData,
    /// Campaigns record visitors, but none in this period.
    NoVisitors,
    /// No campaign in view records spend.
    NoSpendData,
    /// Spend and visitors are recorded per campaign, so they cannot be
    /// split by owner.
    NotByOwner,
    /// Spend was recorded for the period, but no lead was created.
    NoLeads,
    /// No spend in the period, so a return on it is undefined.
    NoCost,
    /// No lead became MQL in the period.
    NoMqls,
    /// No lead became Customer in the period (or every duration was negative).
    NoCustomers,
}

/// A KPI without a value, with the reason and an English explanation that
/// names the numbers involved. The app shows "n/a" and translates `reason`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct NotAvailable {
    pub reason: NaReason,
    pub message: String,
}

/// A KPI value or the reason it has none.
pub type Measure = Result<f64, NotAvailable>;

fn unavailable(reason: NaReason, message: impl Into<String>) -> Measure {
    Err(NotAvailable {
        reason,
        message: message.into(),
    })
}

/// Returns `numerator / denominator * 100`, or `None` for a zero denominator.
pub fn percent(numerator: f64, denominator: f64) -> Option<f64> {
    if denominator == 0.0 || !denominator.is_finite() || !numerator.is_finite() {
        return None;
    }
    let value = numerator / denominator * 100.0;
    value.is_finite().then_some(value)
}

/// Formats cents as major units with two decimals, for messages.
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!("{sign}{}.{:02}", cents / 100, cents % 100)
}

/// Conversion rate: leads created / visitors x 100.
pub fn conversion_rate(tally: &Tally, by_owner: bool) -> Measure {
    if by_owner {
        return unavailable(
            NaReason::NotByOwner,
            "visitors are recorded per campaign, not per owner",
        );
    }
    let Some(visitors) = tally.visitors else {
        return unavailable(
            NaReason::NoVisitorData,
            "no campaign records visitors; enter them on the Campaigns screen",
        );
    };
    match percent(tally.leads as f64, visitors as f64) {
        Some(value) => Ok(value),
        None => unavailable(
            NaReason::NoVisitors,
            format!("0 visitors recorded in this period, {} leads", tally.leads),
        ),
    }
}

/// Cost per lead in cents: spend / leads created.
pub fn cost_per_lead_cents(tally: &Tally, by_owner: bool) -> Measure {
    cost_per_lead_in(tally, by_owner, 1.0)
}

/// Cost per lead in major units (euros, dollars).
pub fn cost_per_lead(tally: &Tally, by_owner: bool) -> Measure {
    cost_per_lead_in(tally, by_owner, 100.0)
}

/// Divides once by `leads * cents_per_unit`, so 457446 cents over 20 leads
/// is exactly 228.723 and not 22872.3 / 100 with a rounding error.
fn cost_per_lead_in(tally: &Tally, by_owner: bool, cents_per_unit: f64) -> Measure {
    let cost = spend(tally, by_owner)?;
    if tally.leads == 0 {
        return unavailable(NaReason::NoLeads, format!("{} spent, 0 leads", money(cost)));
    }
    Ok(cost as f64 / (tally.leads as f64 * cents_per_unit))
}

/// Return on investment: (revenue won - spend) / spend x 100.
pub fn roi(tally: &Tally, by_owner: bool) -> Measure {
    let cost = spend(tally, by_owner)?;
    let gain = i128::from(tally.revenue_cents) - i128::from(cost);
    match percent(gain as f64, cost as f64) {
        Some(value) => Ok(value),
        None => unavailable(
            NaReason::NoCost,
            format!(
                "0.00 spent in this period, {} revenue",
                money(tally.revenue_cents)
            ),
        ),
    }
}

fn spend(tally: &Tally, by_owner: bool) -> Result<i64, NotAvailable> {
    if by_owner {
        return Err(NotAvailable {
            reason: NaReason::NotByOwner,
            message: "spend is recorded per campaign, not per owner".into(),
        });
    }
    tally.cost_cents.ok_or_else(|| NotAvailable {
        reason: NaReason::NoSpendData,
        message: "no campaign records spend; enter costs on the Campaigns screen".into(),
    })
}

/// Average fit score of the period's new leads.
pub fn average_fit(tally: &Tally) -> Measure {
    if tally.leads == 0 {
        return unavailable(NaReason::NoLeads, "0 leads created in this period");
    }
    Ok(tally.fit_sum / tally.leads as f64)
}

/// Share of the period's new leads that meet the ideal customer profile, in percent.
pub fn icp_share(tally: &Tally) -> Measure {
    percent(tally.icp_leads as f64, tally.leads as f64)
        .ok_or_else(|| na(NaReason::NoLeads, "0 leads created in this period"))
}

/// Share of the period's MQL cohort that reached SQL, in percent.
pub fn mql_to_sql(tally: &Tally) -> Measure {
    percent(tally.mqls_reaching_sql as f64, tally.mqls as f64)
        .ok_or_else(|| na(NaReason::NoMqls, "0 leads became MQL in this period"))
}

/// Returns the period's new customers per new lead, in percent. This is
/// not one of the six cards, but tables show it next to them.
pub fn lead_to_customer(tally: &Tally) -> Measure {
    percent(tally.customers as f64, tally.leads as f64)
        .ok_or_else(|| na(NaReason::NoLeads, "0 leads created in this period"))
}

/// Median days from creation to Customer.
pub fn median_days(tally: &Tally) -> Measure {
    let mut days = tally.conversion_days.clone();
    days.sort_by(f64::total_cmp);
    let middle = days.len() / 2;
    match days.len() {
        0 => Err(no_customers(tally)),
        n if n % 2 == 1 => Ok(days[middle]),
        _ => Ok((days[middle - 1] + days[middle]) / 2.0),
    }
}

/// Mean days from creation to Customer.
pub fn mean_days(tally: &Tally) -> Measure {
    if tally.conversion_days.is_empty() {
        return Err(no_customers(tally));
    }
    Ok(tally.conversion_days.iter().sum::<f64>() / tally.conversion_days.len() as f64)
}

fn no_customers(tally: &Tally) -> NotAvailable {
    let message = if tally.negative_durations > 0 {
        format!(
            "every customer in this period has a Customer date before its creation ({} left out)",
            tally.negative_durations
        )
    } else {
        "0 leads became Customer in this period".to_owned()
    };
    na(NaReason::NoCustomers, message)
}

fn na(reason: NaReason, message: impl Into<String>) -> NotAvailable {
    NotAvailable {
        reason,
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_of_zero_is_none() {
        assert_eq!(percent(3.0, 0.0), None);
        assert_eq!(percent(0.0, 4.0), Some(0.0));
    }

    #[test]
    fn median_of_even_count_is_midpoint() {
        let tally = Tally {
            conversion_days: vec![4.0, 1.0, 3.0, 2.0],
            ..Tally::default()
        };
        assert_eq!(median_days(&tally).unwrap(), 2.5);
        assert_eq!(mean_days(&tally).unwrap(), 2.5);
    }

    #[test]
    fn negative_duration_left_out_and_counted() {
        let mut tally = Tally::default();
        tally.add_conversion(1_000, 500);
        tally.add_conversion(0, 86_400);
        assert_eq!(tally.customers, 2);
        assert_eq!(tally.negative_durations, 1);
        assert_eq!(median_days(&tally).unwrap(), 1.0);
    }

    #[test]
    fn money_formats_negative_cents() {
        assert_eq!(money(-5), "-0.05");
        assert_eq!(money(457_446), "4574.46");
    }
}
