// State the Dashboard keeps between screens and launches (range and
// filters), and the drill-down it hands to the Leads screen.
import type { KpiRequest } from './bindings/KpiRequest';
import type { RangeRequest } from './bindings/RangeRequest';

export type Preset = RangeRequest['preset'];

/** The dashboard's range and filters. */
export interface DashboardView {
  preset: Preset;
  from: string;
  to: string;
  channel: string | null;
  campaignId: number | null;
  owner: string | null;
}

const STORAGE_KEY = 'leadbench.dashboard.view';

const defaults: DashboardView = {
  preset: 'last_90_days',
  from: '',
  to: '',
  channel: null,
  campaignId: null,
  owner: null,
};

/** Reads the saved view, falling back to the defaults field by field. */
export function loadView(storage: Pick<Storage, 'getItem'> | undefined): DashboardView {
  try {
    const saved = JSON.parse(storage?.getItem(STORAGE_KEY) ?? 'null') as Partial<DashboardView> | null;
    if (!saved || typeof saved !== 'object') return { ...defaults };
    return {
      preset: typeof saved.preset === 'string' ? saved.preset : defaults.preset,
      from: typeof saved.from === 'string' ? saved.from : '',
      to: typeof saved.to === 'string' ? saved.to : '',
      channel: typeof saved.channel === 'string' ? saved.channel : null,
      campaignId: typeof saved.campaignId === 'number' ? saved.campaignId : null,
      owner: typeof saved.owner === 'string' ? saved.owner : null,
    };
  } catch {
    return { ...defaults };
  }
}

/** Saves the view for the next launch. */
export function saveView(storage: Pick<Storage, 'setItem'> | undefined, view: DashboardView): void {
  try {
    storage?.setItem(STORAGE_KEY, JSON.stringify(view));
  } catch {
    // A full or blocked storage only loses the remembered filters.
  }
}

function browserStorage(): Storage | undefined {
  return typeof localStorage === 'undefined' ? undefined : localStorage;
}

/** The dashboard's view, restored from the last launch. */
export const view = $state<DashboardView>(loadView(browserStorage()));

/** Persists `view` now; the Dashboard calls it whenever a field changes. */
export function rememberView(): void {
  saveView(browserStorage(), $state.snapshot(view) as DashboardView);
}

/** Returns the dashboard's report request for `view` in `timeZone`. */
export function dashboardRequest(timeZone: string, current: DashboardView = view): KpiRequest {
  const range: RangeRequest =
    current.preset === 'custom' ? { preset: 'custom', from: current.from || null, to: current.to || null } : ({ preset: current.preset } as RangeRequest);
  return {
    range,
    time_zone: timeZone,
    filters: { channel: current.channel, campaign_id: current.campaignId, owner: current.owner },
    icp_threshold: null,
  };
}

/** Leads picked on the Dashboard, shown by the Leads screen until cleared. */
export const leadDrill = $state<{ current: { ids: number[]; label: string } | null }>({ current: null });

/** Milliseconds of quiet after a data change before the KPI facts are read ahead. */
const PREFETCH_DELAY = 2000;
let prefetchTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * Reads the KPI facts ahead while the user is on another screen, so the
 * first Dashboard visit after a change starts from facts in memory. `load`
 * runs the report request; errors are left to the Dashboard to show.
 */
export function schedulePrefetch(load: () => Promise<unknown>): void {
  clearTimeout(prefetchTimer);
  prefetchTimer = setTimeout(() => {
    load().catch(() => undefined);
  }, PREFETCH_DELAY);
}
