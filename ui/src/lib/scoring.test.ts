import { describe, expect, it } from 'vitest';
import { defaultRulesSample } from './scoring.fixtures';
import { formOf, ruleOf } from './ruleForm';
import { Coalescer, parseNumber, setThreshold, sliderTop, stagesBefore, thresholdProblem } from './scoring';

const saved = { mql: 40, warm: 60, sql: 80 };

describe('setThreshold', () => {
  it('moves a threshold freely between its neighbours', () => {
    expect(setThreshold(saved, 'warm', 70, 100)).toEqual({ mql: 40, warm: 70, sql: 80 });
  });

  it('stops a slider one point before the next threshold', () => {
    expect(setThreshold(saved, 'mql', 75, 100)).toEqual({ mql: 59, warm: 60, sql: 80 });
    expect(setThreshold(saved, 'sql', 10, 100)).toEqual({ mql: 40, warm: 60, sql: 61 });
    expect(setThreshold(saved, 'sql', 500, 100)).toEqual({ mql: 40, warm: 60, sql: 100 });
    expect(setThreshold(saved, 'mql', -3, 100)).toEqual({ mql: 0, warm: 60, sql: 80 });
  });
});

describe('thresholdProblem', () => {
  it('accepts rising numbers with a decimal comma', () => {
    expect(thresholdProblem({ mql: '40,5', warm: '60', sql: '80' }, parseNumber)).toBeNull();
  });

  it('names the value that is not a number', () => {
    expect(thresholdProblem({ mql: 'abc', warm: '60', sql: '80' }, parseNumber)).toEqual({
      key: 'scoring.threshold.notNumber',
      params: { name: 'MQL', value: 'abc' },
    });
  });

  it('rejects negative and out-of-order thresholds', () => {
    expect(thresholdProblem({ mql: '-1', warm: '60', sql: '80' }, parseNumber)?.key).toBe('scoring.threshold.negative');
    expect(thresholdProblem({ mql: '60', warm: '60', sql: '80' }, parseNumber)?.key).toBe('scoring.threshold.mqlAboveWarm');
    expect(thresholdProblem({ mql: '40', warm: '90', sql: '80' }, parseNumber)?.key).toBe('scoring.threshold.warmAboveSql');
  });
});

describe('sliderTop', () => {
  it('covers the highest score and the SQL threshold', () => {
    expect(sliderTop(37, saved)).toBe(100);
    expect(sliderTop(143.5, saved)).toBe(150);
    expect(sliderTop(20, { mql: 40, warm: 60, sql: 120 })).toBe(130);
  });
});

describe('stagesBefore', () => {
  it('undoes the previewed moves', () => {
    const stages = { new: 5, mql: 4, warm: 3, sql: 2, customer: 1, disqualified: 0 };
    const transitions = [
      { from: 'new' as const, to: 'mql' as const, count: 2 },
      { from: 'mql' as const, to: 'sql' as const, count: 1 },
    ];
    const before = stagesBefore({ thresholds: saved, stages, moved: { mql: 2, warm: 0, sql: 1 }, transitions, cooling: 0 });
    expect(before).toEqual({ new: 7, mql: 3, warm: 3, sql: 1, customer: 1, disqualified: 0 });
  });
});

describe('Coalescer', () => {
  it('sends the first and the newest value, skipping those in between', async () => {
    const sent: number[] = [];
    let release: () => void = () => {};
    const coalescer = new Coalescer<number>(async (value) => {
      sent.push(value);
      await new Promise<void>((resolve) => (release = resolve));
    });
    coalescer.push(1);
    coalescer.push(2);
    coalescer.push(3);
    expect(sent).toEqual([1]);
    release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(sent).toEqual([1, 3]);
    release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(coalescer.busy).toBe(false);
  });
});

describe('rule form', () => {
  it('round-trips every kind of rule', () => {
    for (const rule of defaultRulesSample) {
      const built = ruleOf(formOf(rule));
      expect(built).toEqual({ value: rule });
    }
  });

  it('names typed text that is not a number', () => {
    const form = formOf(defaultRulesSample[0]);
    form.points = 'ten';
    expect(ruleOf(form)).toEqual({ problem: { key: 'scoring.form.pointsNotNumber', params: { value: 'ten' } } });
  });
});
