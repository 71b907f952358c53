import { MalformedOutputError } from '../errors.js';
import { TresSchema, type JobId, type JobRecord, type Tres } from '../models.js';
import {
  emptyTres,
  nullIfEmpty,
  parseClockDuration,
  parseCount,
  parseEpoch,
  parseLimitMinutes,
  parseRssBytes,
  parseTresString,
} from './values.js';

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
 * with zod once, then shared (frozen). Scalar fields are checked by the converters above, which
 * enforce what `JobRecordSchema` states; this keeps zod out of the per-record hot loop.
 */
const TRES_CACHE_LIMIT = 10_000;
const tresCache = new Map<string, Tres>();
function tresOrFail(field: string, text: string, record: string): Tres {
  const cached = tresCache.get(text);
  if (cached !== undefined) return cached;
  const parsed = parseTresString(text);
  if (parsed === undefined) fail(field, record, `cannot read TRES ${JSON.stringify(text)}`);
  const checked = TresSchema.safeParse(parsed);
  if (!checked.success)
    fail(field, record, `TRES ${JSON.stringify(text)}: ${checked.error.issues[0]?.message ?? 'invalid'}`);
  const frozen = Object.freeze({
    ...checked.data,
    gpuByType: Object.freeze(checked.data.gpuByType),
    other: Object.freeze(checked.data.other),
  }) as Tres;
  if (tresCache.size >= TRES_CACHE_LIMIT) tresCache.clear();
  tresCache.set(text, frozen);
  return frozen;
}

function epochOrFail(field: string, text: string, record: string): number | null {
  const v = parseEpoch(text);
  return v === undefined
    ? fail(field, record, `expected epoch seconds (SLURM_TIME_FORMAT=%s), got ${JSON.stringify(text)}`)
    : v;
}

/**
 * Parses sacct `-P` output for `SACCT_FIELDS` into one record per job (allocation); step rows
 * (`123.batch`, `123.0`, `123.extern`) are folded into their job: MaxRSS is the largest step value and
 * TotalCPU the sum over steps.
 * @throws {MalformedOutputError} naming the field and showing the record, when a value cannot be read
 *   or a record has the wrong number of fields (truncated output).
 */
export function parseSacct(stdout: string): JobRecord[] {
  const jobs: JobRecord[] = [];
  const byRaw = new Map<number, JobRecord>();
  const lines = stdout.split('\n');
  const lineCount = lines.length;
  let pending: string | undefined;
  for (let li = 0; li < lineCount; li++) {
    let line = lines[li] as string;
    if (pending !== undefined) {
      line = `${pending}\n${line}`;
      pending = undefined;
    }
    if (line === '') continue;
    const fields = line.split(SACCT_DELIMITER);
    if (fields.length < FIELD_COUNT) {
      // A newline inside a name or comment: keep reading until the record is complete.
      if (li + 1 < lineCount) {
        pending = line;
        continue;
      }
      throw new MalformedOutputError(
        {
          reason: 'truncated',
          field: SACCT_FIELDS[fields.length - 1] ?? 'JobIDRaw',
          record: line,
          detail: `record ends after ${fields.length} of ${FIELD_COUNT} fields`,
        },
        { operation: OPERATION },
      );
    }
    if (fields.length > FIELD_COUNT) {
      fail(
        '(record)',
        line,
        `expected ${FIELD_COUNT} fields, got ${fields.length}; the delimiter occurred in data or the field list differs`,
      );
    }
    const rawId = fields[0] as string;
    const dot = rawId.indexOf('.');
    if (dot >= 0) {
      foldStep(rawId.slice(0, dot), fields, line, jobs, byRaw);
      continue;
    }
    const record = buildJob(fields, line);
    jobs.push(record);
    byRaw.set(record.id.raw, record);
  }
  return jobs;
}

function buildJob(f: string[], line: string): JobRecord {
  const raw = parseCount(f[0] as string) ?? fail('JobIDRaw', line, 'not a job id');
  const id = parseJobId(raw, f[1] as string) ?? fail('JobID', line, 'not a job id');
  const stateText = f[7] as string;
  const space = stateText.indexOf(' ');
  const state = space < 0 ? stateText : stateText.slice(0, space);
  if (state === '') fail('State', line, 'empty state');
  const exitText = f[8] as string;
  const colon = exitText.indexOf(':');
  const exitCode = colon < 0 ? undefined : parseCount(exitText.slice(0, colon));
  const exitSignal = colon < 0 ? undefined : parseCount(exitText.slice(colon + 1));
  if (exitCode === undefined || exitSignal === undefined)
    fail('ExitCode', line, `expected code:signal, got ${JSON.stringify(exitText)}`);
  const timeLimitMin = parseLimitMinutes(f[13] as string);
  if (timeLimitMin === undefined) fail('TimelimitRaw', line, 'not minutes');
  const elapsedS = parseCount(f[21] as string) ?? fail('ElapsedRaw', line, 'not seconds');
  // The job row's TotalCPU is checked, but the value used is the sum over steps (as over REST).
  if (parseClockDuration(f[20] as string) === undefined) fail('TotalCPU', line, 'not a duration');
  const maxRssBytes = parseRssBytes(f[19] as string);
  if (maxRssBytes === undefined) fail('MaxRSS', line, 'not a size');
  return {
    id,
    name: f[2] as string,
    user: f[3] as string,
    account: nullIfEmpty(f[4]),
    partition: nullIfEmpty(f[5]),
    qos: nullIfEmpty(f[6]),
    state,
    exitCode,
    exitSignal,
    submitEpochS: epochOrFail('Submit', f[9] as string, line),
    eligibleEpochS: epochOrFail('Eligible', f[10] as string, line),
    startEpochS: epochOrFail('Start', f[11] as string, line),
    endEpochS: epochOrFail('End', f[12] as string, line),
    timeLimitMin,
    elapsedS,
    reqTres: tresOrFail('ReqTRES', f[14] as string, line),
    allocTres: tresOrFail('AllocTRES', f[15] as string, line),
    nodes: f[16] === 'None assigned' ? null : nullIfEmpty(f[16]),
    reservation: nullIfEmpty(f[17]),
    comment: nullIfEmpty(f[18]),
    maxRssBytes,
    // Summed from the steps below; a job without steps used no measured CPU.
    totalCpuS: 0,
  };
}

function foldStep(
  jobRaw: string,
  f: string[],
  line: string,
  jobs: JobRecord[],
  byRaw: Map<number, JobRecord>,
): void {
  const raw = parseCount(jobRaw) ?? fail('JobIDRaw', line, 'not a job step id');
  const last = jobs[jobs.length - 1];
  const job = last !== undefined && last.id.raw === raw ? last : byRaw.get(raw);
  // A step whose job row fell outside the time window: nothing to attach it to.
  if (job === undefined) return;
  const rss = parseRssBytes(f[19] as string);
  if (rss === undefined) fail('MaxRSS', line, 'not a size');
  if (rss !== null && (job.maxRssBytes === null || rss > job.maxRssBytes)) job.maxRssBytes = rss;
  const cpu = parseClockDuration(f[20] as string) ?? fail('TotalCPU', line, 'not a duration');
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
