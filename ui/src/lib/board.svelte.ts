// State of the pipeline board: columns loaded a screen at a time, filters
// kept between launches, moves sent one after another, and the undo stack.
import { call } from './api';
import { app } from './app.svelte';
import type { BoardConfig } from './bindings/BoardConfig';
import type { BoardFacets } from './bindings/BoardFacets';
import type { BoardFilter } from './bindings/BoardFilter';
import type { Card } from './bindings/Card';
import type { CardSort } from './bindings/CardSort';
import type { MoveReceipt } from './bindings/MoveReceipt';
import type { MoveRequest } from './bindings/MoveRequest';
import type { Stage } from './bindings/Stage';

export const STAGES: Stage[] = ['new', 'mql', 'warm', 'sql', 'customer', 'disqualified'];
export const PAGE_SIZE = 50;
const STORAGE_KEY = 'leadbench.board.view';

export interface ColumnState {
  total: number;
  wipLimit: number | null;
  pages: Map<number, Card[]>;
  generation: number;
}

export function emptyFilter(): BoardFilter {
  return {
    search: null,
    owner: null,
    channel: null,
    campaign_id: null,
    min_score: null,
    max_score: null,
    only_rotting: false,
    only_sla_overdue: false,
  };
}

interface SavedView {
  filter: BoardFilter;
  sort: CardSort;
}

function loadView(): SavedView {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as SavedView | null;
    if (saved && saved.filter && saved.sort) return { filter: { ...emptyFilter(), ...saved.filter }, sort: saved.sort };
  } catch {
    // An unreadable saved view falls back to the defaults.
  }
  return { filter: emptyFilter(), sort: 'score' };
}

/** One step of the undo stack: a single move or a bulk move. */
export interface UndoEntry {
  receipts: MoveReceipt[];
  title: string;
  to: Stage;
}

class BoardStore {
  filter = $state<BoardFilter>(loadView().filter);
  sort = $state<CardSort>(loadView().sort);
  columns = $state<Record<Stage, ColumnState>>(
    Object.fromEntries(
      STAGES.map((stage) => [stage, { total: 0, wipLimit: null, pages: new Map(), generation: 0 }]),
    ) as Record<Stage, ColumnState>,
  );
  facets = $state<BoardFacets>({ owners: [], channels: [] });
  config = $state<BoardConfig | null>(null);
  undoStack = $state<UndoEntry[]>([]);
  pendingMoves = $state(0);
  /** True while `reloadAll` waits for its snapshot; columns then load no pages of their own. */
  opening = $state(false);
  /** Leads moved since the filters last changed; their columns show them first. */
  recentIds = $state<number[]>([]);

  // Moves are sent strictly in order, so the last action always wins.
  private queue: Promise<unknown> = Promise.resolve();

