import { DateTime } from 'luxon';
import type { GpuUseRecord } from '../shared/gpu-use-record.js';
import type { JobRecord } from '../shared/job-record.js';
import { seriesKnownAt } from '../series/known-at.js';
import { mayMeanWholeQueue, resolvePoolRequest } from '../series/build.js';
import type { SeriesName } from '../series/types.js';
import { resolveForecastParams, resolveParam, type ResolvedSessionParams } from '../config/params.js';
import { InvalidForecastOptionsError, InvalidSeriesError, UntilBeyondDataError } from './errors.js';
import { predictJob, type JobPrediction } from './jobs.js';
import type { LstmOptions } from './models/lstm.js';
import type { ModelName } from './registry.js';
import { forecastSeries } from './select.js';
import { forecastSessions, type EntityForecast, type EntityKind } from './sessions.js';

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
  /**
   * History intervals not to learn from (past maintenance windows): their steps become unknown values,
   * which the models fill from the same hours of other weeks.
   */
  exclude?: readonly { fromS: number; toS: number }[];
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

/** ISO 8601 UTC without milliseconds, e.g. `2012-10-01T00:00:00Z`. */
export function isoUtc(tS: number): string {
  return DateTime.fromSeconds(tS, { zone: 'utc' }).toISO({ suppressMilliseconds: true }) ?? String(tS);
}

/**
 * The data must reach the cut: its last event (a submit, start or end of any job read) may lie at most
 * one day, or one step when steps are longer, before it. A live cluster can be quiet for hours (a night, a
 * holiday), and the models read a short gap well from the weeks before it; a longer gap is read as "the
 * data ends there" (an old log, a store not collected lately), since the series would fill it with zeros
 * and the models would forecast zero demand.
 * @throws {UntilBeyondDataError}
 */
function refuseCutBeyondData(cutS: number, lastEventS: number, stepS: number): void {
  if (cutS - lastEventS <= Math.max(stepS, QUIET_SLACK_S)) return;
  const known = Number.isFinite(lastEventS);
  throw new UntilBeyondDataError({
    untilIso: isoUtc(cutS),
    untilS: cutS,
    lastEventIso: known ? isoUtc(lastEventS) : null,
    lastEventS: known ? lastEventS : null,
  });
}

/** How long the data may be silent before the cut: a day (see `refuseCutBeyondData`). */
const QUIET_SLACK_S = 86_400;

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
 * @throws {ParameterRangeError} for a step, horizon, level or seed outside its range (`Params`).
 * @throws {UntilBeyondDataError} when the data's last event is more than a day (or a step) before the cut.
 */
export async function forecastPoolDemand(request: PoolForecastRequest): Promise<PoolForecastReport> {
  const params = resolveForecastParams({
    horizon: request.horizon,
    levels: request.levels,
    seed: request.seed,
    stepS: request.stepS,
  });
  if (!Number.isFinite(request.untilS)) {
    throw new InvalidForecastOptionsError('until', `must be a finite time, got ${request.untilS}`);
  }
  const cutS = Math.floor(request.untilS / params.stepS) * params.stepS;
  const { pools, series, lastEventS } = await seriesKnownAt(request.jobs, {
    stepS: params.stepS,
    timeZone: request.timeZone,
    cutS,
    wholeQueue: mayMeanWholeQueue(request.pool),
    ...(request.onProgress === undefined
      ? {}
      : { onRead: (jobs: number) => request.onProgress?.({ stage: 'reading', jobs }) }),
  });
  refuseCutBeyondData(cutS, lastEventS, params.stepS);
  const wanted = resolvePoolRequest(request.pool, pools);
  if (!pools.some((p) => p.pool === wanted)) {
    throw new InvalidSeriesError(
      `no job of pool "${request.pool}" before ${isoUtc(cutS)}; pools: ${pools.map((p) => p.pool).join(', ')}`,
    );
  }
  const pool = series.find((s) => s.pool === wanted);
  const values = pool?.values[request.series];
  if (pool === undefined || values === undefined) {
    throw new InvalidSeriesError(`pool "${request.pool}" has no series "${request.series}"`);
  }
  const result = forecastSeries(
    {
      values: withoutIntervals(values, pool.startS, pool.stepS, request.exclude ?? []),
      startS: pool.startS,
      stepS: pool.stepS,
      timeZone: pool.timeZone,
    },
    {
      horizon: params.horizon,
      levels: params.levels,
      ...(request.models === undefined ? {} : { models: request.models }),
      seed: params.seed,
      ...(request.lstm === undefined ? {} : { lstm: request.lstm }),
      ...(request.onProgress === undefined
        ? {}
        : { onProgress: (p) => request.onProgress?.({ stage: 'backtest', ...p }) }),
    },
  );
  return {
    pool: wanted,
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
 * @throws {ParameterRangeError} for a seed outside `Params.seed`.
 */
export async function predictJobFromHistory(request: {
  jobs: JobBatches;
  jobId: string;
  timeZone: string;
  seed?: number;
  /** GPU use of earlier jobs, for "GPUs actually used"; without it the request is echoed. */
  gpuUse?: readonly GpuUseRecord[];
}): Promise<JobPrediction> {
  const all: JobRecord[] = [];
  for await (const batch of request.jobs) for (const j of batch) all.push(j);
  return predictJob(all, request.jobId, {
    timeZone: request.timeZone,
    seed: resolveParam('seed', request.seed),
    ...(request.gpuUse === undefined ? {} : { gpuUse: request.gpuUse }),
  });
}

/** A copy of `values` with every step that overlaps one of `intervals` unknown (NaN). */
export function withoutIntervals(
  values: Float64Array,
  startS: number,
  stepS: number,
  intervals: readonly { fromS: number; toS: number }[],
): Float64Array {
  if (intervals.length === 0) return values;
  const out = Float64Array.from(values);
  for (const { fromS, toS } of intervals) {
    const first = Math.max(0, Math.floor((fromS - startS) / stepS));
    const end = Math.min(out.length, Math.ceil((toS - startS) / stepS));
    for (let i = first; i < end; i++) out[i] = Number.NaN;
  }
  return out;
}

/** A `forecast-sessions` request: the jobs (any order), who to forecast and the cut. */
export interface SessionForecastRequest {
  jobs: AsyncIterable<readonly JobRecord[]>;
  by: EntityKind;
  untilS: number;
  timeZone: string;
  params: ResolvedSessionParams;
}

/**
 * Per user, account or task type: the chance of submitting in each coming window, what its windows
 * usually ask for, and whether its forecast is confident enough to act on. Reads only jobs submitted
 * before `untilS`.
 * @throws {InvalidForecastOptionsError} for a cut that is not a finite time.
 */
export async function forecastSessionsFromHistory(
  request: SessionForecastRequest,
): Promise<EntityForecast[]> {
  if (!Number.isFinite(request.untilS))
    throw new InvalidForecastOptionsError('until', `must be a finite time, got ${request.untilS}`);
  const jobs: JobRecord[] = [];
  for await (const batch of request.jobs) for (const j of batch) if (j.submitS < request.untilS) jobs.push(j);
  return forecastSessions(jobs, {
    by: request.by,
    cutS: request.untilS,
    timeZone: request.timeZone,
    ...request.params,
  });
}
