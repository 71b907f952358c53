import { checkParam } from '../config/params.js';
import { buildCalendar, sameSlotLag, type Calendar } from './calendar.js';
import { InvalidForecastOptionsError, InvalidSeriesError } from './errors.js';
import { quantileSorted } from '../shared/quantile.js';
import type {
  CrossValidateOptions,
  CrossValidatingModel,
  CrossValidation,
  FittedModel,
  Forecast,
  PredictOptions,
  SeriesInput,
} from './types.js';

/** What a model sees of the series besides its values: the time axis and its local calendar. */
export interface SeriesContext {
  readonly startS: number;
  readonly stepS: number;
  readonly timeZone: string;
  /** The calendar of at least `count` steps from `startS`. */
  calendar(count: number): Calendar;
}

/**
 * A trained point forecaster. `forecast` reads only `history` (gap-filled values from the series start,
 * oldest first) and the calendar, so conditioning the same parameters on a longer history is free of
 * look-ahead by construction.
 */
export interface Trained {
  forecast(history: Float64Array, horizon: number): Float64Array;
}

export interface ModelSpec {
  readonly name: string;
  /** Smallest history (in steps) the model can be trained on; shorter series raise InvalidSeriesError. */
  minHistory(ctx: SeriesContext): number;
  train(history: Float64Array, ctx: SeriesContext): Trained;
}

/** A model built by `defineModel`; `spec` lets combinations (the ensemble) train members directly. */
export interface SpecModel extends CrossValidatingModel {
  readonly spec: ModelSpec;
}

/** Calendar provider that grows (doubling) as longer horizons are asked for. */
export function seriesContext(series: Pick<SeriesInput, 'startS' | 'stepS' | 'timeZone'>): SeriesContext {
  const key = `${series.startS}/${series.stepS}/${series.timeZone}`;
  return {
    startS: series.startS,
    stepS: series.stepS,
    timeZone: series.timeZone,
    calendar(count: number): Calendar {
      const cached = calendarCache.get(key);
      if (cached !== undefined && cached.slotOfWeek.length >= count) return cached;
      const size = Math.max(count, 2 * (cached?.slotOfWeek.length ?? 0), 256);
      const cal = buildCalendar(series.startS, series.stepS, size, series.timeZone);
      calendarCache.delete(key);
      calendarCache.set(key, cal);
      // Calendars are immutable and cheap to keep; a few dozen cover every series a run touches at once.
      if (calendarCache.size > 64) {
        const oldest = calendarCache.keys().next().value;
        if (oldest !== undefined) calendarCache.delete(oldest);
      }
      return cal;
    },
  };
}

const calendarCache = new Map<string, Calendar>();

/**
 * Fills missing (NaN) buckets from the same local slot a week earlier, else the previous value, else the
 * first later value. Only values inside `raw` are read.
 *
 * @throws InvalidSeriesError if every value is missing.
 */
export function fillMissing(raw: ArrayLike<number>, ctx: SeriesContext): Float64Array {
  const n = raw.length;
  const out = new Float64Array(n);
  let firstFinite = -1;
  let missing = 0;
  for (let i = 0; i < n; i++) {
    const v = raw[i] ?? Number.NaN;
    out[i] = v;
    if (Number.isFinite(v)) {
      if (firstFinite < 0) firstFinite = i;
    } else missing++;
  }
  if (firstFinite < 0) throw new InvalidSeriesError('every value is missing');
  if (missing === 0) return out;
  const cal = ctx.calendar(n);
  for (let i = 0; i < n; i++) {
    if (Number.isFinite(out[i] ?? Number.NaN)) continue;
    const j = sameSlotLag(cal, i, 'week', 1);
    const lagged = j >= 0 ? (out[j] ?? Number.NaN) : Number.NaN;
    if (Number.isFinite(lagged)) out[i] = lagged;
    else if (i > 0 && Number.isFinite(out[i - 1] ?? Number.NaN)) out[i] = out[i - 1] ?? 0;
    else out[i] = raw[firstFinite] ?? 0;
  }
  return out;
}

/** Checks a series before fitting. @throws InvalidSeriesError */
export function validateSeries(series: SeriesInput): void {
  if (!Number.isFinite(series.startS)) throw new InvalidSeriesError('startS is not a finite number');
  if (!(series.stepS > 0)) throw new InvalidSeriesError(`stepS must be positive, got ${series.stepS}`);
  if (series.values.length === 0) throw new InvalidSeriesError('the series is empty');
}

