import { SlurmCommand, type CliCall, type RestCall } from '../command.js';
import {
  AccountingReservationsInputSchema,
  EmptyInputSchema,
  JobHistoryInputSchema,
  QueueInputSchema,
  ReservationJobsInputSchema,
  type AccountingReservationsInput,
  type JobHistoryInput,
  type QueueInput,
  type ReservationJobsInput,
} from '../inputs.js';
import type {
  AccountingReservation,
  JobRecord,
  Node,
  Partition,
  PingResult,
  QueueJob,
  Reservation,
  ReservationJob,
} from '../models.js';
import {
  accountingReservationsArgs,
  parseAccountingReservations,
  parseReservationJobs,
  reservationJobsArgs,
} from '../parse/reservation-use.js';
import { SLURM_OUTPUT_ENV, parseSacct, sacctArgs } from '../parse/sacct.js';
import {
  parseScontrolNodes,
  parseScontrolPartitions,
  parseScontrolPing,
  parseScontrolReservations,
} from '../parse/scontrol.js';
import { queueJobsFromJobInfo } from '../rest/v0_0_38.js';
import type { RestMapping } from '../rest/mapping.js';
import type { SlurmProgram } from '../wire.js';

function read(program: SlurmProgram, args: readonly string[]): CliCall<never>['request'] {
  return { protocol: 'cli', program, args, env: SLURM_OUTPUT_ENV, mutates: false };
}

/**
 * Job history from accounting: sacct over local/ssh, `/slurmdb/…/jobs` over REST.
 * @example
 * const jobs = await client.send(new ListJobHistory({ startEpochS: 1_700_000_000 }));
 */
export class ListJobHistory extends SlurmCommand<JobHistoryInput, JobRecord[]> {
  readonly operation = 'ListJobHistory';
  /** @throws {InvalidInputError} */
  constructor(input: JobHistoryInput) {
    super('ListJobHistory', JobHistoryInputSchema, input);
  }
  cli(): CliCall<JobRecord[]> {
    return { request: read('sacct', sacctArgs(this.input)), parse: (r) => byRawId(parseSacct(r.stdout)) };
  }
  rest(api: RestMapping): RestCall<JobRecord[]> {
    const call = api.jobHistory(this.input);
    return { request: call.request, parse: (r) => byRawId(call.parse(r)) };
  }
}

/** sacct and slurmdb order jobs differently; results are sorted by raw id so every transport agrees. */
function byRawId(jobs: JobRecord[]): JobRecord[] {
  return jobs.sort((a, b) => a.id.raw - b.id.raw);
}

function filterQueue(jobs: QueueJob[], input: QueueInput): QueueJob[] {
  return jobs.filter(
    (j) =>
      (input.users === undefined || input.users.includes(j.user)) &&
      (input.partitions === undefined || (j.partition !== null && input.partitions.includes(j.partition))) &&
      (input.reservations === undefined ||
        (j.reservation !== null && input.reservations.includes(j.reservation))) &&
      (input.states === undefined || input.states.includes(j.state)),
  );
}

/**
 * Pending and running jobs with reason, priority and requested TRES. The CLI form is `squeue --json`,
 * which in 22.05 prints the same v0.0.38 job objects as slurmrestd, so names with any character survive.
 */
export class ListQueue extends SlurmCommand<QueueInput, QueueJob[]> {
  readonly operation = 'ListQueue';
  constructor(input: QueueInput = {}) {
    super('ListQueue', QueueInputSchema, input);
  }
  cli(): CliCall<QueueJob[]> {
    return {
      request: read('squeue', ['--json']),
      parse: (r) => filterQueue(queueJobsFromJobInfo(r.stdout), this.input),
    };
  }
  rest(api: RestMapping): RestCall<QueueJob[]> {
    const call = api.queue();
    return { request: call.request, parse: (r) => filterQueue(call.parse(r), this.input) };
  }
}

/** Every node with state, power state, CPUs, memory, GRES, features and partitions. */
export class ListNodes extends SlurmCommand<Record<string, never>, Node[]> {
  readonly operation = 'ListNodes';
  constructor() {
    super('ListNodes', EmptyInputSchema, {});
  }
  cli(): CliCall<Node[]> {
    // --future and cloud nodes: `-a` (all) shows hidden/cloud nodes too.
    return {
      request: read('scontrol', ['--all', '--oneliner', 'show', 'node']),
      parse: (r) => parseScontrolNodes(r.stdout),
    };
  }
  rest(api: RestMapping): RestCall<Node[]> {
    return api.nodes();
  }
}

/** Every partition. */
export class ListPartitions extends SlurmCommand<Record<string, never>, Partition[]> {
  readonly operation = 'ListPartitions';
  constructor() {
    super('ListPartitions', EmptyInputSchema, {});
  }
  cli(): CliCall<Partition[]> {
    return {
      request: read('scontrol', ['--all', '--oneliner', 'show', 'partition']),
      parse: (r) => parseScontrolPartitions(r.stdout),
    };
  }
  rest(api: RestMapping): RestCall<Partition[]> {
    return api.partitions();
  }
}

