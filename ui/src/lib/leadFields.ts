// Checks of the lead panel's fields as the user types. The library checks
// the same rules again when saving; these only give quicker feedback.
import type { MessageKey } from './i18n/en';

/** Returns the message key of what is wrong with `value`, or null when it is fine. */
export function fieldProblem(field: string, value: string): MessageKey | null {
  const text = value.trim();
  if (text === '') return null;
  if (text.length > 200) return 'board.lead.tooLong';
  switch (field) {
    case 'email':
      return /^[^@\s]+@[^@\s]+\.[^@\s.]+$/.test(text) ? null : 'board.lead.badEmail';
    case 'phone': {
      const digits = text.replace(/\D/g, '').length;
      return /^\+?[\d\s().-]+$/.test(text) && digits >= 6 && digits <= 15 ? null : 'board.lead.badPhone';
    }
    case 'country':
      return /^[A-Za-z]{2}$/.test(text) ? null : 'board.lead.badCountry';
    case 'domain':
      return /^[^@\s/]+\.[^@\s/]+$/.test(text) ? null : 'board.lead.badDomain';
    default:
      return null;
  }
}
