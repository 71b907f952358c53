import { z } from 'zod';
import type { GpuUseRecord } from '../shared/gpu-use-record.js';
import type { JobRecord } from '../shared/job-record.js';
import type { HistoryStore } from '../store/types.js';
import type { JobBatches } from './application.js';

/**
 * What a history held before a cut, as far as it can be read without reading the jobs: the job model
 * cache records it when it trains a model for that cut, and compares it with the history's present
 * state before reusing the model (see `jobModelProblem`).
 */
export const HistoryStateSchema = z.strictObject({
  /**
   * Jobs submitted before the cut. Every job that ended before the cut is one of them, so a job added
   * there changes this count. Null when the history is a file named by its content (nothing to count).
   */
  jobsSubmittedBeforeCut: z.number().int().nonnegative().nullable(),
  /** One entry per source, sorted by name. */
  sources: z.array(
    z.strictObject({
      source: z.string().min(1),
      /** SHA-256 of the imported content (the store's manifest), null for a collected source. */
      contentSha256: z.string().nullable(),
      /** Where collection of the source stopped (Unix s), null when it is not collected. */
      watermarkS: z.number().finite().nullable(),
    }),
  ),
});
export type HistoryState = z.infer<typeof HistoryStateSchema>;

/**
 * Where per-job predictions read their history: the store (`storeJobHistory`) or a workload log read
 * whole (`jobBatchHistory`). Each answers the few questions a prediction from a cached model needs
 * without reading every job; `jobsBefore` is read only to train.
 */
export interface JobHistory {
  /** Names the history for the model cache: models of one history never answer for another. */
  readonly identity: string;
  /**
   * What the history holds before `cutS`, for the given sources (and any it knows of itself).
   * @throws the store's error when it cannot be read.
   */
  state(cutS: number, sources: readonly string[]): Promise<HistoryState>;
  /**
   * The jobs with these ids; an id held by several sources yields every one of them, an unknown id
   * nothing.
   */
  findJobs(jobIds: readonly string[]): Promise<JobRecord[]>;
  /** Every job submitted before `cutS` (all that a model for that cut can learn from). */
  jobsBefore(cutS: number): JobBatches;
  /** GPU use of `user`'s jobs sampled before `beforeS` (see `gpusActuallyUsed`). */
  gpuUse(user: string, beforeS: number): Promise<readonly GpuUseRecord[]>;
}

const bySource = (a: { source: string }, b: { source: string }): number =>
  a.source < b.source ? -1 : a.source > b.source ? 1 : 0;

/**
 * The history in a store, optionally one source of it. Its state is a count of the jobs submitted
 * before the cut, the imported sources' content hashes and the collected sources' watermarks: three
 * small queries, whatever the store's size.
 *
 * @example
 * const history = storeJobHistory(openEmbeddedStore('.slurmcast/history.db'), { source: 'slurm:lab' });
 */
export function storeJobHistory(
  store: HistoryStore,
  options: {
    source?: string;
    /** Default: the store's description and the source; pass a stable name (an absolute path) when they are not. */
    identity?: string;
  } = {},
): JobHistory {
  const filter = options.source === undefined ? {} : { source: options.source };
  const identity =
    options.identity ??
    (options.source === undefined ? store.description : `${store.description} source ${options.source}`);
  return {
    identity,
    async state(cutS, sources) {
      const [count, manifests] = await Promise.all([
        store.countJobs({ ...filter, submittedBeforeS: cutS }),
        store.manifests(),
      ]);
      const names = new Set(sources);
      for (const m of manifests) names.add(m.source);
      if (options.source !== undefined) {
        for (const name of [...names]) if (name !== options.source) names.delete(name);
      }
      const entries = await Promise.all(
        [...names].map(async (source) => ({
          source,
          contentSha256: manifests.find((m) => m.source === source)?.contentSha256 ?? null,
          watermarkS: await store.watermark(source),
        })),
      );
      return { jobsSubmittedBeforeCut: count, sources: entries.sort(bySource) };
    },
    async findJobs(jobIds) {
      return store.jobsByIds(jobIds, filter);
    },
    async *jobsBefore(cutS) {
      yield* store.jobs({ ...filter, submittedBeforeS: cutS });
    },
    gpuUse(user, beforeS) {
      return store.gpuUse({ ...filter, user, lastSampleBeforeS: beforeS });
    },
  };
}

/**
 * A history read whole from a workload log, named by the log's content (so a changed file is another
 * history and a moved one the same). Finding jobs reads the log until every id asked for is found.
 *
 * @example
 * const history = jobBatchHistory({
 *   source: 'swf:KTH-SP2-1996-2.1-cln', contentSha256: await fileSha256(path), read: () => readSwf(path),
 * });
 */
export function jobBatchHistory(options: {
  /** The source name its records carry. */
  source: string;
  /** SHA-256 of the file's bytes. */
  contentSha256: string;
  /** Reads the log from the start, each time it is called. */
  read: () => JobBatches;
}): JobHistory {
  const state: HistoryState = {
    jobsSubmittedBeforeCut: null,
    sources: [{ source: options.source, contentSha256: options.contentSha256, watermarkS: null }],
  };
  return {
    identity: `${options.source} sha256 ${options.contentSha256}`,
    state: () => Promise.resolve(state),
    async findJobs(jobIds) {
      const wanted = new Set(jobIds);
      const found: JobRecord[] = [];
      // A log holds one source, where an id appears once (a reader keeps the first of duplicates).
      for await (const batch of options.read()) {
        for (const job of batch) {
          if (!wanted.has(job.jobId)) continue;
          wanted.delete(job.jobId);
          found.push(job);
        }
        if (wanted.size === 0) break;
      }
      return found;
    },
    async *jobsBefore(cutS) {
      for await (const batch of options.read()) yield batch.filter((j) => j.submitS < cutS);
    },
    gpuUse: () => Promise.resolve([]),
  };
}