/** Every reservation. */
export class ListReservations extends SlurmCommand<Record<string, never>, Reservation[]> {
  readonly operation = 'ListReservations';
  constructor() {
    super('ListReservations', EmptyInputSchema, {});
  }
  cli(): CliCall<Reservation[]> {
    return {
      request: read('scontrol', ['--oneliner', 'show', 'reservation']),
      parse: (r) => parseScontrolReservations(r.stdout),
    };
  }
  rest(api: RestMapping): RestCall<Reservation[]> {
    return api.reservations();
  }
}

/**
 * The jobs that ran or run in the given reservations (by id) during a window, from accounting: sacct
 * over local/ssh, `/slurmdb/…/jobs` over REST. Slurm 22.05 cannot filter by reservation itself (sacct
 * has no `--reservation`; slurmrestd v0.0.38 ignores the parameter), so the window's jobs are read and
 * matched on `ReservationId`, which is set even when the name column is empty. To start from names,
 * use {@link listJobsInReservations}.
 * @example
 * const jobs = await client.send(new ListReservationJobs({ startEpochS, reservationIds: [12] }));
 * @throws {InvalidInputError} on invalid input, before anything is sent.
 */
export class ListReservationJobs extends SlurmCommand<ReservationJobsInput, ReservationJob[]> {
  readonly operation = 'ListReservationJobs';
  constructor(input: ReservationJobsInput) {
    super('ListReservationJobs', ReservationJobsInputSchema, input);
  }
  cli(): CliCall<ReservationJob[]> {
    const ids = new Set(this.input.reservationIds);
    return {
      request: read('sacct', reservationJobsArgs(this.input)),
      parse: (r) => parseReservationJobs(r.stdout, ids),
    };
  }
  rest(api: RestMapping): RestCall<ReservationJob[]> {
    return api.reservationJobs(this.input);
  }
}

/**
 * Reservations as accounting keeps them (`sacctmgr show reservation`): past and deleted ones too,
 * each with the numeric id jobs carry. A name re-created later has a new id; all of them are listed.
 * slurmrestd v0.0.38 has no such endpoint: over REST it runs on the command transport.
 * @throws {InvalidInputError} on invalid input, before anything is sent.
 */
export class ListAccountingReservations extends SlurmCommand<
  AccountingReservationsInput,
  AccountingReservation[]
> {
  readonly operation = 'ListAccountingReservations';
  constructor(input: AccountingReservationsInput) {
    super('ListAccountingReservations', AccountingReservationsInputSchema, input);
  }
  cli(): CliCall<AccountingReservation[]> {
    return {
      request: read('sacctmgr', accountingReservationsArgs(this.input)),
      parse: (r) => parseAccountingReservations(r.stdout, this.input.names),
    };
  }
  rest(api: RestMapping): RestCall<AccountingReservation[]> | undefined {
    return api.accountingReservations?.(this.input);
  }
}

/**
 * The jobs that ran or run in the named reservations during a window: resolves every id each name
 * had in accounting, reads those jobs, and names each job's reservation from its id.
 * @example
 * const used = await listJobsInReservations(client, { names: ['slurmcast-gpu'], startEpochS });
 * @throws {InvalidInputError} on invalid input; any error of the two reads it makes.
 */
export async function listJobsInReservations(
  client: { send<O>(command: SlurmCommand<unknown, O>): Promise<O> },
  input: { names: readonly string[]; startEpochS: number; endEpochS?: number },
): Promise<ReservationJob[]> {
  const window = input.endEpochS === undefined ? {} : { endEpochS: input.endEpochS };
  const reservations = await client.send(
    new ListAccountingReservations({ names: [...input.names], startEpochS: input.startEpochS, ...window }),
  );
  if (reservations.length === 0) return [];
  const nameById = new Map(reservations.map((r) => [r.id, r.name]));
  const jobs = await client.send(
    new ListReservationJobs({
      startEpochS: input.startEpochS,
      ...window,
      reservationIds: [...nameById.keys()],
    }),
  );
  return jobs.map((j) => ({ ...j, reservation: nameById.get(j.reservationId) ?? j.reservation }));
}

/** Asks each slurmctld whether it is up. A down controller is a result (`up: false`), not an error. */
export class Ping extends SlurmCommand<Record<string, never>, PingResult> {
  readonly operation = 'Ping';
  constructor() {
    super('Ping', EmptyInputSchema, {});
  }
  cli(): CliCall<PingResult> {
    return {
      request: read('scontrol', ['ping']),
      okExitCodes: [0, 1],
      parse: (r) => ({ controllers: parseScontrolPing(r.stdout) }),
    };
  }
  rest(api: RestMapping): RestCall<PingResult> {
    return api.ping();
  }
}
