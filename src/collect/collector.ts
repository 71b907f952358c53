import {
  ListJobHistory,
  ListNodes,
  ListQueue,
  type Node,
  type QueueJob,
  type SlurmClient,
  type JobRecord as SlurmJob,
} from '../../sdk/index.js';
import { resolveCollectParams } from '../config/params.js';
import type { Clock } from '../shared/clock.js';
import { silentLogger, type Logger } from '../shared/logger.js';
import { StoreBusyError } from '../store/errors.js';
import { withLock } from '../store/lock.js';
import { spoolStatus } from '../store/create.js';
import type { HistoryStore } from '../store/types.js';
import { CollectError } from './errors.js';
import type { JobRecord } from '../shared/job-record.js';
import { checkedJobRecordFromSlurm, nodeSnapshotFromSlurm, queueSnapshotFromSlurm } from './slurm-mapping.js';

/** How many rejected sacct jobs a result lists (all are counted). */
const MAX_REJECTIONS_LISTED = 20;

/**
 * What the collector reads from a cluster. `slurmClusterReader` sends the SDK's typed commands; tests
 * pass a fake.
 */
export interface ClusterReader {
  /** Accounting jobs pending, running or ended at or after `fromS` (sacct `--starttime`). */
  jobHistory(fromS: number): Promise<SlurmJob[]>;
  /** Pending and running jobs now (squeue). */
  queue(): Promise<QueueJob[]>;
  /** Every node now (scontrol / REST). */
  nodes(): Promise<Node[]>;
}

/** Reads a cluster through the Slurm SDK. */
export function slurmClusterReader(client: SlurmClient): ClusterReader {
  return {
    jobHistory: (fromS) => client.send(new ListJobHistory({ startEpochS: Math.max(0, Math.floor(fromS)) })),
    queue: () => client.send(new ListQueue()),
    nodes: () => client.send(new ListNodes()),
  };
}

/** Options of one collect run. */
export interface CollectOptions {
  /** Records are labelled with this source, e.g. `slurm:<cluster>`. */
  source: string;
  clock: Clock;
  /** Directory holding the run lock (the store's spool directory). */
  lockDir: string;
  /**
   * How far before the watermark to ask again, seconds; default 3,600. sacct returns every job active
   * since the start time (long-running ones included); the overlap covers jobs that reach the
   * accounting database late and clock differences between hosts.
   */
  overlapS?: number;
  /** Where the first run starts when the source has no watermark, seconds back from now; default 7 days. */
  initialLookbackS?: number;
  /** Start here instead of at the watermark (Unix seconds); the watermark still moves forward. */
  sinceS?: number;
  /** Records per store write; default 5,000. */
  batchSize?: number;
  /** Called after each batch is durable (progress, and a hook for fault-injection tests). */
  onBatch?: (done: number, total: number) => void | Promise<void>;
  /** Progress at `info`, writes left in the spool at `warn`; default silent. */
  logger?: Logger;
}

type ResolvedCollectOptions = Required<Omit<CollectOptions, 'sinceS' | 'onBatch'>> &
  Pick<CollectOptions, 'sinceS' | 'onBatch'>;

/** Defaults and ranges from `Params`. @throws {ParameterRangeError} */
function resolveCollectOptions(options: CollectOptions): ResolvedCollectOptions {
  return { ...options, ...resolveCollectParams(options), logger: options.logger ?? silentLogger };
}

/** What one run did. */
export interface CollectResult {
  source: string;
  /** The sacct start time used, Unix seconds. */
  fromS: number;
  /** The new watermark (the run's start), Unix seconds. */
  watermarkS: number;
  jobs: number;
  /** sacct jobs whose record would be out of range (`JobRecordLimits`): not stored. */
  rejected: number;
  /** The first rejected jobs, with the reason. */
  rejections: readonly { jobId: string; reason: string }[];
  queueEntries: number;
  nodes: number;
  /** Server store only: writes replayed from an earlier run's spool, and spooled by this run. */
  spool?: { replayed: number; spooled: number; pending: boolean; lastError: string | null };
}

