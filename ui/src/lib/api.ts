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
// KPI dashboard exports, drill-down and campaigns.
import type { Campaign } from './bindings/Campaign';
import type { ChartImage } from './bindings/ChartImage';
import type { CampaignInput } from './bindings/CampaignInput';
import type { CampaignList } from './bindings/CampaignList';
import type { ChartFormat } from './bindings/ChartFormat';
import type { DecimalMark } from './bindings/DecimalMark';
import type { LeadDrill } from './bindings/LeadDrill';
import type { SheetFormat } from './bindings/SheetFormat';
import type { SheetRequest } from './bindings/SheetRequest';
import type { SpendImport } from './bindings/SpendImport';
// Import wizard, import history and export.
import type { ColumnChoice } from './bindings/ColumnChoice';
import type { ExportOptions } from './bindings/ExportOptions';
import type { ExportSummary } from './bindings/ExportSummary';
import type { ImportKind } from './bindings/ImportKind';
import type { ImportRecord } from './bindings/ImportRecord';
import type { ImportRequest } from './bindings/ImportRequest';
import type { Inspection } from './bindings/Inspection';
import type { JobStatus } from './bindings/JobStatus';
import type { SavedMapping } from './bindings/SavedMapping';
import type { UndoReport } from './bindings/UndoReport';
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
// Nurture
import type { EditImpact } from './bindings/EditImpact';
import type { MailSettings } from './bindings/MailSettings';
import type { OutboxQuery } from './bindings/OutboxQuery';
import type { OutboxRow } from './bindings/OutboxRow';
import type { Preset } from './bindings/Preset';
import type { RunSummary } from './bindings/RunSummary';
import type { SchedulerStatus } from './bindings/SchedulerStatus';
import type { Sequence } from './bindings/Sequence';
import type { SequenceDraft } from './bindings/SequenceDraft';
import type { SequenceStats } from './bindings/SequenceStats';
import type { SequenceStatus } from './bindings/SequenceStatus';
import type { SimulationResult } from './bindings/SimulationResult';
import type { TodayView } from './bindings/TodayView';
import type { Language } from './bindings/Language';
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
  kpi_chart: { args: { request: ChartRequest }; result: ChartImage };
  // KPI dashboard exports, drill-down and campaigns.
  kpi_export_chart: { args: { request: ChartRequest; format: ChartFormat; title: string }; result: string | null };
  kpi_export_table: { args: { request: KpiRequest; allLabel: string; title: string }; result: string | null };
  kpi_export_sheet: { args: { request: SheetRequest; format: SheetFormat; title: string }; result: string | null };
  kpi_lead_ids: { args: { drill: LeadDrill }; result: number[] };
  campaign_list: { args: Record<string, never>; result: CampaignList };
  campaign_save: { args: { id: number | null; input: CampaignInput }; result: Campaign };
  campaign_delete: { args: { id: number }; result: null };
  campaign_import_spend: { args: { title: string; fallback: DecimalMark }; result: SpendImport | null };
  // Import wizard, import history and export.
  import_pick_file: { args: { title: string }; result: string | null };
  import_inspect: { args: { request: ImportRequest }; result: Inspection };
  import_start: { args: { request: ImportRequest }; result: null };
  import_status: { args: Record<string, never>; result: JobStatus };
  import_cancel: { args: Record<string, never>; result: null };
  import_save_errors: { args: { title: string }; result: string | null };
  import_history: { args: Record<string, never>; result: ImportRecord[] };
  import_undo: { args: { id: number }; result: UndoReport };
  import_mappings: { args: Record<string, never>; result: SavedMapping[] };
  import_save_mapping: { args: { name: string; kind: ImportKind; choices: ColumnChoice[] }; result: null };
  import_delete_mapping: { args: { name: string }; result: null };
  export_leads: { args: { title: string; options: ExportOptions }; result: ExportSummary | null };
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
  // Nurture
  nurture_sequences: { args: Record<string, never>; result: SequenceSummary[] };
  nurture_sequence: { args: { id: number }; result: Sequence };
  nurture_presets: { args: { language: Language }; result: Preset[] };
  nurture_create: { args: { draft: SequenceDraft }; result: Sequence };
  nurture_preview_edit: { args: { id: number; draft: SequenceDraft }; result: EditImpact };
  nurture_update: { args: { id: number; draft: SequenceDraft }; result: EditImpact };
  nurture_set_status: { args: { id: number; status: SequenceStatus }; result: null };
  nurture_delete: { args: { id: number }; result: null };
  nurture_dry_run: {
    args: { draft: SequenceDraft; id: number | null; days: number; mode: 'forecast' | 'replay' };
    result: SimulationResult;
  };
  nurture_stats: { args: { id: number }; result: SequenceStats };
  nurture_enrol: { args: { id: number; leads: number[] }; result: ManualEnrolResult };
  nurture_today: { args: Record<string, never>; result: TodayView };
  nurture_outbox: { args: { query: OutboxQuery }; result: OutboxRow[] };
  nurture_mark_done: { args: { id: number }; result: null };
  nurture_retry: { args: { id: number }; result: null };
  nurture_open_mail: { args: { id: number }; result: null };
  nurture_mail_settings: { args: Record<string, never>; result: MailSettings };
  nurture_save_mail_settings: {
    args: { settings: MailSettings; password: string | null };
    result: MailSettings;
  };
  nurture_test_email: {
    args: { settings: MailSettings; password: string | null; to: string; subject: string; body: string };
    result: null;
  };
  nurture_scheduler_status: { args: Record<string, never>; result: SchedulerStatus };
  nurture_run_now: { args: Record<string, never>; result: RunSummary };
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
