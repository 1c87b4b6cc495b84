// State of the import wizard: the file, the choices made on each step, the
// library's inspection of the file and the background job's status. The
// wizard keeps its state while the user visits other screens.
import { call } from './api';
import { app } from './app.svelte';
import type { ColumnChoice } from './bindings/ColumnChoice';
import type { DateOrder } from './bindings/DateOrder';
import type { DecimalMark } from './bindings/DecimalMark';
import type { DuplicatePolicy } from './bindings/DuplicatePolicy';
import type { Field } from './bindings/Field';
import type { FormatOverrides } from './bindings/FormatOverrides';
import type { ImportKind } from './bindings/ImportKind';
import type { ImportReport } from './bindings/ImportReport';
import type { ImportRequest } from './bindings/ImportRequest';
import type { Inspection } from './bindings/Inspection';
import type { JobStatus } from './bindings/JobStatus';
import type { SavedMapping } from './bindings/SavedMapping';
import type { Stage } from './bindings/Stage';
import type { Target } from './bindings/Target';
import { i18n } from './i18n/index.svelte';

export type Step = 'file' | 'format' | 'columns' | 'options' | 'check' | 'run';

/** The wizard's steps, in order. */
export const steps: Step[] = ['file', 'format', 'columns', 'options', 'check', 'run'];

const POLL_MS = 150;

/** Encodes a column target as the value of a <select> option. */
export function targetValue(target: Target): string {
  if (target.kind === 'field') return `field:${target.name}`;
  return target.kind;
}

/** Decodes a <select> value back into a target for the column `header`. */
export function targetFrom(value: string, header: string): Target {
  if (value.startsWith('field:')) return { kind: 'field', name: value.slice(6) as Field };
  if (value === 'custom') return { kind: 'custom', name: header };
  return { kind: 'ignore' };
}

/** Returns the last part of a file path, for display. */
export function fileName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

function emptyFormat(): FormatOverrides {
  return { encoding: null, delimiter: null, has_header: null };
}

class ImportWizard {
  step = $state<Step>('file');
  kind = $state<ImportKind>('leads');
  path = $state<string | null>(null);
  format = $state<FormatOverrides>(emptyFormat());
  choices = $state<ColumnChoice[]>([]);
  savedMapping = $state<string | null>(null);
  dateOrder = $state<DateOrder | null>(null);
  decimalMark = $state<DecimalMark | null>(null);
  duplicates = $state<DuplicatePolicy>('update');
  stage = $state<Stage | null>(null);
  campaign = $state('');
  owner = $state('');

  inspection = $state<Inspection | null>(null);
  inspecting = $state(false);
  /** True while a file is dragged over the window. */
  dropping = $state(false);
  mappings = $state<SavedMapping[]>([]);
  status = $state<JobStatus | null>(null);
  /** The report of the last dry run for the current choices. */
  dryRun = $state<ImportReport | null>(null);
  /** The report of the last real import. */
  result = $state<ImportReport | null>(null);
  private timer: ReturnType<typeof setInterval> | undefined;

  /** True while a dry run or import runs in the background. */
  get running(): boolean {
    return this.status?.state === 'running';
  }

  request(dryRun: boolean): ImportRequest {
    return {
      path: this.path ?? '',
      kind: this.kind,
      format: this.format,
      columns: this.choices,
      saved_mapping: this.savedMapping,
      date_order: this.dateOrder,
      decimal_mark: this.decimalMark,
      duplicates: this.duplicates,
      stage: this.kind === 'leads' ? this.stage : null,
      campaign: this.kind === 'leads' && this.campaign.trim() !== '' ? this.campaign.trim() : null,
      owner: this.kind === 'leads' && this.owner.trim() !== '' ? this.owner.trim() : null,
      time_zone: i18n.timeZone,
      dry_run: dryRun,
    };
  }

  /** Starts over with `path`: every earlier choice except the kind is dropped. */
  async open(path: string): Promise<void> {
    this.path = path;
    this.format = emptyFormat();
    this.choices = [];
    this.savedMapping = null;
    this.dateOrder = null;
    this.decimalMark = null;
    this.dryRun = null;
    this.result = null;
    this.status = null;
    if (await this.inspect()) this.step = 'format';
  }

  /** Asks the library how it reads the file with the current choices. */
  async inspect(): Promise<boolean> {
    if (!this.path) return false;
    this.inspecting = true;
    this.dryRun = null;
    try {
      this.inspection = await call('import_inspect', { request: this.request(true) });
      return true;
    } catch (error) {
      app.fail(error);
      return false;
    } finally {
      this.inspecting = false;
    }
  }

  async loadMappings(): Promise<void> {
    try {
      this.mappings = await call('import_mappings', {});
    } catch (error) {
      app.fail(error);
    }
  }

  /** Sets the target of `column`. Another column that filled the same
   * field becomes a custom field, because a field takes one column. */
  async setTarget(column: string, target: Target): Promise<void> {
    const next = this.choices.filter((choice) => choice.column !== column);
    if (target.kind === 'field') {
      for (const plan of this.inspection?.columns ?? []) {
        const same = plan.target.kind === 'field' && plan.target.name === target.name;
        if (same && plan.header !== column) {
          next.push({ column: plan.header, target: { kind: 'custom', name: plan.header } });
        }
      }
    }
    next.push({ column, target });
    this.choices = next;
    await this.inspect();
  }

  /** Returns the mapping of every column as the preview shows it. */
  currentMapping(): ColumnChoice[] {
    return (this.inspection?.columns ?? []).map((column) => ({
      column: column.header,
      target: column.target,
    }));
  }

  async saveMapping(name: string): Promise<boolean> {
    try {
      await call('import_save_mapping', { name, kind: this.kind, choices: this.currentMapping() });
      await this.loadMappings();
      return true;
    } catch (error) {
      app.fail(error);
      return false;
    }
  }

  async useMapping(name: string | null): Promise<void> {
    this.savedMapping = name;
    this.choices = [];
    await this.inspect();
  }

  async deleteMapping(name: string): Promise<void> {
    try {
      await call('import_delete_mapping', { name });
      if (this.savedMapping === name) await this.useMapping(null);
      await this.loadMappings();
    } catch (error) {
      app.fail(error);
    }
  }

  /** Starts a dry run or the real import and polls it until it ends. */
  async start(dryRun: boolean): Promise<void> {
    try {
      await call('import_start', { request: this.request(dryRun) });
      this.status = await call('import_status', {});
      if (!dryRun) this.step = 'run';
      this.poll();
    } catch (error) {
      app.fail(error);
    }
  }

  private poll(): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.refreshStatus(), POLL_MS);
  }

  private async refreshStatus(): Promise<void> {
    try {
      const status = await call('import_status', {});
      this.status = status;
      if (status.state === 'running') return;
      clearInterval(this.timer);
      if (status.state !== 'finished' || !status.report) return;
      if (status.report.dry_run) {
        this.dryRun = status.report;
      } else {
        this.result = status.report;
        await app.refresh();
      }
    } catch (error) {
      clearInterval(this.timer);
      app.fail(error);
    }
  }

  async cancel(): Promise<void> {
    try {
      await call('import_cancel', {});
    } catch (error) {
      app.fail(error);
    }
  }

  /** Goes back to the first step for another file. */
  reset(): void {
    clearInterval(this.timer);
    this.step = 'file';
    this.path = null;
    this.inspection = null;
    this.status = null;
    this.dryRun = null;
    this.result = null;
    this.choices = [];
    this.savedMapping = null;
  }
}

export const wizard = new ImportWizard();