/** Another collect run of the same store is in progress. */
export class CollectBusyError extends CollectError {
  override readonly name = 'CollectBusyError' as const;
  constructor(lockDir: string, cause: unknown) {
    super(
      `another slurmcast collect is running (lock in ${lockDir}): wait for it to finish; if none runs, its lock is taken over after 20 s`,
      { retryable: true, cause },
    );
  }
}

/**
 * One incremental collection: jobs from sacct since the watermark minus the overlap, upserted in
 * batches (so a job seen pending, then running, then completed stays one record), then a queue
 * snapshot and a node snapshot, and only then the watermark moves, after everything before it is
 * durable (committed, acknowledged, or spooled and fsync'd). One run at a time per lock directory.
 * @throws {CollectBusyError} when another run holds the lock.
 * @throws {StoreError} when the store fails in a way the spool cannot absorb.
 * @throws {SlurmError} from the SDK when Slurm cannot be read.
 * @example
 * const result = await collect(slurmClusterReader(client), store, { source: 'slurm:lab', clock: systemClock, lockDir: '.slurmcast/spool' });
 */
export async function collect(
  reader: ClusterReader,
  store: HistoryStore,
  options: CollectOptions,
): Promise<CollectResult> {
  const o = resolveCollectOptions(options);
  let locked = false;
  try {
    return await withLock(
      o.lockDir,
      'collect',
      () => {
        locked = true;
        return collectLocked(reader, store, o);
      },
      { waitMs: 0 },
    );
  } catch (error) {
    if (!locked && error instanceof StoreBusyError) throw new CollectBusyError(o.lockDir, error);
    throw error;
  }
}

async function collectLocked(
  reader: ClusterReader,
  store: HistoryStore,
  o: ResolvedCollectOptions,
): Promise<CollectResult> {
  const nowS = Math.floor(o.clock.nowMs() / 1000);
  const watermark = await store.watermark(o.source);
  const fromS = o.sinceS ?? (watermark === null ? nowS - o.initialLookbackS : watermark - o.overlapS);
  const history = await reader.jobHistory(fromS);
  const records: JobRecord[] = [];
  const rejections: { jobId: string; reason: string }[] = [];
  let rejected = 0;
  for (const job of history) {
    const mapped = checkedJobRecordFromSlurm(job, o.source);
    if (mapped.ok) records.push(mapped.record);
    else if (++rejected <= MAX_REJECTIONS_LISTED)
      rejections.push({ jobId: mapped.jobId, reason: mapped.reason });
  }
  for (let i = 0; i < records.length; i += o.batchSize) {
    await store.upsertJobs(records.slice(i, i + o.batchSize));
    const done = Math.min(i + o.batchSize, records.length);
    o.logger.info({ source: o.source, done, total: records.length }, 'collect: jobs written');
    await o.onBatch?.(done, records.length);
  }
  const queue = queueSnapshotFromSlurm(await reader.queue(), o.source, nowS);
  await store.putQueueSnapshot(queue);
  const nodes = nodeSnapshotFromSlurm(await reader.nodes(), o.source, nowS);
  await store.putNodeSnapshot(nodes);
  const watermarkS = Math.max(nowS, watermark ?? nowS);
  await store.setWatermark(o.source, watermarkS);
  const status = spoolStatus(store);
  if (status?.pending === true) {
    o.logger.warn(
      { source: o.source, spooled: status.spooled, lastError: status.lastError?.message ?? null },
      'collect: the server store did not take every write; they wait in the spool for the next run',
    );
  }
  o.logger.info({ source: o.source, fromS, watermarkS, jobs: records.length }, 'collect: done');
  return {
    source: o.source,
    fromS,
    watermarkS,
    jobs: records.length,
    rejected,
    rejections,
    queueEntries: queue.entries.length,
    nodes: nodes.nodes.length,
    ...(status === undefined
      ? {}
      : {
          spool: {
            replayed: status.replayed,
            spooled: status.spooled,
            pending: status.pending,
            lastError: status.lastError?.message ?? null,
          },
        }),
  };
}
