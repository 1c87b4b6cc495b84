//! The compact facts every KPI is computed from, read from SQLite in a few
//! table scans: one row per lead with the first time it reached each stage,
//! the won deals and the campaigns.
//!
//! Reading everything once and filtering in memory keeps a filter change
//! cheap: the current period, the previous period, every trend bucket and
//! every channel come from the same facts.

use std::collections::HashMap;

use chrono::NaiveDate;
use rusqlite::Connection;

use crate::error::Result;

/// Number of pipeline steps after New: MQL, Warm, SQL and Customer.
/// Disqualified is not a step.
pub const STEPS: usize = 4;
/// Index of MQL in [`LeadFact::reached`].
pub const MQL: usize = 0;
/// Index of Warm in [`LeadFact::reached`].
pub const WARM: usize = 1;
/// Index of SQL in [`LeadFact::reached`].
pub const SQL: usize = 2;
/// Index of Customer in [`LeadFact::reached`].
pub const CUSTOMER: usize = 3;

/// Channel name used for leads that name no channel and no campaign.
pub const NO_CHANNEL: &str = "(none)";

/// Per-lead data the KPIs are computed from.
#[derive(Debug, Clone)]
pub struct LeadFact {
    pub id: i64,
    pub created_at: i64,
    /// Index into [`Facts::channels`].
    pub channel: u32,
    /// Index into [`Facts::campaigns`].
    pub campaign: Option<u32>,
    /// Index into [`Facts::owners`].
    pub owner: Option<u32>,
    /// UTC seconds at which the lead first reached MQL, Warm, SQL and
    /// Customer, or a later step. A lead that jumped from New straight to
    /// SQL reached MQL and Warm at that same moment.
    pub reached: [Option<i64>; STEPS],
    /// Fit score from the [`FitScores`] source.
    pub fit: f64,
    /// Current lead score.
    pub score: f64,
}

/// A won deal.
#[derive(Debug, Clone)]
pub struct DealFact {
    /// Index into [`Facts::leads`].
    pub lead: u32,
    pub won_at: i64,
    pub value_cents: i64,
}

/// A campaign with its spend and visitors.
#[derive(Debug, Clone)]
pub struct CampaignFact {
    pub id: i64,
    pub name: String,
    /// Index into [`Facts::channels`].
    pub channel: u32,
    /// Start and end as local dates, both inclusive. `None` when a date is
    /// missing or invalid, because such spend cannot be placed in time.
    pub period: Option<(NaiveDate, NaiveDate)>,
    pub cost_cents: i64,
    pub visitors: Option<i64>,
}

/// Everything the dashboard is computed from.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Sorted by id.
    pub leads: Vec<LeadFact>,
    pub deals: Vec<DealFact>,
    pub campaigns: Vec<CampaignFact>,
    pub channels: Vec<String>,
    pub owners: Vec<String>,
}

/// Source of the per-lead fit score (0-100) used for lead quality.
pub trait FitScores {
    /// Returns `(lead id, fit score)` pairs. A lead that is not listed has
    /// fit 0.
    fn load(&self, conn: &Connection) -> Result<Vec<(i64, f64)>>;

    /// Returns true when the scores are `leads.score_fit`, which
    /// [`Facts::load`] then reads in its scan of the lead scores instead of
    /// calling [`FitScores::load`].
    fn is_stored_column(&self) -> bool {
        false
    }
}

/// Reads the fit part of each lead's score, as the scoring engine stored it
/// at its last recomputation (`leads.score_fit`).
#[derive(Debug, Clone, Copy, Default)]
pub struct StoredFitScores;

impl FitScores for StoredFitScores {
    fn load(&self, conn: &Connection) -> Result<Vec<(i64, f64)>> {
        let mut stmt = conn.prepare("SELECT id, score_fit FROM leads")?;
        let rows = stmt
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    fn is_stored_column(&self) -> bool {
        true
    }
}

impl Facts {
    /// Reads the facts from the database. For a database file, the stage
    /// changes and the scores are read on a second, read-only connection in
    /// a second thread while this one reads the other lead facts.
    pub fn load(conn: &Connection, fit: &dyn FitScores) -> Result<Facts> {
        let mut facts = Facts::default();
        let mut channel_index: HashMap<String, u32> = HashMap::new();
        let mut owner_index: HashMap<String, u32> = HashMap::new();

        // NOTE: the two connections read separate snapshots. A write that
        // lands in between can add stage changes or scores of leads the
        // first read did not see. Those are skipped, and the next load
        // includes them.
        let (changes, scores) = std::thread::scope(|scope| -> Result<(_, _)> {
            let reader = open_reader(conn).map(|reader| {
                scope.spawn(move || -> Result<_> {
                    Ok((read_stage_changes(&reader)?, read_scores(&reader)?))
                })
            });
            let campaign_index = facts.load_campaigns(conn, &mut channel_index)?;
            facts.load_leads(conn, &campaign_index, &mut channel_index, &mut owner_index)?;
            match reader {
                Some(handle) => handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                None => Ok((read_stage_changes(conn)?, read_scores(conn)?)),
            }
        })?;
        for (lead_id, step, at) in changes {
            if let Some(index) = facts.lead_index(lead_id) {
                reach(&mut facts.leads[index].reached, usize::from(step), at);
            }
        }
        let stored_fit = fit.is_stored_column();
        for (lead_id, score, fit) in scores {
            if let Some(index) = facts.lead_index(lead_id) {
                let lead = &mut facts.leads[index];
                lead.score = score;
                if stored_fit {
                    lead.fit = fit;
                }
            }
        }
        facts.load_deals(conn)?;

        if !stored_fit {
            for (lead_id, score) in fit.load(conn)? {
                if let Some(index) = facts.lead_index(lead_id) {
                    facts.leads[index].fit = if score.is_finite() { score } else { 0.0 };
                }
            }
        }
        Ok(facts)
    }

