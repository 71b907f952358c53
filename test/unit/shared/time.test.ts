import { describe, expect, it } from 'vitest';
import { formatInstant, InvalidInstantError, parseInstant } from '../../../src/shared/time.js';

const NEW_YEAR_2024_S = 1_704_067_200;

describe('parseInstant', () => {
  it('reads an instant without an offset as UTC, the same as with Z', () => {
    expect(parseInstant('2024-01-01T00:00:00Z', 't')).toBe(NEW_YEAR_2024_S);
    expect(parseInstant('2024-01-01T00:00:00', 't')).toBe(NEW_YEAR_2024_S);
    expect(parseInstant('2024-01-01T00:00', 't')).toBe(NEW_YEAR_2024_S);
    expect(parseInstant('2024-01-01', 't')).toBe(NEW_YEAR_2024_S);
  });

  it('applies an explicit offset', () => {
    expect(parseInstant('2024-01-01T09:00:00+09:00', 't')).toBe(NEW_YEAR_2024_S);
    expect(parseInstant('2023-12-31T19:00:00-0500', 't')).toBe(NEW_YEAR_2024_S);
    expect(parseInstant('2024-01-01T00:00:00.5Z', 't')).toBe(NEW_YEAR_2024_S + 0.5);
  });

  it('refuses what is not a dated ISO instant, naming the option', () => {
    for (const bad of ['10:00', 'yesterday', '2024-13-01', '2024-02-30', '2024-W01', '', '1704067200']) {
      expect(() => parseInstant(bad, '--until')).toThrow(InvalidInstantError);
      expect(() => parseInstant(bad, '--until')).toThrow(`--until ${JSON.stringify(bad)}`);
    }
  });

  it('formats back to ISO UTC', () => {
    expect(formatInstant(NEW_YEAR_2024_S)).toBe('2024-01-01T00:00:00Z');
  });
});
