// Parsing money typed by a person in the active locale, such as
// "1.234,56" (nl) or "1,234.56" (en), into integer minor units.

/** Returns cents, or null when `text` is not an amount. */
export function parseMoney(text: string, locale: string): number | null {
  const parts = new Intl.NumberFormat(locale).formatToParts(12345.6);
  const group = parts.find((part) => part.type === 'group')?.value ?? ',';
  const decimal = parts.find((part) => part.type === 'decimal')?.value ?? '.';
  let cleaned = text.replace(/[\s\u00a0€$£]/g, '');
  if (cleaned === '' || cleaned.startsWith('-')) return null;
  cleaned = cleaned.split(group).join('');
  if (decimal !== '.') cleaned = cleaned.replace(decimal, '.');
  if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return null;
  return Math.round(Number(cleaned) * 100);
}
