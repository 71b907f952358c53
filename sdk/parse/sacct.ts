import { MalformedOutputError } from '../errors.js';
import { MAX_EPOCH_S, TresSchema, type JobId, type JobRecord, type Tres } from '../models.js';
import { emptyTres, parseCount, parseLimitMinutes, parseRssBytes, parseTresString } from './values.js';

/**
 * sacct `--parsable2` output, Slurm 22.05. The field list is explicit and fixed here so the parser
 * never depends on sacct's defaults. JobIDRaw comes first and ElapsedRaw last: both are digits only,
 * so a record split by a newline inside a job name or comment can be stitched back together by
 * counting delimiters. The delimiter is ASCII "unit separator", which Slurm never prints itself.
 */
export const SACCT_FIELDS = [
  'JobIDRaw',
  'JobID',
  'JobName',
  'User',
  'Account',
  'Partition',
  'QOS',
  'State',
  'ExitCode',
  'Submit',
  'Eligible',
  'Start',
  'End',
  'TimelimitRaw',
  'ReqTRES',
  'AllocTRES',
  'NodeList',
  'Reservation',
  'Comment',
  'MaxRSS',
  'TotalCPU',
  'Constraints',
  'ElapsedRaw',
] as const;

export const SACCT_DELIMITER = '\u001f';
const FIELD_COUNT = SACCT_FIELDS.length;
const OPERATION = 'ListJobHistory';

/** Parses a job id as displayed (`123`, `120_3`, `120_[1-5]`, `200+1`) plus the raw id. */
export function parseJobId(raw: number, display: string): JobId | undefined {
  let arrayJobId: number | null = null;
  let arrayTaskId: number | null = null;
  let hetJobId: number | null = null;
  let hetJobOffset: number | null = null;
  const us = display.indexOf('_');
  const plus = display.indexOf('+');
  if (us > 0) {
    const a = parseCount(display.slice(0, us));
    if (a === undefined) return undefined;
    arrayJobId = a;
    const task = display.slice(us + 1);
    // A pending array shows its unexpanded range, `120_[1-5%2]`: no single task yet.
    if (!task.startsWith('[')) {
      const t = parseCount(task);
      if (t === undefined) return undefined;
      arrayTaskId = t;
    }
  } else if (plus > 0) {
    const h = parseCount(display.slice(0, plus));
    const o = parseCount(display.slice(plus + 1));
    if (h === undefined || o === undefined) return undefined;
    hetJobId = h;
    hetJobOffset = o;
  } else if (parseCount(display) === undefined) {
    return undefined;
  }
  return { raw, display, arrayJobId, arrayTaskId, hetJobId, hetJobOffset };
}

function fail(field: string, record: string, detail: string): never {
  throw new MalformedOutputError({ reason: 'garbled', field, record, detail }, { operation: OPERATION });
}

/**
 * TRES strings repeat across thousands of jobs, so each distinct string is parsed and validated
 * with zod once, then shared (frozen). Scalar fields are checked by the converters below, which
 * enforce what `JobRecordSchema` states; this keeps zod out of the per-record hot loop.
 */
const TRES_CACHE_LIMIT = 10_000;
const tresCache = new Map<number, { text: string; tres: Tres }>();
function tresAt(field: string, text: string, a: number, b: number, record: () => string): Tres {
  const hash = hashAt(text, a, b);
  const cached = tresCache.get(hash);
  if (cached !== undefined && cached.text.length === b - a && text.startsWith(cached.text, a))
    return cached.tres;
  const value = text.slice(a, b);
  const parsed = parseTresString(value);
  if (parsed === undefined) fail(field, record(), `cannot read TRES ${JSON.stringify(value)}`);
  const checked = TresSchema.safeParse(parsed);
  if (!checked.success)
    fail(field, record(), `TRES ${JSON.stringify(value)}: ${checked.error.issues[0]?.message ?? 'invalid'}`);
  const frozen = Object.freeze({
    ...checked.data,
    gpuByType: Object.freeze(checked.data.gpuByType),
    other: Object.freeze(checked.data.other),
  }) as Tres;
  if (tresCache.size >= TRES_CACHE_LIMIT) tresCache.clear();
  tresCache.set(hash, { text: detached(value), tres: frozen });
  return frozen;
}

