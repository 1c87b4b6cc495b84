import { en } from './i18n/en';
import { t, type MessageKey } from './i18n/index.svelte';

/**
 * Returns the name to show for a scoring rule: the translated name of a
 * default rule that still has its default name (it then carries a `key`
 * such as `default.pricing_visit`), else the name the user gave it.
 *
 * NOTE: the rule editor still shows a default rule's stored English name,
 * so typing a Dutch name there renames the rule and drops its key.
 */
export function ruleName(name: string, key?: string | null): string {
  if (!key) return name;
  const messageKey = `scoring.rule.${key}`;
  return messageKey in en ? t(messageKey as MessageKey) : name;
}
