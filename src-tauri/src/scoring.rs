//! Commands of the Scoring screen: the overview, rule edits with
//! re-scoring, rule checks, threshold previews, applying thresholds and
//! explaining one lead's score.

use leadbench::scoring::edit::{self, RuleEdit, RuleEditResult};
use leadbench::scoring::explain::{self, ScoreExplanation};
use leadbench::scoring::rules::{Rule, RuleIssue};
use leadbench::scoring::stages::{self, ApplyThresholds, Thresholds};
use leadbench::scoring::workbench::{PreviewRequest, PreviewResult, ScoringOverview};
use leadbench::Error;
use tauri::State;

use crate::commands::{with_db, with_workspace, CommandResult};
use crate::state::AppState;

/// Returns the rules, thresholds, change logs and counts.
#[tauri::command]
pub async fn scoring_overview(state: State<'_, AppState>) -> CommandResult<ScoringOverview> {
    with_workspace(&state.workspace, |workspace| {
        let db = workspace
            .db
            .as_mut()
            .ok_or_else(|| no_database(&workspace.path))?;
        workspace.scoring.overview(db, leadbench::time::now())
    })
    .await
}

/// Counts and draws what candidate thresholds would do.
#[tauri::command]
pub async fn scoring_preview(
    state: State<'_, AppState>,
    request: PreviewRequest,
) -> CommandResult<PreviewResult> {
    with_workspace(&state.workspace, move |workspace| {
        let db = workspace
            .db
            .as_ref()
            .ok_or_else(|| no_database(&workspace.path))?;
        workspace.scoring.preview(db.conn(), &request)
    })
    .await
}

/// Saves a rule change and scores every lead again.
#[tauri::command]
pub async fn scoring_edit_rule(
    state: State<'_, AppState>,
    edit: RuleEdit,
) -> CommandResult<RuleEditResult> {
    with_db(&state, move |db| {
        edit::edit_rules(db, &edit, leadbench::time::now())
    })
    .await
}

/// Returns the first problem of a rule being edited, or null.
#[tauri::command]
pub async fn scoring_check_rule(
    state: State<'_, AppState>,
    rule: Rule,
) -> CommandResult<Option<RuleIssue>> {
    with_db(&state, move |db| edit::check_rule(db.conn(), &rule)).await
}

/// Saves new thresholds and re-stages the unpinned leads.
#[tauri::command]
pub async fn scoring_apply_thresholds(
    state: State<'_, AppState>,
    thresholds: Thresholds,
) -> CommandResult<ApplyThresholds> {
    with_db(&state, move |db| {
        stages::apply_thresholds(db, thresholds, leadbench::time::now())
    })
    .await
}

/// Explains the score of the lead with this id or e-mail address.
#[tauri::command]
pub async fn scoring_explain(
    state: State<'_, AppState>,
    lead: String,
) -> CommandResult<ScoreExplanation> {
    with_db(&state, move |db| {
        let id = explain::find_lead(db.conn(), &lead)?;
        explain::explain(db.conn(), id, leadbench::time::now())
    })
    .await
}

fn no_database(path: &std::path::Path) -> Error {
    Error::NotFound {
        what: "database".to_owned(),
        id: path.display().to_string(),
    }
}
