import { describe, expect, it } from 'vitest';
import { parseMoney } from './money';

describe('parseMoney', () => {
  it('reads Dutch amounts', () => {
    expect(parseMoney('1.234,56', 'nl-NL')).toBe(123_456);
    expect(parseMoney('€ 2.000,00', 'nl-NL')).toBe(200_000);
    expect(parseMoney('89,9', 'nl-NL')).toBe(8_990);
  });

  it('reads English amounts', () => {
    expect(parseMoney('1,234.56', 'en-GB')).toBe(123_456);
    expect(parseMoney('12500', 'en-GB')).toBe(1_250_000);
  });

  it('rejects text and negative amounts', () => {
    expect(parseMoney('lots', 'en-GB')).toBeNull();
    expect(parseMoney('-5', 'en-GB')).toBeNull();
    expect(parseMoney('1.2.3', 'en-GB')).toBeNull();
  });
});
