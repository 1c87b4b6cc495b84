// Wording helpers for timeline entries.
import { en } from './i18n/en';

/** Turns a stored name such as `page_view` into "Page view". */
export function humanize(name: string): string {
  const words = name.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Returns whether `key` is a message key of the catalogs. */
export function knownKey(key: string): boolean {
  return key in en;
}
