import { describe, expect, it } from 'vitest';
import { ParameterRangeError } from '../../../src/config/params.js';
import { calendarFeatures, localParts, parseStep } from '../../../src/series/calendar.js';
import { SeriesError } from '../../../src/series/errors.js';

const hour = 3600;
// 2024-03-31T00:00:00Z: Europe/Stockholm springs forward at 01:00 UTC (02:00 CET → 03:00 CEST).
const SPRING = 1711843200;
// 2024-10-27T00:00:00Z: Europe/Stockholm falls back at 01:00 UTC (03:00 CEST → 02:00 CET).
const AUTUMN = 1729987200;

describe('calendar features', () => {
  it('skips the local hour 02 on the spring-forward night', () => {
    const cal = calendarFeatures({ startS: SPRING, stepS: hour, length: 4, timeZone: 'Europe/Stockholm' });
    expect(Array.from(cal.hourOfDay)).toEqual([1, 3, 4, 5]);
    expect(Array.from(cal.offsetMin)).toEqual([60, 120, 120, 120]);
    expect(Array.from(cal.weekday)).toEqual([7, 7, 7, 7]); // a Sunday
  });

  it('repeats the local hour 02 on the fall-back night', () => {
    const cal = calendarFeatures({ startS: AUTUMN, stepS: hour, length: 4, timeZone: 'Europe/Stockholm' });
    expect(Array.from(cal.hourOfDay)).toEqual([2, 2, 3, 4]);
    expect(Array.from(cal.offsetMin)).toEqual([120, 60, 60, 60]);
  });

  it('agrees with luxon instant by instant, across a week of 5-minute buckets', () => {
    const cal = calendarFeatures({
      startS: SPRING - 3 * 86400,
      stepS: 300,
      length: 7 * 288,
      timeZone: 'America/New_York',
    });
    for (let i = 0; i < cal.hourOfDay.length; i += 37) {
      const parts = localParts(SPRING - 3 * 86400 + i * 300, 'America/New_York');
      expect([cal.hourOfDay[i], cal.weekday[i], cal.offsetMin[i]]).toEqual([
        parts.hour,
        parts.weekday,
        parts.offsetMin,
      ]);
    }
  });

  it('reports local parts with DST', () => {
    expect(localParts(SPRING + hour, 'Europe/Stockholm')).toEqual({
      hour: 3,
      minute: 0,
      weekday: 7,
      date: '2024-03-31',
      offsetMin: 120,
      isDst: true,
    });
    expect(() => localParts(0, 'Nowhere/City')).toThrow(SeriesError);
  });
});

describe('parseStep', () => {
  it('reads durations with units', () => {
    expect([
      parseStep('300'),
      parseStep('300s'),
      parseStep('5m'),
      parseStep('5min'),
      parseStep('1h'),
      parseStep('1d'),
    ]).toEqual([300, 300, 300, 300, 3600, 86400]);
    expect(() => parseStep('0h')).toThrow(ParameterRangeError);
    expect(() => parseStep('1 fortnight')).toThrow(ParameterRangeError);
    expect(() => parseStep('0.5s')).toThrow(ParameterRangeError);
    expect(() => parseStep('-1h')).toThrow(ParameterRangeError);
    expect(() => parseStep('32d')).toThrow('[1, 2678400] seconds');
  });
});
