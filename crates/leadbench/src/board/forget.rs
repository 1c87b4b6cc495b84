//! Erasing a lead's personal data (the right to be forgotten).
//!
//! The lead row stays, emptied of everything that identifies the person,
//! so the KPIs still count it: its stage, source, campaign, dates, scores,
//! stage changes and deal values remain. Everything that may hold personal
//! text goes: the fields, the custom fields, every event, the nurture
//! outbox, enrolments and history, import snapshots, stage-change notes and
//! lost reasons. An account that no other contact uses is removed too.

use rusqlite::params;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::edit::live_lead_account;
use crate::error::Result;
use crate::Database;

/// Counts of what erasing leads removed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ForgetSummary {
    pub leads: u32,
    pub events: u32,
    pub outbox: u32,
    pub accounts: u32,
}

/// Erases the personal data of every lead in `lead_ids` in one transaction.
/// Fails without writing when a lead is missing or was already erased.
pub fn forget_leads(db: &mut Database, lead_ids: &[i64], now: i64) -> Result<ForgetSummary> {
    let tx = db.write()?;
    let mut summary = ForgetSummary::default();
    for &lead_id in lead_ids {
        let account = live_lead_account(&tx, lead_id)?;

        // The delete trigger of the nurture tables does not fire, because
        // the lead row stays, so enrolments are ended here.
        summary.outbox +=
            tx.execute("DELETE FROM nurture_outbox WHERE lead_id = ?1", [lead_id])? as u32;
        tx.execute("DELETE FROM nurture_history WHERE lead_id = ?1", [lead_id])?;
        tx.execute(
            "DELETE FROM nurture_history WHERE enrolment_id IN
                 (SELECT id FROM nurture_enrolments WHERE lead_id = ?1)",
            [lead_id],
        )?;
        tx.execute(
            "DELETE FROM nurture_enrolments WHERE lead_id = ?1",
            [lead_id],
        )?;
        summary.events += tx.execute("DELETE FROM events WHERE lead_id = ?1", [lead_id])? as u32;
        tx.execute(
            "DELETE FROM import_lead_changes WHERE lead_id = ?1",
            [lead_id],
        )?;
        tx.execute(
            "UPDATE stage_changes SET note = NULL WHERE lead_id = ?1",
            [lead_id],
        )?;
        tx.execute(
            "UPDATE deals SET lost_reason = NULL WHERE lead_id = ?1",
            [lead_id],
        )?;

        // Pinned, so scoring never moves the anonymous row again. The owner
        // stays: it names a colleague, not the person, and the KPIs filter on it.
        tx.execute(
            "UPDATE leads SET external_id = NULL, email = NULL, first_name = NULL, last_name = NULL,
                              phone = NULL, job_title = NULL, buying_role = NULL, account_id = NULL,
                              custom_fields = '{}', consent = NULL, board_rank = NULL,
                              disqualified_by = NULL, pinned = 1, forgotten_at = ?2, updated_at = ?2
             WHERE id = ?1",
            params![lead_id, now],
        )?;
        if let Some(account) = account {
            summary.accounts += tx.execute(
                "DELETE FROM accounts WHERE id = ?1
                   AND NOT EXISTS (SELECT 1 FROM leads WHERE account_id = ?1)",
                [account],
            )? as u32;
        }
        summary.leads += 1;
    }
    tx.commit()?;
    tracing::info!(leads = summary.leads, "personal data erased");
    Ok(summary)
}
