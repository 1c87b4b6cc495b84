//! Manual stage moves. A move pins the lead, so scoring never moves it back,
//! and writes a stage-history row with reason "manual" and the actor. Each
//! move returns a receipt that [`undo_move`] uses to restore the lead and
//! remove the history it wrote.

use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::model::Stage;
use crate::Database;

/// A person moving a lead to another stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MoveRequest {
    #[ts(type = "number")]
    pub lead_id: i64,
    pub to: Stage,
    /// Name of the person making the move, written to the stage history.
    pub actor: String,
    /// Won date for a move to Customer (`YYYY-MM-DD` or RFC 3339); default now.
    pub won_at: Option<String>,
    /// Deal value in minor units (cents) for a move to Customer.
    #[ts(type = "number | null")]
    pub deal_value_cents: Option<i64>,
    /// Reason for a move to Disqualified, or a comment on any move.
    pub note: Option<String>,
}

/// Record of the fields a move changed, so it can be undone exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MoveReceipt {
    #[ts(type = "number")]
    pub lead_id: i64,
    pub from: Stage,
    pub to: Stage,
    #[ts(type = "number")]
    pub stage_change_id: i64,
    #[ts(type = "number | null")]
    pub deal_id: Option<i64>,
    #[ts(type = "number")]
    pub previous_stage_changed_at: i64,
    pub previous_pinned: bool,
    /// True when the move to SQL gave the lead an owner by the assignment
    /// settings; undo then clears the owner again.
    #[serde(default)]
    pub assigned_owner: bool,
}

/// Moves a lead to `request.to` in one transaction and returns the receipt.
/// Fails without writing when the lead is missing, the move goes nowhere,
/// or the Customer and Disqualified details are invalid.
pub fn move_lead(db: &mut Database, request: &MoveRequest, now: i64) -> Result<MoveReceipt> {
    let tx = db.write()?;
    let receipt = move_in(&tx, request, now)?;
    tx.commit()?;
    Ok(receipt)
}