/** Checks predict options against `Params.horizon` and `Params.level`. @throws {ParameterRangeError} */
export function validatePredictOptions(options: PredictOptions): void {
  checkParam('horizon', options.horizon);
  for (const level of options.levels) checkParam('level', level);
}

/**
 * Residuals `actual − mean` per horizon step (index h = step h + 1), one entry per origin with a
 * known actual value; divided by `scales[j]` (the local volatility at origin j) when given.
 */
export function residualsByStep(cv: CrossValidation, scales?: readonly number[]): Float64Array[] {
  const out: Float64Array[] = [];
  const count = cv.origins.length;
  for (let h = 0; h < cv.horizon; h++) {
    const r = new Float64Array(count);
    let k = 0;
    for (let j = 0; j < count; j++) {
      const a = cv.actual[j]?.[h] ?? Number.NaN;
      const m = cv.mean[j]?.[h] ?? Number.NaN;
      const sc = scales?.[j] ?? 1;
      if (Number.isFinite(a) && Number.isFinite(m)) r[k++] = (a - m) / sc;
    }
    out.push(r.subarray(0, k));
  }
  return out;
}

/**
 * Conformal-style quantiles: for each step h, `mean[h]` plus the empirical quantile of backtest residuals
 * pooled over the neighbouring steps h ± clamp(h/10, 1, 3). Because one sorted pool serves every level, the
 * quantiles are monotone in the level (so intervals are nested) at every step. Steps beyond the residuals
 * reuse the last step's pool. With `scale`, residuals are taken as normalised (see `localScale`) and
 * multiplied back by the scale at the forecast origin, so intervals widen when the series turns volatile.
 */
export function conformalQuantiles(
  meanValues: ArrayLike<number>,
  residuals: readonly Float64Array[],
  levels: readonly number[],
  options: { lowerBound?: number; scale?: number } = {},
): Record<string, number[]> {
  return applyOffsets(meanValues, conformalOffsets(residuals, meanValues.length, levels), options);
}

/**
 * The residual quantile of each level at each step (see `conformalQuantiles`), computed once so that
 * many origins can share it.
 */
export function conformalOffsets(
  residuals: readonly Float64Array[],
  horizon: number,
  levels: readonly number[],
): Map<number, Float64Array> {
  const out = new Map<number, Float64Array>();
  for (const level of levels) out.set(level, new Float64Array(horizon));
  const known = residuals.length;
  // Each step's residuals sorted once; neighbouring steps share most of their pool, so the pool slides
  // by merging steps in and out (linear passes) instead of being re-sorted at every step.
  const sortedSteps = residuals.map((r) => Float64Array.from(r).sort());
  let total = 0;
  for (const r of sortedSteps) total += r.length;
  let pool = new Float64Array(Math.max(1, total));
  let spare = new Float64Array(Math.max(1, total));
  let size = 0;
  let curLo = 0;
  let curHi = -1;
  const merge = (add: Float64Array): void => {
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < size && j < add.length) {
      const a = pool[i] as number;
      const b = add[j] as number;
      if (a <= b) {
        spare[k++] = a;
        i++;
      } else {
        spare[k++] = b;
        j++;
      }
    }
    while (i < size) spare[k++] = pool[i++] as number;
    while (j < add.length) spare[k++] = add[j++] as number;
    [pool, spare] = [spare, pool];
    size = k;
  };
  const remove = (drop: Float64Array): void => {
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < size) {
      const a = pool[i] as number;
      while (j < drop.length && (drop[j] as number) < a) j++;
      if (j < drop.length && drop[j] === a) {
        j++;
        i++;
        continue;
      }
      spare[k++] = a;
      i++;
    }
    [pool, spare] = [spare, pool];
    size = k;
  };
  for (let h = 0; h < horizon; h++) {
    const centre = Math.min(h, known - 1);
    const w = Math.min(3, Math.max(1, Math.round((centre + 1) / 10)));
    const lo = Math.max(0, centre - w);
    const hi = Math.min(known - 1, centre + w);
    for (let k = curLo; k <= curHi; k++) if (k < lo || k > hi) remove(sortedSteps[k] as Float64Array);
    for (let k = lo; k <= hi; k++) if (k < curLo || k > curHi) merge(sortedSteps[k] as Float64Array);
    curLo = lo;
    curHi = hi;
    const sorted = pool.subarray(0, size);
    for (const level of levels) {
      const arr = out.get(level) as Float64Array;
      arr[h] = size > 0 ? quantileSorted(sorted, level) : 0;
    }
  }
  return out;
}

