import { en } from './i18n/en';
import { t, type MessageKey } from './i18n/index.svelte';

/**
 * Returns the name to show for a scoring rule: the translated name of a
 * default rule that still has its default name (it then carries a `key`
 * such as `default.pricing_visit`), else the name the user gave it.
 * The rule editor shows the same name and, when it is saved unchanged,
 * sends the stored name back, so the rule keeps its key.
 */
export function ruleName(name: string, key?: string | null): string {
  if (!key) return name;
  const messageKey = `scoring.rule.${key}`;
  return messageKey in en ? t(messageKey as MessageKey) : name;
}
