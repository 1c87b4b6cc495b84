import { describe, expect, it } from 'vitest';
import { en } from './en';
import { nl } from './nl';
import { translate } from './index.svelte';

describe('message catalogs', () => {
  it('have the same keys in English and Dutch', () => {
    expect(Object.keys(nl).sort()).toEqual(Object.keys(en).sort());
  });

  it('have no empty messages', () => {
    for (const [key, text] of [...Object.entries(en), ...Object.entries(nl)]) {
      expect(text.trim(), key).not.toBe('');
    }
  });

  it('use the same placeholders in both languages', () => {
    const placeholders = (text: string) => (text.match(/\{\w+\}/g) ?? []).sort();
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(placeholders(nl[key]), key).toEqual(placeholders(en[key]));
    }
  });
});

describe('translate', () => {
  it('fills placeholders', () => {
    expect(translate('nl', 'leads.count', { count: '2.000' })).toBe('2.000 leads');
  });

  it('keeps unknown placeholders visible', () => {
    expect(translate('en', 'settings.opened', {})).toBe('Opened {path}.');
  });
});