/** mean + offset·scale per level and step, floored at `lowerBound`. */
export function applyOffsets(
  meanValues: ArrayLike<number>,
  offsets: Map<number, Float64Array>,
  options: { lowerBound?: number; scale?: number } = {},
): Record<string, number[]> {
  const scale = options.scale ?? 1;
  const lower = options.lowerBound ?? Number.NEGATIVE_INFINITY;
  const out: Record<string, number[]> = {};
  for (const [level, off] of offsets) {
    out[String(level)] = Array.from({ length: meanValues.length }, (_, h) =>
      Math.max(lower, (meanValues[h] ?? Number.NaN) + (off[h] ?? 0) * scale),
    );
  }
  return out;
}

/** Backtest origins ending exactly at `n`: n − horizon − j·spacing for j = count−1 … 0, all ≥ minTrain. */
export function backtestOrigins(
  n: number,
  options: { horizon: number; count: number; spacing: number; minTrain: number },
): number[] {
  const origins: number[] = [];
  for (let j = options.count - 1; j >= 0; j--) {
    const o = n - options.horizon - j * options.spacing;
    if (o >= options.minTrain) origins.push(o);
  }
  return origins;
}

/** How many in-sample origins `predict` uses for a bare model's own intervals. */
const SELF_INTERVAL_ORIGINS = 8;

/**
 * Wraps a `ModelSpec` into the public `ForecastModel` interface with `crossValidate`. `predict` gives
 * intervals from the fitted parameters' own rolling-origin residuals inside the training data (daily
 * origins); `forecastSeries` replaces them with out-of-sample backtest residuals.
 */
export function defineModel(spec: ModelSpec): SpecModel {
  const trainOn = (series: SeriesInput): { trained: Trained; history: Float64Array; ctx: SeriesContext } => {
    validateSeries(series);
    const ctx = seriesContext(series);
    const history = fillMissing(series.values, ctx);
    const need = spec.minHistory(ctx);
    if (history.length < need) {
      throw new InvalidSeriesError(
        `model ${spec.name} needs at least ${need} steps of history, got ${history.length}`,
      );
    }
    return { trained: spec.train(history, ctx), history, ctx };
  };
  return {
    name: spec.name,
    spec,
    fit(series: SeriesInput): FittedModel {
      const { trained, history, ctx } = trainOn(series);
      return {
        modelName: spec.name,
        predict(options: PredictOptions): Forecast {
          validatePredictOptions(options);
          const meanValues = trained.forecast(history, options.horizon);
          const n = history.length;
          const h = Math.min(options.horizon, Math.max(1, Math.floor(n / 3)));
          const origins = backtestOrigins(n, {
            horizon: h,
            count: SELF_INTERVAL_ORIGINS,
            spacing: ctx.calendar(1).slotsPerDay,
            minTrain: Math.max(1, Math.floor(n / 3)),
          });
          const cv: CrossValidation = { origins, horizon: h, mean: [], actual: [] };
          for (const o of origins) {
            cv.mean.push(trained.forecast(history.subarray(0, o), h));
            cv.actual.push(history.slice(o, o + h));
          }
          const quantiles = conformalQuantiles(meanValues, residualsByStep(cv), options.levels);
          return { mean: Array.from(meanValues), quantiles };
        },
      };
    },
    crossValidate(series: SeriesInput, options: CrossValidateOptions): CrossValidation {
      return crossValidateSpec(spec, series, options);
    },
  };
}

/**
 * Rolling-origin backtest of a spec: the history before each origin only (gap-filled on its own), one
 * calendar for the whole run.
 *
 * @throws InvalidForecastOptionsError for a bad horizon or unordered origins.
 * @throws InvalidSeriesError if the history before the first origin is too short for the model.
 */
