//! The dashboard request and its result: figures for the range, the
//! previous period of the same length, trend buckets, the six KPI cards and
//! the splits by channel and campaign.

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::cards::{cards, KpiCard};
use super::facts::{Facts, NO_CHANNEL};
use super::metrics::{self, Tally};
use super::range::{self, BucketSize, LocalRange, RangeRequest};
use super::series::{
    self, FunnelStep, GroupBy, HistogramBin, LeadFilter, TallyOptions, MATCHES_NOTHING,
};
use crate::error::Result;

/// ICP threshold used when a request gives none.
pub const DEFAULT_ICP_THRESHOLD: f64 = 60.0;

/// Filters on the dashboard's leads besides the date range.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct KpiFilters {
    /// Channel name, matched without regard to case.
    pub channel: Option<String>,
    #[ts(type = "number | null")]
    pub campaign_id: Option<i64>,
    pub owner: Option<String>,
}

/// A request for the dashboard.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct KpiRequest {
    pub range: RangeRequest,
    /// IANA time zone of the date range. `None` uses the settings' time
    /// zone, else the operating system's.
    pub time_zone: Option<String>,
    pub filters: KpiFilters,
    /// Fit score at or above which a lead meets the ideal customer profile
    /// (default 60).
    pub icp_threshold: Option<f64>,
}

/// A range of local dates and the UTC interval it covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PeriodDates {
    /// First local date, YYYY-MM-DD.
    pub from: String,
    /// Last local date (inclusive), YYYY-MM-DD.
    pub to: String,
    /// Start in UTC, RFC 3339 (inclusive).
    pub start: String,
    /// End in UTC, RFC 3339 (exclusive).
    pub end: String,
}

impl From<&LocalRange> for PeriodDates {
    fn from(range: &LocalRange) -> Self {
        PeriodDates {
            from: range.from.to_string(),
            to: range.to.to_string(),
            start: crate::time::to_rfc3339(range.start),
            end: crate::time::to_rfc3339(range.end),
        }
    }
}

/// Counts, money and KPI values of one period for one group of leads.
/// Money is in cents of the report's currency and ratios are percentages.
/// `None` means undefined, and the cards give the reason.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct KpiFigures {
    pub leads: u32,
    #[ts(type = "number | null")]
    pub visitors: Option<i64>,
    pub conversion_rate: Option<f64>,
    #[ts(type = "number | null")]
    pub cost_cents: Option<i64>,
    pub cost_per_lead_cents: Option<f64>,
    pub avg_fit: Option<f64>,
    pub icp_share: Option<f64>,
    pub mqls: u32,
    /// Leads of the MQL cohort that reached SQL by now.
    pub sqls: u32,
    pub mql_to_sql_ratio: Option<f64>,
    pub customers: u32,
    /// New customers per new lead of the same period, in percent.
    pub lead_to_customer_rate: Option<f64>,
    pub median_days_to_customer: Option<f64>,
    pub mean_days_to_customer: Option<f64>,
    /// Customers left out of the durations because they became Customer
    /// before they were created.
    pub excluded_durations: u32,
    #[ts(type = "number")]
    pub revenue_cents: i64,
    pub roi: Option<f64>,
}

impl KpiFigures {
    fn from_tally(tally: &Tally, by_owner: bool) -> KpiFigures {
        let cost_known = !by_owner && tally.cost_cents.is_some();
        KpiFigures {
            leads: clamp(tally.leads),
            visitors: tally.visitors.filter(|_| !by_owner),
            conversion_rate: metrics::conversion_rate(tally, by_owner).ok(),
            cost_cents: tally.cost_cents.filter(|_| cost_known),
            cost_per_lead_cents: metrics::cost_per_lead_cents(tally, by_owner).ok(),
            avg_fit: metrics::average_fit(tally).ok(),
            icp_share: metrics::icp_share(tally).ok(),
            mqls: clamp(tally.mqls),
            sqls: clamp(tally.mqls_reaching_sql),
            mql_to_sql_ratio: metrics::mql_to_sql(tally).ok(),
            customers: clamp(tally.customers),
            lead_to_customer_rate: metrics::lead_to_customer(tally).ok(),
            median_days_to_customer: metrics::median_days(tally).ok(),
            mean_days_to_customer: metrics::mean_days(tally).ok(),
            excluded_durations: clamp(tally.negative_durations),
            revenue_cents: tally.revenue_cents,
            roi: metrics::roi(tally, by_owner).ok(),
        }
    }
}

