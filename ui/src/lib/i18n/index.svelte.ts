import { en, type MessageKey } from './en';
import { nl } from './nl';
import type { Language } from '../bindings/Language';

export type { MessageKey };

const catalogs: Record<Language, Record<MessageKey, string>> = { en, nl };

/** BCP 47 locale used for number and date formatting per UI language. */
export const formatLocales: Record<Language, string> = { en: 'en-GB', nl: 'nl-NL' };

class I18n {
  language = $state<Language>('en');
  timeZone = $state<string>('UTC');
  currency = $state<string>('EUR');

  get locale(): string {
    return formatLocales[this.language];
  }
}

/** The active language, time zone and currency, shared by every component. */
export const i18n = new I18n();

/** Returns the message for `key` in `language`, with {placeholders} filled in. */
export function translate(
  language: Language,
  key: MessageKey,
  params: Record<string, string | number> = {},
): string {
  const template = catalogs[language][key] ?? en[key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** Returns the message for `key` in the active language. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  return translate(i18n.language, key, params);
}

export function catalog(language: Language): Record<MessageKey, string> {
  return catalogs[language];
}
