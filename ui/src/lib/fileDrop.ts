// Files dropped on the window. Tauri reports the dropped paths through its
// drag-and-drop window events; the first path opens in the import wizard.
import { getCurrentWebview } from '@tauri-apps/api/webview';
import { app } from './app.svelte';
import { wizard } from './importWizard.svelte';

// NOTE: WebDriver cannot drop a native file on the window, so the
// end-to-end tests open files through the dialog and this path is
// checked by hand only.
/** Starts listening for dropped files; returns the function that stops it. */
export async function listenForDroppedFiles(): Promise<() => void> {
  try {
    return await getCurrentWebview().onDragDropEvent((event) => {
      const payload = event.payload;
      if (payload.type === 'enter' || payload.type === 'over') {
        wizard.dropping = !wizard.running;
        return;
      }
      wizard.dropping = false;
      if (payload.type !== 'drop' || payload.paths.length === 0 || wizard.running) return;
      app.screen = 'import';
      void wizard.open(payload.paths[0]);
    });
  } catch (error) {
    // Outside the app window (unit tests, a plain browser) there are no
    // window events; dropping is then simply not available.
    console.warn('file drop is not available', error);
    return () => {};
  }
}
