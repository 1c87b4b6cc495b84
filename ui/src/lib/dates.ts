// Calendar dates in the user's time zone.
import { i18n } from './i18n/index.svelte';

/** Returns today's date in the user's time zone as YYYY-MM-DD. */
export function today(timeZone: string = i18n.timeZone): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(new Date());
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}
