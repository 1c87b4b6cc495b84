import { describe, expect, it } from 'vitest';
import { loadView, saveView, type DashboardView } from './dashboard.svelte';

function memory(): Storage {
  const items = new Map<string, string>();
  return {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
  } as Storage;
}

describe('dashboard view storage', () => {
  it('restores a saved view', () => {
    const storage = memory();
    const view: DashboardView = { preset: 'custom', from: '2024-10-01', to: '2024-12-31', channel: 'Email', campaignId: 7, owner: 'Sanne' };
    saveView(storage, view);
    expect(loadView(storage)).toEqual(view);
  });

  it('falls back per field on damaged data', () => {
    const storage = memory();
    storage.setItem('leadbench.dashboard.view', JSON.stringify({ preset: 'this_month', campaignId: 'seven', owner: 3 }));
    const view = loadView(storage);
    expect(view.preset).toBe('this_month');
    expect(view.campaignId).toBeNull();
    expect(view.owner).toBeNull();
  });

  it('uses defaults without storage or on invalid JSON', () => {
    expect(loadView(undefined).preset).toBe('last_90_days');
    const storage = memory();
    storage.setItem('leadbench.dashboard.view', '{not json');
    expect(loadView(storage).channel).toBeNull();
  });
});
