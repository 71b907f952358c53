import { DateTime } from 'luxon';
import type { JobRecord } from '../collect/job-record.js';
import { PoolSeriesBuilder } from '../series/build.js';
import type { SeriesName } from '../series/types.js';
import { InvalidForecastOptionsError, InvalidSeriesError } from './errors.js';
import { predictJob, type JobPrediction } from './jobs.js';
import type { LstmOptions } from './models/lstm.js';
import type { ModelName } from './registry.js';
import { forecastSeries } from './select.js';

/** Where the jobs come from: batches in any order (an SWF read, a store query). */
export type JobBatches = AsyncIterable<readonly JobRecord[]>;

export interface PoolForecastRequest {
  jobs: JobBatches;
  /** The cluster's IANA zone (calendar features). */
  timeZone: string;
  pool: string;
  series: SeriesName;
  stepS: number;
  /** Nothing known at or after this instant (Unix s) is used; rounded down to a whole step. */
  untilS: number;
  horizon: number;
  levels: readonly number[];
  models?: readonly ModelName[];
  seed?: number;
  lstm?: Omit<LstmOptions, 'seed'>;
  /** Progress of the long parts: jobs read so far, then candidate models backtested. */
  onProgress?: (progress: ForecastProgress) => void;
}

/** How far `forecastPoolDemand` is, as its `onProgress` option receives it. */
export type ForecastProgress =
  | { readonly stage: 'reading'; readonly jobs: number }
  | { readonly stage: 'backtest'; readonly model: string; readonly done: number; readonly total: number };

/** The `slurmcast forecast --json` document. */
export interface PoolForecastReport {
  pool: string;
  series: string;
  step_s: number;
  /** ISO UTC of the first forecast step. */
  start: string;
  model: string;
  mean: number[];
  quantiles: Record<string, number[]>;
  backtest: { mase: number; pinball: number };
  /** Backtest scores of every candidate (for the table view). */
  candidates: Record<string, { mase: number; pinball: number; mae: number }>;
}

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

/** ISO 8601 UTC without milliseconds, e.g. `2012-10-01T00:00:00Z`. */
export function isoUtc(tS: number): string {
  return DateTime.fromSeconds(tS, { zone: 'utc' }).toISO({ suppressMilliseconds: true }) ?? String(tS);
}

const round = (v: number): number => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : v);

/**
 * Builds one pool's series from the jobs as known at `untilS` and forecasts it (`forecastSeries`).
 *
 * @example
 * ```ts
 * const report = await forecastPoolDemand({
 *   jobs: readSwf('CEA-Curie-2011-2.1-cln.swf.gz'), timeZone: 'Europe/Paris', pool: 'standard',
 *   series: 'demand_cpu', stepS: 3600, untilS: 1349042400, horizon: 168, levels: [0.1, 0.5, 0.9],
 * });
 * ```
 *
 * @throws InvalidSeriesError if the pool has no jobs before `untilS` or the series is missing/too short.
 * @throws InvalidForecastOptionsError for a bad step, horizon or level.
 */
export async function forecastPoolDemand(request: PoolForecastRequest): Promise<PoolForecastReport> {
  if (!(Number.isInteger(request.stepS) && request.stepS > 0)) {
    throw new InvalidForecastOptionsError('step', `must be a whole number of seconds, got ${request.stepS}`);
  }
  const cutS = Math.floor(request.untilS / request.stepS) * request.stepS;
  const builder = new PoolSeriesBuilder({
    stepS: request.stepS,
    timeZone: request.timeZone,
    endS: cutS,
    nowS: cutS,
  });
  let read = 0;
  for await (const batch of request.jobs) {
    for (const job of batch) {
      const known = asKnownAt(job, cutS);
      if (known !== null) builder.add(known);
    }
    read += batch.length;
    request.onProgress?.({ stage: 'reading', jobs: read });
  }
  const pools = builder.pools();
  if (!pools.some((p) => p.pool === request.pool)) {
    throw new InvalidSeriesError(
      `no job of pool "${request.pool}" before ${isoUtc(cutS)}; pools: ${pools.map((p) => p.pool).join(', ')}`,
    );
  }
  const pool = builder.build().find((s) => s.pool === request.pool);
  const values = pool?.values[request.series];
  if (pool === undefined || values === undefined) {
    throw new InvalidSeriesError(`pool "${request.pool}" has no series "${request.series}"`);
  }
  const result = forecastSeries(
    { values, startS: pool.startS, stepS: pool.stepS, timeZone: pool.timeZone },
    {
      horizon: request.horizon,
      levels: request.levels,
      ...(request.models === undefined ? {} : { models: request.models }),
      ...(request.seed === undefined ? {} : { seed: request.seed }),
      ...(request.lstm === undefined ? {} : { lstm: request.lstm }),
      ...(request.onProgress === undefined
        ? {}
        : { onProgress: (p) => request.onProgress?.({ stage: 'backtest', ...p }) }),
    },
  );
  return {
    pool: request.pool,
    series: request.series,
    step_s: pool.stepS,
    start: isoUtc(pool.startS + values.length * pool.stepS),
    model: result.model,
    mean: result.mean.map(round),
    quantiles: Object.fromEntries(Object.entries(result.quantiles).map(([k, v]) => [k, v.map(round)])),
    backtest: { mase: round(result.backtest.mase), pinball: round(result.backtest.pinball) },
    candidates: Object.fromEntries(
      Object.entries(result.candidates).map(([k, s]) => [
        k,
        { mase: round(s.mase), pinball: round(s.pinball), mae: round(s.mae) },
      ]),
    ),
  };
}

/**
 * Reads the history and predicts one job from the jobs that ended before its submit time.
 *
 * @throws JobPredictionError if the job is not in the history.
 */
export async function predictJobFromHistory(request: {
  jobs: JobBatches;
  jobId: string;
  timeZone: string;
  seed?: number;
}): Promise<JobPrediction> {
  const all: JobRecord[] = [];
  for await (const batch of request.jobs) for (const j of batch) all.push(j);
  return predictJob(all, request.jobId, {
    timeZone: request.timeZone,
    ...(request.seed === undefined ? {} : { seed: request.seed }),
  });
}
