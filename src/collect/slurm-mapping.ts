import type { Node, QueueJob, JobRecord as SlurmJob, Tres } from '../../sdk/index.js';
import type { NodeSnapshot, NodeStatus, PowerState, QueueDemand, QueueSnapshot } from '../store/types.js';
import { JobRecordSchema, type JobRecord, type JobState } from '../shared/job-record.js';

/**
 * Pure mappings from the SDK's typed Slurm models to what the history store keeps: accounting jobs to
 * `JobRecord`s, the queue to a `QueueSnapshot` (demand per pool and state), nodes to a `NodeSnapshot`.
 */

/** Slurm job states (sacct/squeue base states) to the record's states; anything unknown is UNKNOWN. */
const STATE_MAP: Readonly<Record<string, JobState>> = {
  PENDING: 'PENDING',
  REQUEUED: 'PENDING',
  REQUEUE_FED: 'PENDING',
  REQUEUE_HOLD: 'PENDING',
  RESV_DEL_HOLD: 'PENDING',
  CONFIGURING: 'RUNNING',
  RUNNING: 'RUNNING',
  COMPLETING: 'RUNNING',
  RESIZING: 'RUNNING',
  SUSPENDED: 'RUNNING',
  STAGE_OUT: 'RUNNING',
  SIGNALING: 'RUNNING',
  COMPLETED: 'COMPLETED',
  FAILED: 'FAILED',
  BOOT_FAIL: 'FAILED',
  CANCELLED: 'CANCELLED',
  REVOKED: 'CANCELLED',
  SPECIAL_EXIT: 'FAILED',
  TIMEOUT: 'TIMEOUT',
  DEADLINE: 'TIMEOUT',
  OUT_OF_MEMORY: 'OUT_OF_MEMORY',
  NODE_FAIL: 'NODE_FAIL',
  PREEMPTED: 'PREEMPTED',
};

/** Maps a Slurm job state (`CANCELLED`, `RUNNING`, …) to a record state. */
export function jobStateOf(slurmState: string): JobState {
  return STATE_MAP[slurmState.toUpperCase()] ?? 'UNKNOWN';
}

/** GPUs of a TRES set: the count and the type(s), from `gres/gpu` and `gres/gpu:<type>`. */
export function gpusOf(tres: Tres): { gpuCount: number; gpuType: string | null } {
  const types = Object.keys(tres.gpuByType)
    .filter((t) => (tres.gpuByType[t] ?? 0) > 0)
    .sort();
  const typed = types.reduce((sum, t) => sum + (tres.gpuByType[t] ?? 0), 0);
  // A job holding two GPU types (rare) is one pool of its own: `a100+h100`.
  return { gpuCount: tres.gpuCount ?? typed, gpuType: types.length === 0 ? null : types.join('+') };
}

/** Feature names in a constraint expression (`ib&nvme`, `[a100*2|h100]`), sorted and unique. */
export function featuresOf(constraint: string | null): string[] {
  if (constraint === null || constraint.trim() === '') return [];
  const names = constraint
    .split(/[&|,()[\]]/)
    .map((part) => part.replace(/\*\d+$/, '').trim())
    .filter((part) => part !== '');
  return [...new Set(names)].sort();
}

const MIB = 1024 * 1024;

/**
 * One accounting job as a record of `source`. Resources are what the job was allocated once it ran,
 * else what it asked for. The id is Slurm's raw id (unique per cluster, also for array tasks and
 * heterogeneous components). A job killed by a signal gets exit code 128 + signal, as a shell reports it.
 */
export function jobRecordFromSlurm(job: SlurmJob, source: string): JobRecord {
  const started = job.startEpochS !== null && job.allocTres.cpu !== null;
  const tres = started ? job.allocTres : job.reqTres;
  const fallback = started ? job.reqTres : job.allocTres;
  const { gpuCount, gpuType } = gpusOf(
    tres.gpuCount === null && Object.keys(tres.gpuByType).length === 0 ? fallback : tres,
  );
  const signal = job.exitSignal ?? 0;
  return {
    source,
    jobId: String(job.id.raw),
    name: job.name,
    user: job.user,
    account: job.account,
    partition: job.partition ?? '',
    qos: job.qos,
    state: jobStateOf(job.state),
    exitCode: signal > 0 ? 128 + signal : job.exitCode,
    submitS: job.submitEpochS ?? job.eligibleEpochS ?? job.startEpochS ?? 0,
    eligibleS: job.eligibleEpochS,
    startS: job.startEpochS,
    endS: job.endEpochS,
    timeLimitS: job.timeLimitMin === null ? null : job.timeLimitMin * 60,
    nodeCount: tres.nodeCount ?? fallback.nodeCount ?? 0,
    cpuCount: tres.cpu ?? fallback.cpu ?? 0,
    memMiB: tres.memMiB ?? fallback.memMiB ?? 0,
    gpuCount,
    gpuType,
    features: featuresOf(job.constraints),
    reservation: job.reservation,
    maxRssMiB: job.maxRssBytes === null ? null : job.maxRssBytes / MIB,
    totalCpuS: job.totalCpuS,
  };
}