  saveView(): void {
    this.recentIds = [];
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ filter: this.filter, sort: this.sort }));
  }

  async loadMeta(): Promise<void> {
    try {
      [this.facets, this.config] = await Promise.all([call('board_facets', {}), call('board_config', {})]);
    } catch (error) {
      app.fail(error);
    }
  }

  /** Reloads the counts and the first screen of every column. */
  async reloadAll(): Promise<void> {
    // One request returns every header and first screen, so the board
    // paints once with all columns filled.
    const generations = STAGES.map((stage) => {
      const state = this.columns[stage];
      state.generation += 1;
      return state.generation;
    });
    this.opening = true;
    try {
      const snapshot = await call('board_open', {
        filter: this.filter,
        sort: this.sort,
        limit: PAGE_SIZE,
        firstIds: this.recentIds,
      });
      for (const column of snapshot.columns) {
        this.columns[column.stage].wipLimit = column.wip_limit;
      }
      snapshot.pages.forEach((page, index) => {
        const state = this.columns[page.stage];
        if (generations[index] !== state.generation) return;
        state.total = page.total;
        state.pages = new Map([[0, page.cards]]);
      });
    } catch (error) {
      app.fail(error);
    } finally {
      this.opening = false;
    }
  }

  async reloadColumn(stage: Stage): Promise<void> {
    const state = this.columns[stage];
    state.generation += 1;
    state.pages = new Map();
    await this.loadPage(stage, 0);
  }

  async loadPage(stage: Stage, page: number): Promise<void> {
    const state = this.columns[stage];
    const generation = state.generation;
    try {
      const result = await call('board_column', {
        query: {
          stage,
          filter: this.filter,
          sort: this.sort,
          offset: page * PAGE_SIZE,
          limit: PAGE_SIZE,
          first_ids: this.recentIds,
        },
      });
      if (generation !== state.generation) return;
      state.total = result.total;
      const next = new Map(state.pages);
      next.set(page, result.cards);
      state.pages = next;
    } catch (error) {
      app.fail(error);
    }
  }

  cardAt(stage: Stage, index: number): Card | undefined {
    return this.columns[stage].pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
  }

  /** Shows the move at once; the database write follows in `move`. */
  private applyLocally(card: Card, to: Stage): void {
    const source = this.columns[card.stage];
    const target = this.columns[to];
    const pages = new Map<number, Card[]>();
    for (const [page, cards] of source.pages) pages.set(page, cards.filter((c) => c.id !== card.id));
    source.pages = pages;
    source.total = Math.max(0, source.total - 1);
    const first = target.pages.get(0) ?? [];
    const targetPages = new Map(target.pages);
    targetPages.set(0, [{ ...card, stage: to, days_in_stage: 0, pinned: true }, ...first]);
    target.pages = targetPages;
    target.total += 1;
  }

  /**
   * Moves `card` to `to`: the card moves on screen at once, the write is
   * queued behind earlier moves, and on failure both columns reload from
   * the database so the card returns to where it is stored.
   */
  move(card: Card, to: Stage, details: Partial<MoveRequest> = {}): Promise<boolean> {
    if (card.stage === to) return Promise.resolve(false);
    const from = card.stage;
    this.applyLocally(card, to);
    this.recentIds = [card.id, ...this.recentIds.filter((id) => id !== card.id)].slice(0, 50);
    this.pendingMoves += 1;
    const request: MoveRequest = {
      lead_id: card.id,
      to,
      actor: '',
      won_at: details.won_at ?? null,
      deal_value_cents: details.deal_value_cents ?? null,
      note: details.note ?? null,
    };
    const done = this.queue.then(async () => {
      try {
        const receipt = await call('move_lead', { request });
        this.undoStack = [...this.undoStack.slice(-19), { receipts: [receipt], title: card.title, to }];
        return true;
      } catch (error) {
        app.fail(error);
        return false;
      } finally {
        this.pendingMoves -= 1;
        await Promise.all([this.reloadColumn(from), this.reloadColumn(to)]);
        app.dataVersion += 1;
      }
    });
    this.queue = done;
    return done;
  }

  /**
   * Moves several leads to `to` in one transaction, queued behind earlier
   * moves; the whole board reloads afterwards. Returns how many moved.
   */
  moveMany(ids: number[], to: Stage, details: Partial<MoveRequest> = {}, title = ''): Promise<number> {
    this.pendingMoves += 1;
    const request: MoveRequest = {
      lead_id: 0,
      to,
      actor: '',
      won_at: details.won_at ?? null,
      deal_value_cents: details.deal_value_cents ?? null,
      note: details.note ?? null,
    };
    const done = this.queue.then(async () => {
      try {
        const receipts = await call('move_leads', { ids, request });
        if (receipts.length > 0) {
          this.undoStack = [...this.undoStack.slice(-19), { receipts, title, to }];
        }
        this.recentIds = [...receipts.map((r) => r.lead_id), ...this.recentIds].slice(0, 50);
        return receipts.length;
      } catch (error) {
        app.fail(error);
        return 0;
      } finally {
        this.pendingMoves -= 1;
        await this.reloadAll();
        app.dataVersion += 1;
      }
    });
    this.queue = done;
    return done;
  }

  /** Reverts the most recent move (single or bulk) still on the undo stack. */
  undo(): Promise<void> {
    const entry = this.undoStack.at(-1);
    if (!entry) return Promise.resolve();
    this.undoStack = this.undoStack.slice(0, -1);
    const done = this.queue.then(async () => {
      try {
        if (entry.receipts.length === 1) {
          await call('undo_move', { receipt: entry.receipts[0] });
        } else {
          await call('undo_moves', { receipts: entry.receipts });
        }
      } catch (error) {
        app.fail(error);
      } finally {
        if (entry.receipts.length === 1) {
          const receipt = entry.receipts[0];
          await Promise.all([this.reloadColumn(receipt.from), this.reloadColumn(receipt.to)]);
        } else {
          await this.reloadAll();
        }
        app.dataVersion += 1;
      }
    });
    this.queue = done;
    return done;
  }
}

export const board = new BoardStore();
