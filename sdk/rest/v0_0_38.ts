import { z } from 'zod';
import { MalformedOutputError } from '../errors.js';
import type {
  JobId,
  JobRecord,
  Node,
  Partition,
  PingResult,
  QueueJob,
  Reservation,
  ReservationJob,
  Tres,
} from '../models.js';
import { MAX_EPOCH_S } from '../models.js';
import { powerOf } from '../parse/scontrol.js';
import {
  addTres,
  emptyTres,
  expandHostlist,
  nullIfEmpty,
  parseGresList,
  parseNameList,
  parseTresString,
} from '../parse/values.js';

/**
 * Slurm 22.05's data parser, OpenAPI v0.0.38 (slurmrestd `/slurm/v0.0.38`, `/slurmdb/v0.0.38`, and
 * `squeue --json`, which prints the same job objects). Schemas are loose: they name only the fields
 * the SDK reads, so additions in a newer micro release do not break parsing.
 */

const int = z.number().int();
const optInt = int.nullable().optional();
/** A time: epoch seconds, bounded so that it stays a date (9e15 is no time Slurm could mean). */
const optEpoch = int.max(MAX_EPOCH_S, `epoch seconds up to ${MAX_EPOCH_S} (year 9999)`).nullable().optional();
const optStr = z.string().nullable().optional();

const TresItem = z.looseObject({
  type: z.string(),
  name: z.string().nullable().optional(),
  count: z.number().nullable().optional(),
});

const DbStep = z.looseObject({
  step: z.looseObject({ id: z.union([z.string(), int]) }),
  time: z.looseObject({ total: z.looseObject({ seconds: int, microseconds: int }) }),
  tres: z.looseObject({ requested: z.looseObject({ max: z.array(TresItem) }) }),
});

const DbJob = z.looseObject({
  job_id: int,
  name: z.string(),
  user: z.string(),
  account: optStr,
  partition: optStr,
  qos: optStr,
  nodes: optStr,
  comment: z.looseObject({ job: optStr }).optional(),
  constraints: optStr,
  array: z.looseObject({ job_id: optInt, task_id: optInt }),
  het: z.looseObject({ job_id: optInt, job_offset: optInt }),
  state: z.looseObject({ current: z.string() }),
  exit_code: z.looseObject({
    return_code: optInt,
    signal: z.looseObject({ signal_id: optInt }).optional(),
  }),
  time: z.looseObject({
    elapsed: int,
    eligible: optEpoch,
    end: optEpoch,
    start: optEpoch,
    submission: optEpoch,
    limit: optInt,
  }),
  reservation: z.looseObject({ id: optInt, name: z.union([z.string(), int]).nullable().optional() }),
  tres: z.looseObject({ allocated: z.array(TresItem), requested: z.array(TresItem) }),
  steps: z.array(DbStep),
});
export const DbJobsResponse = z.looseObject({ jobs: z.array(DbJob) });

const JobInfo = z.looseObject({
  job_id: int,
  name: z.string(),
  user_name: z.string(),
  account: optStr,
  partition: optStr,
  qos: optStr,
  job_state: z.string(),
  state_reason: optStr,
  priority: optInt,
  submit_time: optEpoch,
  start_time: optEpoch,
  time_limit: optInt,
  tres_req_str: optStr,
  nodes: optStr,
  resv_name: optStr,
  features: optStr,
  array_job_id: optInt,
  array_task_id: optInt,
  array_task_string: optStr,
  het_job_id: optInt,
  het_job_offset: optInt,
});
export const JobsResponse = z.looseObject({ jobs: z.array(JobInfo) });

const NodeInfo = z.looseObject({
  name: z.string(),
  state: z.string(),
  state_flags: z.array(z.string()).optional(),
  cpus: int,
  alloc_cpus: optInt,
  real_memory: int,
  alloc_memory: optInt,
  gres: optStr,
  features: optStr,
  active_features: optStr,
  partitions: z.array(z.string()).optional(),
  reason: optStr,
});
export const NodesResponse = z.looseObject({ nodes: z.array(NodeInfo) });

