//! Native file dialogs, opened from Rust so the webview needs no dialog
//! permission.
//!
//! WebDriver cannot click inside a native dialog, so end-to-end tests set
//! `LEADBENCH_TEST_OPEN_FILE` (the path an open dialog returns) and
//! `LEADBENCH_TEST_SAVE_DIR` (the folder a save dialog saves into, under the
//! suggested name). The app logs a warning whenever one of them is used.

use std::path::{Path, PathBuf};

use tauri::AppHandle;
use tauri_plugin_dialog::DialogExt;

/// Environment variable whose path replaces the open dialog in tests.
const TEST_OPEN_FILE: &str = "LEADBENCH_TEST_OPEN_FILE";

/// Environment variable whose folder replaces the save dialog in tests.
const TEST_SAVE_DIR: &str = "LEADBENCH_TEST_SAVE_DIR";

/// Opens a dialog that picks one existing file. `filters` pairs a filter name with its
/// extensions. Returns `None` when the user cancels.
pub async fn pick_file(
    app: AppHandle,
    title: String,
    filters: Vec<(String, Vec<String>)>,
) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(TEST_OPEN_FILE).filter(|p| !p.is_empty()) {
        tracing::warn!("open dialog skipped: returning the path in {TEST_OPEN_FILE}");
        return Some(PathBuf::from(path));
    }

    let picked = tauri::async_runtime::spawn_blocking(move || {
        let mut dialog = app.dialog().file().set_title(title);
        for (name, extensions) in &filters {
            let extensions: Vec<&str> = extensions.iter().map(String::as_str).collect();
            dialog = dialog.add_filter(name, &extensions);
        }
        dialog.blocking_pick_file()
    })
    .await
    .ok()
    .flatten();
    picked.and_then(|path| path.into_path().ok())
}

/// Opens a dialog that picks where to save a file, starting from `suggested` (folder and name).
/// Returns `None` when the user cancels.
pub async fn save_file(app: AppHandle, title: String, suggested: &Path) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(TEST_SAVE_DIR).filter(|p| !p.is_empty()) {
        tracing::warn!("save dialog skipped: saving into {TEST_SAVE_DIR}");
        let name = suggested.file_name().unwrap_or_default();
        return Some(PathBuf::from(dir).join(name));
    }

    let name = suggested
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let folder = suggested.parent().map(Path::to_path_buf);
    let picked = tauri::async_runtime::spawn_blocking(move || {
        let mut dialog = app.dialog().file().set_title(title);
        if let Some(name) = name {
            dialog = dialog.set_file_name(name);
        }
        if let Some(folder) = folder.filter(|f| !f.as_os_str().is_empty()) {
            dialog = dialog.set_directory(folder);
        }
        dialog.blocking_save_file()
    })
    .await
    .ok()
    .flatten();
    picked.and_then(|path| path.into_path().ok())
}
