//! The six KPI cards: value, reason when undefined, change against the
//! previous period and trend line.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::metrics::{self, Measure, NotAvailable, Tally};

/// The six KPIs of the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum KpiId {
    ConversionRate,
    CostPerLead,
    LeadQuality,
    MqlToSql,
    TimeToConversion,
    Roi,
}

/// Unit of a card's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum KpiUnit {
    Percent,
    /// Major units (euros, dollars) of the report's currency.
    Money,
    Days,
    /// Fit score, 0 to 100.
    Score,
}

/// One KPI card: value, change against the previous period and trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct KpiCard {
    pub kpi: KpiId,
    pub unit: KpiUnit,
    pub value: Option<f64>,
    /// Reason for a missing `value`, set exactly when `value` is `None`.
    pub not_available: Option<NotAvailable>,
    /// Second figure of the card: the ICP share in percent for lead
    /// quality, the mean days for time to conversion.
    pub secondary: Option<f64>,
    /// Value of the previous period of the same length.
    pub previous: Option<f64>,
    /// `value - previous` in the card's unit (percentage points for
    /// percentages).
    pub change: Option<f64>,
    /// Records left out of the value: customers with a negative time to
    /// conversion, and 0 for the other cards.
    pub excluded: u32,
    /// Value per bucket of [`super::KpiReport::buckets`], `None` where
    /// undefined.
    pub trend: Vec<Option<f64>>,
}

/// Builds the six cards, in the order the dashboard shows them.
pub(crate) fn cards(
    current: &Tally,
    previous: Option<&Tally>,
    buckets: &[Tally],
    by_owner: bool,
) -> Vec<KpiCard> {
    type Value = fn(&Tally, bool) -> Measure;
    let specs: [(KpiId, KpiUnit, Value, Option<Value>); 6] = [
        (
            KpiId::ConversionRate,
            KpiUnit::Percent,
            metrics::conversion_rate,
            None,
        ),
        (
            KpiId::CostPerLead,
            KpiUnit::Money,
            metrics::cost_per_lead,
            None,
        ),
        (
            KpiId::LeadQuality,
            KpiUnit::Score,
            |t, _| metrics::average_fit(t),
            Some(|t, _| metrics::icp_share(t)),
        ),
        (
            KpiId::MqlToSql,
            KpiUnit::Percent,
            |t, _| metrics::mql_to_sql(t),
            None,
        ),
        (
            KpiId::TimeToConversion,
            KpiUnit::Days,
            |t, _| metrics::median_days(t),
            Some(|t, _| metrics::mean_days(t)),
        ),
        (KpiId::Roi, KpiUnit::Percent, metrics::roi, None),
    ];

    specs
        .iter()
        .map(|(kpi, unit, value_of, secondary_of)| {
            let measure = value_of(current, by_owner);
            let value = measure.as_ref().ok().copied();
            let previous = previous.and_then(|t| value_of(t, by_owner).ok());
            KpiCard {
                kpi: *kpi,
                unit: *unit,
                value,
                not_available: measure.err(),
                secondary: secondary_of.and_then(|f| f(current, by_owner).ok()),
                previous,
                change: value.zip(previous).map(|(now, before)| now - before),
                excluded: match kpi {
                    KpiId::TimeToConversion => super::report::clamp(current.negative_durations),
                    _ => 0,
                },
                trend: buckets.iter().map(|t| value_of(t, by_owner).ok()).collect(),
            }
        })
        .collect()
}
