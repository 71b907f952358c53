import type { JobRecord } from '../shared/job-record.js';
import { StoreClosedError } from './errors.js';
import {
  DEFAULT_JOB_BATCH,
  wholeSecondBounds,
  type HistoryStore,
  type JobQuery,
  type NodeSnapshot,
  type QueueSnapshot,
  type SnapshotQuery,
  type UpsertResult,
} from './types.js';

/**
 * An in-memory `HistoryStore` for tests: the reference behaviour the contract suite holds every
 * other store to. Records are copied on the way in and out, as a real store would.
 * @example const store = new MemoryStore(); await store.upsertJobs(records);
 */
export class MemoryStore implements HistoryStore {
  readonly description = 'memory';
  readonly #jobs = new Map<string, JobRecord>();
  readonly #queue = new Map<string, QueueSnapshot>();
  readonly #nodes = new Map<string, NodeSnapshot>();
  readonly #watermarks = new Map<string, number>();
  #closed = false;

  upsertJobs(records: readonly JobRecord[]): Promise<UpsertResult> {
    this.#check();
    for (const record of records) {
      this.#jobs.set(`${record.source}\u0000${record.jobId}`, copyJob(record));
    }
    return Promise.resolve({ written: records.length });
  }

  async *jobs(query: JobQuery = {}): AsyncIterable<readonly JobRecord[]> {
    this.#check();
    const matching = this.#matching(query).sort(
      (a, b) =>
        Math.floor(a.submitS) - Math.floor(b.submitS) ||
        compare(a.source, b.source) ||
        compare(a.jobId, b.jobId),
    );
    const size = query.batchSize ?? DEFAULT_JOB_BATCH;
    for (let i = 0; i < matching.length; i += size) {
      yield matching.slice(i, i + size).map(copyJob);
    }
  }

  countJobs(query: JobQuery = {}): Promise<number> {
    this.#check();
    return Promise.resolve(this.#matching(query).length);
  }

  putQueueSnapshot(snapshot: QueueSnapshot): Promise<void> {
    this.#check();
    this.#queue.set(`${snapshot.source}\u0000${snapshot.atS}`, structuredClone(snapshot));
    return Promise.resolve();
  }

  queueSnapshots(query: SnapshotQuery): Promise<QueueSnapshot[]> {
    this.#check();
    return Promise.resolve(inRange([...this.#queue.values()], query).map((s) => structuredClone(s)));
  }

  putNodeSnapshot(snapshot: NodeSnapshot): Promise<void> {
    this.#check();
    this.#nodes.set(`${snapshot.source}\u0000${snapshot.atS}`, structuredClone(snapshot));
    return Promise.resolve();
  }

  nodeSnapshots(query: SnapshotQuery): Promise<NodeSnapshot[]> {
    this.#check();
    return Promise.resolve(inRange([...this.#nodes.values()], query).map((s) => structuredClone(s)));
  }

  watermark(source: string): Promise<number | null> {
    this.#check();
    return Promise.resolve(this.#watermarks.get(source) ?? null);
  }

  setWatermark(source: string, atS: number): Promise<void> {
    this.#check();
    this.#watermarks.set(source, atS);
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  #matching(query: JobQuery): JobRecord[] {
    const { fromS, beforeS } = wholeSecondBounds(query);
    return [...this.#jobs.values()].filter(
      (job) =>
        (query.source === undefined || job.source === query.source) &&
        (query.partition === undefined || job.partition === query.partition) &&
        job.submitS >= fromS &&
        job.submitS < beforeS,
    );
  }

  #check(): void {
    if (this.#closed) throw new StoreClosedError('the memory store is closed', { target: this.description });
  }
}

function copyJob(record: JobRecord): JobRecord {
  return { ...record, features: [...record.features] };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function inRange<T extends { source: string; atS: number }>(snapshots: T[], query: SnapshotQuery): T[] {
  return snapshots
    .filter(
      (s) =>
        s.source === query.source &&
        (query.fromS === undefined || s.atS >= query.fromS) &&
        (query.beforeS === undefined || s.atS < query.beforeS),
    )
    .sort((a, b) => a.atS - b.atS);
}
