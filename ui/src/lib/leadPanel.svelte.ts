// State of the lead detail panel: which lead is open, its detail as last
// read, and the writes made from the panel. Every write returns the lead as
// stored, so the panel never shows what the database does not hold.
import { call } from './api';
import { app } from './app.svelte';
import { board } from './board.svelte';
import type { ActivityRequest } from './bindings/ActivityRequest';
import type { LeadDetail } from './bindings/LeadDetail';
import type { LeadFields } from './bindings/LeadFields';

class LeadPanelStore {
  id = $state<number | null>(null);
  detail = $state<LeadDetail | null>(null);
  busy = $state(false);
  /** Element focused before the panel opened; focus returns there on close. */
  private opener: HTMLElement | null = null;

  async open(id: number): Promise<void> {
    this.opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    this.id = id;
    this.detail = null;
    await this.reload();
  }

  close(): void {
    this.id = null;
    this.detail = null;
    this.opener?.focus();
    this.opener = null;
  }

  async reload(): Promise<void> {
    const id = this.id;
    if (id === null) return;
    try {
      const detail = await call('lead_detail', { id });
      if (this.id === id) this.detail = detail;
    } catch (error) {
      app.fail(error);
      this.close();
    }
  }

  /** Runs a write, shows the lead it returns and refreshes the screens behind. */
  private async write(work: () => Promise<LeadDetail | null>): Promise<boolean> {
    this.busy = true;
    try {
      const detail = await work();
      if (detail) this.detail = detail;
      app.error = null;
      await this.refreshScreens();
      return true;
    } catch (error) {
      app.fail(error);
      return false;
    } finally {
      this.busy = false;
    }
  }

  private async refreshScreens(): Promise<void> {
    app.dataVersion += 1;
    if (app.screen === 'pipeline') await Promise.all([board.reloadAll(), board.loadMeta()]);
  }

  save(fields: LeadFields): Promise<boolean> {
    const id = this.id;
    if (id === null) return Promise.resolve(false);
    return this.write(() => call('update_lead', { id, fields }));
  }

  log(request: Omit<ActivityRequest, 'lead_id' | 'actor'>): Promise<boolean> {
    const id = this.id;
    if (id === null) return Promise.resolve(false);
    return this.write(() => call('log_activity', { request: { ...request, lead_id: id, actor: '' } }));
  }

  assign(owner: string | null): Promise<boolean> {
    const id = this.id;
    if (id === null) return Promise.resolve(false);
    return this.write(async () => {
      await call('assign_owner', { ids: [id], owner });
      return call('lead_detail', { id });
    });
  }

  unpin(): Promise<boolean> {
    const id = this.id;
    if (id === null) return Promise.resolve(false);
    return this.write(() => call('unpin_lead', { id }));
  }

  /** Erases the open lead's personal data and closes the panel. */
  async forget(): Promise<boolean> {
    const id = this.id;
    if (id === null) return false;
    const done = await this.write(async () => {
      await call('forget_leads', { ids: [id] });
      return null;
    });
    if (done) this.close();
    return done;
  }
}

export const leadPanel = new LeadPanelStore();
