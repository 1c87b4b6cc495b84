//! Tallies over periods and groups: the totals of a range, its trend
//! buckets, the split by channel and by campaign, the funnel of the
//! period's cohort and the histograms.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::facts::{Facts, LeadFact, CUSTOMER, MQL, SQL, STEPS};
use super::metrics::Tally;
use super::range::LocalRange;

/// Index value that matches no channel, campaign or owner, used when a
/// filter names one the data does not contain.
pub const MATCHES_NOTHING: u32 = u32::MAX;

/// The leads in view, as indexes into [`Facts`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LeadFilter {
    pub channel: Option<u32>,
    pub campaign: Option<u32>,
    pub owner: Option<u32>,
}

impl LeadFilter {
    /// Returns whether `lead` is in view.
    pub fn matches(&self, lead: &LeadFact) -> bool {
        self.channel.is_none_or(|channel| lead.channel == channel)
            && self
                .campaign
                .is_none_or(|campaign| lead.campaign == Some(campaign))
            && self.owner.is_none_or(|owner| lead.owner == Some(owner))
    }

    fn matches_campaign(&self, index: u32, channel: u32) -> bool {
        self.channel.is_none_or(|wanted| channel == wanted)
            && self.campaign.is_none_or(|wanted| index == wanted)
    }
}

/// Grouping of the leads in a tally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// One group with every lead in view.
    Nothing,
    /// One group per entry of [`Facts::channels`].
    Channel,
    /// One group per entry of [`Facts::campaigns`], leaving out leads
    /// without a campaign.
    Campaign,
}

impl GroupBy {
    fn count(self, facts: &Facts) -> usize {
        match self {
            GroupBy::Nothing => 1,
            GroupBy::Channel => facts.channels.len(),
            GroupBy::Campaign => facts.campaigns.len(),
        }
    }

    fn of_lead(self, lead: &LeadFact) -> Option<usize> {
        match self {
            GroupBy::Nothing => Some(0),
            GroupBy::Channel => Some(lead.channel as usize),
            GroupBy::Campaign => lead.campaign.map(|c| c as usize),
        }
    }

    fn of_campaign(self, index: u32, channel: u32) -> usize {
        match self {
            GroupBy::Nothing => 0,
            GroupBy::Channel => channel as usize,
            GroupBy::Campaign => index as usize,
        }
    }
}

/// Settings shared by every tally of one dashboard.
#[derive(Debug, Clone, Copy)]
pub struct TallyOptions {
    pub filter: LeadFilter,
    /// Fit score at or above which a lead meets the ideal customer profile.
    pub icp_threshold: f64,
    /// UTC seconds of "now": SQL reached after it does not count yet.
    pub now: i64,
}

/// Tallies every lead, deal and campaign in view into `windows`, which must
/// be consecutive (each one starts where the previous one ends). Returns
/// `windows.len() * groups` tallies, window-major.
pub fn tally(
    facts: &Facts,
    options: &TallyOptions,
    windows: &[LocalRange],
    group_by: GroupBy,
) -> Vec<Tally> {
    let groups = group_by.count(facts);
    let mut tallies = vec![Tally::default(); windows.len() * groups];
    let Some(first) = windows.first() else {
        return tallies;
    };
    let ends: Vec<i64> = windows.iter().map(|w| w.end).collect();
    let window_of = |at: i64| -> Option<usize> {
        if at < first.start {
            return None;
        }
        let index = ends.partition_point(|end| *end <= at);
        (index < ends.len()).then_some(index)
    };

    // Leads: creation, first MQL moment and Customer moment.
    for lead in facts.leads.iter().filter(|l| options.filter.matches(l)) {
        let Some(group) = group_by.of_lead(lead) else {
            continue;
        };
        if let Some(window) = window_of(lead.created_at) {
            let slot = &mut tallies[window * groups + group];
            slot.leads += 1;
            slot.fit_sum += lead.fit;
            if lead.fit >= options.icp_threshold {
                slot.icp_leads += 1;
            }
        }
        if let Some(window) = lead.reached[MQL].and_then(window_of) {
            let slot = &mut tallies[window * groups + group];
            slot.mqls += 1;
            if lead.reached[SQL].is_some_and(|at| at <= options.now) {
                slot.mqls_reaching_sql += 1;
            }
        }
        if let Some(customer_at) = lead.reached[CUSTOMER] {
            if let Some(window) = window_of(customer_at) {
                tallies[window * groups + group].add_conversion(lead.created_at, customer_at);
            }
        }
    }

    // Revenue: deals won in each window.
    for deal in &facts.deals {
        let lead = &facts.leads[deal.lead as usize];
        if !options.filter.matches(lead) {
            continue;
        }
        let (Some(group), Some(window)) = (group_by.of_lead(lead), window_of(deal.won_at)) else {
            continue;
        };
        let slot = &mut tallies[window * groups + group];
        slot.revenue_cents = slot.revenue_cents.saturating_add(deal.value_cents);
    }

    add_spend(facts, options, windows, group_by, groups, &mut tallies);
    tallies
}