const PartitionInfo = z.looseObject({
  name: z.string(),
  nodes: optStr,
  state: optStr,
  flags: z.array(z.string()).optional(),
  total_cpus: optInt,
  total_nodes: optInt,
  max_time_limit: optInt,
});
export const PartitionsResponse = z.looseObject({ partitions: z.array(PartitionInfo) });

const ReservationInfo = z.looseObject({
  name: z.string(),
  start_time: optEpoch,
  end_time: optEpoch,
  node_list: optStr,
  node_count: optInt,
  core_count: optInt,
  partition: optStr,
  features: optStr,
  flags: z.array(z.string()).optional(),
  users: optStr,
  accounts: optStr,
  tres: optStr,
});
export const ReservationsResponse = z.looseObject({ reservations: z.array(ReservationInfo) });

export const PingResponse = z.looseObject({
  pings: z.array(z.looseObject({ hostname: z.string(), ping: z.string(), mode: optStr })),
});

/** Slurm's error list, present on every v0.0.38 response. */
export const ErrorsEnvelope = z.looseObject({
  errors: z.array(z.looseObject({ error: optStr, description: optStr, error_number: optInt })).optional(),
});

function fail(operation: string, field: string, record: unknown, detail: string): never {
  throw new MalformedOutputError(
    { reason: 'garbled', field, record: JSON.stringify(record) ?? String(record), detail },
    { operation },
  );
}

