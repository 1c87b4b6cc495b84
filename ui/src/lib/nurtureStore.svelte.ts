// Shared state of the Nurture screen: the scheduler's status, the view the
// user is on, and a counter that views watch to reload after a run.
import { listen } from '@tauri-apps/api/event';
import { call } from './api';
import { app } from './app.svelte';
import type { SchedulerStatus } from './bindings/SchedulerStatus';
import type { SequenceDraft } from './bindings/SequenceDraft';
import { t } from './i18n/index.svelte';

export type NurtureTab = 'sequences' | 'today' | 'outbox';

/** A sequence open in the designer, with the JSON of its last saved state. */
export interface WorkingCopy {
  id: number;
  draft: SequenceDraft;
  savedJson: string;
}

class NurtureStore {
  status = $state<SchedulerStatus | null>(null);
  tab = $state<NurtureTab>('sequences');
  /** Id of the sequence open in the designer; 0 for a new one. */
  editing = $state<number | null>(null);
  /** Starting point of a new sequence (empty or from a preset). */
  newDraft = $state<SequenceDraft | null>(null);
  /** The designer's state while the user visits another tab or screen. */
  working: WorkingCopy | null = null;
  /** Bumped after every scheduler run that changed something. */
  version = $state(0);
  private listening = false;

  /** Reads the scheduler status and starts listening for runs once. */
  async start(): Promise<void> {
    if (!this.listening) {
      this.listening = true;
      try {
        await listen('nurture-run', () => {
          this.version += 1;
          app.dataVersion += 1;
          void this.refresh();
        });
        await listen('nurture-tick', () => void this.refresh());
      } catch (error) {
        // Without events the views still reload when the user acts.
        console.warn('cannot listen to scheduler events', error);
      }
    }
    await this.refresh();
  }

  async refresh(): Promise<void> {
    try {
      this.status = await call('nurture_scheduler_status', {});
    } catch (error) {
      app.fail(error);
    }
  }

  /** Runs due work now (also lifting the catch-up hold). */
  async runNow(): Promise<void> {
    try {
      const summary = await call('nurture_run_now', {});
      this.version += 1;
      app.dataVersion += 1;
      await this.refresh();
      app.notify(
        t('nurture.ran', { steps: summary.executed, sent: summary.sent, manual: summary.manual, failed: summary.failed }),
      );
    } catch (error) {
      app.fail(error);
      await this.refresh();
    }
  }

  /** Opens the Today view to review held work. */
  review(): void {
    app.screen = 'nurture';
    this.tab = 'today';
    this.editing = null;
  }
}

export const nurture = new NurtureStore();