/** A sacct job mapped, or why its record would be outside `JobRecordLimits`. */
export type SlurmJobMapping = { ok: true; record: JobRecord } | { ok: false; jobId: string; reason: string };

/**
 * `jobRecordFromSlurm`, checked against `JobRecordSchema` (its ranges): a job with, say, a submit time
 * past 2100 or a count beyond any machine is rejected with the reason, never stored.
 */
export function checkedJobRecordFromSlurm(job: SlurmJob, source: string): SlurmJobMapping {
  const record = jobRecordFromSlurm(job, source);
  const parsed = JobRecordSchema.safeParse(record);
  if (parsed.success) return { ok: true, record };
  const reason = parsed.error.issues.map((i) => `${i.path.join('.') || 'record'}: ${i.message}`).join('; ');
  return { ok: false, jobId: record.jobId, reason };
}

/** Pending and running demand per pool (partition × GPU type × features) from the queue. */
export function queueSnapshotFromSlurm(
  jobs: readonly QueueJob[],
  source: string,
  atS: number,
): QueueSnapshot {
  type Mutable<T> = { -readonly [K in keyof T]: T[K] };
  const entries = new Map<string, Mutable<QueueDemand>>();
  for (const job of jobs) {
    const state: JobState = jobStateOf(job.state);
    if (state !== 'PENDING' && state !== 'RUNNING') continue;
    const { gpuCount, gpuType } = gpusOf(job.reqTres);
    const features = featuresOf(job.features);
    const partition = job.partition ?? '';
    const key = [partition, gpuType ?? '', features.join(','), state].join('\u0000');
    let entry = entries.get(key);
    if (entry === undefined) {
      entry = {
        partition,
        gpuType,
        features,
        state,
        jobCount: 0,
        cpuCount: 0,
        gpuCount: 0,
        memMiB: 0,
        nodeCount: 0,
      };
      entries.set(key, entry);
    }
    entry.jobCount += 1;
    entry.cpuCount += job.reqTres.cpu ?? 0;
    entry.gpuCount += gpuCount;
    entry.memMiB += job.reqTres.memMiB ?? 0;
    entry.nodeCount += job.reqTres.nodeCount ?? 0;
  }
  return { source, atS, entries: [...entries.values()] };
}

const POWER_FLAGS = new Set(['POWERED_DOWN', 'POWERING_UP', 'POWERING_DOWN', 'POWER_DOWN', 'POWER_UP']);

function powerStateOf(node: Node): PowerState {
  if (node.power.poweringUp) return 'POWERING_UP';
  if (node.power.poweringDown) return 'POWERING_DOWN';
  if (node.power.poweredDown) return 'POWERED_DOWN';
  return 'ON';
}

/** One node's state, power state, capacity and allocation. */
export function nodeStatusFromSlurm(node: Node): NodeStatus {
  const gpus = node.gres.filter((g) => g.name === 'gpu');
  const types = [...new Set(gpus.map((g) => g.type).filter((t): t is string => t !== null))].sort();
  return {
    name: node.name,
    state: node.state,
    flags: node.stateFlags.filter((f) => !POWER_FLAGS.has(f)).sort(),
    powerState: powerStateOf(node),
    partitions: [...node.partitions].sort(),
    cpuCount: node.cpus,
    allocCpuCount: node.cpusAllocated,
    memMiB: node.realMemoryMiB,
    allocMemMiB: node.allocatedMemoryMiB,
    gpuCount: gpus.reduce((sum, g) => sum + g.count, 0),
    gpuType: types.length === 0 ? null : types.join('+'),
    features: [...node.activeFeatures].sort(),
  };
}

/** Every node at one instant. */
export function nodeSnapshotFromSlurm(nodes: readonly Node[], source: string, atS: number): NodeSnapshot {
  return { source, atS, nodes: nodes.map(nodeStatusFromSlurm) };
}
