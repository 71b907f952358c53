import { DateTime } from 'luxon';
import { SlurmcastError } from './errors.js';

/**
 * The one reader of ISO 8601 instants given by users and library callers (`--until`, `--from`, `--to`,
 * `--since`, `--start`, the Alibaba trace anchor). An instant without an offset is UTC, whatever the
 * machine's time zone: the same text means the same instant on every machine and in every command.
 * Slurm's own output formats are parsed in `sdk/parse/`, not here.
 */

/** A date, optionally a time, optionally an offset; nothing else (no week dates, no bare times). */
const ISO_INSTANT =
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** A text that is not an ISO 8601 instant: a usage error (exit code 2). */
export class InvalidInstantError extends SlurmcastError {
  override readonly name = 'InvalidInstantError' as const;
  readonly retryable = false;
  /** What the text was for, e.g. `--until`. */
  readonly what: string;
  readonly text: string;
  readonly hint: string;
  constructor(what: string, text: string, reason: string) {
    const hint =
      'write it as YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] (UTC) or with an offset, e.g. 2024-03-01T08:00:00+01:00';
    super(`${what} ${JSON.stringify(text)} is not an ISO 8601 instant (${reason}); ${hint}`);
    this.what = what;
    this.text = text;
    this.hint = hint;
  }
}

/**
 * Reads an ISO 8601 instant into Unix seconds. Without an offset it is UTC (`2024-03-01T08:00` is
 * 08:00Z), never the local time of the machine; a date alone is its midnight UTC.
 * @param what names the text in the error, e.g. `--until`.
 * @throws {InvalidInstantError} for anything else: a bare time, a week date, a month 13, `yesterday`.
 * @example parseInstant('2012-10-01T00:00:00Z', '--until') // 1349049600
 */
export function parseInstant(text: string, what: string): number {
  const trimmed = text.trim();
  if (!ISO_INSTANT.test(trimmed)) {
    throw new InvalidInstantError(what, text, 'expected a date, an optional time and an optional offset');
  }
  const parsed = DateTime.fromISO(trimmed, { zone: 'utc' });
  if (!parsed.isValid) throw new InvalidInstantError(what, text, parsed.invalidExplanation ?? 'no such date');
  return parsed.toMillis() / 1000;
}

/** The instant of `text` by {@link parseInstant}, or NaN when it is not one (for schema checks). */
export function parseInstantOrNaN(text: string): number {
  try {
    return parseInstant(text, 'instant');
  } catch {
    return Number.NaN;
  }
}

/** Whether {@link parseInstant} reads `text`. */
export function isInstant(text: string): boolean {
  return Number.isFinite(parseInstantOrNaN(text));
}

/** ISO 8601 UTC without milliseconds, e.g. `2012-10-01T00:00:00Z`. */
export function formatInstant(tS: number): string {
  return DateTime.fromSeconds(tS, { zone: 'utc' }).toISO({ suppressMilliseconds: true }) ?? String(tS);
}

/** An instant to the minute, UTC, for reasons an admin reads (`2024-01-01T09:30Z`). */
export function isoMinute(tS: number): string {
  return `${new Date(tS * 1000).toISOString().slice(0, 16)}Z`;
}