/** Parses a JSON body with a schema; failures name the JSON path and show the record. */
export function parseJsonBody<T>(operation: string, schema: z.ZodType<T>, body: string): T {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (cause) {
    throw new MalformedOutputError(
      {
        reason: body.trim() === '' ? 'truncated' : 'garbled',
        record: body,
        detail: 'not valid JSON (cut short or not JSON at all)',
      },
      { operation, cause },
    );
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path ?? [];
  // Show the top-level record that failed (e.g. jobs[3]), not the whole response.
  let record: unknown = json;
  for (const key of path.slice(0, 2)) {
    if (record !== null && typeof record === 'object') record = (record as Record<PropertyKey, unknown>)[key];
  }
  return fail(
    operation,
    path.map(String).join('.'),
    record,
    issue?.message ?? 'does not match the v0.0.38 schema',
  );
}

const zeroToNull = (v: number | null | undefined): number | null =>
  v === null || v === undefined || v <= 0 ? null : v;

/** v0.0.38 TRES lists (`{type, name, count}`, mem in MiB) → Tres. Entries with a null count were not measured. */
export function tresFromList(items: readonly z.infer<typeof TresItem>[]): Tres {
  const tres = emptyTres();
  for (const item of items) {
    if (item.count === null || item.count === undefined) continue;
    const name =
      item.name === null || item.name === undefined || item.name === ''
        ? item.type
        : `${item.type}/${item.name}`;
    addTres(tres, name, item.count, 'MiB');
  }
  return tres;
}

function jobIdFrom(
  jobId: number,
  arrayJobId: number | null | undefined,
  taskId: number | null | undefined,
  hetJobId: number | null | undefined,
  hetOffset: number | null | undefined,
  pendingTasks?: string | null,
): JobId {
  const arr = zeroToNull(arrayJobId);
  const het = zeroToNull(hetJobId);
  const task = arr === null ? null : (taskId ?? null);
  const offset = het === null ? null : (hetOffset ?? null);
  const display =
    arr !== null
      ? `${arr}_${task === null ? `[${pendingTasks ?? ''}]` : task}`
      : het !== null
        ? `${het}+${offset ?? 0}`
        : String(jobId);
  return { raw: jobId, display, arrayJobId: arr, arrayTaskId: task, hetJobId: het, hetJobOffset: offset };
}

/** `GET /slurmdb/v0.0.38/jobs` → JobRecord[] (MaxRSS and TotalCPU from the steps, as sacct does). */
export function jobRecordsFromDb(body: string): JobRecord[] {
  const op = 'ListJobHistory';
  const { jobs } = parseJsonBody(op, DbJobsResponse, body);
  return jobs.map((j) => {
    let maxRssBytes: number | null = null;
    let totalMs = 0;
    for (const step of j.steps) {
      for (const t of step.tres.requested.max) {
        if (
          t.type === 'mem' &&
          t.count !== null &&
          t.count !== undefined &&
          (maxRssBytes === null || t.count > maxRssBytes)
        ) {
          maxRssBytes = t.count;
        }
      }
      // sacct prints TotalCPU with milliseconds, truncated.
      totalMs += step.time.total.seconds * 1000 + Math.floor(step.time.total.microseconds / 1000);
    }
    const resvName = j.reservation.name;
    return {
      id: jobIdFrom(j.job_id, j.array.job_id, j.array.task_id, j.het.job_id, j.het.job_offset),
      name: j.name,
      user: j.user,
      account: nullIfEmpty(j.account),
      partition: nullIfEmpty(j.partition),
      qos: nullIfEmpty(j.qos),
      state: j.state.current.split(' ')[0] ?? j.state.current,
      exitCode: j.exit_code.return_code ?? 0,
      exitSignal: j.exit_code.signal?.signal_id ?? 0,
      submitEpochS: zeroToNull(j.time.submission),
      eligibleEpochS: zeroToNull(j.time.eligible),
      startEpochS: zeroToNull(j.time.start),
      endEpochS: zeroToNull(j.time.end),
      timeLimitMin: j.time.limit ?? null,
      elapsedS: j.time.elapsed,
      reqTres: tresFromList(j.tres.requested),
      allocTres: tresFromList(j.tres.allocated),
      nodes: j.nodes === 'None assigned' ? null : nullIfEmpty(j.nodes),
      reservation: typeof resvName === 'string' ? nullIfEmpty(resvName) : null,
      comment: nullIfEmpty(j.comment?.job),
      constraints: nullIfEmpty(j.constraints),
      maxRssBytes,
      totalCpuS: totalMs / 1000,
    };
  });
}

/**
 * `GET /slurmdb/v0.0.38/jobs` → the jobs of the given reservations. v0.0.38 ignores its `reservation`
 * query parameter and returns a number, not the name, in `reservation.name`; `reservation.id` is right.
 */
export function reservationJobsFromDb(body: string, reservationIds: ReadonlySet<number>): ReservationJob[] {
  const { jobs } = parseJsonBody('ListReservationJobs', DbJobsResponse, body);
  const out: ReservationJob[] = [];
  for (const j of jobs) {
    const reservationId = j.reservation.id ?? 0;
    if (!reservationIds.has(reservationId)) continue;
    const name = j.reservation.name;
    out.push({
      jobId: j.job_id,
      reservationId,
      reservation: typeof name === 'string' ? nullIfEmpty(name) : null,
      user: j.user,
      account: nullIfEmpty(j.account),
      partition: nullIfEmpty(j.partition),
      state: j.state.current.split(' ')[0] ?? j.state.current,
      startEpochS: zeroToNull(j.time.start),
      endEpochS: zeroToNull(j.time.end),
      elapsedS: j.time.elapsed,
      allocTres: tresFromList(j.tres.allocated),
      nodes: j.nodes === 'None assigned' ? null : nullIfEmpty(j.nodes),
    });
  }
  return out.sort((a, b) => a.jobId - b.jobId);
}

/** Job states still in the queue. */
export const QUEUED_STATES: ReadonlySet<string> = new Set([
  'PENDING',
  'RUNNING',
  'SUSPENDED',
  'CONFIGURING',
  'COMPLETING',
  'REQUEUED',
  'RESIZING',
  'SIGNALING',
  'STAGE_OUT',
]);

/** `GET /slurm/v0.0.38/jobs` or `squeue --json` → queued jobs (finished jobs still in memory are dropped). */
export function queueJobsFromJobInfo(body: string, operation = 'ListQueue'): QueueJob[] {
  const { jobs } = parseJsonBody(operation, JobsResponse, body);
  const out: QueueJob[] = [];
  for (const j of jobs) {
    if (!QUEUED_STATES.has(j.job_state)) continue;
    const tresText = j.tres_req_str ?? '';
    out.push({
      id: jobIdFrom(
        j.job_id,
        j.array_job_id,
        j.array_task_id,
        j.het_job_id,
        j.het_job_offset,
        j.array_task_string,
      ),
      name: j.name,
      user: j.user_name,
      account: nullIfEmpty(j.account),
      partition: nullIfEmpty(j.partition),
      qos: nullIfEmpty(j.qos),
      state: j.job_state,
      reason: j.state_reason ?? 'None',
      priority: j.priority ?? 0,
      submitEpochS: zeroToNull(j.submit_time),
      startEpochS: zeroToNull(j.start_time),
      timeLimitMin: j.time_limit ?? null,
      reqTres:
        parseTresString(tresText) ??
        fail(operation, 'tres_req_str', j, `cannot read ${JSON.stringify(tresText)}`),
      nodes: nullIfEmpty(j.nodes),
      reservation: nullIfEmpty(j.resv_name),
      features: nullIfEmpty(j.features),
    });
  }
  return out;
}

/** `GET /slurm/v0.0.38/nodes` → Node[]. */
export function nodesFromRest(body: string): Node[] {
  const op = 'ListNodes';
  const { nodes } = parseJsonBody(op, NodesResponse, body);
  return nodes.map((n) => {
    const flags = (n.state_flags ?? []).map((f) => f.toUpperCase()).sort();
    return {
      name: n.name,
      state: n.state.toUpperCase(),
      stateFlags: flags,
      power: powerOf(flags),
      cpus: n.cpus,
      cpusAllocated: n.alloc_cpus ?? 0,
      realMemoryMiB: n.real_memory,
      allocatedMemoryMiB: n.alloc_memory ?? 0,
      gres: parseGresList(n.gres ?? '') ?? fail(op, 'gres', n, 'not a GRES list'),
      availableFeatures: parseNameList(n.features),
      activeFeatures: parseNameList(n.active_features),
      partitions: n.partitions ?? [],
      reason: nullIfEmpty(n.reason),
    };
  });
}

/** `GET /slurm/v0.0.38/partitions` → Partition[]. */
export function partitionsFromRest(body: string): Partition[] {
  const op = 'ListPartitions';
  const { partitions } = parseJsonBody(op, PartitionsResponse, body);
  return partitions.map((p) => {
    const nodes = nullIfEmpty(p.nodes) ?? '';
    return {
      name: p.name,
      nodes,
      nodeNames: expandHostlist(nodes) ?? fail(op, 'nodes', p, 'not a hostlist'),
      state: p.state ?? 'UNKNOWN',
      isDefault: (p.flags ?? []).includes('default'),
      totalCpus: p.total_cpus ?? 0,
      totalNodes: p.total_nodes ?? 0,
      maxTimeMin:
        p.max_time_limit === null || p.max_time_limit === undefined || p.max_time_limit < 0
          ? null
          : p.max_time_limit,
    };
  });
}

/** `GET /slurm/v0.0.38/reservations` → Reservation[]. */
export function reservationsFromRest(body: string): Reservation[] {
  const op = 'ListReservations';
  const { reservations } = parseJsonBody(op, ReservationsResponse, body);
  return reservations.map((r) => {
    const nodes = nullIfEmpty(r.node_list) ?? '';
    return {
      name: r.name,
      startEpochS: zeroToNull(r.start_time),
      endEpochS: zeroToNull(r.end_time),
      nodes,
      nodeNames: expandHostlist(nodes) ?? fail(op, 'node_list', r, 'not a hostlist'),
      nodeCount: r.node_count ?? 0,
      coreCount: r.core_count ?? 0,
      partition: nullIfEmpty(r.partition),
      features: nullIfEmpty(r.features),
      flags: (r.flags ?? []).map((f) => f.toUpperCase()).sort(),
      users: parseNameList(r.users),
      accounts: parseNameList(r.accounts),
      tres: parseTresString(r.tres ?? '') ?? fail(op, 'tres', r, 'cannot read TRES'),
    };
  });
}

/** `GET /slurm/v0.0.38/ping` → PingResult. */
export function pingFromRest(body: string): PingResult {
  const { pings } = parseJsonBody('Ping', PingResponse, body);
  return {
    controllers: pings.map((p) => ({ host: p.hostname, up: p.ping === 'UP', role: p.mode ?? 'primary' })),
  };
}
