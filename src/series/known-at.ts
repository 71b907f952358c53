import type { JobRecord } from '../shared/job-record.js';
import { PoolSeriesBuilder, type PoolInfo } from './build.js';
import type { PoolSeries } from './types.js';

/**
 * The job as it was known at `cutS`: later starts and ends are erased (the job is then pending or
 * running), and a job submitted at or after `cutS` does not exist yet. This is what keeps any data
 * from the future out of a forecast, runtimes of jobs still running at the cut included.
 */
export function asKnownAt(job: JobRecord, cutS: number): JobRecord | null {
  if (job.submitS >= cutS) return null;
  const started = job.startS !== null && job.startS < cutS;
  const ended = started && job.endS !== null && job.endS < cutS;
  if (ended) return job;
  return {
    ...job,
    state: started ? 'RUNNING' : 'PENDING',
    startS: started ? job.startS : null,
    endS: null,
    exitCode: null,
    maxRssMiB: null,
    totalCpuS: null,
  };
}

/** Options for {@link seriesKnownAt}. */
export interface KnownAtSeriesOptions {
  stepS: number;
  /** IANA zone for calendar features. */
  timeZone: string;
  /** Nothing known at or after this instant (Unix s) is used; the series end here. */
  cutS: number;
  /** Also build the whole queue as one pool (`WholeQueuePool`). */
  wholeQueue?: boolean;
  /** Called after each batch with the number of jobs read so far (progress). */
  onRead?: (jobs: number) => void;
}

/** The series of every pool as they were known at a cut-off. */
export interface KnownAtSeries {
  readonly pools: readonly PoolInfo[];
  readonly series: readonly PoolSeries[];
  /** The latest submit, start or end time among all the jobs read, cut or not (Unix s); -Infinity for none. */
  readonly lastEventS: number;
}

/**
 * Builds every pool's series from the jobs as they were known at `cutS` ({@link asKnownAt}): the
 * series end at the cut, and jobs still open then count until the cut. The one place a forecast's
 * knowledge cut-off is applied.
 *
 * @throws {SeriesError} for a bad step or zone, or too many buckets.
 * @example
 * const { series } = await seriesKnownAt(readSwf(path), { stepS: 3600, timeZone: 'Europe/Paris', cutS: 1349042400 });
 */
export async function seriesKnownAt(
  jobs: AsyncIterable<readonly JobRecord[]>,
  options: KnownAtSeriesOptions,
): Promise<KnownAtSeries> {
  const builder = new PoolSeriesBuilder({
    stepS: options.stepS,
    timeZone: options.timeZone,
    endS: options.cutS,
    nowS: options.cutS,
    wholeQueue: options.wholeQueue ?? false,
  });
  let lastEventS = Number.NEGATIVE_INFINITY;
  let read = 0;
  for await (const batch of jobs) {
    for (const job of batch) {
      lastEventS = Math.max(lastEventS, job.submitS, job.startS ?? -Infinity, job.endS ?? -Infinity);
      const known = asKnownAt(job, options.cutS);
      if (known !== null) builder.add(known);
    }
    read += batch.length;
    options.onRead?.(read);
  }
  return { pools: builder.pools(), series: builder.build(), lastEventS };
}