    /// Returns the position of lead `id` in [`Facts::leads`].
    pub fn lead_index(&self, id: i64) -> Option<usize> {
        // Lead ids are usually dense, so try the direct offset first.
        let first = self.leads.first()?.id;
        let guess = usize::try_from(id - first).ok()?;
        if self.leads.get(guess).is_some_and(|lead| lead.id == id) {
            return Some(guess);
        }
        self.leads.binary_search_by_key(&id, |lead| lead.id).ok()
    }

    /// Returns the index of channel `name`, if any lead or campaign has it.
    pub fn channel_index(&self, name: &str) -> Option<u32> {
        self.channels
            .iter()
            .position(|channel| channel.eq_ignore_ascii_case(name.trim()))
            .map(|index| index as u32)
    }

    /// Returns the local dates of the earliest and the latest data in
    /// `zone`: lead creations, stage moves, won deals and campaign periods.
    pub fn span(&self, zone: chrono_tz::Tz) -> Option<(NaiveDate, NaiveDate)> {
        let lead_moments = self.leads.iter().flat_map(|lead| {
            std::iter::once(lead.created_at).chain(lead.reached.iter().flatten().copied())
        });
        let moments = lead_moments.chain(self.deals.iter().map(|deal| deal.won_at));
        let (first, last) = moments.fold(
            (None, None),
            |(first, last): (Option<i64>, Option<i64>), at| {
                (
                    Some(first.map_or(at, |f| f.min(at))),
                    Some(last.map_or(at, |l| l.max(at))),
                )
            },
        );
        let campaign_days = self
            .campaigns
            .iter()
            .filter_map(|campaign| campaign.period)
            .flat_map(|(start, end)| [start, end]);
        let days: Vec<NaiveDate> = [first, last]
            .into_iter()
            .flatten()
            .map(|at| super::range::local_date(at, zone))
            .chain(campaign_days)
            .collect();
        Some((*days.iter().min()?, *days.iter().max()?))
    }

    fn load_campaigns(
        &mut self,
        conn: &Connection,
        channels: &mut HashMap<String, u32>,
    ) -> Result<HashMap<i64, u32>> {
        let mut index = HashMap::new();
        let mut stmt = conn.prepare(
            "SELECT id, name, channel, starts_on, ends_on, cost_cents, visitors
             FROM campaigns ORDER BY id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let channel: String = row.get(2)?;
            let starts: Option<String> = row.get(3)?;
            let ends: Option<String> = row.get(4)?;
            let period = match (parse_day(starts), parse_day(ends)) {
                (Some(start), Some(end)) if start <= end => Some((start, end)),
                _ => None,
            };
            let campaign = CampaignFact {
                id: row.get(0)?,
                name: row.get(1)?,
                channel: intern(&mut self.channels, channels, &channel),
                period,
                cost_cents: row.get(5)?,
                visitors: row.get(6)?,
            };
            index.insert(campaign.id, self.campaigns.len() as u32);
            self.campaigns.push(campaign);
        }
        Ok(index)
    }