/// Moves a lead inside the caller's transaction; see [`move_lead`].
pub(crate) fn move_in(
    tx: &Transaction<'_>,
    request: &MoveRequest,
    now: i64,
) -> Result<MoveReceipt> {
    let actor = request.actor.trim();
    if actor.is_empty() {
        return Err(Error::invalid(
            "actor",
            &request.actor,
            "name the person who moves the lead",
        ));
    }
    if let Some(value) = request.deal_value_cents.filter(|value| *value < 0) {
        return Err(Error::invalid(
            "deal value",
            format!("{:.2}", value as f64 / 100.0),
            "enter zero or a positive amount",
        ));
    }
    let note = request
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if request.to == Stage::Disqualified && note.is_none() {
        return Err(Error::invalid(
            "disqualification reason",
            "",
            "choose or type a reason",
        ));
    }
    let won_at = match (&request.won_at, request.to) {
        (Some(text), Stage::Customer) => crate::time::parse_instant("won date", text)?,
        _ => now,
    };
    if request.to == Stage::Customer && won_at > now + 86_400 {
        return Err(Error::invalid(
            "won date",
            request.won_at.clone().unwrap_or_default(),
            "a deal cannot be won in the future; use today or an earlier date",
        ));
    }

    let current: Option<(Stage, i64, bool, f64)> = tx
        .query_row(
            "SELECT stage, stage_changed_at, pinned, score FROM leads WHERE id = ?1 AND forgotten_at IS NULL",
            [request.lead_id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .optional()?;
    let Some((from, previous_stage_changed_at, previous_pinned, score)) = current else {
        return Err(Error::NotFound {
            what: "lead".to_owned(),
            id: request.lead_id.to_string(),
        });
    };
    if from == request.to {
        return Err(Error::invalid(
            "stage",
            request.to.as_str(),
            "the lead is already in this stage; choose another column",
        ));
    }

    let changed_at = if request.to == Stage::Customer {
        won_at
    } else {
        now
    };
    tx.execute(
        "UPDATE leads SET stage = ?2, stage_changed_at = ?3, pinned = 1, updated_at = ?4, board_rank = NULL
         WHERE id = ?1",
        params![request.lead_id, request.to, changed_at, now],
    )?;
    tx.execute(
        "INSERT INTO stage_changes (lead_id, from_stage, to_stage, changed_at, reason, actor, score, note)
         VALUES (?1, ?2, ?3, ?4, 'manual', ?5, ?6, ?7)",
        params![request.lead_id, from, request.to, changed_at, actor, score, note],
    )?;
    let stage_change_id = tx.last_insert_rowid();
    let deal_id = if request.to == Stage::Customer {
        tx.execute(
            "INSERT INTO deals (lead_id, value_cents, currency, won_at)
             VALUES (?1, ?2, COALESCE((SELECT value FROM settings WHERE key = 'currency'), 'EUR'), ?3)",
            params![request.lead_id, request.deal_value_cents.unwrap_or(0), won_at],
        )?;
        Some(tx.last_insert_rowid())
    } else {
        None
    };
    let assigned_owner =
        request.to == Stage::Sql && super::owners::auto_assign_in(tx, request.lead_id)?;
    tracing::debug!(lead = request.lead_id, from = %from, to = %request.to, "lead moved");

    Ok(MoveReceipt {
        lead_id: request.lead_id,
        from,
        to: request.to,
        stage_change_id,
        deal_id,
        previous_stage_changed_at,
        previous_pinned,
        assigned_owner,
    })
}

/// Reverts a move: the lead returns to its previous stage and pin state, and
/// the history row and deal the move wrote are removed. Fails without
/// writing when the lead changed stage again since the move.
pub fn undo_move(db: &mut Database, receipt: &MoveReceipt) -> Result<()> {
    let tx = db.write()?;
    undo_in(&tx, receipt)?;
    tx.commit()?;
    Ok(())
}

/// Reverts several moves in one transaction, newest first, so either all
/// of them are undone or none is.
pub fn undo_moves(db: &mut Database, receipts: &[MoveReceipt]) -> Result<()> {
    let tx = db.write()?;
    for receipt in receipts.iter().rev() {
        undo_in(&tx, receipt)?;
    }
    tx.commit()?;
    Ok(())
}

fn undo_in(tx: &Transaction<'_>, receipt: &MoveReceipt) -> Result<()> {
    let latest: Option<(Stage, i64)> = tx
        .query_row(
            "SELECT l.stage, (SELECT MAX(id) FROM stage_changes WHERE lead_id = l.id) FROM leads l WHERE l.id = ?1",
            [receipt.lead_id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    match latest {
        None => {
            return Err(Error::NotFound {
                what: "lead".to_owned(),
                id: receipt.lead_id.to_string(),
            })
        }
        Some((stage, last_change))
            if stage != receipt.to || last_change != receipt.stage_change_id =>
        {
            return Err(Error::invalid(
                "undo",
                format!("lead {}", receipt.lead_id),
                "the lead changed stage again since this move; move it back by hand",
            ));
        }
        Some(_) => {}
    }

    tx.execute(
        "UPDATE leads SET stage = ?2, stage_changed_at = ?3, pinned = ?4 WHERE id = ?1",
        params![
            receipt.lead_id,
            receipt.from,
            receipt.previous_stage_changed_at,
            receipt.previous_pinned
        ],
    )?;
    tx.execute(
        "DELETE FROM stage_changes WHERE id = ?1",
        [receipt.stage_change_id],
    )?;
    if let Some(deal) = receipt.deal_id {
        tx.execute("DELETE FROM deals WHERE id = ?1", [deal])?;
    }
    if receipt.assigned_owner {
        tx.execute(
            "UPDATE leads SET owner = NULL WHERE id = ?1",
            [receipt.lead_id],
        )?;
    }
    Ok(())
}

/// Stores the hand-made order of the first cards of a column. Reordering
/// never changes a stage, so it writes no stage history. Fails without
/// writing when a lead is not in `stage`.
pub fn reorder_column(db: &mut Database, stage: Stage, ordered_ids: &[i64]) -> Result<()> {
    let tx = db.write()?;
    {
        let mut check = tx.prepare("SELECT stage FROM leads WHERE id = ?1")?;
        for id in ordered_ids {
            let found: Option<Stage> = check.query_row([id], |row| row.get(0)).optional()?;
            if found != Some(stage) {
                return Err(Error::invalid(
                    "card order",
                    format!("lead {id}"),
                    format!("the lead is not in the {stage} column; reload the board"),
                ));
            }
        }
        tx.execute(
            // Erased leads have no rank, and the condition lets SQLite use
            // the index of live leads by stage.
            "UPDATE leads SET board_rank = NULL
             WHERE stage = ?1 AND forgotten_at IS NULL AND board_rank IS NOT NULL",
            [stage],
        )?;
        let mut place = tx.prepare("UPDATE leads SET board_rank = ?2 WHERE id = ?1")?;
        for (rank, id) in ordered_ids.iter().enumerate() {
            place.execute(params![id, rank as i64])?;
        }
    }
    tx.commit()?;
    Ok(())
}
