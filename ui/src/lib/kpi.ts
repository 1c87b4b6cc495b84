// Formatting of the KPI dashboard: card values and changes in the user's
// locale, and the translated words the Rust charts draw.
import type { ChartLabels } from './bindings/ChartLabels';
import type { KpiCard } from './bindings/KpiCard';
import type { KpiUnit } from './bindings/KpiUnit';
import type { Language } from './bindings/Language';
import { formatNumber } from './format';
import { formatLocales, translate } from './i18n/index.svelte';

/** Formats a card value: percentages and scores with one decimal, money in `currency`. */
export function formatKpi(value: number, unit: KpiUnit, locale: string, currency: string): string {
  switch (unit) {
    case 'percent':
      return new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(value / 100);
    case 'money':
      return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(value);
    case 'days':
    case 'score':
      return formatNumber(value, locale, 1);
  }
}

/** Rounds a change to the shown precision: cents for money, one decimal otherwise. */
function roundChange(change: number, unit: KpiUnit): number {
  const scale = unit === 'money' ? 100 : 10;
  return Math.round(change * scale) / scale;
}

/**
 * Formats a change against the previous period with its sign. Percentages
 * change in percentage points ("pp"), so +2.0 pp is never read as +2 %.
 * A change that rounds to zero shows as "±0".
 */
export function formatChange(change: number, unit: KpiUnit, locale: string, currency: string): string {
  const rounded = roundChange(change, unit);
  let sign = '±';
  if (rounded > 0) sign = '+';
  if (rounded < 0) sign = '−';
  const size = Math.abs(rounded);
  switch (unit) {
    case 'percent':
      return `${sign}${formatNumber(size, locale, 1)} pp`;
    case 'money':
      return `${sign}${new Intl.NumberFormat(locale, { style: 'currency', currency }).format(size)}`;
    case 'days':
    case 'score':
      return `${sign}${formatNumber(size, locale, 1)}`;
  }
}

/**
 * Tells whether a card's change is good or bad news, or `null` when it
 * rounds to zero. Lower is better for cost per lead and time to conversion.
 */
export function changeDirection(card: KpiCard): 'better' | 'worse' | null {
  const change = roundChange(card.change ?? 0, card.unit);
  if (change === 0) return null;
  const lowerIsBetter = card.kpi === 'cost_per_lead' || card.kpi === 'time_to_conversion';
  return lowerIsBetter === change < 0 ? 'better' : 'worse';
}

/** Formats a local calendar date (YYYY-MM-DD) without shifting it to another day. */
export function formatLocalDate(date: string, locale: string): string {
  const moment = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(moment.getTime())) return date;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(moment);
}

function part(parts: Intl.NumberFormatPart[], type: Intl.NumberFormatPartTypes, fallback: string): string {
  return parts.find((p) => p.type === type)?.value ?? fallback;
}

/** Builds the chart words in `language`, with its month names, decimal mark and currency symbol. */
export function chartLabels(language: Language, currency: string): ChartLabels {
  const locale = formatLocales[language];
  const say = (key: Parameters<typeof translate>[1]) => translate(language, key);
  const monthFormat = new Intl.DateTimeFormat(locale, { month: 'short', timeZone: 'UTC' });
  const months = Array.from({ length: 12 }, (_, month) =>
    monthFormat.format(new Date(Date.UTC(2024, month, 1))).replace('.', ''),
  ) as ChartLabels['months'];
  const decimal = part(new Intl.NumberFormat(locale).formatToParts(1.5), 'decimal', '.');
  const symbol = part(new Intl.NumberFormat(locale, { style: 'currency', currency }).formatToParts(1), 'currency', currency);

  return {
    funnel_title: say('dashboard.chart.funnel'),
    leads_title: say('dashboard.chart.leads'),
    ratios_title: say('dashboard.chart.ratios'),
    channels_title: say('dashboard.chart.channels'),
    time_to_conversion_title: say('dashboard.chart.time_to_conversion'),
    scores_title: say('dashboard.chart.scores'),
    stages: [say('stage.new'), say('stage.mql'), say('stage.warm'), say('stage.sql'), say('stage.customer')],
    leads: say('dashboard.axis.leads'),
    mql_to_sql: say('dashboard.kpi.mql_to_sql'),
    conversion_rate: say('dashboard.kpi.conversion_rate'),
    cost_per_lead: say('dashboard.kpi.cost_per_lead'),
    roi: say('dashboard.kpi.roi'),
    days: say('dashboard.axis.days'),
    score: say('dashboard.axis.score'),
    not_available: say('dashboard.notAvailable'),
    no_data: say('dashboard.noData'),
    other_channels: say('dashboard.otherChannels'),
    no_channel: say('dashboard.noChannel'),
    months,
    decimal_separator: decimal,
    currency_symbol: symbol,
  };
}