    fn load_leads(
        &mut self,
        conn: &Connection,
        campaigns: &HashMap<i64, u32>,
        channels: &mut HashMap<String, u32>,
        owners: &mut HashMap<String, u32>,
    ) -> Result<()> {
        // Without ORDER BY, SQLite scans the narrow covering index
        // `leads_kpi` instead of the wide table, so the rows are sorted by id
        // afterwards.
        let mut stmt = conn.prepare(
            "SELECT id, created_at, source, campaign_id, owner, stage, stage_changed_at FROM leads",
        )?;
        let count: i64 = conn.query_row("SELECT COUNT(*) FROM leads", [], |row| row.get(0))?;
        self.leads.reserve(usize::try_from(count).unwrap_or(0));
        let mut rows = stmt.query([])?;
        let mut last_source: Option<(String, u32)> = None;
        while let Some(row) = rows.next()? {
            let campaign = row
                .get::<_, Option<i64>>(3)?
                .and_then(|id| campaigns.get(&id).copied());
            // The campaign's channel is where the spend was booked, so it
            // wins over the lead's own first-touch source.
            let channel = match campaign {
                Some(index) => self.campaigns[index as usize].channel,
                None => {
                    let source = text(row, 2)?.map(str::trim).filter(|s| !s.is_empty());
                    let name = source.unwrap_or(NO_CHANNEL);
                    match &last_source {
                        Some((last, index)) if last == name => *index,
                        _ => {
                            let index = intern(&mut self.channels, channels, name);
                            last_source = Some((name.to_owned(), index));
                            index
                        }
                    }
                }
            };
            let owner = text(row, 4)?
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|name| intern(&mut self.owners, owners, name));

            // The current stage is a fallback for leads imported without
            // stage history. The history fills in earlier moments below.
            let mut reached = [None; STEPS];
            if let Some(step) = step_of(text(row, 5)?.unwrap_or_default()) {
                reach(&mut reached, step, row.get(6)?);
            }
            self.leads.push(LeadFact {
                id: row.get(0)?,
                created_at: row.get(1)?,
                channel,
                campaign,
                owner,
                reached,
                // Filled in from `read_scores` once every lead is read.
                fit: 0.0,
                score: 0.0,
            });
        }
        if !self.leads.is_sorted_by_key(|lead| lead.id) {
            self.leads.sort_unstable_by_key(|lead| lead.id);
        }
        Ok(())
    }

    fn load_deals(&mut self, conn: &Connection) -> Result<()> {
        let mut stmt = conn.prepare(
            "SELECT lead_id, won_at, value_cents FROM deals WHERE won_at IS NOT NULL ORDER BY won_at",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            if let Some(index) = self.lead_index(row.get(0)?) {
                self.deals.push(DealFact {
                    lead: index as u32,
                    won_at: row.get(1)?,
                    value_cents: row.get(2)?,
                });
            }
        }
        Ok(())
    }
}

/// Lead id, step index and UTC seconds of one stage change.
type StageReached = (i64, u8, i64);

/// Reads the stage changes that reach MQL or a later step.
fn read_stage_changes(conn: &Connection) -> Result<Vec<StageReached>> {
    // Read from the covering index `stage_changes_kpi`, which skips the
    // rows of leads entering New. On 100,000 demo leads, a GROUP BY with
    // MIN() in SQL took about ten times as long as keeping the minimum in
    // `reach`.
    let mut stmt = conn.prepare(
        "SELECT lead_id, to_stage, changed_at FROM stage_changes
         WHERE to_stage IN ('mql', 'warm', 'sql', 'customer')",
    )?;
    let mut rows = stmt.query([])?;
    let mut changes = Vec::new();
    while let Some(row) = rows.next()? {
        if let Some(step) = step_of(text(row, 1)?.unwrap_or_default()) {
            changes.push((row.get(0)?, step as u8, row.get(2)?));
        }
    }
    Ok(changes)
}

/// Reads each lead's score and its fit part, with non-finite values as 0.
/// The scores are not in the covering index `leads_kpi`, because every
/// recomputation rewrites them; this scan reads the table instead.
fn read_scores(conn: &Connection) -> Result<Vec<(i64, f64, f64)>> {
    let mut stmt = conn.prepare("SELECT id, score, score_fit FROM leads")?;
    let finite = |value: Option<f64>| value.filter(|v| v.is_finite()).unwrap_or(0.0);
    let rows = stmt
        .query_map([], |row| {
            Ok((row.get(0)?, finite(row.get(1)?), finite(row.get(2)?)))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Opens a second, read-only connection to the file behind `conn`, or
/// returns `None` for an in-memory database or when opening fails.
fn open_reader(conn: &Connection) -> Option<Connection> {
    let path = conn.path().filter(|path| !path.is_empty())?;
    crate::db::open_reader(std::path::Path::new(path)).ok()
}

/// Records that a lead reached `step` at `at`, and with it every earlier step.
fn reach(reached: &mut [Option<i64>; STEPS], step: usize, at: i64) {
    for slot in reached.iter_mut().take(step + 1) {
        *slot = Some(slot.map_or(at, |known| known.min(at)));
    }
}

fn step_of(stage: &str) -> Option<usize> {
    match stage {
        "mql" => Some(MQL),
        "warm" => Some(WARM),
        "sql" => Some(SQL),
        "customer" => Some(CUSTOMER),
        _ => None,
    }
}

/// Reads a text column without copying it.
fn text<'row>(row: &'row rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Option<&'row str>> {
    row.get_ref(index)?.as_str_or_null().map_err(|error| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            Box::new(error),
        )
    })
}

fn intern(names: &mut Vec<String>, index: &mut HashMap<String, u32>, name: &str) -> u32 {
    if let Some(found) = index.get(name) {
        return *found;
    }
    let next = names.len() as u32;
    names.push(name.to_owned());
    index.insert(name.to_owned(), next);
    next
}

fn parse_day(text: Option<String>) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text?.trim(), "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jump_to_sql_reaches_mql_and_warm() {
        let mut reached = [None; STEPS];
        reach(&mut reached, SQL, 500);
        reach(&mut reached, MQL, 100);
        assert_eq!(reached, [Some(100), Some(500), Some(500), None]);
    }
}
