//! The leads behind a dashboard figure, so a click on a card, a funnel step
//! or a channel opens exactly the leads that make up the number.

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::facts::{Facts, CUSTOMER, MQL};
use super::report::{self, KpiRequest};
use super::KpiId;
use crate::error::Result;
use crate::model::Stage;

/// Selection of leads within the dashboard's range and filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "target", rename_all = "snake_case")]
#[ts(export)]
pub enum DrillTarget {
    /// Leads created in the range: conversion rate, cost per lead and lead
    /// quality count these.
    NewLeads,
    /// Leads that first reached MQL in the range: the MQL-to-SQL cohort.
    Mqls,
    /// Leads that became Customer in the range: time to conversion.
    Customers,
    /// Leads with a deal won in the range: the revenue of ROI.
    WonDeals,
    /// Leads created in the range that reached `stage` (or a later step)
    /// by now: one step of the funnel. New and Disqualified, which are not
    /// steps, list every lead created in the range.
    Reached { stage: Stage },
}

impl DrillTarget {
    /// Returns the leads a KPI card counts.
    pub fn of_card(kpi: KpiId) -> DrillTarget {
        match kpi {
            KpiId::ConversionRate | KpiId::CostPerLead | KpiId::LeadQuality => {
                DrillTarget::NewLeads
            }
            KpiId::MqlToSql => DrillTarget::Mqls,
            KpiId::TimeToConversion => DrillTarget::Customers,
            KpiId::Roi => DrillTarget::WonDeals,
        }
    }
}

/// A request for the leads behind a figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LeadDrill {
    pub kpi: KpiRequest,
    pub target: DrillTarget,
}

/// Returns the ids of the leads behind `drill`, in id order.
pub fn lead_ids(facts: &Facts, drill: &LeadDrill, zone: Tz, now: i64) -> Result<Vec<i64>> {
    let (options, range) = report::scope(facts, &drill.kpi, zone, now)?;
    let inside = |at: i64| range.start <= at && at < range.end;
    let in_view = facts
        .leads
        .iter()
        .filter(|lead| options.filter.matches(lead));

    let ids = match drill.target {
        DrillTarget::NewLeads => in_view
            .filter(|lead| inside(lead.created_at))
            .map(|lead| lead.id)
            .collect(),
        DrillTarget::Mqls => in_view
            .filter(|lead| lead.reached[MQL].is_some_and(inside))
            .map(|lead| lead.id)
            .collect(),
        DrillTarget::Customers => in_view
            .filter(|lead| lead.reached[CUSTOMER].is_some_and(inside))
            .map(|lead| lead.id)
            .collect(),
        DrillTarget::Reached { stage } => {
            let step = match stage {
                Stage::Mql => Some(0),
                Stage::Warm => Some(1),
                Stage::Sql => Some(2),
                Stage::Customer => Some(3),
                Stage::New | Stage::Disqualified => None,
            };
            in_view
                .filter(|lead| inside(lead.created_at))
                .filter(|lead| {
                    step.is_none_or(|step| lead.reached[step].is_some_and(|at| at <= options.now))
                })
                .map(|lead| lead.id)
                .collect()
        }
        DrillTarget::WonDeals => {
            let mut ids: Vec<i64> = facts
                .deals
                .iter()
                .filter(|deal| inside(deal.won_at))
                .map(|deal| &facts.leads[deal.lead as usize])
                .filter(|lead| options.filter.matches(lead))
                .map(|lead| lead.id)
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        }
    };
    Ok(ids)
}