/** FNV-1a over `text[a, b)`: a cache key computed in place, without cutting the value out. */
function hashAt(text: string, a: number, b: number): number {
  let h = 0x811c9dc5;
  for (let i = a; i < b; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

/**
 * Users, accounts, partitions, states, node lists and job names repeat from job to job. One shared
 * string per distinct value keeps a large result small and spares a copy per record. The table
 * lives for one parse only: its strings may point into that call's output.
 */
const INTERN_LIMIT = 50_000;
const INTERN_MAX_LENGTH = 64;
function stringAt(interned: Map<number, string>, text: string, a: number, b: number): string {
  if (a === b) return '';
  if (b - a > INTERN_MAX_LENGTH) return text.slice(a, b);
  const hash = hashAt(text, a, b);
  const known = interned.get(hash);
  if (known !== undefined && known.length === b - a && text.startsWith(known, a)) return known;
  if (interned.size >= INTERN_LIMIT) interned.clear();
  const value = text.slice(a, b);
  interned.set(hash, value);
  return value;
}

/**
 * A copy that shares no memory with `value`: a substring can keep its whole source string alive,
 * and the TRES cache outlives the output it was filled from.
 */
function detached(value: string): string {
  return Buffer.from(value, 'utf8').toString('utf8');
}

const DELIMITER_CODE = 0x1f;
const NEWLINE_CODE = 0x0a;
const CODE_0 = 48;
const CODE_9 = 57;
const NOT_A_NUMBER = -1;

// The converters below read a value in place, `text[a, b)`, without slicing it out: most of a
// record's fields are numbers, and a substring per field is most of what a split-based parser
// allocates. They return NOT_A_NUMBER where the string converters in values.js return undefined.

/** Digits only (at most 15), like `parseCount`. */
function countAt(text: string, a: number, b: number): number {
  if (b <= a || b - a > 15) return NOT_A_NUMBER;
  let value = 0;
  for (let i = a; i < b; i++) {
    const c = text.charCodeAt(i);
    if (c < CODE_0 || c > CODE_9) return NOT_A_NUMBER;
    value = value * 10 + (c - CODE_0);
  }
  return value;
}

/** Like `parseClockDuration`: `[DD-][HH:]MM:SS[.fff]` → seconds rounded to ms; '' → 0. */
function clockAt(text: string, a: number, b: number): number {
  if (a === b) return 0;
  let days = 0;
  let i = a;
  for (let j = a; j < b; j++) {
    if (text.charCodeAt(j) === 0x2d) {
      days = countAt(text, a, j);
      if (days < 0) return NOT_A_NUMBER;
      i = j + 1;
      break;
    }
  }
  let end = b;
  let fraction = 0;
  for (let j = i; j < b; j++) {
    if (text.charCodeAt(j) === 0x2e) {
      const f = countAt(text, j + 1, b);
      if (f < 0) return NOT_A_NUMBER;
      fraction = f / 10 ** (b - j - 1);
      end = j;
      break;
    }
  }
  let seconds = 0;
  let parts = 0;
  let partStart = i;
  for (let j = i; j <= end; j++) {
    if (j === end || text.charCodeAt(j) === 0x3a) {
      const v = countAt(text, partStart, j);
      if (v < 0) return NOT_A_NUMBER;
      seconds = seconds * 60 + v;
      parts++;
      partStart = j + 1;
    }
  }
  if (parts < 2 || parts > 3) return NOT_A_NUMBER;
  return Math.round((days * 86_400 + seconds + fraction) * 1000) / 1000;
}

/** Like `parseEpoch`: epoch seconds, or null for '' / Unknown / None / N/A / 0. */
function epochAt(field: string, text: string, a: number, b: number, record: () => string): number | null {
  if (a === b) return null;
  const c = text.charCodeAt(a);
  if (c >= CODE_0 && c <= CODE_9) {
    const v = countAt(text, a, b);
    if (v === 0 && b - a === 1) return null;
    if (v >= 0 && v <= MAX_EPOCH_S) return v;
  } else {
    const word = text.slice(a, b);
    if (word === 'Unknown' || word === 'None' || word === 'N/A') return null;
  }
  return fail(
    field,
    record(),
    `expected epoch seconds (SLURM_TIME_FORMAT=%s), got ${JSON.stringify(text.slice(a, b))}`,
  );
}

const RSS_FACTOR: Readonly<Record<number, number>> = { 0x4b: 1024, 0x4d: 1024 ** 2, 0x47: 1024 ** 3 };

/** Like `parseRssBytes`: `1234K`, `12M`, `3G`, `1234` (KiB) → bytes; '' → null. */
function rssAt(field: string, text: string, a: number, b: number, record: () => string): number | null {
  if (a === b) return null;
  const factor = RSS_FACTOR[text.charCodeAt(b - 1)];
  const v = countAt(text, a, factor === undefined ? b : b - 1);
  if (v >= 0) return v * (factor ?? 1024);
  // Decimals (`1.5G`) and anything odd: the general converter.
  const bytes = parseRssBytes(text.slice(a, b));
  return bytes === undefined ? fail(field, record(), 'not a size') : bytes;
}

/** Null for Slurm's "nothing" spellings; the value otherwise. */
function stringOrNullAt(interned: Map<number, string>, text: string, a: number, b: number): string | null {
  if (a === b) return null;
  const s = stringAt(interned, text, a, b);
  return s === '(null)' || s === 'N/A' ? null : s;
}

/** Whether `text[a, b)` and `text[c, d)` hold the same characters. */
function sameAt(text: string, a: number, b: number, c: number, d: number): boolean {
  if (b - a !== d - c) return false;
  for (let i = 0; i < b - a; i++) if (text.charCodeAt(a + i) !== text.charCodeAt(c + i)) return false;
  return true;
}

/**
 * Parses sacct `-P` output for `SACCT_FIELDS` into one record per job (allocation); step rows
 * (`123.batch`, `123.0`, `123.extern`) are folded into their job: MaxRSS is the largest step value and
 * TotalCPU the sum over steps.
 *
 * Fields are located by delimiter, not by line: a newline inside a job name or comment is part of
 * the value, and a record ends at the first newline after its last delimiter (ElapsedRaw is digits
 * only). Values are read in place; only the strings a record keeps are cut out.
 * @throws {MalformedOutputError} naming the field and showing the record, when a value cannot be read
 *   or a record has the wrong number of fields (truncated output).
 * @example
 * const jobs = parseSacct(stdoutOf('sacct', sacctArgs({ startEpochS })));
 */
export function parseSacct(stdout: string): JobRecord[] {
  const text = stdout;
  const length = text.length;
  const jobs: JobRecord[] = [];
  // Steps almost always follow their job row; the id index is built only when one does not.
  const byRaw = new Map<number, JobRecord>();
  let indexed = 0;
  const findJob = (raw: number): JobRecord | undefined => {
    const last = jobs[jobs.length - 1];
    if (last !== undefined && last.id.raw === raw) return last;
    for (; indexed < jobs.length; indexed++) {
      const job = jobs[indexed] as JobRecord;
      byRaw.set(job.id.raw, job);
    }
    return byRaw.get(raw);
  };
  // ends[k]: where field k ends (its delimiter, or the record's end for the last field).
  const ends = new Int32Array(FIELD_COUNT);
  const interned = new Map<number, string>();
  let recordStart = 0;
  let recordEnd = 0;
  const record = (): string => text.slice(recordStart, recordEnd);
  let pos = 0;
  while (pos < length) {
    if (text.charCodeAt(pos) === NEWLINE_CODE) {
      pos++;
      continue;
    }
    recordStart = pos;
    let k = 0;
    let i = pos;
    while (k < FIELD_COUNT - 1) {
      const d = text.indexOf(SACCT_DELIMITER, i);
      if (d < 0) break;
      ends[k++] = d;
      i = d + 1;
    }
    if (k < FIELD_COUNT - 1) {
      throw new MalformedOutputError(
        {
          reason: 'truncated',
          field: SACCT_FIELDS[k] ?? 'JobIDRaw',
          record: text.slice(recordStart).replace(/\n+$/, ''),
          detail: `record ends after ${k + 1} of ${FIELD_COUNT} fields`,
        },
        { operation: OPERATION },
      );
    }
    let nl = i;
    let extra = 0;
    for (; nl < length; nl++) {
      const c = text.charCodeAt(nl);
      if (c === NEWLINE_CODE) break;
      if (c === DELIMITER_CODE) extra++;
    }
    recordEnd = nl;
    ends[FIELD_COUNT - 1] = nl;
    if (extra > 0) {
      fail(
        '(record)',
        record(),
        `expected ${FIELD_COUNT} fields, got ${FIELD_COUNT + extra}; the delimiter occurred in data or the field list differs`,
      );
    }
    pos = nl + 1;

    const idEnd = ends[0] as number;
    let dot = -1;
    for (let i = recordStart; i < idEnd; i++) {
      if (text.charCodeAt(i) === 0x2e) {
        dot = i;
        break;
      }
    }
    if (dot >= 0) {
      const raw = countAt(text, recordStart, dot);
      if (raw < 0) fail('JobIDRaw', record(), 'not a job step id');
      const job = findJob(raw);
      // A step whose job row fell outside the time window: nothing to attach it to.
      if (job !== undefined) foldStep(job, text, ends, record);
      continue;
    }
    jobs.push(buildJob(text, recordStart, ends, interned, record));
  }
  return jobs;
}

function buildJob(
  text: string,
  start: number,
  e: Int32Array,
  interned: Map<number, string>,
  record: () => string,
): JobRecord {
  // Field k spans [e[k-1] + 1, e[k]).
  const idEnd = e[0] as number;
  const raw = countAt(text, start, idEnd);
  if (raw < 0) fail('JobIDRaw', record(), 'not a job id');
  const rawText = text.slice(start, idEnd);
  const displayStart = idEnd + 1;
  const displayEnd = e[1] as number;
  let id: JobId;
  if (sameAt(text, start, idEnd, displayStart, displayEnd)) {
    id = { raw, display: rawText, arrayJobId: null, arrayTaskId: null, hetJobId: null, hetJobOffset: null };
  } else {
    id = parseJobId(raw, text.slice(displayStart, displayEnd)) ?? fail('JobID', record(), 'not a job id');
  }
  const stateStart = (e[6] as number) + 1;
  let stateEnd = e[7] as number;
  for (let i = stateStart; i < stateEnd; i++) {
    if (text.charCodeAt(i) === 0x20) {
      stateEnd = i;
      break;
    }
  }
  if (stateEnd === stateStart) fail('State', record(), 'empty state');
  const exitStart = (e[7] as number) + 1;
  const exitEnd = e[8] as number;
  let exitCode = NOT_A_NUMBER;
  let exitSignal = NOT_A_NUMBER;
  for (let i = exitStart; i < exitEnd; i++) {
    if (text.charCodeAt(i) === 0x3a) {
      exitCode = countAt(text, exitStart, i);
      exitSignal = countAt(text, i + 1, exitEnd);
      break;
    }
  }
  if (exitCode < 0 || exitSignal < 0)
    fail('ExitCode', record(), `expected code:signal, got ${JSON.stringify(text.slice(exitStart, exitEnd))}`);
  const limitStart = (e[12] as number) + 1;
  const limitEnd = e[13] as number;
  let timeLimitMin: number | null | undefined = countAt(text, limitStart, limitEnd);
  if (timeLimitMin < 0) {
    timeLimitMin = parseLimitMinutes(text.slice(limitStart, limitEnd));
    if (timeLimitMin === undefined) fail('TimelimitRaw', record(), 'not minutes');
  }
  const elapsedS = countAt(text, (e[21] as number) + 1, e[22] as number);
  if (elapsedS < 0) fail('ElapsedRaw', record(), 'not seconds');
  // The job row's TotalCPU is checked, but the value used is the sum over steps (as over REST).
  if (clockAt(text, (e[19] as number) + 1, e[20] as number) < 0) fail('TotalCPU', record(), 'not a duration');
  const reqStart = (e[13] as number) + 1;
  const reqEnd = e[14] as number;
  const allocStart = reqEnd + 1;
  const allocEnd = e[15] as number;
  const reqTres = tresAt('ReqTRES', text, reqStart, reqEnd, record);
  const allocTres = sameAt(text, reqStart, reqEnd, allocStart, allocEnd)
    ? reqTres
    : tresAt('AllocTRES', text, allocStart, allocEnd, record);
  const nodeStart = allocEnd + 1;
  const nodeEnd = e[16] as number;
  const nodes = stringOrNullAt(interned, text, nodeStart, nodeEnd);
  return {
    id,
    name: stringAt(interned, text, displayEnd + 1, e[2] as number),
    user: stringAt(interned, text, (e[2] as number) + 1, e[3] as number),
    account: stringOrNullAt(interned, text, (e[3] as number) + 1, e[4] as number),
    partition: stringOrNullAt(interned, text, (e[4] as number) + 1, e[5] as number),
    qos: stringOrNullAt(interned, text, (e[5] as number) + 1, e[6] as number),
    state: stringAt(interned, text, stateStart, stateEnd),
    exitCode,
    exitSignal,
    submitEpochS: epochAt('Submit', text, (e[8] as number) + 1, e[9] as number, record),
    eligibleEpochS: epochAt('Eligible', text, (e[9] as number) + 1, e[10] as number, record),
    startEpochS: epochAt('Start', text, (e[10] as number) + 1, e[11] as number, record),
    endEpochS: epochAt('End', text, (e[11] as number) + 1, e[12] as number, record),
    timeLimitMin,
    elapsedS,
    reqTres,
    allocTres,
    nodes: nodes === 'None assigned' ? null : nodes,
    reservation: stringOrNullAt(interned, text, nodeEnd + 1, e[17] as number),
    comment: stringOrNullAt(interned, text, (e[17] as number) + 1, e[18] as number),
    // Step rows carry no constraints; the job row's is the job's.
    constraints: stringOrNullAt(interned, text, (e[20] as number) + 1, e[21] as number),
    maxRssBytes: rssAt('MaxRSS', text, (e[18] as number) + 1, e[19] as number, record),
    // Summed from the steps below; a job without steps used no measured CPU.
    totalCpuS: 0,
  };
}

function foldStep(job: JobRecord, text: string, e: Int32Array, record: () => string): void {
  const rss = rssAt('MaxRSS', text, (e[18] as number) + 1, e[19] as number, record);
  if (rss !== null && (job.maxRssBytes === null || rss > job.maxRssBytes)) job.maxRssBytes = rss;
  const cpu = clockAt(text, (e[19] as number) + 1, e[20] as number);
  if (cpu < 0) fail('TotalCPU', record(), 'not a duration');
  job.totalCpuS = Math.round((job.totalCpuS + cpu) * 1000) / 1000;
}

/** The sacct arguments for a history query (times as epoch seconds). */
export function sacctArgs(input: {
  startEpochS: number;
  endEpochS?: number | undefined;
  users?: readonly string[] | undefined;
  accounts?: readonly string[] | undefined;
  partitions?: readonly string[] | undefined;
  jobIds?: readonly number[] | undefined;
  states?: readonly string[] | undefined;
}): string[] {
  const args = [
    '--parsable2',
    '--noheader',
    `--delimiter=${SACCT_DELIMITER}`,
    `--format=${SACCT_FIELDS.join(',')}`,
    `--starttime=${isoUtc(input.startEpochS)}`,
  ];
  if (input.endEpochS !== undefined) args.push(`--endtime=${isoUtc(input.endEpochS)}`);
  if (input.users === undefined || input.users.length === 0) args.push('--allusers');
  else args.push(`--user=${input.users.join(',')}`);
  if (input.accounts !== undefined && input.accounts.length > 0)
    args.push(`--accounts=${input.accounts.join(',')}`);
  if (input.partitions !== undefined && input.partitions.length > 0)
    args.push(`--partition=${input.partitions.join(',')}`);
  if (input.jobIds !== undefined && input.jobIds.length > 0) args.push(`--jobs=${input.jobIds.join(',')}`);
  if (input.states !== undefined && input.states.length > 0) args.push(`--state=${input.states.join(',')}`);
  return args;
}

/**
 * sacct takes wall-clock times in its own time zone, so the request runs with `TZ=UTC` (see
 * `SACCT_ENV`) and the times are written in UTC: the same instant whatever zone the remote host has.
 */
function isoUtc(epochS: number): string {
  return new Date(epochS * 1000).toISOString().slice(0, 19);
}

/** Environment every sacct/squeue/scontrol call gets: epoch timestamps, UTC wall clock. */
export const SLURM_OUTPUT_ENV: Readonly<Record<string, string>> = { SLURM_TIME_FORMAT: '%s', TZ: 'UTC' };

export { emptyTres };
