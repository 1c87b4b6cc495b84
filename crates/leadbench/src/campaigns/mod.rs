//! Campaigns: where marketing money went, over which dates, and how many
//! visitors it brought. Cost per lead, ROI and the conversion rate of the
//! KPI dashboard all start from these rows.
//!
//! - this module: the campaign list with its results, and adding, changing
//!   and deleting one campaign with validation.
//! - [`spend`]: importing a spend CSV into campaigns, in one transaction.

pub mod spend;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::import::parse::{parse_money, DecimalMark};
use crate::kpi::metrics::percent;
use crate::kpi::{
    report, Facts, KpiFigures, KpiFilters, KpiRequest, RangeRequest, StoredFitScores,
};

/// Maximum length of a campaign or channel name, in characters.
pub const MAX_NAME: usize = 200;

/// Whether a campaign pulls leads in or reaches out to them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Direction {
    #[default]
    Inbound,
    Outbound,
}

impl Direction {
    /// Returns the stored name, `inbound` or `outbound`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }

    fn parse(text: &str) -> Direction {
        match text {
            "outbound" => Direction::Outbound,
            _ => Direction::Inbound,
        }
    }
}

/// A stored campaign. Dates are local calendar dates, both inclusive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Campaign {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    pub channel: String,
    pub direction: Direction,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    #[ts(type = "number")]
    pub cost_cents: i64,
    #[ts(type = "number | null")]
    pub visitors: Option<i64>,
}

/// A campaign with its results between its start and end dates, counted
/// the way the dashboard counts them for that campaign and period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CampaignRow {
    pub campaign: Campaign,
    /// Leads of the campaign created between its dates.
    pub leads: u32,
    /// Leads of the campaign that first became Customer between its dates.
    pub customers: u32,
    /// Value of the deals of its leads won between its dates.
    #[ts(type = "number")]
    pub revenue_cents: i64,
    /// Cost / leads, or `None` without leads.
    pub cost_per_lead_cents: Option<f64>,
    /// (Revenue - cost) / cost x 100, or `None` without cost.
    pub roi: Option<f64>,
}

/// The Campaigns screen: every campaign, newest start first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CampaignList {
    /// ISO 4217 code of the money figures.
    pub currency: String,
    pub rows: Vec<CampaignRow>,
}

/// A campaign as the user typed it. `cost` is text in `decimal_mark`'s
/// format, so "1.234,56" is read the way a Dutch user means it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CampaignInput {
    pub name: String,
    pub channel: String,
    pub direction: Direction,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub cost: String,
    pub decimal_mark: DecimalMark,
    #[ts(type = "number | null")]
    pub visitors: Option<i64>,
}

