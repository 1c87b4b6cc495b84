//! Commands of the Campaigns screen: the list, adding, changing and
//! deleting a campaign, and importing a spend CSV.

use leadbench::campaigns::spend::{self, SpendImport};
use leadbench::campaigns::{self, Campaign, CampaignInput, CampaignList};
use leadbench::import::parse::DecimalMark;
use tauri::{AppHandle, State};

use crate::commands::{with_db, CommandResult};
use crate::dialogs;
use crate::state::AppState;

/// Returns every campaign with its leads, customers, cost per lead and ROI.
#[tauri::command]
pub async fn campaign_list(state: State<'_, AppState>) -> CommandResult<CampaignList> {
    with_db(&state, |db| campaigns::list(db.conn())).await
}

/// Adds a campaign, or changes campaign `id` when given.
#[tauri::command]
pub async fn campaign_save(
    state: State<'_, AppState>,
    id: Option<i64>,
    input: CampaignInput,
) -> CommandResult<Campaign> {
    with_db(&state, move |db| campaigns::save(db.conn(), id, &input)).await
}

/// Deletes campaign `id`; its leads keep their channel.
#[tauri::command]
pub async fn campaign_delete(state: State<'_, AppState>, id: i64) -> CommandResult<()> {
    with_db(&state, move |db| campaigns::delete(db.conn(), id)).await
}

/// Lets the user pick a spend CSV and imports it in one transaction.
/// Returns `None` when the dialog was cancelled.
#[tauri::command]
pub async fn campaign_import_spend(
    app: AppHandle,
    state: State<'_, AppState>,
    title: String,
    fallback: DecimalMark,
) -> CommandResult<Option<SpendImport>> {
    let filters = vec![(
        "CSV".to_string(),
        vec!["csv".to_string(), "txt".to_string()],
    )];
    let Some(path) = dialogs::pick_file(app, title, filters).await else {
        return Ok(None);
    };
    with_db(&state, move |db| {
        spend::import(db, &path, fallback).map(Some)
    })
    .await
}
