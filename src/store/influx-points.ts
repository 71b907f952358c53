import type { IPoint } from 'influx';
import type { JobRecord, JobState } from '../shared/job-record.js';
import type {
  GpuUseRecord,
  NodeStatus,
  PowerState,
  QueueDemand,
  QueueState,
  SourceManifest,
} from './types.js';

/**
 * The InfluxDB 1.x schema, as pure functions from records to points and back (see docs/store.md).
 *
 * A point's identity is (measurement, tag set, timestamp): writing the same identity again replaces
 * its fields. So a job's identity must not change while the job moves pending → running → completed:
 * its timestamp is its submit second plus a per-job nanosecond offset (`jobDiscriminatorNs`), and its
 * tags are only what is fixed from submission on (source, partition, account, GPU type). The state,
 * the start and end times and the job id are fields. Tags stay bounded: no job id, user or job name.
 */

export const Measurements = {
  job: 'job',
  queue: 'queue',
  node: 'node',
  snapshot: 'snapshot',
  watermark: 'watermark',
  /** One point per imported source: its manifest and the generation readers see. */
  manifest: 'manifest',
  /** One point per import in progress: which process stages which generation. */
  staging: 'staging',
  /** One point per job and node: what the job did with its GPUs there (docs/gpu-use.md). */
  gpuUse: 'gpu_use',
} as const;

/**
 * The tag that sets an import's points apart: each import of a source writes its jobs under a new
 * generation, invisible until the source's manifest names it. Collected jobs have none.
 */
export const GENERATION_TAG = 'generation';

const NS_PER_S = 1_000_000_000n;
const NS_PER_MS = 1_000_000n;
/** Separator of list-valued fields and tags; Slurm never allows a comma inside a feature or partition name. */
const LIST_SEPARATOR = ',';

/** Job fields that may be null, stored as 0 / "" with their names listed in the `nulls` field. */
const NULLABLE_NUMBERS = [
  ['exitCode', 'exit_code'],
  ['eligibleS', 'eligible_s'],
  ['startS', 'start_s'],
  ['endS', 'end_s'],
  ['timeLimitS', 'time_limit_s'],
  ['maxRssMiB', 'max_rss_mib'],
  ['totalCpuS', 'total_cpu_s'],
] as const;
const NULLABLE_STRINGS = [
  ['name', 'name'],
  ['qos', 'qos'],
  ['reservation', 'reservation'],
] as const;
const REQUIRED_NUMBERS = [
  ['submitS', 'submit_s'],
  ['nodeCount', 'node_count'],
  ['cpuCount', 'cpu_count'],
  ['memMiB', 'mem_mib'],
  ['gpuCount', 'gpu_count'],
] as const;

/**
 * The nanosecond part of a job's timestamp, unique per job within a source and second: a numeric
 * job id below 10⁹ (Slurm's raw ids, SWF job numbers) is used as is; any other id is hashed
 * (FNV-1a) into [0, 10⁹), where two jobs of one source would collide only with the same submit second,
 * the same tags and the same hash.
 */
