//! Commands of the Nurture screen, its Today and Outbox views, the mail
//! settings and the scheduler.

use std::sync::Arc;

use leadbench::nurture::actions::{self, ManualEnrolResult};
use leadbench::nurture::model::{
    EditImpact, OutboxQuery, OutboxRow, RunSummary, Sequence, SequenceDraft, SequenceStatus,
    SequenceSummary,
};
use leadbench::nurture::presets::{self, Preset};
use leadbench::nurture::simulate::{self, SimulationResult};
use leadbench::nurture::smtp::{self, MailSettings};
use leadbench::nurture::store;
use leadbench::nurture::today::{self, SchedulerStatus, SequenceStats, TodayView};
use leadbench::settings::Language;
use leadbench::time::now;
use serde::Deserialize;
use tauri::{AppHandle, State};

use crate::commands::{with_db, CommandResult};
use crate::scheduler::{self, Scheduler};
use crate::state::AppState;

/// Lists every sequence with its enrolment counts.
#[tauri::command]
pub async fn nurture_sequences(state: State<'_, AppState>) -> CommandResult<Vec<SequenceSummary>> {
    with_db(&state, |db| store::list_sequences(db.conn())).await
}

/// Reads one sequence.
#[tauri::command]
pub async fn nurture_sequence(state: State<'_, AppState>, id: i64) -> CommandResult<Sequence> {
    with_db(&state, move |db| store::get_sequence(db.conn(), id)).await
}

/// Returns the ready-made sequences in `language`.
#[tauri::command]
pub fn nurture_presets(language: Language) -> Vec<Preset> {
    presets::presets(language)
}

/// Saves a new sequence.
#[tauri::command]
pub async fn nurture_create(
    state: State<'_, AppState>,
    draft: SequenceDraft,
) -> CommandResult<Sequence> {
    with_db(&state, move |db| store::create_sequence(db, &draft, now())).await
}

/// Tells what saving `draft` over sequence `id` does to enrolled leads.
#[tauri::command]
pub async fn nurture_preview_edit(
    state: State<'_, AppState>,
    id: i64,
    draft: SequenceDraft,
) -> CommandResult<EditImpact> {
    with_db(&state, move |db| store::preview_edit(db.conn(), id, &draft)).await
}

/// Saves `draft` over sequence `id`.
#[tauri::command]
pub async fn nurture_update(
    state: State<'_, AppState>,
    id: i64,
    draft: SequenceDraft,
) -> CommandResult<EditImpact> {
    with_db(&state, move |db| {
        store::update_sequence(db, id, &draft, now())
    })
    .await
}

/// Activates or pauses a sequence.
#[tauri::command]
pub async fn nurture_set_status(
    state: State<'_, AppState>,
    scheduler: State<'_, Arc<Scheduler>>,
    id: i64,
    status: SequenceStatus,
) -> CommandResult<()> {
    with_db(&state, move |db| store::set_status(db, id, status, now())).await?;
    scheduler.wake();
    Ok(())
}

/// Deletes a sequence with its enrolments, outbox and history.
#[tauri::command]
pub async fn nurture_delete(state: State<'_, AppState>, id: i64) -> CommandResult<()> {
    with_db(&state, move |db| store::delete_sequence(db, id)).await
}

/// Kind of dry run.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DryRunMode {
    /// The next days, for leads that fit the audience, enrolled now.
    Forecast,
    /// The last days of real history.
    Replay,
}

/// Dry-runs a sequence (saved or not) without writing anything. `id`
/// names the saved sequence, so leads already in it are left out.
#[tauri::command]
pub async fn nurture_dry_run(
    state: State<'_, AppState>,
    draft: SequenceDraft,
    id: Option<i64>,
    days: u32,
    mode: DryRunMode,
) -> CommandResult<SimulationResult> {
    with_db(&state, move |db| match mode {
        DryRunMode::Forecast => simulate::forecast(db.conn(), &draft, id, now(), days),
        DryRunMode::Replay => simulate::simulate(db.conn(), &draft, now(), days),
    })
    .await
}

/// Returns the figures of one sequence.
#[tauri::command]
pub async fn nurture_stats(state: State<'_, AppState>, id: i64) -> CommandResult<SequenceStats> {
    with_db(&state, move |db| today::sequence_stats(db.conn(), id)).await
}

/// Enrols leads by hand.
#[tauri::command]
pub async fn nurture_enrol(
    state: State<'_, AppState>,
    scheduler: State<'_, Arc<Scheduler>>,
    id: i64,
    leads: Vec<i64>,
) -> CommandResult<ManualEnrolResult> {
    let result = with_db(&state, move |db| {
        actions::enrol_manual(db, id, &leads, now())
    })
    .await?;
    scheduler.wake();
    Ok(result)
}

/// Returns the Today view.
#[tauri::command]
pub async fn nurture_today(state: State<'_, AppState>) -> CommandResult<TodayView> {
    with_db(&state, |db| today::today(db.conn(), now())).await
}

