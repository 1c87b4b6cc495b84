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
// Lead panel, bulk actions, owners and board settings.
import type { ActivityRequest } from './bindings/ActivityRequest';
import type { Assignment } from './bindings/Assignment';
import type { BoardSnapshot } from './bindings/BoardSnapshot';
import type { CardSort } from './bindings/CardSort';
import type { ForgetSummary } from './bindings/ForgetSummary';
import type { LeadDetail } from './bindings/LeadDetail';
import type { LeadFields } from './bindings/LeadFields';
import type { ManualEnrolResult } from './bindings/ManualEnrolResult';
import type { Owner } from './bindings/Owner';
import type { SequenceSummary } from './bindings/SequenceSummary';

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
  // Lead panel, bulk actions, owners and board settings.
  lead_detail: { args: { id: number }; result: LeadDetail };
  update_lead: { args: { id: number; fields: LeadFields }; result: LeadDetail };
  log_activity: { args: { request: ActivityRequest }; result: LeadDetail };
  assign_owner: { args: { ids: number[]; owner: string | null }; result: number };
  unpin_lead: { args: { id: number }; result: LeadDetail };
  forget_leads: { args: { ids: number[] }; result: ForgetSummary };
  move_leads: { args: { ids: number[]; request: MoveRequest }; result: MoveReceipt[] };
  undo_moves: { args: { receipts: MoveReceipt[] }; result: null };
  list_owners: { args: Record<string, never>; result: Owner[] };
  add_owner: { args: { name: string }; result: number };
  rename_owner: { args: { id: number; name: string }; result: null };
  set_owner_active: { args: { id: number; active: boolean }; result: null };
  board_assignment: { args: Record<string, never>; result: Assignment };
  save_assignment: { args: { assignment: Assignment }; result: null };
  save_board_config: { args: { config: BoardConfig }; result: BoardConfig };
  board_sequences: { args: Record<string, never>; result: SequenceSummary[] };
  board_enrol: { args: { sequenceId: number; ids: number[] }; result: ManualEnrolResult };
  board_open: { args: { filter: BoardFilter; sort: CardSort; limit: number; firstIds: number[] }; result: BoardSnapshot };
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
