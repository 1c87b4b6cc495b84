// Helpers of the Scoring screen: keeping MQL < Warm < SQL while a value is
// entered, sending at most one preview request at a time, and the words
// that describe rules and their problems.
import type { Rule } from './bindings/Rule';
import type { RuleIssue } from './bindings/RuleIssue';
import type { Stage } from './bindings/Stage';
import type { StageCounts } from './bindings/StageCounts';
import type { Test } from './bindings/Test';
import type { ThresholdPreview } from './bindings/ThresholdPreview';
import type { Thresholds } from './bindings/Thresholds';
import type { MessageKey } from './i18n/index.svelte';

export type ThresholdName = keyof Thresholds;
export const thresholdNames: ThresholdName[] = ['mql', 'warm', 'sql'];

/** Smallest gap kept between two thresholds while a slider moves, in points. */
export const THRESHOLD_GAP = 1;

/**
 * Returns `current` with `name` set to `value`, pushed back inside its
 * neighbours so MQL < Warm < SQL stays true: a slider stops at the next
 * threshold instead of passing it.
 */
export function setThreshold(current: Thresholds, name: ThresholdName, value: number, top: number): Thresholds {
  const lows: Thresholds = { mql: 0, warm: current.mql + THRESHOLD_GAP, sql: current.warm + THRESHOLD_GAP };
  const highs: Thresholds = { mql: current.warm - THRESHOLD_GAP, warm: current.sql - THRESHOLD_GAP, sql: top };
  const low = lows[name];
  const high = highs[name];
  return { ...current, [name]: Math.min(Math.max(value, low), high) };
}

/** A message key with its values, translated by the caller. */
export interface Problem {
  key: MessageKey;
  params: Record<string, string | number>;
}

/**
 * Checks thresholds typed into the number fields. Returns the first
 * problem, naming the value and the fix, or null when they can be previewed.
 */
export function thresholdProblem(texts: Record<ThresholdName, string>, parse: (text: string) => number | null): Problem | null {
  const values: Partial<Thresholds> = {};
  for (const name of thresholdNames) {
    const value = parse(texts[name]);
    if (value === null) return { key: 'scoring.threshold.notNumber', params: { name: name.toUpperCase(), value: texts[name] } };
    if (value < 0) return { key: 'scoring.threshold.negative', params: { name: name.toUpperCase(), value: texts[name] } };
    values[name] = value;
  }
  const { mql, warm, sql } = values as Thresholds;
  if (!(mql < warm)) return { key: 'scoring.threshold.mqlAboveWarm', params: { mql: texts.mql, warm: texts.warm } };
  if (!(warm < sql)) return { key: 'scoring.threshold.warmAboveSql', params: { warm: texts.warm, sql: texts.sql } };
  return null;
}

/** Reads a number typed with either a decimal point or a decimal comma. */
export function parseNumber(text: string): number | null {
  const trimmed = text.trim().replace(',', '.');
  if (!/^-?\d+(\.\d+)?$/.test(trimmed)) return null;
  return Number(trimmed);
}

/** Returns the top of the slider scale: the highest score or SQL threshold, rounded up to ten. */
export function sliderTop(maxScore: number, thresholds: Thresholds): number {
  return Math.max(100, Math.ceil(Math.max(maxScore, thresholds.sql + THRESHOLD_GAP) / 10) * 10);
}

/**
 * Sends the latest value to `send`, never more than one call at a time: a
 * value that arrives while a call runs waits, and only the newest waiting
 * value is sent when the call ends. A slider drag thus costs one call per
 * round trip, not one per pixel.
 */
export class Coalescer<T> {
  private running = false;
  private waiting: { value: T } | null = null;

  constructor(private readonly send: (value: T) => Promise<void>) {}

  /** Queues `value`, replacing any value still waiting. */
  push(value: T): void {
    this.waiting = { value };
    if (!this.running) void this.drain();
  }

  /** Reports whether a call runs or waits. */
  get busy(): boolean {
    return this.running || this.waiting !== null;
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting) {
        const { value } = this.waiting;
        this.waiting = null;
        try {
          await this.send(value);
        } catch {
          // The sender reports its own errors; the next value still goes out.
        }
      }
    } finally {
      this.running = false;
    }
  }
}

/** Returns the message key and values that explain a rule problem. */
export function issueProblem(issue: RuleIssue): Problem {
  const key = `scoring.issue.${issue.issue}` as MessageKey;
  const { issue: _name, ...params } = issue;
  return { key, params: params as Record<string, string | number> };
}

type Say = (key: MessageKey, params?: Record<string, string | number>) => string;

/** Describes a test such as `contains "director"` in words. */
export function describeTest(test: Test, say: Say): string {
  switch (test.op) {
    case 'equals':
      return say('scoring.test.equalsText', { value: test.value });
    case 'contains':
      return say('scoring.test.containsText', { value: test.value });
    case 'one_of':
      return say('scoring.test.oneOfText', { values: test.values.join(', ') });
    case 'range':
      if (test.min !== null && test.max !== null) return say('scoring.test.between', { min: test.min, max: test.max });
      if (test.min !== null) return say('scoring.test.atLeast', { min: test.min });
      return say('scoring.test.atMost', { max: test.max ?? 0 });
    case 'empty':
      return say('scoring.test.empty');
    case 'not_empty':
      return say('scoring.test.not_empty');
  }
}

/** Formats points with their sign, such as +10 or −5. */
export function signed(points: number, format: (n: number) => string): string {
  if (points > 0) return `+${format(points)}`;
  if (points < 0) return `−${format(-points)}`;
  return format(0);
}

/** Describes when a rule applies, in words, without its points. */
export function describeRule(rule: Rule, say: Say): string {
  const body = rule.body;
  if (body.kind === 'behaviour') {
    const filter = body.filter ? ` · ${body.filter.property} ${describeTest(body.filter.test, say)}` : '';
    return `${say('scoring.rule.event', { type: body.event_type })}${filter}`;
  }
  const field =
    body.condition.field === 'custom'
      ? say('scoring.field.customNamed', { key: body.condition.key ?? '' })
      : say(`scoring.field.${body.condition.field}` as MessageKey);
  return `${field} ${describeTest(body.condition.test, say)}`;
}

/** Returns a new, not yet saved rule of `kind` with sensible starting values. */
export function newRule(kind: Rule['body']['kind']): Rule {
  const condition = { field: 'job_title' as const, key: null, test: { op: 'contains' as const, value: '' } };
  switch (kind) {
    case 'fit':
      return { id: null, name: '', enabled: true, body: { kind, condition, points: 10 } };
    case 'disqualify':
      return { id: null, name: '', enabled: true, body: { kind, condition: { ...condition, field: 'email_domain', test: { op: 'one_of', values: [] } } } };
    case 'behaviour':
      return {
        id: null,
        name: '',
        enabled: true,
        body: { kind, event_type: 'page_view', filter: null, points: 5, cap: null, decay: { type: 'half_life', days: 30 }, once_per: null },
      };
  }
}

/** The stages in board order. */
export const stageOrder: Stage[] = ['new', 'mql', 'warm', 'sql', 'customer', 'disqualified'];

/** Returns the stage counts before the previewed moves: after, minus moves in, plus moves out. */
export function stagesBefore(preview: ThresholdPreview): StageCounts {
  const before = { ...preview.stages };
  for (const move of preview.transitions) {
    before[move.to] -= move.count;
    before[move.from] += move.count;
  }
  return before;
}
