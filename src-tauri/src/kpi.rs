//! Commands of the KPI dashboard. The workspace keeps one
//! [`leadbench::kpi::Dashboard`], which reads the lead facts again only
//! after the database changed, so a range or filter change is cheap.

use leadbench::kpi::charts::{ChartFormat, ChartRequest};
use leadbench::kpi::{KpiReport, KpiRequest};
use leadbench::Error;
use tauri::State;

use crate::commands::{with_workspace, CommandResult};
use crate::state::AppState;

/// Returns the KPI cards, figures and splits for `request`.
#[tauri::command]
pub async fn kpi_report(
    state: State<'_, AppState>,
    request: KpiRequest,
) -> CommandResult<KpiReport> {
    with_workspace(&state.workspace, move |workspace| {
        let db = workspace
            .db
            .as_ref()
            .ok_or_else(|| no_database(workspace))?;
        workspace.dashboard.report(db.conn(), &request)
    })
    .await
}

/// Draws one dashboard chart as SVG text, with the labels and theme of the
/// request.
// NOTE: each call rebuilds the report from the cached facts, so the six
// charts cost six report builds on top of `kpi_report`. This cost has not
// been timed at 100,000 leads.
#[tauri::command]
pub async fn kpi_chart(state: State<'_, AppState>, request: ChartRequest) -> CommandResult<String> {
    with_workspace(&state.workspace, move |workspace| {
        let db = workspace
            .db
            .as_ref()
            .ok_or_else(|| no_database(workspace))?;
        let bytes = workspace
            .dashboard
            .chart(db.conn(), &request, ChartFormat::Svg)?;
        String::from_utf8(bytes).map_err(|error| {
            Error::invalid(
                "chart",
                request.chart.name(),
                format!("the SVG is not UTF-8: {error}"),
            )
        })
    })
    .await
}

fn no_database(workspace: &crate::state::Workspace) -> Error {
    Error::NotFound {
        what: "database".to_owned(),
        id: workspace.path.display().to_string(),
    }
}
