// The rule editor's form: every input as the text the user typed, turned
// into a Rule only when the numbers in it can be read. The rule itself is
// checked by the Rust library (scoring_check_rule).
import type { Decay } from './bindings/Decay';
import type { Rule } from './bindings/Rule';
import type { RuleKind } from './bindings/RuleKind';
import type { ScoringField } from './bindings/ScoringField';
import type { Test } from './bindings/Test';
import { parseNumber, type Problem } from './scoring';

export type TestOp = Test['op'];
export const testOps: TestOp[] = ['equals', 'one_of', 'contains', 'range', 'empty', 'not_empty'];
export const fields: ScoringField[] = ['job_title', 'industry', 'company_size', 'country', 'source', 'email_domain', 'consent', 'custom'];
export const decayTypes: Decay['type'][] = ['none', 'half_life', 'expire'];

/** A test as typed: the values of every operator are kept while switching. */
export interface TestForm {
  op: TestOp;
  value: string;
  /** Values of "one of", separated by commas. */
  values: string;
  min: string;
  max: string;
}

/** Every input of the rule editor. */
export interface RuleForm {
  id: number | null;
  kind: RuleKind;
  name: string;
  enabled: boolean;
  field: ScoringField;
  key: string;
  test: TestForm;
  points: string;
  eventType: string;
  useFilter: boolean;
  filterProperty: string;
  filterTest: TestForm;
  cap: string;
  decay: Decay['type'];
  decayDays: string;
  oncePer: string;
}

const text = (value: number | null | undefined) => (value === null || value === undefined ? '' : String(value));

function testForm(test: Test | null | undefined): TestForm {
  const form: TestForm = { op: test?.op ?? 'contains', value: '', values: '', min: '', max: '' };
  if (!test) return form;
  if (test.op === 'equals' || test.op === 'contains') form.value = test.value;
  if (test.op === 'one_of') form.values = test.values.join(', ');
  if (test.op === 'range') {
    form.min = text(test.min);
    form.max = text(test.max);
  }
  return form;
}

/** Returns the form that shows `rule`. */
export function formOf(rule: Rule): RuleForm {
  const body = rule.body;
  const form: RuleForm = {
    id: rule.id,
    kind: body.kind,
    name: rule.name,
    enabled: rule.enabled,
    field: 'job_title',
    key: '',
    test: testForm(null),
    points: '10',
    eventType: '',
    useFilter: false,
    filterProperty: 'url',
    filterTest: testForm(null),
    cap: '',
    decay: 'none',
    decayDays: '30',
    oncePer: '',
  };
  if (body.kind === 'behaviour') {
    form.eventType = body.event_type;
    form.points = String(body.points);
    form.useFilter = Boolean(body.filter);
    form.filterProperty = body.filter?.property ?? 'url';
    form.filterTest = testForm(body.filter?.test);
    form.cap = text(body.cap);
    form.decay = body.decay.type;
    if (body.decay.type !== 'none') form.decayDays = String(body.decay.days);
    form.oncePer = body.once_per ?? '';
  } else {
    form.field = body.condition.field;
    form.key = body.condition.key ?? '';
    form.test = testForm(body.condition.test);
    if (body.kind === 'fit') form.points = String(body.points);
  }
  return form;
}

type Built<T> = { value: T } | { problem: Problem };

function number(typed: string, key: Problem['key']): Built<number> {
  const value = parseNumber(typed);
  return value === null ? { problem: { key, params: { value: typed } } } : { value };
}

function optionalNumber(typed: string, key: Problem['key']): Built<number | null> {
  return typed.trim() === '' ? { value: null } : number(typed, key);
}

function testOf(form: TestForm): Built<Test> {
  switch (form.op) {
    case 'equals':
    case 'contains':
      return { value: { op: form.op, value: form.value } };
    case 'one_of': {
      const values = form.values
        .split(',')
        .map((value) => value.trim())
        .filter((value) => value !== '');
      return { value: { op: 'one_of', values } };
    }
    case 'range': {
      const min = optionalNumber(form.min, 'scoring.form.minNotNumber');
      if ('problem' in min) return min;
      const max = optionalNumber(form.max, 'scoring.form.maxNotNumber');
      if ('problem' in max) return max;
      return { value: { op: 'range', min: min.value, max: max.value } };
    }
    case 'empty':
    case 'not_empty':
      return { value: { op: form.op } };
  }
}

/**
 * Builds the rule the form describes, or returns the first number that
 * cannot be read, naming the typed text.
 */
export function ruleOf(form: RuleForm): Built<Rule> {
  const base = { id: form.id, name: form.name, enabled: form.enabled };
  if (form.kind === 'behaviour') {
    const points = number(form.points, 'scoring.form.pointsNotNumber');
    if ('problem' in points) return points;
    const cap = optionalNumber(form.cap, 'scoring.form.capNotNumber');
    if ('problem' in cap) return cap;
    let decay: Decay = { type: 'none' };
    if (form.decay !== 'none') {
      const days = number(form.decayDays, 'scoring.form.daysNotNumber');
      if ('problem' in days) return days;
      decay = { type: form.decay, days: days.value };
    }
    let filter = null;
    if (form.useFilter) {
      const test = testOf(form.filterTest);
      if ('problem' in test) return test;
      filter = { property: form.filterProperty, test: test.value };
    }
    const once_per = form.oncePer.trim() === '' ? null : form.oncePer;
    return {
      value: { ...base, body: { kind: 'behaviour', event_type: form.eventType, filter, points: points.value, cap: cap.value, decay, once_per } },
    };
  }

  const test = testOf(form.test);
  if ('problem' in test) return test;
  const condition = { field: form.field, key: form.field === 'custom' ? form.key : null, test: test.value };
  if (form.kind === 'disqualify') return { value: { ...base, body: { kind: 'disqualify', condition } } };
  const points = number(form.points, 'scoring.form.pointsNotNumber');
  if ('problem' in points) return points;
  return { value: { ...base, body: { kind: 'fit', condition, points: points.value } } };
}
