import type { AccountingReservation, ReservationJob } from '../models.js';
import { SACCT_DELIMITER } from './sacct.js';
import { badField, nullIfEmpty, parseCount, parseEpoch, parseTresString } from './values.js';

/**
 * What accounting says about reservation use, Slurm 22.05. sacct 22.05 has no `--reservation`
 * option and often leaves a started job's `Reservation` column empty while `ReservationId` is set,
 * so jobs are read for a time window and matched to reservations by id; the ids a name stands for
 * come from `sacctmgr show reservation`, which keeps deleted and past reservations too.
 */

/**
 * sacct fields of a reservation-use read. Names and comments are left out (the engine does not need
 * them), so no value can hold a newline and a record is one line.
 */
export const RESERVATION_JOB_FIELDS = [
  'JobIDRaw',
  'ReservationId',
  'State',
  'Start',
  'End',
  'ElapsedRaw',
  'AllocTRES',
  'NodeList',
  'User',
  'Account',
  'Partition',
  'Reservation',
] as const;

const JOBS_OPERATION = 'ListReservationJobs';
const RESERVATIONS_OPERATION = 'ListAccountingReservations';

/** ISO 8601 in UTC, as sacct and sacctmgr read it with `TZ=UTC`. */
function isoUtc(epochS: number): string {
  return new Date(epochS * 1000).toISOString().slice(0, 19);
}

/** sacct arguments: allocations only (`-X`), every user, the window's jobs. */
export function reservationJobsArgs(input: {
  startEpochS: number;
  endEpochS?: number | undefined;
}): string[] {
  const args = [
    '--parsable2',
    '--noheader',
    `--delimiter=${SACCT_DELIMITER}`,
    '--allocations',
    '--allusers',
    `--format=${RESERVATION_JOB_FIELDS.join(',')}`,
    `--starttime=${isoUtc(input.startEpochS)}`,
  ];
  if (input.endEpochS !== undefined) args.push(`--endtime=${isoUtc(input.endEpochS)}`);
  return args;
}

/**
 * Parses sacct output for `RESERVATION_JOB_FIELDS` and keeps the jobs whose reservation id is in
 * `reservationIds` (an empty ReservationId, or 0, is a job outside every reservation).
 * @throws {MalformedOutputError} naming the field, when a record has the wrong number of fields or a
 *   value cannot be read.
 */
export function parseReservationJobs(stdout: string, reservationIds: ReadonlySet<number>): ReservationJob[] {
  const jobs: ReservationJob[] = [];
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const f = line.split(SACCT_DELIMITER);
    if (f.length !== RESERVATION_JOB_FIELDS.length) {
      badField(
        JOBS_OPERATION,
        '(record)',
        line,
        `expected ${RESERVATION_JOB_FIELDS.length} fields, got ${f.length}`,
      );
    }
    const [rawId, resvId, state, start, end, elapsed, tres, nodes, user, account, partition, resvName] =
      f as [string, string, string, string, string, string, string, string, string, string, string, string];
    const jobId = parseCount(rawId) ?? badField(JOBS_OPERATION, 'JobIDRaw', line, 'not a job id');
    const reservationId =
      resvId === ''
        ? 0
        : (parseCount(resvId) ?? badField(JOBS_OPERATION, 'ReservationId', line, 'not an id'));
    if (!reservationIds.has(reservationId)) continue;
    const epoch = (field: string, text: string): number | null => {
      const value = parseEpoch(text);
      return value === undefined ? badField(JOBS_OPERATION, field, line, 'not epoch seconds') : value;
    };
    const baseState = state.split(' ')[0] ?? '';
    if (baseState === '') badField(JOBS_OPERATION, 'State', line, 'empty state');
    const nodeList = nullIfEmpty(nodes);
    jobs.push({
      jobId,
      reservationId,
      reservation: nullIfEmpty(resvName),
      user,
      account: nullIfEmpty(account),
      partition: nullIfEmpty(partition),
      state: baseState,
      startEpochS: epoch('Start', start),
      endEpochS: epoch('End', end),
      elapsedS: parseCount(elapsed) ?? badField(JOBS_OPERATION, 'ElapsedRaw', line, 'not seconds'),
      allocTres: parseTresString(tres) ?? badField(JOBS_OPERATION, 'AllocTRES', line, 'not a TRES list'),
      nodes: nodeList === 'None assigned' ? null : nodeList,
    });
  }
  return jobs.sort((a, b) => a.jobId - b.jobId);
}

/** sacctmgr arguments for the reservations accounting knows in a window, optionally by name. */
export function accountingReservationsArgs(input: {
  startEpochS: number;
  endEpochS?: number | undefined;
  names?: readonly string[] | undefined;
}): string[] {
  const args = [
    '--noheader',
    '--parsable2',
    'show',
    'reservation',
    'format=ID,Name,TimeStart,TimeEnd',
    `start=${isoUtc(input.startEpochS)}`,
  ];
  if (input.endEpochS !== undefined) args.push(`end=${isoUtc(input.endEpochS)}`);
  if (input.names !== undefined && input.names.length > 0) args.push(`names=${input.names.join(',')}`);
  return args;
}

/**
 * Parses `sacctmgr -n -P show reservation format=ID,Name,TimeStart,TimeEnd`. A name may hold `|`:
 * the id is everything before the first `|` and the two times are the last two fields.
 * @throws {MalformedOutputError} naming the field that cannot be read.
 */
export function parseAccountingReservations(
  stdout: string,
  names?: readonly string[],
): AccountingReservation[] {
  const wanted = names === undefined ? undefined : new Set(names);
  const out: AccountingReservation[] = [];
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const first = line.indexOf('|');
    const last = line.lastIndexOf('|');
    const middle = last < 0 ? -1 : line.lastIndexOf('|', last - 1);
    if (first < 0 || middle <= first) {
      badField(RESERVATIONS_OPERATION, '(record)', line, 'expected ID|Name|TimeStart|TimeEnd');
    }
    const id = parseCount(line.slice(0, first)) ?? badField(RESERVATIONS_OPERATION, 'ID', line, 'not an id');
    const name = line.slice(first + 1, middle);
    const epoch = (field: string, text: string): number | null => {
      const value = parseEpoch(text);
      return value === undefined ? badField(RESERVATIONS_OPERATION, field, line, 'not epoch seconds') : value;
    };
    if (name === '') badField(RESERVATIONS_OPERATION, 'Name', line, 'empty name');
    // sacctmgr matches names itself; the exact comparison here keeps a case-folding server honest.
    if (wanted !== undefined && !wanted.has(name)) continue;
    out.push({
      id,
      name,
      startEpochS: epoch('TimeStart', line.slice(middle + 1, last)),
      endEpochS: epoch('TimeEnd', line.slice(last + 1)),
    });
  }
  return out.sort((a, b) => a.id - b.id);
}