pub(crate) fn clamp(count: u64) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}

/// Figures of one channel or campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct GroupFigures {
    /// Channel name, or the campaign's name.
    pub name: String,
    #[ts(type = "number | null")]
    pub campaign_id: Option<i64>,
    pub channel: String,
    pub figures: KpiFigures,
}

/// Leads created per bucket in one channel, for the stacked chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ChannelSeries {
    pub channel: String,
    pub leads: Vec<u32>,
}

/// Everything the dashboard shows for one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct KpiReport {
    pub time_zone: String,
    /// ISO 4217 code of the money figures.
    pub currency: String,
    pub range: PeriodDates,
    /// Period of the same length just before `range`, or `None` for
    /// "all time".
    pub previous_range: Option<PeriodDates>,
    pub bucket_size: BucketSize,
    pub buckets: Vec<PeriodDates>,
    pub totals: KpiFigures,
    pub previous: Option<KpiFigures>,
    pub cards: Vec<KpiCard>,
    /// Per channel with any lead or campaign in view, busiest first.
    pub by_channel: Vec<GroupFigures>,
    /// Per campaign in view, busiest first.
    pub by_campaign: Vec<GroupFigures>,
    /// Figures per bucket, for the charts over time.
    pub per_bucket: Vec<KpiFigures>,
    pub leads_by_channel: Vec<ChannelSeries>,
    pub funnel: Vec<FunnelStep>,
    pub conversion_days: Vec<HistogramBin>,
    pub scores: Vec<HistogramBin>,
}

/// Builds the report for `request` from `facts`, with `now` in UTC seconds
/// as the current moment and `zone` as the user's time zone.
pub fn build(
    facts: &Facts,
    request: &KpiRequest,
    zone: Tz,
    currency: &str,
    now: i64,
) -> Result<KpiReport> {
    let (options, current) = scope(facts, request, zone, now)?;
    let by_owner = request.filters.owner.is_some();

    // Dates: the previous period and the trend buckets.
    let previous = match request.range {
        RangeRequest::AllTime => None,
        _ => current.previous(zone),
    };
    let bucket_size = BucketSize::for_days(current.days());
    let buckets = range::buckets(&current, bucket_size, zone)?;

    // Tallies: previous and current period together, then buckets, channels
    // and campaigns.
    let periods: Vec<LocalRange> = previous.iter().copied().chain([current]).collect();
    let mut period_tallies = series::tally(facts, &options, &periods, GroupBy::Nothing);
    let current_tally = period_tallies.pop().unwrap_or_default();
    let previous_tally = previous.and(period_tallies.pop());
    let bucket_tallies = series::tally(facts, &options, &buckets, GroupBy::Nothing);
    let channel_tallies = series::tally(facts, &options, &[current], GroupBy::Channel);
    let campaign_tallies = series::tally(facts, &options, &[current], GroupBy::Campaign);
    let bucket_channel_tallies = series::tally(facts, &options, &buckets, GroupBy::Channel);

    let cards = cards(
        &current_tally,
        previous_tally.as_ref(),
        &bucket_tallies,
        by_owner,
    );
    Ok(KpiReport {
        time_zone: zone.name().to_owned(),
        currency: currency.to_owned(),
        range: PeriodDates::from(&current),
        previous_range: previous.as_ref().map(PeriodDates::from),
        bucket_size,
        buckets: buckets.iter().map(PeriodDates::from).collect(),
        totals: KpiFigures::from_tally(&current_tally, by_owner),
        previous: previous_tally
            .as_ref()
            .map(|t| KpiFigures::from_tally(t, by_owner)),
        cards,
        by_channel: channel_rows(facts, &channel_tallies, by_owner),
        by_campaign: campaign_rows(facts, &campaign_tallies, by_owner),
        per_bucket: bucket_tallies
            .iter()
            .map(|t| KpiFigures::from_tally(t, by_owner))
            .collect(),
        leads_by_channel: leads_by_channel(facts, &bucket_channel_tallies, buckets.len()),
        funnel: series::funnel(facts, &options, &current),
        conversion_days: series::histogram(
            current_tally.conversion_days.iter().copied(),
            &series::CONVERSION_DAY_EDGES,
        ),
        scores: series::histogram(
            series::cohort_scores(facts, &options, &current),
            &series::SCORE_EDGES,
        ),
    })
}

