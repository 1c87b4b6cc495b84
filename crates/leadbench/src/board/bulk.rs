//! Moving several leads at once, in one transaction that either moves all
//! of them or none.

use super::moves::{move_in, MoveReceipt, MoveRequest};
use crate::error::{Error, Result};
use crate::Database;

/// Largest number of leads one bulk action may change.
pub const MAX_BULK: usize = 5_000;

/// Moves every lead in `lead_ids` with the details of `template` (its
/// `lead_id` is ignored). Leads already in the target stage are skipped.
/// Returns one receipt per moved lead, for [`super::undo_moves`].
pub fn move_leads(
    db: &mut Database,
    lead_ids: &[i64],
    template: &MoveRequest,
    now: i64,
) -> Result<Vec<MoveReceipt>> {
    if lead_ids.len() > MAX_BULK {
        return Err(Error::invalid(
            "selection",
            format!("{} leads", lead_ids.len()),
            format!("select at most {MAX_BULK} leads at a time"),
        ));
    }
    let tx = db.write()?;
    let mut receipts = Vec::with_capacity(lead_ids.len());
    {
        let mut stage_of = tx.prepare("SELECT stage FROM leads WHERE id = ?1")?;
        for &lead_id in lead_ids {
            let current: Option<crate::model::Stage> = rusqlite::OptionalExtension::optional(
                stage_of.query_row([lead_id], |row| row.get(0)),
            )?;
            if current == Some(template.to) {
                continue;
            }
            let request = MoveRequest {
                lead_id,
                ..template.clone()
            };
            receipts.push(move_in(&tx, &request, now)?);
        }
    }
    tx.commit()?;
    Ok(receipts)
}
