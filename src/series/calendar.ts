import { DateTime } from 'luxon';
import type { Zone } from 'luxon';
import { parseDurationParam } from '../config/params.js';
import { SeriesError } from './errors.js';

/**
 * Local calendar features for forecasters: hour of day, weekday, UTC offset, DST, in the cluster's or
 * log's IANA time zone. Timestamps stay UTC everywhere else; only these features are local, so a
 * daily pattern stays aligned with the users' working day across DST changes.
 */

/** Local calendar parts of one instant. */
export interface LocalParts {
  /** 0–23, local wall-clock hour. */
  readonly hour: number;
  /** 0–59, local minute. */
  readonly minute: number;
  /** ISO weekday, 1 = Monday … 7 = Sunday. */
  readonly weekday: number;
  /** Local date as `YYYY-MM-DD`. */
  readonly date: string;
  /** Offset from UTC in minutes (east positive), DST included. */
  readonly offsetMin: number;
  /** Whether daylight saving time is in effect. */
  readonly isDst: boolean;
}

/** Calendar features for every bucket start of a series, as parallel arrays. */
export interface CalendarFeatures {
  /** Local hour of the bucket start (0–23). */
  readonly hourOfDay: Uint8Array;
  /** ISO weekday of the bucket start (1 = Monday … 7 = Sunday). */
  readonly weekday: Uint8Array;
  /** Local minutes since local midnight of the bucket start (0–1439). */
  readonly minuteOfDay: Uint16Array;
  /** UTC offset in minutes at the bucket start. */
  readonly offsetMin: Int16Array;
}

/**
 * The zone object for an IANA name or a fixed offset such as `UTC+1`.
 *
 * @throws {SeriesError} `bad-time-zone` when luxon does not know the zone.
 */
export function resolveZone(timeZone: string): Zone {
  const probe = DateTime.fromSeconds(0, { zone: timeZone });
  if (!probe.isValid) {
    throw new SeriesError(
      'bad-time-zone',
      `unknown time zone ${JSON.stringify(timeZone)}; use an IANA name such as Europe/Paris`,
    );
  }
  return probe.zone;
}

/**
 * The local calendar parts of `tS` (UTC seconds) in `timeZone`.
 *
 * @throws {SeriesError} `bad-time-zone` for an unknown zone.
 * @example
 * localParts(1711846800, 'Europe/Stockholm').hour // 3: 01:00 UTC on the spring-forward night
 */
export function localParts(tS: number, timeZone: string): LocalParts {
  const zone = resolveZone(timeZone);
  const dt = DateTime.fromSeconds(tS, { zone });
  return {
    hour: dt.hour,
    minute: dt.minute,
    weekday: dt.weekday,
    date: dt.toISODate() ?? '',
    offsetMin: dt.offset,
    isDst: dt.isInDST,
  };
}

const SECONDS_PER_DAY = 86_400;
/** 1970-01-01 was a Thursday (ISO weekday 4). */
const EPOCH_WEEKDAY = 4;

/**
 * Calendar features for `length` buckets starting at `startS`, `stepS` apart. The zone offset comes
 * from luxon for every bucket (DST-correct); the rest is arithmetic on the local time.
 *
 * @throws {SeriesError} `bad-time-zone` for an unknown zone.
 * @example
 * const cal = calendarFeatures({ startS: series.startS, stepS: series.stepS, length: 168, timeZone: series.timeZone });
 */
export function calendarFeatures(grid: {
  startS: number;
  stepS: number;
  length: number;
  timeZone: string;
}): CalendarFeatures {
  const zone = resolveZone(grid.timeZone);
  const hourOfDay = new Uint8Array(grid.length);
  const weekday = new Uint8Array(grid.length);
  const minuteOfDay = new Uint16Array(grid.length);
  const offsetMin = new Int16Array(grid.length);
  for (let i = 0; i < grid.length; i++) {
    const tS = grid.startS + i * grid.stepS;
    const offset = zone.offset(tS * 1000);
    const local = tS + offset * 60;
    const day = Math.floor(local / SECONDS_PER_DAY);
    const secondOfDay = local - day * SECONDS_PER_DAY;
    hourOfDay[i] = Math.floor(secondOfDay / 3600);
    minuteOfDay[i] = Math.floor(secondOfDay / 60);
    weekday[i] = ((((day + EPOCH_WEEKDAY - 1) % 7) + 7) % 7) + 1;
    offsetMin[i] = offset;
  }
  return { hourOfDay, weekday, minuteOfDay, offsetMin };
}

/**
 * A bucket length such as `5m`, `5min`, `1h`, `1d`, `300s` or `300` (seconds) in seconds.
 *
 * @throws {ParameterRangeError} when it is not a duration or outside the step's range (`Params.stepS`).
 * @example
 * parseStep('1h') // 3600
 */
export function parseStep(text: string): number {
  return parseDurationParam('stepS', text);
}
