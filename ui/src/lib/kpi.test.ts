import { describe, expect, it } from 'vitest';
import type { KpiCard } from './bindings/KpiCard';
import { chartLabels, formatChange, formatKpi, formatLocalDate, changeDirection } from './kpi';

function card(kpi: KpiCard['kpi'], change: number | null): KpiCard {
  return { kpi, unit: 'percent', value: 1, not_available: null, secondary: null, previous: 1, change, excluded: 0, trend: [] };
}

describe('formatKpi', () => {
  it('formats percentages with one decimal per locale', () => {
    expect(formatKpi(12.345, 'percent', 'en-GB', 'EUR')).toBe('12.3%');
    expect(formatKpi(12.345, 'percent', 'nl-NL', 'EUR')).toBe('12,3%');
  });

  it('formats money in major units', () => {
    expect(formatKpi(1234.5, 'money', 'en-GB', 'EUR')).toBe('€1,234.50');
    expect(formatKpi(1234.5, 'money', 'nl-NL', 'EUR')).toMatch(/^€\s1\.234,50$/);
  });
});

describe('formatChange', () => {
  it('shows percentage points with a sign', () => {
    expect(formatChange(2, 'percent', 'en-GB', 'EUR')).toBe('+2.0 pp');
    expect(formatChange(-0.26, 'percent', 'nl-NL', 'EUR')).toBe('−0,3 pp');
    expect(formatChange(0, 'days', 'en-GB', 'EUR')).toBe('±0.0');
  });
});

describe('changeDirection', () => {
  it('treats lower cost and time as better', () => {
    expect(changeDirection(card('cost_per_lead', -1))).toBe('better');
    expect(changeDirection(card('time_to_conversion', 2))).toBe('worse');
    expect(changeDirection(card('roi', 3))).toBe('better');
  });

  it('is neutral for a change that rounds to zero', () => {
    expect(changeDirection(card('lead_quality', -0.02))).toBeNull();
    expect(formatChange(-0.02, 'score', 'nl-NL', 'EUR')).toBe('±0,0');
  });
});

describe('formatLocalDate', () => {
  it('keeps the calendar day', () => {
    expect(formatLocalDate('2024-12-31', 'en-GB')).toBe('31 Dec 2024');
    expect(formatLocalDate('not a date', 'en-GB')).toBe('not a date');
  });
});

describe('chartLabels', () => {
  it('uses the Dutch words, months and decimal comma', () => {
    const labels = chartLabels('nl', 'EUR');
    expect(labels.funnel_title).toBe('Trechter');
    expect(labels.decimal_separator).toBe(',');
    expect(labels.currency_symbol).toBe('€');
    expect(labels.months[2]).toBe('mrt');
    expect(labels.stages[4]).toBe('Klant');
  });
});