/// Adds each campaign's cost and visitors to the windows its period
/// overlaps. A campaign that only partly overlaps a window is prorated by
/// days: a 31-day campaign contributes 10/31 of its cost to a window that
/// covers 10 of its days. Shares are rounded half up to whole cents per
/// campaign and window, so the windows of a split range can differ from the
/// whole range by a few cents.
fn add_spend(
    facts: &Facts,
    options: &TallyOptions,
    windows: &[LocalRange],
    group_by: GroupBy,
    groups: usize,
    tallies: &mut [Tally],
) {
    for (index, campaign) in facts.campaigns.iter().enumerate() {
        let index = index as u32;
        if !options.filter.matches_campaign(index, campaign.channel) {
            continue;
        }
        let group = group_by.of_campaign(index, campaign.channel);

        // A campaign in view makes spend (and, if it counts them, visitors)
        // known for its group, even where it adds 0.
        for window in 0..windows.len() {
            let slot = &mut tallies[window * groups + group];
            slot.cost_cents.get_or_insert(0);
            if campaign.visitors.is_some() {
                slot.visitors.get_or_insert(0);
            }
        }

        // NOTE: a campaign without valid start and end dates cannot be placed
        // in time, so its spend is known to exist but counts in no period.
        let Some((starts, ends)) = campaign.period else {
            continue;
        };
        let campaign_days = days_between(starts, ends) + 1;
        for (window_index, window) in windows.iter().enumerate() {
            let overlap = overlap_days((starts, ends), (window.from, window.to));
            if overlap == 0 {
                continue;
            }
            let slot = &mut tallies[window_index * groups + group];
            let cost = prorate(campaign.cost_cents, overlap, campaign_days);
            slot.cost_cents = Some(slot.cost_cents.unwrap_or(0).saturating_add(cost));
            if let Some(visitors) = campaign.visitors {
                let share = prorate(visitors, overlap, campaign_days);
                slot.visitors = Some(slot.visitors.unwrap_or(0).saturating_add(share));
            }
        }
    }
}

fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

/// Returns the number of days two inclusive date spans share.
fn overlap_days(a: (NaiveDate, NaiveDate), b: (NaiveDate, NaiveDate)) -> i64 {
    let from = a.0.max(b.0);
    let to = a.1.min(b.1);
    if from > to {
        0
    } else {
        days_between(from, to) + 1
    }
}

/// Returns `amount * part / whole`, rounded half up, without overflow.
fn prorate(amount: i64, part: i64, whole: i64) -> i64 {
    if whole <= 0 || part >= whole {
        return amount;
    }
    let scaled = i128::from(amount) * i128::from(part) * 2 + i128::from(whole);
    let share = scaled / (i128::from(whole) * 2);
    i64::try_from(share).unwrap_or(i64::MAX)
}

/// One step of the funnel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FunnelStep {
    pub stage: crate::model::Stage,
    /// Leads of the cohort that reached this step or a later one by now.
    pub count: u32,
    /// `count` as a percentage of the previous step, or `None` for the
    /// first step and after an empty step.
    pub step_conversion: Option<f64>,
}

