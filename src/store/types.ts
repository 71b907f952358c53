import type { GpuUseRecord } from '../shared/gpu-use-record.js';
import type { JobRecord } from '../shared/job-record.js';

/**
 * Which jobs a query returns. Every filter is optional; the time range compares whole seconds of
 * `submitS` (`submittedFromS ≤ ⌊submitS⌋ < submittedBeforeS` after rounding the bounds up), which
 * is what every store can answer exactly.
 */
export interface JobQuery {
  source?: string;
  partition?: string;
  /** Inclusive lower bound on the submit time, Unix seconds. */
  submittedFromS?: number;
  /** Exclusive upper bound on the submit time, Unix seconds. */
  submittedBeforeS?: number;
  /** Records per yielded batch; default 10,000. */
  batchSize?: number;
}

/** The outcome of `upsertJobs`. */
export interface UpsertResult {
  /** Records handed to the store (new or updated; re-writing an unchanged job counts too). */
  written: number;
}

/** Job states a queue snapshot counts. */
export const QueueStates = ['PENDING', 'RUNNING'] as const;
export type QueueState = (typeof QueueStates)[number];

/** Demand of one pool in one state at the snapshot time: the sums over its jobs. */
export interface QueueDemand {
  partition: string;
  gpuType: string | null;
  /** Node features the jobs asked for, sorted (part of the pool's identity). */
  features: readonly string[];
  state: QueueState;
  jobCount: number;
  cpuCount: number;
  gpuCount: number;
  memMiB: number;
  nodeCount: number;
}

/** Pending and running demand by pool at one instant. */
export interface QueueSnapshot {
  source: string;
  /** Unix seconds, millisecond resolution. */
  atS: number;
  entries: readonly QueueDemand[];
}

/** Power states, as Slurm's power-saving flags describe them. */
export const PowerStates = ['ON', 'POWERED_DOWN', 'POWERING_UP', 'POWERING_DOWN'] as const;
export type PowerState = (typeof PowerStates)[number];

/** One node at the snapshot time. */
export interface NodeStatus {
  name: string;
  /** Slurm's base state: IDLE, MIXED, ALLOCATED, DOWN, … */
  state: string;
  /** The other state flags (DRAIN, CLOUD, NOT_RESPONDING, …), sorted; power flags are in `powerState`. */
  flags: readonly string[];
  powerState: PowerState;
  partitions: readonly string[];
  cpuCount: number;
  allocCpuCount: number;
  memMiB: number;
  allocMemMiB: number;
  gpuCount: number;
  gpuType: string | null;
  features: readonly string[];
}

/** The state of every node at one instant. */
export interface NodeSnapshot {
  source: string;
  /** Unix seconds, millisecond resolution. */
  atS: number;
  nodes: readonly NodeStatus[];
}

/** Which snapshots to read: one source, `fromS ≤ atS < beforeS`. */
export interface SnapshotQuery {
  source: string;
  fromS?: number;
  beforeS?: number;
}

export type { GpuUseRecord } from '../shared/gpu-use-record.js';
/** Which GPU-use records to read. Every filter is optional. */
export interface GpuUseQuery {
  source?: string;
  user?: string;
  /** Inclusive lower bound on `lastSampleS`, Unix seconds. */
  lastSampleFromS?: number;
  /** Exclusive upper bound on `lastSampleS`, Unix seconds. */
  lastSampleBeforeS?: number;
}

/** What the store keeps about one imported source: which content its jobs came from. */
export interface SourceManifest {
  source: string;
  /** SHA-256 (hex) of the imported content (an SWF file's bytes; see docs/history.md for the Alibaba trace). */
  contentSha256: string;
  /** The file the source was imported from (its base name, for messages). */
  fileName: string;
  /** Jobs the import stored. */
  jobCount: number;
  /** When the import started, Unix seconds. */
  importedAtS: number;
}

/** What `beginImport` is told: the manifest without the job count, which the store counts itself. */
export type ImportManifest = Omit<SourceManifest, 'jobCount'>;

/** How an import guards against another import of the same source published while it ran. */
export interface BeginImportOptions {
  /**
   * The content the source must still hold when this import publishes: the SHA-256 of its manifest,
   * or null for "not imported". Otherwise `publish` fails with `StoreConflictError` and publishes
   * nothing. Default: no check.
   */
  expectedContentSha256?: string | null;
}

/**
 * One import of one source, staged: records `put` are invisible to every reader (`jobs`,
 * `countJobs`, `manifests`) until `publish`, which replaces the source's jobs and manifest with the
 * staged ones at once. `abort` drops them. An import whose process died is never published; its
 * staged records stay invisible and are removed by the next open or import.
 */
export interface ImportWriter {
  readonly source: string;
  /**
   * Stages records; every one must belong to `source`.
   * @throws {StoreError} when the store refuses them (the import can only be aborted then).
   */
  put(records: readonly JobRecord[]): Promise<void>;
  /**
   * Makes the staged records the source's jobs, replacing the earlier ones, and records the manifest.
   * @throws {StoreConflictError} when the source no longer holds the expected content (see `BeginImportOptions`).
   */
  publish(): Promise<SourceManifest>;
  /** Drops the staged records; the source stays as it was. Safe to call after a failure. */
  abort(): Promise<void>;
}