export function crossValidateSpec(
  spec: ModelSpec,
  series: SeriesInput,
  options: CrossValidateOptions,
): CrossValidation {
  validateSeries(series);
  if (!Number.isInteger(options.horizon) || options.horizon < 1) {
    throw new InvalidForecastOptionsError('horizon', `must be a positive integer, got ${options.horizon}`);
  }
  const ctx = seriesContext(series);
  const out: CrossValidation = {
    origins: [...options.origins],
    horizon: options.horizon,
    mean: [],
    actual: [],
  };
  let trained: Trained | undefined;
  let last = -1;
  for (const o of options.origins) {
    if (!(Number.isInteger(o) && o > last && o <= series.values.length)) {
      throw new InvalidForecastOptionsError('origins', 'must be ascending integers within the series');
    }
    last = o;
    const past = new Float64Array(o);
    for (let i = 0; i < o; i++) past[i] = series.values[i] ?? Number.NaN;
    const history = fillMissing(past, ctx);
    if (trained === undefined || options.refit === 'every') {
      const need = spec.minHistory(ctx);
      if (o < need)
        throw new InvalidSeriesError(`model ${spec.name} needs at least ${need} steps of history, got ${o}`);
      trained = spec.train(history, ctx);
    }
    out.mean.push(trained.forecast(history, options.horizon));
    const actual = new Float64Array(options.horizon);
    for (let h = 0; h < options.horizon; h++) actual[h] = series.values[o + h] ?? Number.NaN;
    out.actual.push(actual);
  }
  return out;
}

/** Trains a spec on the whole series and returns its point forecast (what `fit().predict().mean` gives). */
export function pointForecast(spec: ModelSpec, series: SeriesInput, horizon: number): Float64Array {
  validateSeries(series);
  const ctx = seriesContext(series);
  const history = fillMissing(series.values, ctx);
  const need = spec.minHistory(ctx);
  if (history.length < need) {
    throw new InvalidSeriesError(
      `model ${spec.name} needs at least ${need} steps of history, got ${history.length}`,
    );
  }
  return spec.train(history, ctx).forecast(history, horizon);
}

/** The values of the same slot in up to `weeks` earlier weeks known before `limit` (a shared scratch array). */
const sameSlotScratch: number[] = [];
function sameSlotValues(
  history: Float64Array,
  cal: Calendar,
  i: number,
  weeks: number,
  limit: number,
): number[] {
  // First whole-week lag that is already known at `limit`.
  const k = i >= limit ? Math.floor((i - limit) / cal.slotsPerWeek) + 1 : 1;
  const xs = sameSlotScratch;
  xs.length = 0;
  for (let w = 0; w < weeks; w++) {
    const j = sameSlotLag(cal, i, 'week', k + w);
    if (j < 0) break;
    if (j < limit) xs.push(history[j] ?? 0);
  }
  return xs;
}

/** With no earlier week known: the same hour of the last known day, else the last known value. */
function noWeekFallback(history: Float64Array, cal: Calendar, i: number, limit: number): number {
  const d = i >= limit ? Math.floor((i - limit) / cal.slotsPerDay) + 1 : 1;
  const j = sameSlotLag(cal, i, 'day', d);
  if (j >= 0 && j < limit) return history[j] ?? 0;
  return history[Math.max(0, limit - 1)] ?? 0;
}

/**
 * The mean of the same local slot (hour of week for hourly data) over `weeks` weeks, taken from the
 * most recent weeks strictly before `limit`. Falls back to the same slot of earlier days, then to the
 * last value, when not even one week is known.
 */
export function weekProfileAt(
  history: Float64Array,
  cal: Calendar,
  i: number,
  weeks: number,
  limit: number,
): number {
  const xs = sameSlotValues(history, cal, i, weeks, limit);
  if (xs.length === 0) return noWeekFallback(history, cal, i, limit);
  let sum = 0;
  for (const x of xs) sum += x;
  return sum / xs.length;
}

/** Like {@link weekProfileAt}, the median instead of the mean: one odd week does not move it. */
export function weekMedianAt(
  history: Float64Array,
  cal: Calendar,
  i: number,
  weeks: number,
  limit: number,
): number {
  const xs = sameSlotValues(history, cal, i, weeks, limit);
  if (xs.length === 0) return noWeekFallback(history, cal, i, limit);
  return quantileSorted(
    xs.sort((a, b) => a - b),
    0.5,
  );
}

/**
 * Local volatility at an origin: the mean absolute change over `lag` steps (for the intervals: one week,
 * so level shifts count as much as hour-to-hour noise) across the `window` steps before it, plus a
 * floor so a flat series keeps a positive scale.
 */
export function localScale(values: ArrayLike<number>, origin: number, window: number, lag = 1): number {
  let s = 0;
  let c = 0;
  let level = 0;
  for (let t = Math.max(lag, origin - window); t < origin; t++) {
    const a = values[t] ?? Number.NaN;
    const b = values[t - lag] ?? Number.NaN;
    if (Number.isFinite(a) && Number.isFinite(b)) {
      s += Math.abs(a - b);
      level += Math.abs(a);
      c++;
    }
  }
  if (c === 0) return 1;
  return s / c + 1e-3 * (level / c) + 1e-9;
}