/// Returns the funnel New -> MQL -> Warm -> SQL -> Customer for the leads
/// created in `range`: how many of them reached each step by `now`. A lead
/// that skipped a step counts for it, so each step is a subset of the one
/// before.
pub fn funnel(facts: &Facts, options: &TallyOptions, range: &LocalRange) -> Vec<FunnelStep> {
    use crate::model::Stage;

    let mut counts = [0u32; STEPS + 1];
    let cohort = facts.leads.iter().filter(|lead| {
        options.filter.matches(lead)
            && range.start <= lead.created_at
            && lead.created_at < range.end
    });
    for lead in cohort {
        counts[0] += 1;
        for (step, reached) in lead.reached.iter().enumerate() {
            if reached.is_some_and(|at| at <= options.now) {
                counts[step + 1] += 1;
            }
        }
    }

    let stages = [
        Stage::New,
        Stage::Mql,
        Stage::Warm,
        Stage::Sql,
        Stage::Customer,
    ];
    stages
        .iter()
        .enumerate()
        .map(|(index, stage)| FunnelStep {
            stage: *stage,
            count: counts[index],
            step_conversion: match index {
                0 => None,
                _ => {
                    super::metrics::percent(f64::from(counts[index]), f64::from(counts[index - 1]))
                }
            },
        })
        .collect()
}

/// One bar of a histogram: values in `[from, to)`. `to` is `None` for the
/// last, open-ended bin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct HistogramBin {
    pub from: f64,
    pub to: Option<f64>,
    pub count: u32,
}

/// Bin edges in days for the time-to-conversion histogram.
pub const CONVERSION_DAY_EDGES: [f64; 9] = [0.0, 1.0, 7.0, 14.0, 30.0, 60.0, 90.0, 180.0, 365.0];

/// Bin edges for the score histogram.
pub const SCORE_EDGES: [f64; 11] = [
    0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0,
];

/// Counts `values` into bins that start at each edge. The last bin is open.
/// Values below the first edge count in the first bin.
pub fn histogram(values: impl Iterator<Item = f64>, edges: &[f64]) -> Vec<HistogramBin> {
    let mut bins: Vec<HistogramBin> = edges
        .iter()
        .enumerate()
        .map(|(index, from)| HistogramBin {
            from: *from,
            to: edges.get(index + 1).copied(),
            count: 0,
        })
        .collect();
    if bins.is_empty() {
        return bins;
    }
    for value in values.filter(|v| v.is_finite()) {
        let index = edges
            .partition_point(|edge| *edge <= value)
            .saturating_sub(1);
        bins[index].count += 1;
    }
    bins
}

/// Returns the current scores of the leads in view created in `range`.
pub fn cohort_scores<'a>(
    facts: &'a Facts,
    options: &'a TallyOptions,
    range: &'a LocalRange,
) -> impl Iterator<Item = f64> + 'a {
    facts
        .leads
        .iter()
        .filter(move |lead| {
            options.filter.matches(lead)
                && range.start <= lead.created_at
                && lead.created_at < range.end
        })
        .map(|lead| lead.score)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn partial_overlap_prorated_by_days() {
        let campaign = (date("2024-03-20"), date("2024-04-08"));
        let march = (date("2024-03-01"), date("2024-03-31"));
        let april = (date("2024-04-01"), date("2024-04-30"));
        assert_eq!(overlap_days(campaign, march), 12);
        assert_eq!(overlap_days(campaign, april), 8);
        assert_eq!(prorate(2_000, 12, 20), 1_200);
        assert_eq!(prorate(1_000, 1, 3), 333);
        assert_eq!(prorate(1_000, 2, 3), 667);
    }

    #[test]
    fn histogram_puts_edges_in_upper_bin() {
        let bins = histogram([0.0, 0.5, 1.0, 400.0, -2.0].into_iter(), &[0.0, 1.0, 365.0]);
        let counts: Vec<u32> = bins.iter().map(|b| b.count).collect();
        assert_eq!(counts, vec![3, 1, 1]);
        assert_eq!(bins[2].to, None);
    }
}
