import { IANAZone } from 'luxon';
import { InvalidSeriesError } from './errors.js';

const DAY_S = 86_400;
const WEEK_S = 7 * DAY_S;
/** 1970-01-01 was a Thursday; shifting by 3 days makes local week index 0 start on Monday 00:00. */
const MONDAY_SHIFT_S = 3 * DAY_S;

/**
 * Local calendar keys of each step of a regular series, in the series' IANA time zone (DST included).
 * `slotOfDay[i]` and `slotOfWeek[i]` are the local position of step i within its day and week, in steps
 * (for hourly data: local hour 0–23 and hour-of-week 0–167, Monday 00:00 = 0).
 */
export interface Calendar {
  readonly stepS: number;
  readonly slotsPerDay: number;
  readonly slotsPerWeek: number;
  readonly slotOfDay: Int32Array;
  readonly slotOfWeek: Int32Array;
  /** Local weekday, 0 = Monday … 6 = Sunday. */
  readonly weekday: Int8Array;
  /** UTC offset in minutes at each step. */
  readonly offsetMin: Int16Array;
}

const zoneCache = new Map<string, IANAZone>();

function zoneOf(timeZone: string): IANAZone {
  let zone = zoneCache.get(timeZone);
  if (zone === undefined) {
    zone = IANAZone.create(timeZone);
    if (!zone.isValid) throw new InvalidSeriesError(`unknown IANA time zone "${timeZone}"`);
    zoneCache.set(timeZone, zone);
  }
  return zone;
}

/**
 * Computes the calendar of `count` steps starting at `startS`. Offsets are looked up once a day and
 * bisected only around DST changes, so a 90-day hourly series costs ~100 zone look-ups, not 2,160.
 *
 * @throws InvalidSeriesError if the time zone is unknown or the step does not divide a day.
 */
export function buildCalendar(startS: number, stepS: number, count: number, timeZone: string): Calendar {
  if (!(stepS > 0) || DAY_S % stepS !== 0) {
    throw new InvalidSeriesError(`step of ${stepS} s does not divide a day`);
  }
  const zone = zoneOf(timeZone);
  const offsetAt = (s: number): number => zone.offset(s * 1000);
  const offsetMin = new Int16Array(count);
  const stepsPerDay = DAY_S / stepS;
  let i = 0;
  while (i < count) {
    const end = Math.min(count, i + stepsPerDay);
    const a = offsetAt(startS + i * stepS);
    const b = offsetAt(startS + (end - 1) * stepS);
    if (a === b) {
      offsetMin.fill(a, i, end);
      i = end;
      continue;
    }
    // Bisect the first step whose offset differs from `a`.
    let lo = i;
    let hi = end - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (offsetAt(startS + mid * stepS) === a) lo = mid;
      else hi = mid;
    }
    offsetMin.fill(a, i, hi);
    i = hi;
  }
  const slotsPerWeek = WEEK_S / stepS;
  const slotOfDay = new Int32Array(count);
  const slotOfWeek = new Int32Array(count);
  const weekday = new Int8Array(count);
  for (let k = 0; k < count; k++) {
    const localS = startS + k * stepS + (offsetMin[k] ?? 0) * 60 + MONDAY_SHIFT_S;
    const inWeek = ((localS % WEEK_S) + WEEK_S) % WEEK_S;
    const slot = Math.floor(inWeek / stepS);
    slotOfWeek[k] = slot;
    slotOfDay[k] = slot % stepsPerDay;
    weekday[k] = Math.floor(slot / stepsPerDay);
  }
  return { stepS, slotsPerDay: stepsPerDay, slotsPerWeek, slotOfDay, slotOfWeek, weekday, offsetMin };
}

/**
 * Index of the step `periods` whole periods (daily or weekly) before step `i` at the same local slot:
 * across a DST change the plain lag is one hour off, so the neighbour with the same local slot is taken.
 * Returns -1 if no such step is at or after 0.
 */
export function sameSlotLag(cal: Calendar, i: number, season: 'day' | 'week', periods: number): number {
  const period = season === 'day' ? cal.slotsPerDay : cal.slotsPerWeek;
  const keys = season === 'day' ? cal.slotOfDay : cal.slotOfWeek;
  const j = i - period * periods;
  if (j < 0) return -1;
  const want = keys[i];
  if (keys[j] === want) return j;
  const shift = Math.max(1, Math.round(3600 / cal.stepS));
  if (j + shift < i && keys[j + shift] === want) return j + shift;
  if (j - shift >= 0 && keys[j - shift] === want) return j - shift;
  return j;
}