/// Lists outbox rows.
#[tauri::command]
pub async fn nurture_outbox(
    state: State<'_, AppState>,
    query: OutboxQuery,
) -> CommandResult<Vec<OutboxRow>> {
    with_db(&state, move |db| store::list_outbox(db.conn(), &query)).await
}

/// Marks a task as done, or an e-mail as sent by the user.
#[tauri::command]
pub async fn nurture_mark_done(state: State<'_, AppState>, id: i64) -> CommandResult<()> {
    with_db(&state, move |db| store::mark_outbox_done(db, id, now())).await
}

/// Opens the due e-mail `id` in the user's mail client as a `mailto:`
/// link. The user marks it sent after sending it there.
#[tauri::command]
pub async fn nurture_open_mail(state: State<'_, AppState>, id: i64) -> CommandResult<()> {
    with_db(&state, move |db| {
        let link = leadbench::nurture::mailto::outbox_link(db.conn(), id)?;
        crate::opener::open_url(&link)
    })
    .await
}

/// Queues a failed e-mail again and wakes the scheduler.
#[tauri::command]
pub async fn nurture_retry(
    state: State<'_, AppState>,
    scheduler: State<'_, Arc<Scheduler>>,
    id: i64,
) -> CommandResult<()> {
    with_db(&state, move |db| store::retry_outbox(db, id, now())).await?;
    scheduler.wake();
    Ok(())
}

/// Returns the mail settings (never a password) and looks the password
/// up in the keyring, so the scheduler status reports where it is kept.
#[tauri::command]
pub async fn nurture_mail_settings(
    state: State<'_, AppState>,
    scheduler: State<'_, Arc<Scheduler>>,
) -> CommandResult<MailSettings> {
    let settings = with_db(&state, |db| smtp::load_settings(db.conn())).await?;
    let scheduler = Arc::clone(scheduler.inner());
    let lookup = settings.clone();
    blocking(move || {
        if !lookup.user.trim().is_empty() {
            scheduler.password(&lookup);
        }
        Ok(())
    })
    .await?;
    Ok(settings)
}

/// Stores the mail settings. The password goes to the operating system's
/// keyring (or memory when none is found); `None` keeps the stored one and
/// an empty one removes it.
#[tauri::command]
pub async fn nurture_save_mail_settings(
    state: State<'_, AppState>,
    scheduler: State<'_, Arc<Scheduler>>,
    settings: MailSettings,
    password: Option<String>,
) -> CommandResult<MailSettings> {
    let saved = with_db(&state, move |db| {
        smtp::save_settings(db, &settings)?;
        smtp::load_settings(db.conn())
    })
    .await?;
    let scheduler = Arc::clone(scheduler.inner());
    let account = saved.clone();
    blocking(move || {
        match password {
            Some(password) => scheduler.set_password(&account, &password),
            None => {
                scheduler.password(&account);
            }
        }
        Ok(())
    })
    .await?;
    Ok(saved)
}

/// Sends a test e-mail with the given settings to `to`.
#[tauri::command]
pub async fn nurture_test_email(
    scheduler: State<'_, Arc<Scheduler>>,
    settings: MailSettings,
    password: Option<String>,
    to: String,
    subject: String,
    body: String,
) -> CommandResult<()> {
    let scheduler = Arc::clone(scheduler.inner());
    blocking(move || {
        let password = password
            .filter(|p| !p.is_empty())
            .or_else(|| scheduler.password(&settings));
        smtp::send_test_email(&settings, password, &to, &subject, &body)
    })
    .await
}

/// Runs `work` on the blocking pool, because the keyring and the mail
/// server may take a while to respond.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, leadbench::Error> + Send + 'static,
) -> CommandResult<T> {
    match tauri::async_runtime::spawn_blocking(work).await {
        Ok(result) => result.map_err(|error| leadbench::error::ErrorPayload::from(&error)),
        Err(error) => Err(leadbench::error::ErrorPayload {
            kind: leadbench::ErrorKind::Internal,
            message: format!("internal error: {error}"),
        }),
    }
}

/// Returns the scheduler's state.
#[tauri::command]
pub fn nurture_scheduler_status(scheduler: State<'_, Arc<Scheduler>>) -> SchedulerStatus {
    scheduler.status()
}

/// Runs due steps now, lifting the hold of the catch-up notice.
#[tauri::command]
pub async fn nurture_run_now(
    app: AppHandle,
    state: State<'_, AppState>,
    scheduler: State<'_, Arc<Scheduler>>,
) -> CommandResult<RunSummary> {
    let scheduler = Arc::clone(scheduler.inner());
    scheduler.clear_hold();
    scheduler::run_once(&app, &state.workspace, &scheduler)
        .await
        .map_err(|error| leadbench::error::ErrorPayload::from(&error))
}
