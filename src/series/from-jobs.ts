import type { JobRecord } from '../shared/job-record.js';
import { mayMeanWholeQueue, PoolSeriesBuilder, resolvePoolRequest } from './build.js';
import type { PoolInfo } from './build.js';
import { SeriesError } from './errors.js';
import type { PoolSeries } from './types.js';

/** Options for {@link seriesFromJobs}. */
export interface JobsSeriesOptions {
  stepS: number;
  /** IANA zone for calendar features (the log's or the cluster's). */
  timeZone: string;
  /**
   * Only this pool's series (all pools are still listed); unknown names are an error. `*` (or `all`,
   * when no pool has that name) is the whole queue.
   */
  pool?: string;
  startS?: number;
  endS?: number;
  /** Names the jobs' origin in an unknown-pool error, e.g. `swf:KTH-SP2-1996-2.1-cln`. */
  origin?: string;
}

/** Series built from a stream of jobs. */
export interface JobsSeries {
  readonly timeZone: string;
  /** Every pool of the jobs with its job count. */
  readonly pools: readonly PoolInfo[];
  /** The requested pool's series, or every pool's. */
  readonly series: readonly PoolSeries[];
}

/**
 * Builds the demand series of jobs read batch by batch (a log reader of collect, a store query):
 * only compact columns are kept, so memory stays small for a million jobs.
 *
 * @throws {SeriesError} for a bad step, zone or range, or an unknown pool.
 * @example
 * const trace = await openTrace({ kind: 'swf', path: 'KTH-SP2-1996-2.1-cln.swf.gz' });
 * const { series } = await seriesFromJobs(trace.jobs, { stepS: 3600, timeZone: trace.timeZone });
 */
export async function seriesFromJobs(
  jobs: AsyncIterable<readonly JobRecord[]>,
  options: JobsSeriesOptions,
): Promise<JobsSeries> {
  const builder = new PoolSeriesBuilder({
    stepS: options.stepS,
    timeZone: options.timeZone,
    wholeQueue: mayMeanWholeQueue(options.pool),
    ...(options.startS === undefined ? {} : { startS: options.startS }),
    ...(options.endS === undefined ? {} : { endS: options.endS }),
  });
  for await (const batch of jobs) for (const job of batch) builder.add(job);
  const pools = builder.pools();
  const wanted = options.pool === undefined ? undefined : resolvePoolRequest(options.pool, pools);
  if (wanted !== undefined && !pools.some((p) => p.pool === wanted)) {
    throw new SeriesError(
      'unknown-pool',
      `no pool ${JSON.stringify(options.pool)} in ${options.origin ?? 'the jobs'}; pools: ${pools.map((p) => p.pool).join(', ') || 'none'}`,
    );
  }
  const all = builder.build();
  const series = wanted === undefined ? all : all.filter((s) => s.pool === wanted);
  return { timeZone: options.timeZone, pools, series };
}