/// Returns every campaign with its leads, customers, revenue, cost per lead
/// and ROI. The figures are the dashboard's figures filtered to the
/// campaign over its dates, where a missing start means the earliest data
/// and a missing end means today.
// NOTE: a customer won after a campaign's end date counts on the
// dashboard for that later period, not in this row. Each row builds a
// whole dashboard report; that cost is not yet benchmarked at 100,000 leads.
pub fn list(conn: &Connection) -> Result<CampaignList> {
    let settings = crate::settings::load(conn)?;
    let mut stmt = conn.prepare(
        "SELECT id, name, channel, direction, starts_on, ends_on, cost_cents, visitors
         FROM campaigns
         ORDER BY starts_on IS NULL, starts_on DESC, name COLLATE NOCASE",
    )?;
    let campaigns = stmt
        .query_map([], |row| {
            Ok(Campaign {
                id: row.get(0)?,
                name: row.get(1)?,
                channel: row.get(2)?,
                direction: Direction::parse(&row.get::<_, String>(3)?),
                starts_on: row.get(4)?,
                ends_on: row.get(5)?,
                cost_cents: row.get(6)?,
                visitors: row.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if campaigns.is_empty() {
        return Ok(CampaignList {
            currency: settings.currency,
            rows: Vec::new(),
        });
    }

    let zone = crate::kpi::time_zone(None, settings.time_zone.as_deref())?;
    let facts = Facts::load(conn, &StoredFitScores)?;
    let now = crate::time::now();
    let rows = campaigns
        .into_iter()
        .map(|campaign| {
            let request = campaign_request(&campaign);
            let figures = match report::build(&facts, &request, zone, &settings.currency, now) {
                Ok(report) => report.totals,
                Err(error) => {
                    // A campaign that starts after today has no figures yet.
                    tracing::debug!(campaign = campaign.id, %error, "campaign has no figures");
                    KpiFigures::default()
                }
            };
            row_of(campaign, &figures)
        })
        .collect();
    Ok(CampaignList {
        currency: settings.currency,
        rows,
    })
}

/// Returns the dashboard request for `campaign` over its own dates.
pub fn campaign_request(campaign: &Campaign) -> KpiRequest {
    KpiRequest {
        range: RangeRequest::Custom {
            from: campaign.starts_on.clone(),
            to: campaign.ends_on.clone(),
        },
        filters: KpiFilters {
            campaign_id: Some(campaign.id),
            ..KpiFilters::default()
        },
        ..KpiRequest::default()
    }
}

fn row_of(campaign: Campaign, figures: &KpiFigures) -> CampaignRow {
    let cost = campaign.cost_cents as f64;
    CampaignRow {
        leads: figures.leads,
        customers: figures.customers,
        revenue_cents: figures.revenue_cents,
        cost_per_lead_cents: (figures.leads > 0).then(|| cost / f64::from(figures.leads)),
        roi: percent(figures.revenue_cents as f64 - cost, cost),
        campaign,
    }
}

/// Adds a campaign, or changes campaign `id` when given. Returns the
/// stored campaign.
pub fn save(conn: &Connection, id: Option<i64>, input: &CampaignInput) -> Result<Campaign> {
    let campaign = validate(input, id.unwrap_or(0))?;
    let taken: Option<i64> = conn
        .query_row(
            "SELECT id FROM campaigns WHERE name = ?1 COLLATE NOCASE AND id IS NOT ?2",
            params![campaign.name, id],
            |row| row.get(0),
        )
        .optional()?;
    if taken.is_some() {
        return Err(Error::invalid(
            "campaign name",
            &campaign.name,
            "another campaign has this name; choose a different one",
        ));
    }
    let values = params![
        campaign.name,
        campaign.channel,
        campaign.direction.as_str(),
        campaign.starts_on,
        campaign.ends_on,
        campaign.cost_cents,
        campaign.visitors,
    ];
    let stored_id = match id {
        None => {
            conn.execute(
                "INSERT INTO campaigns (name, channel, direction, starts_on, ends_on, cost_cents, visitors)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                values,
            )?;
            conn.last_insert_rowid()
        }
        Some(id) => {
            let changed = conn.execute(
                &format!(
                    "UPDATE campaigns SET name = ?1, channel = ?2, direction = ?3, starts_on = ?4,
                     ends_on = ?5, cost_cents = ?6, visitors = ?7 WHERE id = {id}"
                ),
                values,
            )?;
            if changed == 0 {
                return Err(not_found(id));
            }
            id
        }
    };
    tracing::info!(campaign = stored_id, "campaign saved");
    Ok(Campaign {
        id: stored_id,
        ..campaign
    })
}

/// Deletes campaign `id`. Its leads keep their channel and lose the link.
pub fn delete(conn: &Connection, id: i64) -> Result<()> {
    let changed = conn.execute("DELETE FROM campaigns WHERE id = ?1", [id])?;
    if changed == 0 {
        return Err(not_found(id));
    }
    tracing::info!(campaign = id, "campaign deleted");
    Ok(())
}

fn not_found(id: i64) -> Error {
    Error::NotFound {
        what: "campaign".to_owned(),
        id: id.to_string(),
    }
}

/// Checks and normalises `input`: names trimmed and not empty, both dates
/// or neither with the start first, a cost of zero or more, visitors of
/// zero or more.
pub fn validate(input: &CampaignInput, id: i64) -> Result<Campaign> {
    let name = required_name("campaign name", &input.name)?;
    let channel = required_name("channel", &input.channel)?;
    let (starts_on, ends_on) = dates(input.starts_on.as_deref(), input.ends_on.as_deref())?;
    let cost_cents = cost(&input.cost, input.decimal_mark)?;
    if let Some(visitors) = input.visitors.filter(|v| *v < 0) {
        return Err(Error::invalid(
            "visitors",
            visitors.to_string(),
            "enter 0 or more visitors, or leave the field empty",
        ));
    }
    Ok(Campaign {
        id,
        name,
        channel,
        direction: input.direction,
        starts_on,
        ends_on,
        cost_cents,
        visitors: input.visitors,
    })
}

fn required_name(field: &str, text: &str) -> Result<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid(field, text, format!("enter a {field}")));
    }
    if trimmed.chars().count() > MAX_NAME {
        return Err(Error::invalid(
            field,
            trimmed.chars().take(40).collect::<String>(),
            format!("shorten it to at most {MAX_NAME} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

type Dates = (Option<String>, Option<String>);

/// Checks a start and end date: both or neither, start not after end.
pub fn dates(starts: Option<&str>, ends: Option<&str>) -> Result<Dates> {
    match (present(starts), present(ends)) {
        (None, None) => Ok((None, None)),
        (Some(start), Some(end)) => {
            let from = crate::kpi::range::parse_date("start date", start)?;
            let to = crate::kpi::range::parse_date("end date", end)?;
            if from > to {
                return Err(Error::invalid(
                    "campaign dates",
                    format!("{from} to {to}"),
                    "the start date is after the end date; swap them",
                ));
            }
            Ok((Some(from.to_string()), Some(to.to_string())))
        }
        (Some(day), None) | (None, Some(day)) => Err(Error::invalid(
            "campaign dates",
            day,
            "enter both a start and an end date, so the spend can be placed in time",
        )),
    }
}

fn present(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// Parses a cost typed or read as text into cents; empty is 0.
pub fn cost(text: &str, mark: DecimalMark) -> Result<i64> {
    let example = match mark {
        DecimalMark::Point => "1,234.56",
        DecimalMark::Comma => "1.234,56",
    };
    let cents = parse_money(text, mark).map_err(|_| {
        Error::invalid(
            "cost",
            text,
            format!("write the amount like {example}, with this decimal mark"),
        )
    })?;
    match cents {
        Some(cents) if cents < 0 => Err(Error::invalid(
            "cost",
            text,
            "a cost cannot be negative; enter 0 or more",
        )),
        Some(cents) => Ok(cents),
        None => Ok(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, cost: &str) -> CampaignInput {
        CampaignInput {
            name: name.into(),
            channel: "Paid search".into(),
            starts_on: Some("2024-03-01".into()),
            ends_on: Some("2024-03-31".into()),
            cost: cost.into(),
            decimal_mark: DecimalMark::Comma,
            direction: Direction::Inbound,
            visitors: None,
        }
    }

    #[test]
    fn campaign_row_equals_filtered_kpis() {
        let mut db = crate::Database::open_in_memory().unwrap();
        let options = crate::demo::DemoOptions {
            leads: 600,
            seed: 7,
            until: crate::time::now(),
        };
        crate::demo::generate(&mut db, &options).unwrap();
        let list = list(db.conn()).unwrap();
        assert!(!list.rows.is_empty());
        let mut with_customers = 0;
        for row in &list.rows {
            let request = campaign_request(&row.campaign);
            let report = crate::kpi::dashboard(db.conn(), &request).unwrap();
            let name = &row.campaign.name;
            assert_eq!(row.leads, report.totals.leads, "leads of {name}");
            assert_eq!(
                row.customers, report.totals.customers,
                "customers of {name}"
            );
            assert_eq!(
                row.revenue_cents, report.totals.revenue_cents,
                "revenue of {name}"
            );
            with_customers += usize::from(row.customers > 0);
        }
        assert!(with_customers > 0, "some campaign has customers");
    }

    #[test]
    fn dutch_costs_stored_in_cents() {
        let db = crate::Database::open_in_memory().unwrap();
        for (text, cents) in [("1.234,56", 123_456), ("1.000", 100_000), ("€ 89,9", 8_990)] {
            let saved = save(db.conn(), None, &input(text, text)).unwrap();
            assert_eq!(saved.cost_cents, cents, "{text}");
        }
        let list = list(db.conn()).unwrap();
        assert_eq!(list.rows.len(), 3);
    }

    #[test]
    fn duplicate_name_and_bad_input_rejected() {
        let db = crate::Database::open_in_memory().unwrap();
        let first = save(db.conn(), None, &input("Spring", "10")).unwrap();
        let error = save(db.conn(), None, &input(" spring ", "10")).unwrap_err();
        assert!(error.to_string().contains("spring"), "{error}");
        assert!(save(db.conn(), Some(first.id), &input("Spring", "12")).is_ok());

        let mut reversed = input("Autumn", "10");
        reversed.ends_on = Some("2024-02-01".into());
        assert!(save(db.conn(), None, &reversed).is_err());
        assert!(save(db.conn(), None, &input("Autumn", "-5")).is_err());
        assert!(save(db.conn(), None, &input("", "5")).is_err());
        let mut english = input("Autumn", "1.234,56");
        english.decimal_mark = DecimalMark::Point;
        assert!(save(db.conn(), None, &english).is_err());
    }

    #[test]
    fn delete_unlinks_leads() {
        let db = crate::Database::open_in_memory().unwrap();
        let campaign = save(db.conn(), None, &input("Spring", "10")).unwrap();
        db.conn()
            .execute(
                // Created on 10 March 2024 at noon UTC, inside the campaign.
                "INSERT INTO leads (stage, stage_changed_at, created_at, updated_at, campaign_id)
                 VALUES ('new', 1710072000, 1710072000, 1710072000, ?1)",
                [campaign.id],
            )
            .unwrap();
        assert_eq!(list(db.conn()).unwrap().rows[0].leads, 1);
        delete(db.conn(), campaign.id).unwrap();
        assert!(delete(db.conn(), campaign.id).is_err());
        let linked: Option<i64> = db
            .conn()
            .query_row("SELECT campaign_id FROM leads", [], |row| row.get(0))
            .unwrap();
        assert_eq!(linked, None);
    }
}
