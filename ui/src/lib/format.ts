// Locale-aware formatting of numbers, money and dates. Timestamps arrive
// from Rust as UTC RFC 3339 text and are shown in the user's time zone.

export function formatNumber(value: number, locale: string, fractionDigits = 0): string {
  return new Intl.NumberFormat(locale, {
    minimumFractionDigits: fractionDigits,
    maximumFractionDigits: fractionDigits,
  }).format(value);
}

export function formatPercent(ratio: number, locale: string): string {
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(ratio);
}

/** Formats integer minor units (cents) as money in `currency`. */
export function formatMoney(cents: number, currency: string, locale: string): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(cents / 100);
}

/** Formats a UTC timestamp as a local date in `timeZone`. */
export function formatDate(utc: string, locale: string, timeZone: string): string {
  const moment = new Date(utc);
  if (Number.isNaN(moment.getTime())) return utc;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone }).format(moment);
}

/** Formats a UTC timestamp as local date and time in `timeZone`. */
export function formatDateTime(utc: string, locale: string, timeZone: string): string {
  const moment = new Date(utc);
  if (Number.isNaN(moment.getTime())) return utc;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(moment);
}
