// The one typed entry point to the Rust commands. Argument and result
// types come from the ts-rs bindings generated from the Rust definitions.
import { invoke } from '@tauri-apps/api/core';
import type { AppInfo } from './bindings/AppInfo';
import type { BoardConfig } from './bindings/BoardConfig';
import type { BoardFacets } from './bindings/BoardFacets';
import type { BoardFilter } from './bindings/BoardFilter';
import type { ColumnPage } from './bindings/ColumnPage';
import type { ColumnQuery } from './bindings/ColumnQuery';
import type { ColumnSummary } from './bindings/ColumnSummary';
import type { ChartRequest } from './bindings/ChartRequest';
import type { KpiReport } from './bindings/KpiReport';
import type { KpiRequest } from './bindings/KpiRequest';
import type { MoveReceipt } from './bindings/MoveReceipt';
import type { MoveRequest } from './bindings/MoveRequest';
import type { Stage } from './bindings/Stage';
import type { DemoSummary } from './bindings/DemoSummary';
import type { ErrorKind } from './bindings/ErrorKind';
import type { ErrorPayload } from './bindings/ErrorPayload';
import type { LeadPage } from './bindings/LeadPage';
import type { LeadQuery } from './bindings/LeadQuery';
import type { Settings } from './bindings/Settings';
// Scoring screen
import type { ApplyThresholds } from './bindings/ApplyThresholds';
import type { PreviewRequest } from './bindings/PreviewRequest';
import type { PreviewResult } from './bindings/PreviewResult';
import type { Rule } from './bindings/Rule';
import type { RuleEditResult } from './bindings/RuleEditResult';
import type { RuleIssue } from './bindings/RuleIssue';
import type { ScoreExplanation } from './bindings/ScoreExplanation';
import type { ScoringOverview } from './bindings/ScoringOverview';
import type { ScoringRuleEdit } from './bindings/ScoringRuleEdit';
import type { Thresholds } from './bindings/Thresholds';

interface Commands {
  app_info: { args: Record<string, never>; result: AppInfo };
  list_leads: { args: { query: LeadQuery }; result: LeadPage };
  load_demo: { args: Record<string, never>; result: DemoSummary };
  save_settings: { args: { settings: Settings }; result: Settings };
  open_other_database: { args: { title: string }; result: AppInfo | null };
  backup_now: { args: { title: string }; result: string | null };
  board_summary: { args: { filter: BoardFilter }; result: ColumnSummary[] };
  board_column: { args: { query: ColumnQuery }; result: ColumnPage };
  board_facets: { args: Record<string, never>; result: BoardFacets };
  board_config: { args: Record<string, never>; result: BoardConfig };
  move_lead: { args: { request: MoveRequest }; result: MoveReceipt };
  undo_move: { args: { receipt: MoveReceipt }; result: null };
  reorder_column: { args: { stage: Stage; ids: number[] }; result: null };
  kpi_report: { args: { request: KpiRequest }; result: KpiReport };
  kpi_chart: { args: { request: ChartRequest }; result: string };
  // Scoring screen
  scoring_overview: { args: Record<string, never>; result: ScoringOverview };
  scoring_preview: { args: { request: PreviewRequest }; result: PreviewResult };
  scoring_edit_rule: { args: { edit: ScoringRuleEdit }; result: RuleEditResult };
  scoring_check_rule: { args: { rule: Rule }; result: RuleIssue | null };
  scoring_apply_thresholds: { args: { thresholds: Thresholds }; result: ApplyThresholds };
  scoring_explain: { args: { lead: string }; result: ScoreExplanation };
}

/** An error returned by a command, with its kind and English detail. */
export class CommandError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
  }
}

function isPayload(value: unknown): value is ErrorPayload {
  return typeof value === 'object' && value !== null && 'kind' in value && 'message' in value;
}

/** Calls the Rust command `name`; a failure rejects with a CommandError. */
export async function call<K extends keyof Commands>(
  name: K,
  args: Commands[K]['args'],
): Promise<Commands[K]['result']> {
  try {
    return await invoke<Commands[K]['result']>(name, args);
  } catch (error) {
    if (isPayload(error)) throw new CommandError(error.kind, error.message);
    throw new CommandError('internal', String(error));
  }
}
