// App-wide state: the open database's info, the current screen and the
// messages shown to the user.
import { call, CommandError } from './api';
import type { AppInfo } from './bindings/AppInfo';
import type { Settings } from './bindings/Settings';
import { i18n, t, type MessageKey } from './i18n/index.svelte';

export type Screen =
  | 'pipeline'
  | 'leads'
  | 'import'
  | 'scoring'
  | 'nurture'
  | 'dashboard'
  | 'campaigns'
  | 'settings';

export const screens: Screen[] = [
  'pipeline',
  'leads',
  'import',
  'scoring',
  'nurture',
  'dashboard',
  'campaigns',
  'settings',
];

export interface ShownError {
  kind: string;
  message: string;
}

class AppStore {
  info = $state<AppInfo | null>(null);
  loading = $state(true);
  screen = $state<Screen>('leads');
  error = $state<ShownError | null>(null);
  notice = $state<string | null>(null);
  /** Bumped whenever lead data changes, so screens reload what they show. */
  dataVersion = $state(0);

  /** Reads the app info and applies its settings. */
  async refresh(): Promise<void> {
    try {
      const info = await call('app_info', {});
      this.apply(info);
    } catch (error) {
      this.fail(error);
    } finally {
      this.loading = false;
    }
  }

  apply(info: AppInfo): void {
    this.info = info;
    this.applySettings(info.settings);
    this.dataVersion += 1;
  }

  applySettings(settings: Settings): void {
    if (!this.info) return;
    this.info.settings = settings;
    i18n.language = settings.language ?? this.info.system_language;
    i18n.timeZone = settings.time_zone ?? this.info.system_time_zone;
    i18n.currency = settings.currency;
    document.documentElement.lang = i18n.language;
  }

  fail(error: unknown): void {
    if (error instanceof CommandError) {
      this.error = { kind: error.kind, message: error.message };
    } else {
      this.error = { kind: 'internal', message: String(error) };
    }
  }

  /** Returns the translated headline for the current error. */
  errorHeadline(): string {
    if (!this.error) return '';
    return t(`error.${this.error.kind}` as MessageKey);
  }

  notify(text: string): void {
    this.notice = text;
    const shown = text;
    setTimeout(() => {
      if (this.notice === shown) this.notice = null;
    }, 5000);
  }
}

export const app = new AppStore();