/**
 * Everything Slurmcast keeps about a cluster's past: job records, queue and node snapshots, and a
 * watermark per source telling the collector where it stopped. Implementations: the embedded SQLite
 * store (default), InfluxDB 1.x, and an in-memory fake; all pass `test/contract/store.contract.ts`.
 *
 * Jobs are keyed by `(source, jobId)`: upserting a job again replaces it, so a job that moves from
 * pending to running to completed stays one record, and re-importing a file changes nothing.
 */
export interface HistoryStore {
  /** Short description for messages, e.g. `embedded .slurmcast/history.db`. */
  readonly description: string;
  /**
   * Inserts or replaces the records (by `(source, jobId)`). When the promise resolves the records
   * are durable (committed, acknowledged by the server, or spooled and fsync'd).
   * @throws {StoreError} `StoreUnreachableError`, `StoreWriteRefusedError`, `StoreBusyError`.
   */
  upsertJobs(records: readonly JobRecord[]): Promise<UpsertResult>;
  /**
   * Streams matching jobs in batches, ordered by submit second.
   * @throws {StoreError} when the store cannot be read.
   */
  jobs(query?: JobQuery): AsyncIterable<readonly JobRecord[]>;
  /**
   * The jobs with these ids, of every source or of `query.source`, ordered by submit second, then
   * source, then id; an id the store does not hold is absent, and one held by several sources comes
   * once per source. A lookup by key: it reads the jobs asked for, not the whole history.
   * @throws {StoreError} when the store cannot be read.
   */
  jobsByIds(jobIds: readonly string[], query?: Pick<JobQuery, 'source'>): Promise<JobRecord[]>;
  /** Counts matching jobs. @throws {StoreError} when the store cannot be read. */
  countJobs(query?: JobQuery): Promise<number>;
  /**
   * Starts an all-or-nothing import of `manifest.source` (see `ImportWriter`). Collect does not use
   * this: its upserts are incremental and each batch is complete in itself.
   * @throws {StoreError} when the store cannot be written.
   */
  beginImport(manifest: ImportManifest, options?: BeginImportOptions): Promise<ImportWriter>;
  /** The manifests of the published imports, one per imported source, sorted by source. */
  manifests(): Promise<SourceManifest[]>;
  /** Stores a queue snapshot; storing the same snapshot again changes nothing. */
  putQueueSnapshot(snapshot: QueueSnapshot): Promise<void>;
  /** Queue snapshots of one source, ordered by time. */
  queueSnapshots(query: SnapshotQuery): Promise<QueueSnapshot[]>;
  /** Stores a node snapshot; storing the same snapshot again changes nothing. */
  putNodeSnapshot(snapshot: NodeSnapshot): Promise<void>;
  /** Node snapshots of one source, ordered by time. */
  nodeSnapshots(query: SnapshotQuery): Promise<NodeSnapshot[]>;
  /**
   * Inserts or replaces GPU-use summaries (by `(source, jobId, node)`).
   * @throws {StoreError} when the store cannot be written.
   */
  upsertGpuUse(records: readonly GpuUseRecord[]): Promise<void>;
  /**
   * GPU-use summaries matching the query, ordered by `lastSampleS`, then source, job id and node.
   * @throws {StoreError} when the store cannot be read.
   */
  gpuUse(query?: GpuUseQuery): Promise<GpuUseRecord[]>;
  /** Where collection of `source` stopped (Unix seconds), or null if it never ran. */
  watermark(source: string): Promise<number | null>;
  /** Records where collection of `source` stopped. Call only after the data before it is durable. */
  setWatermark(source: string, atS: number): Promise<void>;
  /** Releases files and connections; the store cannot be used afterwards. */
  close(): Promise<void>;
}

/** Rounds a query's bounds to whole seconds, as every store compares them (see `JobQuery`). */
export function wholeSecondBounds(query: JobQuery): { fromS: number; beforeS: number } {
  return {
    fromS: query.submittedFromS === undefined ? -Infinity : Math.ceil(query.submittedFromS),
    beforeS: query.submittedBeforeS === undefined ? Infinity : Math.ceil(query.submittedBeforeS),
  };
}

/** Default records per batch for `jobs()`. */
export const DEFAULT_JOB_BATCH = 10_000;

/** Whether a GPU-use record matches a query (the reference for every store's filter). */
export function gpuUseMatches(record: GpuUseRecord, query: GpuUseQuery): boolean {
  return (
    (query.source === undefined || record.source === query.source) &&
    (query.user === undefined || record.user === query.user) &&
    (query.lastSampleFromS === undefined || record.lastSampleS >= query.lastSampleFromS) &&
    (query.lastSampleBeforeS === undefined || record.lastSampleS < query.lastSampleBeforeS)
  );
}

/** The order `gpuUse()` returns records in. */
export function compareGpuUse(a: GpuUseRecord, b: GpuUseRecord): number {
  const key = (r: GpuUseRecord): string => `${r.source}\u0000${r.jobId}\u0000${r.node}`;
  const ka = key(a);
  const kb = key(b);
  return a.lastSampleS - b.lastSampleS || (ka < kb ? -1 : ka > kb ? 1 : 0);
}
