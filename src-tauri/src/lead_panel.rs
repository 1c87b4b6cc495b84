//! Commands of the lead detail panel, bulk actions, owners and the board
//! settings.

use leadbench::board::{
    self, ActivityRequest, Assignment, BoardConfig, BoardFilter, BoardSnapshot, CardSort,
    ForgetSummary, LeadDetail, LeadFields, MoveReceipt, MoveRequest, Owner,
};
use leadbench::nurture::actions::ManualEnrolResult;
use leadbench::nurture::model::SequenceSummary;
use leadbench::time::now;
use tauri::State;

use crate::board::actor;
use crate::commands::{with_db, CommandResult};
use crate::state::AppState;

/// Returns the column headers and the first screen of every column.
#[tauri::command]
pub async fn board_open(
    state: State<'_, AppState>,
    filter: BoardFilter,
    sort: CardSort,
    limit: u32,
    first_ids: Vec<i64>,
) -> CommandResult<BoardSnapshot> {
    with_db(&state, move |db| {
        let config = board::load_config(db.conn())?;
        board::snapshot(db.conn(), &filter, sort, limit, &first_ids, &config, now())
    })
    .await
}

/// Returns everything the panel shows about one lead.
#[tauri::command]
pub async fn lead_detail(state: State<'_, AppState>, id: i64) -> CommandResult<LeadDetail> {
    with_db(&state, move |db| board::lead_detail(db.conn(), id, now())).await
}

/// Saves the lead's edited fields and returns the lead as stored.
#[tauri::command]
pub async fn update_lead(
    state: State<'_, AppState>,
    id: i64,
    fields: LeadFields,
) -> CommandResult<LeadDetail> {
    with_db(&state, move |db| {
        board::update_lead(db, id, &fields, now())?;
        board::lead_detail(db.conn(), id, now())
    })
    .await
}

/// Logs a call, meeting, e-mail or note as the current user.
#[tauri::command]
pub async fn log_activity(
    state: State<'_, AppState>,
    mut request: ActivityRequest,
) -> CommandResult<LeadDetail> {
    request.actor = actor();
    with_db(&state, move |db| {
        board::log_activity(db, &request, now())?;
        board::lead_detail(db.conn(), request.lead_id, now())
    })
    .await
}

/// Sets (or with `owner` null, clears) the owner of the given leads.
#[tauri::command]
pub async fn assign_owner(
    state: State<'_, AppState>,
    ids: Vec<i64>,
    owner: Option<String>,
) -> CommandResult<u32> {
    with_db(&state, move |db| {
        board::assign_owner(db, &ids, owner.as_deref(), now())
    })
    .await
}

/// Unpins a lead so scoring may move it again.
#[tauri::command]
pub async fn unpin_lead(state: State<'_, AppState>, id: i64) -> CommandResult<LeadDetail> {
    with_db(&state, move |db| {
        board::unpin(db, id, now())?;
        board::lead_detail(db.conn(), id, now())
    })
    .await
}

/// Erases the personal data of the given leads.
#[tauri::command]
pub async fn forget_leads(
    state: State<'_, AppState>,
    ids: Vec<i64>,
) -> CommandResult<ForgetSummary> {
    with_db(&state, move |db| board::forget_leads(db, &ids, now())).await
}

/// Moves the given leads to one stage as the current user.
#[tauri::command]
pub async fn move_leads(
    state: State<'_, AppState>,
    ids: Vec<i64>,
    mut request: MoveRequest,
) -> CommandResult<Vec<MoveReceipt>> {
    request.actor = actor();
    with_db(&state, move |db| {
        board::move_leads(db, &ids, &request, now())
    })
    .await
}

/// Reverts a bulk move.
#[tauri::command]
pub async fn undo_moves(
    state: State<'_, AppState>,
    receipts: Vec<MoveReceipt>,
) -> CommandResult<()> {
    with_db(&state, move |db| board::undo_moves(db, &receipts)).await
}

/// Returns the owners list, first adding the owners named on leads.
#[tauri::command]
pub async fn list_owners(state: State<'_, AppState>) -> CommandResult<Vec<Owner>> {
    with_db(&state, |db| {
        board::sync_owners(db)?;
        board::list_owners(db.conn())
    })
    .await
}

/// Adds an owner.
#[tauri::command]
pub async fn add_owner(state: State<'_, AppState>, name: String) -> CommandResult<i64> {
    with_db(&state, move |db| board::add_owner(db, &name)).await
}

/// Renames an owner everywhere.
#[tauri::command]
pub async fn rename_owner(state: State<'_, AppState>, id: i64, name: String) -> CommandResult<()> {
    with_db(&state, move |db| board::rename_owner(db, id, &name)).await
}

/// Activates or deactivates an owner.
#[tauri::command]
pub async fn set_owner_active(
    state: State<'_, AppState>,
    id: i64,
    active: bool,
) -> CommandResult<()> {
    with_db(&state, move |db| board::set_owner_active(db, id, active)).await
}

/// Returns the automatic assignment settings.
#[tauri::command]
pub async fn board_assignment(state: State<'_, AppState>) -> CommandResult<Assignment> {
    with_db(&state, |db| board::load_assignment(db.conn())).await
}

/// Saves the automatic assignment settings.
#[tauri::command]
pub async fn save_assignment(
    state: State<'_, AppState>,
    assignment: Assignment,
) -> CommandResult<()> {
    with_db(&state, move |db| board::save_assignment(db, &assignment)).await
}

/// Saves the board settings and returns them as stored.
#[tauri::command]
pub async fn save_board_config(
    state: State<'_, AppState>,
    config: BoardConfig,
) -> CommandResult<BoardConfig> {
    with_db(&state, move |db| {
        board::save_config(db.conn(), &config)?;
        board::load_config(db.conn())
    })
    .await
}

/// Returns the nurture sequences a selection can be added to.
#[tauri::command]
pub async fn board_sequences(state: State<'_, AppState>) -> CommandResult<Vec<SequenceSummary>> {
    with_db(&state, |db| {
        leadbench::nurture::store::list_sequences(db.conn())
    })
    .await
}

/// Enrols the given leads in a nurture sequence by hand.
#[tauri::command]
pub async fn board_enrol(
    state: State<'_, AppState>,
    sequence_id: i64,
    ids: Vec<i64>,
) -> CommandResult<ManualEnrolResult> {
    with_db(&state, move |db| {
        leadbench::nurture::actions::enrol_manual(db, sequence_id, &ids, now())
    })
    .await
}
