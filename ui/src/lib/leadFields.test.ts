import { describe, expect, it } from 'vitest';
import { fieldProblem } from './leadFields';

describe('fieldProblem', () => {
  it('accepts empty and valid values', () => {
    expect(fieldProblem('email', '')).toBeNull();
    expect(fieldProblem('email', 'bas@kok.nl')).toBeNull();
    expect(fieldProblem('phone', '+31 20 123 4567')).toBeNull();
    expect(fieldProblem('country', 'nl')).toBeNull();
    expect(fieldProblem('domain', 'kok.nl')).toBeNull();
  });

  it('names what is wrong', () => {
    expect(fieldProblem('email', 'bas at kok')).toBe('board.lead.badEmail');
    expect(fieldProblem('phone', '12345')).toBe('board.lead.badPhone');
    expect(fieldProblem('country', 'NLD')).toBe('board.lead.badCountry');
    expect(fieldProblem('domain', 'https://kok.nl/x')).toBe('board.lead.badDomain');
    expect(fieldProblem('first_name', 'x'.repeat(201))).toBe('board.lead.tooLong');
  });
});