export function jobDiscriminatorNs(jobId: string): bigint {
  if (/^\d{1,9}$/.test(jobId)) return BigInt(jobId);
  let hash = 0x811c9dc5;
  for (let i = 0; i < jobId.length; i += 1) {
    hash ^= jobId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return BigInt(hash % 1_000_000_000);
}

/** A job's point timestamp in nanoseconds: its submit second plus its discriminator. */
export function jobTimeNs(record: Pick<JobRecord, 'submitS' | 'jobId'>): bigint {
  return BigInt(Math.floor(record.submitS)) * NS_PER_S + jobDiscriminatorNs(record.jobId);
}

/** A whole second as a nanosecond timestamp literal. */
export function secondsToNs(seconds: number): bigint {
  return BigInt(Math.floor(seconds)) * NS_PER_S;
}

/** A snapshot time (millisecond resolution) as nanoseconds. */
export function snapshotTimeNs(atS: number): bigint {
  return BigInt(Math.round(atS * 1000)) * NS_PER_MS;
}

/** The tags that, with the timestamp, identify a job's point. Absent tags are omitted, as InfluxDB stores them. */
export function jobTags(record: JobRecord): Record<string, string> {
  const tags: Record<string, string> = { source: record.source };
  if (record.partition !== '') tags['partition'] = record.partition;
  if (record.account !== null && record.account !== '') tags['account'] = record.account;
  if (record.gpuType !== null && record.gpuType !== '') tags['gpu_type'] = record.gpuType;
  return tags;
}

/**
 * One job as a point, of an import's `generation` when given. Every field is written every time, so
 * an update never leaves a stale field behind.
 */
export function jobPoint(record: JobRecord, generation?: string): IPoint {
  const nulls: string[] = [];
  const fields: Record<string, string | number> = {
    job_id: record.jobId,
    user: record.user,
    state: record.state,
    features: record.features.join(LIST_SEPARATOR),
  };
  for (const [key, field] of REQUIRED_NUMBERS) fields[field] = record[key];
  for (const [key, field] of NULLABLE_NUMBERS) {
    const value = record[key];
    if (value === null) nulls.push(key);
    fields[field] = value ?? 0;
  }
  for (const [key, field] of NULLABLE_STRINGS) {
    const value = record[key];
    if (value === null) nulls.push(key);
    fields[field] = value ?? '';
  }
  if (record.account === null) nulls.push('account');
  if (record.gpuType === null) nulls.push('gpuType');
  fields['nulls'] = nulls.join(LIST_SEPARATOR);
  const tags = jobTags(record);
  if (generation !== undefined) tags[GENERATION_TAG] = generation;
  return {
    measurement: Measurements.job,
    tags,
    fields,
    timestamp: jobTimeNs(record).toString(),
  };
}

/** A row of `SELECT * FROM job`, as the influx client returns it. */
export type InfluxRow = Record<string, unknown>;

/** Reads a job back from a `SELECT * FROM job` row. */
export function jobFromRow(row: InfluxRow): JobRecord {
  const nulls = new Set(text(row['nulls']).split(LIST_SEPARATOR));
  const nullable = <T>(key: string, value: T): T | null => (nulls.has(key) ? null : value);
  const features = text(row['features']);
  return {
    source: text(row['source']),
    jobId: text(row['job_id']),
    name: nullable('name', text(row['name'])),
    user: text(row['user']),
    account: nullable('account', text(row['account'])),
    partition: text(row['partition']),
    qos: nullable('qos', text(row['qos'])),
    state: text(row['state']) as JobState,
    exitCode: nullable('exitCode', num(row['exit_code'])),
    submitS: num(row['submit_s']),
    eligibleS: nullable('eligibleS', num(row['eligible_s'])),
    startS: nullable('startS', num(row['start_s'])),
    endS: nullable('endS', num(row['end_s'])),
    timeLimitS: nullable('timeLimitS', num(row['time_limit_s'])),
    nodeCount: num(row['node_count']),
    cpuCount: num(row['cpu_count']),
    memMiB: num(row['mem_mib']),
    gpuCount: num(row['gpu_count']),
    gpuType: nullable('gpuType', text(row['gpu_type'])),
    features: features === '' ? [] : features.split(LIST_SEPARATOR),
    reservation: nullable('reservation', text(row['reservation'])),
    maxRssMiB: nullable('maxRssMiB', num(row['max_rss_mib'])),
    totalCpuS: nullable('totalCpuS', num(row['total_cpu_s'])),
  };
}

/** One pool's demand in a queue snapshot. Its tags (pool and state) make it unique within the snapshot. */
export function queuePoint(source: string, atS: number, entry: QueueDemand): IPoint {
  const tags: Record<string, string> = { source, state: entry.state };
  if (entry.partition !== '') tags['partition'] = entry.partition;
  if (entry.gpuType !== null && entry.gpuType !== '') tags['gpu_type'] = entry.gpuType;
  if (entry.features.length > 0) tags['features'] = entry.features.join(LIST_SEPARATOR);
  return {
    measurement: Measurements.queue,
    tags,
    fields: {
      at_s: atS,
      job_count: entry.jobCount,
      cpu_count: entry.cpuCount,
      gpu_count: entry.gpuCount,
      mem_mib: entry.memMiB,
      node_count: entry.nodeCount,
    },
    timestamp: snapshotTimeNs(atS).toString(),
  };
}

export function queueEntryFromRow(row: InfluxRow): QueueDemand {
  const features = text(row['features']);
  const gpuType = text(row['gpu_type']);
  return {
    partition: text(row['partition']),
    gpuType: gpuType === '' ? null : gpuType,
    features: features === '' ? [] : features.split(LIST_SEPARATOR),
    state: text(row['state']) as QueueState,
    jobCount: num(row['job_count']),
    cpuCount: num(row['cpu_count']),
    gpuCount: num(row['gpu_count']),
    memMiB: num(row['mem_mib']),
    nodeCount: num(row['node_count']),
  };
}

/** One node in a node snapshot. Node names are tags: they are the administrator's, bounded by the hardware. */
export function nodePoint(source: string, atS: number, node: NodeStatus): IPoint {
  const tags: Record<string, string> = {
    source,
    node: node.name,
    state: node.state,
    power_state: node.powerState,
  };
  if (node.gpuType !== null && node.gpuType !== '') tags['gpu_type'] = node.gpuType;
  return {
    measurement: Measurements.node,
    tags,
    fields: {
      at_s: atS,
      flags: node.flags.join(LIST_SEPARATOR),
      partitions: node.partitions.join(LIST_SEPARATOR),
      features: node.features.join(LIST_SEPARATOR),
      cpu_count: node.cpuCount,
      alloc_cpu_count: node.allocCpuCount,
      mem_mib: node.memMiB,
      alloc_mem_mib: node.allocMemMiB,
      gpu_count: node.gpuCount,
    },
    timestamp: snapshotTimeNs(atS).toString(),
  };
}

export function nodeFromRow(row: InfluxRow): NodeStatus {
  const list = (value: unknown): string[] => {
    const joined = text(value);
    return joined === '' ? [] : joined.split(LIST_SEPARATOR);
  };
  const gpuType = text(row['gpu_type']);
  return {
    name: text(row['node']),
    state: text(row['state']),
    flags: list(row['flags']),
    powerState: text(row['power_state']) as PowerState,
    partitions: list(row['partitions']),
    cpuCount: num(row['cpu_count']),
    allocCpuCount: num(row['alloc_cpu_count']),
    memMiB: num(row['mem_mib']),
    allocMemMiB: num(row['alloc_mem_mib']),
    gpuCount: num(row['gpu_count']),
    gpuType: gpuType === '' ? null : gpuType,
    features: list(row['features']),
  };
}

/** Marks that a snapshot was taken, so that a snapshot with no entries (an empty queue) is still recorded. */
export function snapshotMarkerPoint(
  kind: 'queue' | 'node',
  source: string,
  atS: number,
  entries: number,
): IPoint {
  return {
    measurement: Measurements.snapshot,
    tags: { source, kind },
    fields: { at_s: atS, entries },
    timestamp: snapshotTimeNs(atS).toString(),
  };
}

/** A source's watermark: one point per source at time 0, overwritten on every move. */
export function watermarkPoint(source: string, atS: number): IPoint {
  return { measurement: Measurements.watermark, tags: { source }, fields: { at_s: atS }, timestamp: '0' };
}

/** Stands for a null utilisation: a field left out would keep the value an earlier write gave it. */
const NO_READING = -1;

/**
 * A job's GPU use on one node. Tags stay bounded (source, node); the point's time is the first
 * sample's second plus the job's discriminator, so rewriting a job's summary replaces its point.
 */
export function gpuUsePoint(record: GpuUseRecord): IPoint {
  return {
    measurement: Measurements.gpuUse,
    tags: { source: record.source, node: record.node },
    fields: {
      job_id: record.jobId,
      user: record.user,
      gpu_count: record.gpuCount,
      sample_count: record.sampleCount,
      mean_util_pct: record.meanUtilPct ?? NO_READING,
      max_util_pct: record.maxUtilPct ?? NO_READING,
      max_mem_used_mib: record.maxMemUsedMiB,
      first_sample_s: record.firstSampleS,
      last_sample_s: record.lastSampleS,
    },
    timestamp: (
      BigInt(Math.floor(record.firstSampleS)) * NS_PER_S +
      jobDiscriminatorNs(record.jobId)
    ).toString(),
  };
}

/** Reads a GPU-use record back from a `SELECT * FROM gpu_use` row. */
export function gpuUseFromRow(row: InfluxRow): GpuUseRecord {
  const reading = (value: unknown): number | null => (num(value) === NO_READING ? null : num(value));
  return {
    source: text(row['source']),
    jobId: text(row['job_id']),
    node: text(row['node']),
    user: text(row['user']),
    gpuCount: num(row['gpu_count']),
    sampleCount: num(row['sample_count']),
    meanUtilPct: reading(row['mean_util_pct']),
    maxUtilPct: reading(row['max_util_pct']),
    maxMemUsedMiB: num(row['max_mem_used_mib']),
    firstSampleS: num(row['first_sample_s']),
    lastSampleS: num(row['last_sample_s']),
  };
}

/** A source's manifest: one point per source at time 0, overwritten by each publish. */
export function manifestPoint(manifest: SourceManifest, generation: string): IPoint {
  return {
    measurement: Measurements.manifest,
    tags: { source: manifest.source },
    fields: {
      [GENERATION_TAG]: generation,
      content_sha256: manifest.contentSha256,
      file_name: manifest.fileName,
      job_count: manifest.jobCount,
      imported_at_s: manifest.importedAtS,
    },
    timestamp: '0',
  };
}

/** Reads a manifest and its live generation back from a `SELECT * FROM manifest` row. */
export function manifestFromRow(row: InfluxRow): { manifest: SourceManifest; generation: string } {
  return {
    manifest: {
      source: text(row['source']),
      contentSha256: text(row['content_sha256']),
      fileName: text(row['file_name']),
      jobCount: num(row['job_count']),
      importedAtS: num(row['imported_at_s']),
    },
    generation: text(row[GENERATION_TAG]),
  };
}

/** Marks a generation as staged by a process (see `staging.ts`), before any of its points is written. */
export function stagingPoint(generation: string, source: string, owner: string, startedAtS: number): IPoint {
  return {
    measurement: Measurements.staging,
    tags: { [GENERATION_TAG]: generation },
    fields: { source, owner, started_at_s: startedAtS },
    timestamp: '0',
  };
}

function text(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value ?? 0);
}
