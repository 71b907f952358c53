import type { JobRecord } from '../shared/job-record.js';
import { StoreClosedError, StoreConflictError, StoreWriteRefusedError } from './errors.js';
import {
  DEFAULT_JOB_BATCH,
  wholeSecondBounds,
  type BeginImportOptions,
  compareGpuUse,
  gpuUseMatches,
  type GpuUseQuery,
  type GpuUseRecord,
  type HistoryStore,
  type ImportManifest,
  type ImportWriter,
  type JobQuery,
  type SourceManifest,
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
  readonly #gpuUse = new Map<string, GpuUseRecord>();
  readonly #manifests = new Map<string, SourceManifest>();
  #closed = false;

  beginImport(manifest: ImportManifest, options: BeginImportOptions = {}): Promise<ImportWriter> {
    this.#check();
    const staged = new Map<string, JobRecord>();
    let done = false;
    const open = (): void => {
      this.#check();
      if (done)
        throw new StoreClosedError(`the import of ${manifest.source} was already published or aborted`, {
          target: this.description,
        });
    };
    return Promise.resolve({
      source: manifest.source,
      put: async (records: readonly JobRecord[]): Promise<void> => {
        open();
        for (const record of records) {
          if (record.source !== manifest.source)
            throw new StoreWriteRefusedError(
              `an import of ${manifest.source} was handed a job of ${record.source}`,
              {
                target: this.description,
              },
            );
          staged.set(record.jobId, copyJob(record));
        }
      },
      publish: async (): Promise<SourceManifest> => {
        open();
        const current = this.#manifests.get(manifest.source)?.contentSha256 ?? null;
        if (options.expectedContentSha256 !== undefined && current !== options.expectedContentSha256)
          throw new StoreConflictError(
            `another import of ${manifest.source} was published while this one ran (it now holds ${current ?? 'no import'}): nothing of this import was published; run the import again`,
            {
              target: this.description,
            },
          );
        done = true;
        for (const [key, job] of this.#jobs) if (job.source === manifest.source) this.#jobs.delete(key);
        for (const job of staged.values()) this.#jobs.set(`${job.source}\u0000${job.jobId}`, job);
        const published = { ...manifest, jobCount: staged.size };
        this.#manifests.set(manifest.source, published);
        return { ...published };
      },
      abort: (): Promise<void> => {
        done = true;
        staged.clear();
        return Promise.resolve();
      },
    });
  }

  manifests(): Promise<SourceManifest[]> {
    this.#check();
    return Promise.resolve(
      [...this.#manifests.values()].sort((a, b) => compare(a.source, b.source)).map((m) => ({ ...m })),
    );
  }

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

  jobsByIds(jobIds: readonly string[], query: Pick<JobQuery, 'source'> = {}): Promise<JobRecord[]> {
    this.#check();
    const wanted = new Set(jobIds);
    return Promise.resolve(
      this.#matching(query)
        .filter((job) => wanted.has(job.jobId))
        .sort(
          (a, b) =>
            Math.floor(a.submitS) - Math.floor(b.submitS) ||
            compare(a.source, b.source) ||
            compare(a.jobId, b.jobId),
        )
        .map(copyJob),
    );
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

  upsertGpuUse(records: readonly GpuUseRecord[]): Promise<void> {
    this.#check();
    for (const r of records) this.#gpuUse.set(`${r.source}\u0000${r.jobId}\u0000${r.node}`, { ...r });
    return Promise.resolve();
  }

  gpuUse(query: GpuUseQuery = {}): Promise<GpuUseRecord[]> {
    this.#check();
    return Promise.resolve(
      [...this.#gpuUse.values()]
        .filter((r) => gpuUseMatches(r, query))
        .sort(compareGpuUse)
        .map((r) => ({ ...r })),
    );
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
