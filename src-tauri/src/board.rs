//! Commands of the pipeline board.

use leadbench::board::{
    self, BoardConfig, BoardFacets, BoardFilter, ColumnPage, ColumnQuery, ColumnSummary,
    MoveReceipt, MoveRequest,
};
use leadbench::model::Stage;
use tauri::State;

use crate::commands::{with_db, CommandResult};
use crate::state::AppState;

/// Returns the name written to the stage history for moves made in the app.
pub(crate) fn actor() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .ok()
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| "Leadbench user".to_owned())
}

/// Returns every column's filtered count and limit.
#[tauri::command]
pub async fn board_summary(
    state: State<'_, AppState>,
    filter: BoardFilter,
) -> CommandResult<Vec<ColumnSummary>> {
    with_db(&state, move |db| {
        let config = board::load_config(db.conn())?;
        board::summary(db.conn(), &filter, &config, leadbench::time::now())
    })
    .await
}

/// Returns one screen of cards of a column.
#[tauri::command]
pub async fn board_column(
    state: State<'_, AppState>,
    query: ColumnQuery,
) -> CommandResult<ColumnPage> {
    with_db(&state, move |db| {
        let config = board::load_config(db.conn())?;
        board::column(db.conn(), &query, &config, leadbench::time::now())
    })
    .await
}

/// Returns the owners and channels the filters offer.
#[tauri::command]
pub async fn board_facets(state: State<'_, AppState>) -> CommandResult<BoardFacets> {
    with_db(&state, |db| board::facets(db.conn())).await
}

/// Returns the board settings (limits, rotting, SLA, reasons).
#[tauri::command]
pub async fn board_config(state: State<'_, AppState>) -> CommandResult<BoardConfig> {
    with_db(&state, |db| board::load_config(db.conn())).await
}

/// Moves a lead to another stage as the current user.
#[tauri::command]
pub async fn move_lead(
    state: State<'_, AppState>,
    mut request: MoveRequest,
) -> CommandResult<MoveReceipt> {
    request.actor = actor();
    with_db(&state, move |db| {
        board::move_lead(db, &request, leadbench::time::now())
    })
    .await
}

/// Reverts a move made earlier.
#[tauri::command]
pub async fn undo_move(state: State<'_, AppState>, receipt: MoveReceipt) -> CommandResult<()> {
    with_db(&state, move |db| board::undo_move(db, &receipt)).await
}

/// Stores the hand-made order of a column's first cards.
#[tauri::command]
pub async fn reorder_column(
    state: State<'_, AppState>,
    stage: Stage,
    ids: Vec<i64>,
) -> CommandResult<()> {
    with_db(&state, move |db| board::reorder_column(db, stage, &ids)).await
}