/// Returns the tally settings and the resolved date range of `request`.
pub(crate) fn scope(
    facts: &Facts,
    request: &KpiRequest,
    zone: Tz,
    now: i64,
) -> Result<(TallyOptions, LocalRange)> {
    let icp_threshold = request.icp_threshold.unwrap_or(DEFAULT_ICP_THRESHOLD);
    if !icp_threshold.is_finite() {
        return Err(crate::Error::invalid(
            "ICP threshold",
            icp_threshold.to_string(),
            "use a fit score between 0 and 100",
        ));
    }
    let options = TallyOptions {
        filter: resolve_filter(facts, &request.filters),
        icp_threshold,
        now,
    };
    let today = range::local_date(now, zone);
    let current = range::resolve(&request.range, zone, today, facts.span(zone))?;
    Ok((options, current))
}

fn resolve_filter(facts: &Facts, filters: &KpiFilters) -> LeadFilter {
    let channel = filters
        .channel
        .as_deref()
        .map(|name| facts.channel_index(name).unwrap_or(MATCHES_NOTHING));
    let campaign = filters.campaign_id.map(|id| {
        facts
            .campaigns
            .iter()
            .position(|c| c.id == id)
            .map_or(MATCHES_NOTHING, |index| index as u32)
    });
    let owner = filters.owner.as_deref().map(|name| {
        facts
            .owners
            .iter()
            .position(|owner| owner.eq_ignore_ascii_case(name.trim()))
            .map_or(MATCHES_NOTHING, |index| index as u32)
    });
    LeadFilter {
        channel,
        campaign,
        owner,
    }
}

fn is_empty(tally: &Tally) -> bool {
    tally.leads == 0
        && tally.mqls == 0
        && tally.customers == 0
        && tally.revenue_cents == 0
        && tally.cost_cents.unwrap_or(0) == 0
}

fn channel_rows(facts: &Facts, tallies: &[Tally], by_owner: bool) -> Vec<GroupFigures> {
    let mut rows: Vec<(u64, GroupFigures)> = tallies
        .iter()
        .enumerate()
        .filter(|(_, tally)| !is_empty(tally))
        .map(|(index, tally)| {
            let name = facts.channels[index].clone();
            let row = GroupFigures {
                name: name.clone(),
                campaign_id: None,
                channel: name,
                figures: KpiFigures::from_tally(tally, by_owner),
            };
            (tally.leads, row)
        })
        .collect();
    rows.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.name.cmp(&b.1.name)));
    rows.into_iter().map(|(_, row)| row).collect()
}

fn campaign_rows(facts: &Facts, tallies: &[Tally], by_owner: bool) -> Vec<GroupFigures> {
    let mut rows: Vec<(u64, GroupFigures)> = tallies
        .iter()
        .enumerate()
        .filter(|(_, tally)| !is_empty(tally))
        .map(|(index, tally)| {
            let campaign = &facts.campaigns[index];
            let row = GroupFigures {
                name: campaign.name.clone(),
                campaign_id: Some(campaign.id),
                channel: facts.channels[campaign.channel as usize].clone(),
                figures: KpiFigures::from_tally(tally, by_owner),
            };
            (tally.leads, row)
        })
        .collect();
    rows.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.name.cmp(&b.1.name)));
    rows.into_iter().map(|(_, row)| row).collect()
}

/// Leads per bucket for every channel with leads in the range, busiest
/// channel first, and leads without a channel last.
fn leads_by_channel(facts: &Facts, tallies: &[Tally], buckets: usize) -> Vec<ChannelSeries> {
    let groups = facts.channels.len();
    let mut series: Vec<ChannelSeries> = (0..groups)
        .map(|group| ChannelSeries {
            channel: facts.channels[group].clone(),
            leads: (0..buckets)
                .map(|bucket| clamp(tallies[bucket * groups + group].leads))
                .collect(),
        })
        .filter(|s| s.leads.iter().any(|count| *count > 0))
        .collect();
    let total = |s: &ChannelSeries| s.leads.iter().map(|c| u64::from(*c)).sum::<u64>();
    series.sort_by(|a, b| {
        (a.channel == NO_CHANNEL)
            .cmp(&(b.channel == NO_CHANNEL))
            .then_with(|| total(b).cmp(&total(a)))
            .then_with(|| a.channel.cmp(&b.channel))
    });
    series
}
