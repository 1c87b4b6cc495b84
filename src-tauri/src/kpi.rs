//! Commands of the KPI dashboard. The workspace keeps one
//! [`leadbench::kpi::Dashboard`], which reads the lead facts again only
//! after the database changed, so a range or filter change is cheap.
//! Exports ask for a file through the save dialog.

use leadbench::error::ErrorPayload;
use leadbench::kpi::charts::sheet::{SheetFormat, SheetRequest};
use leadbench::kpi::charts::{self, ChartFormat, ChartImage, ChartRequest};
use leadbench::kpi::drill::LeadDrill;
use leadbench::kpi::{export, Dashboard, KpiReport, KpiRequest};
use leadbench::{Database, Error};
use tauri::{AppHandle, State};

use crate::commands::{with_workspace, CommandResult};
use crate::dialogs;
use crate::state::AppState;

/// Returns the KPI cards, figures and splits for `request`.
#[tauri::command]
pub async fn kpi_report(
    state: State<'_, AppState>,
    request: KpiRequest,
) -> CommandResult<KpiReport> {
    with_dashboard(&state, move |dashboard, db| {
        dashboard.report(db.conn(), &request)
    })
    .await
}

/// Draws one dashboard chart as SVG text with its hover regions, in the
/// labels and theme of the request. The report comes from
/// `Dashboard::report`, which hands out the one `kpi_report` just built for
/// the same request.
#[tauri::command]
pub async fn kpi_chart(
    state: State<'_, AppState>,
    request: ChartRequest,
) -> CommandResult<ChartImage> {
    with_dashboard(&state, move |dashboard, db| {
        dashboard.chart_image(db.conn(), &request)
    })
    .await
}

/// Runs `work` on a blocking thread with the workspace's dashboard and its
/// open database.
async fn with_dashboard<T, F>(state: &AppState, work: F) -> CommandResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut Dashboard, &Database) -> Result<T, Error> + Send + 'static,
{
    with_workspace(&state.workspace, move |workspace| {
        let Some(db) = workspace.db.as_ref() else {
            return Err(no_database(workspace));
        };
        work(&mut workspace.dashboard, db)
    })
    .await
}

fn no_database(workspace: &crate::state::Workspace) -> Error {
    Error::NotFound {
        what: "database".to_owned(),
        id: workspace.path.display().to_string(),
    }
}

/// An export drawn from the report: its bytes and the suggested path.
type Prepared = (Vec<u8>, std::path::PathBuf);

/// Asks where to save `prepared` and writes it there. Returns the path, or
/// `None` when the dialog was cancelled.
async fn save_export(
    app: AppHandle,
    title: String,
    prepared: Prepared,
) -> CommandResult<Option<String>> {
    let (bytes, suggested) = prepared;
    let Some(target) = dialogs::save_file(app, title, &suggested).await else {
        return Ok(None);
    };
    tauri::async_runtime::spawn_blocking(move || {
        leadbench::kpi::export::write_file(&target, &bytes)?;
        Ok(Some(target.display().to_string()))
    })
    .await
    .unwrap_or_else(|error| {
        Err(Error::invalid(
            "export",
            "",
            format!("the export stopped: {error}"),
        ))
    })
    .map_err(|error: Error| ErrorPayload::from(&error))
}

/// Saves one dashboard chart as SVG or PNG through the save dialog.
#[tauri::command]
pub async fn kpi_export_chart(
    app: AppHandle,
    state: State<'_, AppState>,
    request: ChartRequest,
    format: ChartFormat,
    title: String,
) -> CommandResult<Option<String>> {
    let prepared = with_dashboard(&state, move |dashboard, db| {
        let report = dashboard.report(db.conn(), &request.kpi)?;
        let size = (request.width, request.height);
        let bytes = charts::render(
            &report,
            request.chart,
            format,
            size,
            request.theme,
            &request.labels,
        )?;
        let path = export::suggested_path(request.chart.name(), &report.range, extension(format));
        Ok((bytes, path))
    })
    .await?;
    save_export(app, title, prepared).await
}

/// Saves the KPI table (the total and one row per channel) as CSV.
#[tauri::command]
pub async fn kpi_export_table(
    app: AppHandle,
    state: State<'_, AppState>,
    request: KpiRequest,
    all_label: String,
    title: String,
) -> CommandResult<Option<String>> {
    let prepared = with_dashboard(&state, move |dashboard, db| {
        let report = dashboard.report(db.conn(), &request)?;
        let csv = export::table_csv(&report, &all_label);
        Ok((
            csv.into_bytes(),
            export::suggested_path("kpis", &report.range, "csv"),
        ))
    })
    .await?;
    save_export(app, title, prepared).await
}

/// Saves the whole dashboard as one SVG, PNG or PDF sheet.
#[tauri::command]
pub async fn kpi_export_sheet(
    app: AppHandle,
    state: State<'_, AppState>,
    request: SheetRequest,
    format: SheetFormat,
    title: String,
) -> CommandResult<Option<String>> {
    let prepared = with_dashboard(&state, move |dashboard, db| {
        let report = dashboard.report(db.conn(), &request.kpi)?;
        let bytes = charts::sheet::render(&report, &request, format)?;
        Ok((
            bytes,
            export::suggested_path("dashboard", &report.range, format.extension()),
        ))
    })
    .await?;
    save_export(app, title, prepared).await
}

/// Returns the ids of the leads behind a card, funnel step or channel.
#[tauri::command]
pub async fn kpi_lead_ids(state: State<'_, AppState>, drill: LeadDrill) -> CommandResult<Vec<i64>> {
    with_dashboard(&state, move |dashboard, db| {
        dashboard.lead_ids(db.conn(), &drill)
    })
    .await
}

fn extension(format: ChartFormat) -> &'static str {
    match format {
        ChartFormat::Svg => "svg",
        ChartFormat::Png => "png",
    }
}
