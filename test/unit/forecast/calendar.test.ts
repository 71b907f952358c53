import { describe, expect, it } from 'vitest';
import { buildCalendar, sameSlotLag } from '../../../src/forecast/calendar.js';
import { InvalidSeriesError } from '../../../src/forecast/errors.js';
import { multiWeekMean } from '../../../src/forecast/models/naive.js';

// 2012-03-19 00:00 Europe/Paris (CET, UTC+1) = 2012-03-18T23:00Z; DST starts 2012-03-25 02:00 local.
const START_S = Date.UTC(2012, 2, 18, 23) / 1000;

describe('local calendar', () => {
  it('follows the series time zone across a DST change', () => {
    const cal = buildCalendar(START_S, 3600, 24 * 14, 'Europe/Paris');
    expect(cal.slotOfWeek[0]).toBe(0); // Monday 00:00 local
    const sunday = 6 * 24; // 2012-03-25 00:00 local
    expect(Array.from(cal.slotOfDay.subarray(sunday, sunday + 4))).toEqual([0, 1, 3, 4]);
    expect(cal.offsetMin[sunday]).toBe(60);
    expect(cal.offsetMin[sunday + 3]).toBe(120);
  });

  it('matches the same local hour one week back across DST', () => {
    const cal = buildCalendar(START_S, 3600, 24 * 14, 'Europe/Paris');
    // The first week lost an hour, so Monday 05:00 of week two (summer time) is step 167 + 5.
    const i = 167 + 5;
    expect(cal.slotOfWeek[i]).toBe(5);
    const j = sameSlotLag(cal, i, 'week', 1);
    expect(j).toBe(5);
  });

  it('puts the weekly profile on local hours, so a 9:00 peak stays at 9:00 after the clocks change', () => {
    const n = 24 * 7 * 5;
    const cal = buildCalendar(START_S, 3600, n + 24, 'Europe/Paris');
    const values = Float64Array.from({ length: n }, (_, t) => (cal.slotOfDay[t] === 9 ? 100 : 0));
    const f = multiWeekMean()
      .fit({ values, stepS: 3600, startS: START_S, timeZone: 'Europe/Paris' })
      .predict({ horizon: 24, levels: [0.5] });
    const peak = f.mean.indexOf(Math.max(...f.mean));
    expect(cal.slotOfDay[n + peak]).toBe(9);
  });

  it('rejects unknown zones and steps that do not divide a day', () => {
    expect(() => buildCalendar(0, 3600, 10, 'Mars/Olympus')).toThrow(InvalidSeriesError);
    expect(() => buildCalendar(0, 7000, 10, 'UTC')).toThrow(InvalidSeriesError);
  });
});
