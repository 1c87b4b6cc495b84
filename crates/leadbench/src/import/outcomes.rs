//! Writing outcome rows: a won or lost deal of an existing lead.
//!
//! A won row adds a deal and moves the lead to Customer at the won date,
//! recorded in its stage history with reason "outcome". A lost row adds a
//! lost deal and moves the lead to Disqualified, unless it is already a
//! Customer. A row for a deal the lead already has (same won or lost
//! moment) is skipped, so importing a file twice changes nothing. Columns
//! without a field become custom fields of the lead.

use rusqlite::{params, Transaction};

use super::history;
use super::leads::{read_key, LeadFinder, LeadMatch};
use super::mapping::Field;
use super::plan::{Context, Row};
use super::{ImportReport, RowProblem, RowWriter, WarningKind};
use crate::error::Result;
use crate::model::Stage;
use crate::time::to_rfc3339;

pub(super) struct OutcomeWriter<'a, 't> {
    ctx: Context<'a>,
    finder: LeadFinder<'t>,
}

impl<'a, 't> OutcomeWriter<'a, 't> {
    pub fn new(tx: &'t Transaction<'_>, ctx: Context<'a>) -> Result<Self> {
        Ok(OutcomeWriter {
            ctx,
            finder: LeadFinder::new(tx)?,
        })
    }
}

/// The dated cells of an outcome row.
struct Outcome<'a> {
    won_at: Option<i64>,
    lost_at: Option<i64>,
    value_cents: i64,
    currency: String,
    lost_reason: Option<&'a str>,
}

fn read_date(row: &Row<'_>, field: Field, report: &mut ImportReport) -> Option<Option<i64>> {
    match row.date(field) {
        Some(Ok(at)) => Some(Some(at)),
        Some(Err(reason)) => {
            let raw = row.text(field).unwrap_or_default();
            report.reject(
                row.line,
                row.header(field),
                raw,
                RowProblem::InvalidDate,
                reason,
            );
            None
        }
        None => Some(None),
    }
}

impl OutcomeWriter<'_, '_> {
    /// Reads the row's dates, value and currency; rejects the row and
    /// returns `None` when one is invalid.
    fn read_outcome<'r>(&self, row: &Row<'r>, report: &mut ImportReport) -> Option<Outcome<'r>> {
        let won_at = read_date(row, Field::WonAt, report)?;
        let lost_at = read_date(row, Field::LostAt, report)?;
        if won_at.is_none() && lost_at.is_none() {
            let column = row.header(Field::WonAt);
            report.reject(
                row.line,
                column,
                "",
                RowProblem::MissingOutcomeDate,
                "the row has neither a won date nor a lost date",
            );
            return None;
        }
        let value_cents = match row.money(Field::Value) {
            Some(Ok(cents)) if cents >= 0 => cents,
            Some(Ok(_)) => {
                let raw = row.text(Field::Value).unwrap_or_default();
                report.reject(
                    row.line,
                    row.header(Field::Value),
                    raw,
                    RowProblem::NegativeAmount,
                    "a deal value cannot be negative",
                );
                return None;
            }
            Some(Err(reason)) => {
                let raw = row.text(Field::Value).unwrap_or_default();
                report.reject(
                    row.line,
                    row.header(Field::Value),
                    raw,
                    RowProblem::InvalidAmount,
                    reason,
                );
                return None;
            }
            None => 0,
        };
        let currency = match row.text(Field::Currency) {
            Some(code) if code.len() == 3 && code.chars().all(|c| c.is_ascii_alphabetic()) => {
                code.to_ascii_uppercase()
            }
            Some(code) => {
                report.reject(
                    row.line,
                    row.header(Field::Currency),
                    code,
                    RowProblem::InvalidCurrency,
                    "not a currency code; use three letters such as EUR or USD",
                );
                return None;
            }
            None => self.ctx.currency.clone(),
        };
        Some(Outcome {
            won_at,
            lost_at,
            value_cents,
            currency,
            lost_reason: row.text(Field::LostReason),
        })
    }

    fn deal_exists(
        &self,
        tx: &Transaction<'_>,
        lead_id: i64,
        outcome: &Outcome<'_>,
    ) -> Result<bool> {
        Ok(tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM deals WHERE lead_id = ?1 AND won_at IS ?2 AND lost_at IS ?3)",
            )?
            .query_row(params![lead_id, outcome.won_at, outcome.lost_at], |r| r.get(0))?)
    }

    fn move_stage(&self, tx: &Transaction<'_>, lead: &LeadMatch, to: Stage, at: i64) -> Result<()> {
        tx.prepare_cached(
            "UPDATE leads SET stage = ?2, stage_changed_at = ?3, updated_at = ?4 WHERE id = ?1",
        )?
        .execute(params![lead.id, to, at, self.ctx.now])?;
        history::insert_stage_change(
            tx,
            lead.id,
            Some(lead.stage),
            to,
            at,
            "outcome",
            self.ctx.import_id,
        )
    }
}

impl RowWriter for OutcomeWriter<'_, '_> {
    fn write_row(
        &mut self,
        tx: &Transaction<'_>,
        row: &Row<'_>,
        report: &mut ImportReport,
    ) -> Result<()> {
        let Some(key) = read_key(row, report) else {
            return Ok(());
        };
        let Some(outcome) = self.read_outcome(row, report) else {
            return Ok(());
        };
        let Some(lead) = self.finder.find(&key)? else {
            let field = if key.email.is_some() {
                Field::Email
            } else {
                Field::ExternalId
            };
            report.reject(
                row.line,
                row.header(field),
                &key.label(),
                RowProblem::LeadNotFound,
                "no lead has this e-mail address or external id; import the leads first",
            );
            return Ok(());
        };
        if self.deal_exists(tx, lead.id, &outcome)? {
            report.skipped += 1;
            return Ok(());
        }

        if lead.import_id != Some(self.ctx.import_id) {
            history::remember_lead(tx, self.ctx.import_id, lead.id)?;
        }
        tx.prepare_cached(
            "INSERT INTO deals (lead_id, value_cents, currency, won_at, lost_at, lost_reason, import_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            lead.id,
            outcome.value_cents,
            outcome.currency,
            outcome.won_at,
            outcome.lost_at,
            outcome.lost_reason,
            self.ctx.import_id
        ])?;
        if let Some(custom) = row.custom_json() {
            tx.prepare_cached(
                "UPDATE leads SET custom_fields = json_patch(custom_fields, ?2), updated_at = ?3 WHERE id = ?1",
            )?
            .execute(params![lead.id, custom, self.ctx.now])?;
        }

        if let Some(won_at) = outcome.won_at {
            if won_at < lead.created_at {
                report.warn(
                    row.line,
                    WarningKind::WonBeforeFirstContact,
                    &lead.label,
                    format!(
                        "deal won at {} before the lead's first contact at {}; kept as in the file",
                        to_rfc3339(won_at),
                        to_rfc3339(lead.created_at)
                    ),
                );
            }
            if lead.stage != Stage::Customer {
                self.move_stage(tx, &lead, Stage::Customer, won_at)?;
            }
        } else if let Some(lost_at) = outcome.lost_at {
            if !matches!(lead.stage, Stage::Customer | Stage::Disqualified) {
                self.move_stage(tx, &lead, Stage::Disqualified, lost_at)?;
            }
        }
        report.created += 1;
        Ok(())
    }
}
