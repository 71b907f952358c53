import { BaseForecastLevels, resolveParam } from '../config/params.js';
import {
  backtestOrigins,
  applyOffsets,
  conformalOffsets,
  localScale,
  pointForecast,
  residualsByStep,
  seriesContext,
  validatePredictOptions,
  validateSeries,
  type SpecModel,
} from './base.js';
import { InvalidForecastOptionsError, InvalidSeriesError } from './errors.js';
import type { LstmOptions } from './models/lstm.js';
import { quantileSorted } from '../shared/quantile.js';
import { pinball } from './numeric.js';
import { createModel, DefaultModels, type ModelName } from './registry.js';
import type { CrossValidation, SeriesInput } from './types.js';

/** Options of `forecastSeries`; see `resolveForecastSeriesConfig` for the defaults. */
export interface ForecastSeriesOptions {
  /** Steps to forecast after the last value. */
  horizon: number;
  /** Quantile levels in (0, 1); default [0.1, 0.5, 0.9]. */
  levels?: readonly number[];
  /**
   * Candidate models, by name or as built models (default `DefaultModels`); the one with the lowest
   * backtest MASE is used.
   */
  models?: readonly (ModelName | SpecModel)[];
  /** Seed for every randomised model (forest, LSTM). Default 1. */
  seed?: number;
  /** Rolling-origin backtest: `origins` forecasts of `horizon` steps, `spacingSteps` apart, the last ending at the series end. */
  backtest?: { origins?: number; spacingSteps?: number };
  /** Clamp forecasts and quantiles at 0; default: true when no observed value is negative. */
  nonNegative?: boolean;
  /** LSTM settings (epochs, budget, injected time source). */
  lstm?: Omit<LstmOptions, 'seed'>;
  /** Called before each candidate's backtest: `done` of `total` candidates are scored. */
  onProgress?: (progress: { model: string; done: number; total: number }) => void;
}

export interface ResolvedForecastSeriesConfig {
  horizon: number;
  levels: readonly number[];
  models: readonly (ModelName | SpecModel)[];
  seed: number;
  backtestOrigins: number;
  spacingSteps: number;
  nonNegative: boolean;
  lstm: Omit<LstmOptions, 'seed'>;
}

/** Backtest scores of one model on the same origins as every other candidate. */
export interface BacktestScores {
  /** MAE divided by weekly seasonal naive's MAE on the same windows (< 1: better than naive). */
  mase: number;
  /** Mean pinball loss over the requested levels, in the series' unit. */
  pinball: number;
  /** Mean absolute error, in the series' unit. */
  mae: number;
}

export interface ForecastSeriesResult {
  /** Name of the chosen model. */
  model: string;
  /** Point forecast, `horizon` values, the first for the step right after the last observation. */
  mean: number[];
  /** Conformal quantiles keyed by `String(level)`, nested and monotone in the level at every step. */
  quantiles: Record<string, number[]>;
  /** The chosen model's backtest scores plus the backtest shape. */
  backtest: BacktestScores & { origins: number; horizon: number };
  /** Scores of every candidate that could be backtested. */
  candidates: Record<string, BacktestScores>;
}

/** Applies defaults once. @throws InvalidForecastOptionsError */
export function resolveForecastSeriesConfig(
  series: SeriesInput,
  options: ForecastSeriesOptions,
): ResolvedForecastSeriesConfig {
  const levels = options.levels ?? BaseForecastLevels;
  validatePredictOptions({ horizon: options.horizon, levels });
  const models = options.models ?? DefaultModels;
  if (models.length === 0) throw new InvalidForecastOptionsError('models', 'name at least one model');
  let nonNegative = options.nonNegative;
  if (nonNegative === undefined) {
    nonNegative = true;
    for (let i = 0; i < series.values.length; i++) if ((series.values[i] ?? 0) < 0) nonNegative = false;
  }
  const origins = options.backtest?.origins ?? 24;
  if (!Number.isInteger(origins) || origins < 1) {
    throw new InvalidForecastOptionsError('backtest.origins', `must be a positive integer, got ${origins}`);
  }
  return {
    horizon: options.horizon,
    levels,
    models,
    seed: resolveParam('seed', options.seed),
    backtestOrigins: origins,
    spacingSteps: options.backtest?.spacingSteps ?? Math.max(1, Math.round(86_400 / series.stepS)),
    nonNegative,
    lstm: options.lstm ?? {},
  };
}

function maeOf(cv: CrossValidation): number {
  let s = 0;
  let c = 0;
  cv.mean.forEach((m, j) => {
    const a = cv.actual[j];
    if (a === undefined) return;
    const w = j + 1;
    for (let h = 0; h < m.length; h++) {
      const d = (a[h] ?? Number.NaN) - (m[h] ?? Number.NaN);
      if (Number.isFinite(d)) {
        s += w * Math.abs(d);
        c += w;
      }
    }
  });
  return c === 0 ? Number.NaN : s / c;
}

function pinballOf(
  cv: CrossValidation,
  levels: readonly number[],
  lowerBound: number,
  scales: readonly number[],
): number {
  const offsets = intervalOffsets(cv, scales, levels);
  let s = 0;
  let c = 0;
  cv.mean.forEach((m, j) => {
    const q = applyOffsets(m, offsets.at(scales[j] ?? 1), { lowerBound });
    const a = cv.actual[j];
    for (const level of levels) {
      const qs = q[String(level)] ?? [];
      for (let h = 0; h < m.length; h++) {
        const y = a?.[h] ?? Number.NaN;
        if (Number.isFinite(y)) {
          s += pinball(y, qs[h] ?? 0, level);
          c++;
        }
      }
    }
  });
  return c === 0 ? Number.NaN : s / c;
}

/**
 * Interval offsets from backtest residuals, taken two ways: raw, and normalised by the local volatility
 * at each origin (then scaled back by the volatility at the forecast origin). The wider of the two is
 * kept per level (lower levels: the lower offset; upper levels: the higher), which stays monotone in
 * the level. Raw residuals alone under-cover after a calm backtest period; scaled ones alone
 * under-cover when the level shifts without the hour-to-hour noise growing.
 */
function intervalOffsets(
  cv: CrossValidation,
  scales: readonly number[],
  levels: readonly number[],
): { at(scale: number): Map<number, Float64Array> } {
  const raw = conformalOffsets(residualsByStep(cv), cv.horizon, levels);
  const scaled = conformalOffsets(residualsByStep(cv, scales), cv.horizon, levels);
  return {
    at(scale: number): Map<number, Float64Array> {
      const out = new Map<number, Float64Array>();
      for (const level of levels) {
        const a = raw.get(level) as Float64Array;
        const b = scaled.get(level) as Float64Array;
        out.set(
          level,
          a.map((v, h) =>
            level < 0.5 ? Math.min(v, (b[h] ?? 0) * scale) : Math.max(v, (b[h] ?? 0) * scale),
          ),
        );
      }
      return out;
    },
  };
}

/** Nominal coverage of the central interval the calibration aims at (the 0.1–0.9 band). */
const CALIBRATION_COVERAGE = 0.8;
/** Bounds on the calibration factor: never narrow much below, nor widen far beyond, the raw band. */
const MIN_CALIBRATION = 0.9;
const MAX_CALIBRATION = 4;
/** Fewest ended backtest windows a calibration fold is built from. */
const MIN_CALIBRATION_ORIGINS = 3;
const CALIBRATION_FOLD_STRIDE = 3;

function subCv(cv: CrossValidation, end: number): CrossValidation {
  return {
    origins: cv.origins.slice(0, end),
    horizon: cv.horizon,
    mean: cv.mean.slice(0, end),
    actual: cv.actual.slice(0, end),
  };
}

/**
 * How much the conformal band must be widened (or narrowed) around its median so that bands built
 * from older backtest origins cover 80% of the later ones. Each later origin j is scored with offsets
 * from origins before j only, the way the final forecast is scored with offsets from origins before
 * it: when spread grows over time (bursts, growth), residuals of older origins understate it, and
 * this factor measures by how much. For every held-out point the factor that would just cover it is
 * recorded; the 80th percentile of those is the calibration. Scaling every level's offset about the
 * median by one positive factor keeps quantiles monotone in the level and intervals nested.
 */
function calibrationFactor(cv: CrossValidation, scales: readonly number[]): number {
  const count = cv.origins.length;
  const first = Math.max(2, Math.ceil(count / 2));
  const levels = [0.1, 0.5, 0.9];
  const needed: number[] = [];
  // Every third origin from the latest back: neighbouring folds share most of their windows, and
  // each fold costs one conformal pass.
  for (let j = count - 1; j >= first; j -= CALIBRATION_FOLD_STRIDE) {
    // Only windows that had fully ended by origin j, as every backtest window has ended by the time
    // the real forecast is made.
    let known = 0;
    while (known < j && (cv.origins[known] ?? 0) + cv.horizon <= (cv.origins[j] ?? 0)) known++;
    if (known < MIN_CALIBRATION_ORIGINS) continue;
    const offsets = intervalOffsets(subCv(cv, known), scales.slice(0, known), levels).at(scales[j] ?? 1);
    const lo = offsets.get(0.1) as Float64Array;
    const med = offsets.get(0.5) as Float64Array;
    const hi = offsets.get(0.9) as Float64Array;
    const m = cv.mean[j];
    const a = cv.actual[j];
    if (m === undefined || a === undefined) continue;
    for (let h = 0; h < cv.horizon; h++) {
      const y = a[h] ?? Number.NaN;
      if (!Number.isFinite(y)) continue;
      const centre = (m[h] ?? 0) + (med[h] ?? 0);
      const width = y >= centre ? (hi[h] ?? 0) - (med[h] ?? 0) : (med[h] ?? 0) - (lo[h] ?? 0);
      const gap = Math.abs(y - centre);
      needed.push(gap === 0 ? 0 : width > 0 ? gap / width : Number.POSITIVE_INFINITY);
    }
  }
  if (needed.length < cv.horizon) return 1;
  const sorted = Float64Array.from(needed).sort();
  const c = quantileSorted(sorted, CALIBRATION_COVERAGE);
  return Math.min(MAX_CALIBRATION, Math.max(MIN_CALIBRATION, Number.isFinite(c) ? c : MAX_CALIBRATION));
}

/** Scales every level's offset about the median offset by `factor` (> 0), keeping the order of levels. */
function calibrate(
  offsets: Map<number, Float64Array>,
  median: Float64Array,
  factor: number,
): Map<number, Float64Array> {
  const out = new Map<number, Float64Array>();
  for (const [level, off] of offsets)
    out.set(
      level,
      off.map((v, h) => (median[h] ?? 0) + factor * (v - (median[h] ?? 0))),
    );
  return out;
}

function clampCv(cv: CrossValidation, lowerBound: number): CrossValidation {
  if (lowerBound === Number.NEGATIVE_INFINITY) return cv;
  return { ...cv, mean: cv.mean.map((m) => m.map((v) => Math.max(lowerBound, v))) };
}

/**
 * Forecasts one series: backtests every candidate model on the same rolling origins, keeps the one
 * with the lowest MASE (against weekly seasonal naive), refits it on the whole series and attaches
 * conformal quantiles built from its backtest residuals per horizon step. Pure and deterministic for
 * a given series, options and seed; reads no clock (the LSTM budget uses `options.lstm.nowMs`).
 *
 * This is the stable entry the simulator's predictive policy calls.
 *
 * @example
 * ```ts
 * const f = forecastSeries(
 *   { values: demandCpu, stepS: 3600, startS: pool.startS, timeZone: pool.timeZone },
 *   { horizon: 24, levels: [0.1, 0.5, 0.9] },
 * );
 * f.model; // e.g. 'profile-ar'
 * f.quantiles['0.9']?.[0]; // upper bound for the next hour
 * f.backtest.mase; // < 1 means better than "same hour last week"
 * ```
 *
 * @throws InvalidSeriesError if the series is empty, all-missing, badly stepped, in an unknown zone, or
 *   too short for every candidate.
 * @throws InvalidForecastOptionsError for a bad horizon, level or backtest setting.
 * @throws UnknownModelError for a model name not in `ModelNames`.
 * @throws LstmBackendNotReadyError if `lstm` is a candidate and `prepareLstmBackend()` was not awaited.
 */
export function forecastSeries(series: SeriesInput, options: ForecastSeriesOptions): ForecastSeriesResult {
  validateSeries(series);
  const config = resolveForecastSeriesConfig(series, options);
  const ctx = seriesContext(series);
  const n = series.values.length;
  const lowerBound = config.nonNegative ? 0 : Number.NEGATIVE_INFINITY;
  const factory = { seed: config.seed, lstm: config.lstm };
  const candidates = config.models.map((m) => (typeof m === 'string' ? createModel(m, factory) : m));
  const usable = candidates.filter((m) => n >= m.spec.minHistory(ctx));
  if (usable.length === 0) {
    throw new InvalidSeriesError(`series of ${n} steps is too short for every candidate model`);
  }
  const reference = createModel('snaive-weekly', factory);
  const minTrain = Math.max(reference.spec.minHistory(ctx), ...usable.map((m) => m.spec.minHistory(ctx)));
  const origins = backtestOrigins(n, {
    horizon: config.horizon,
    count: config.backtestOrigins,
    spacing: config.spacingSteps,
    minTrain,
  });
  const scaleWindow = seriesContext(series).calendar(1).slotsPerWeek;
  const scales = origins.map((o) => localScale(series.values, o, scaleWindow, scaleWindow));
  const scores: Record<string, BacktestScores> = {};
  let best: { model: SpecModel; cv: CrossValidation; scores: BacktestScores } | undefined;
  if (origins.length > 0) {
    const cvOptions = { horizon: config.horizon, origins, refit: 'first' as const };
    const refMae = maeOf(clampCv(reference.crossValidate(series, cvOptions), lowerBound));
    // A tolerance in the series' own unit keeps MASE meaningful when both errors are ~0 (exact fits).
    let level = 0;
    for (let i = 0; i < n; i++)
      level += Math.abs(Number.isFinite(series.values[i]) ? (series.values[i] ?? 0) : 0);
    const tol = 1e-9 * (1 + level / n);
    for (const [done, model] of usable.entries()) {
      options.onProgress?.({ model: model.name, done, total: usable.length });
      const cv = clampCv(model.crossValidate(series, cvOptions), lowerBound);
      const mae = maeOf(cv);
      const s: BacktestScores = {
        mae,
        mase: (mae + tol) / (refMae + tol),
        pinball: pinballOf(cv, config.levels, lowerBound, scales),
      };
      scores[model.name] = s;
      if (best === undefined || (Number.isFinite(s.mase) && !(best.scores.mase <= s.mase)))
        best = { model, cv, scores: s };
    }
  }
  const chosen = best?.model ?? (usable[0] as SpecModel);
  let mean: number[];
  let quantiles: Record<string, number[]>;
  if (best !== undefined) {
    mean = Array.from(pointForecast(chosen.spec, series, config.horizon), (v) => Math.max(lowerBound, v));
    const scaleNow = localScale(series.values, n, scaleWindow, scaleWindow);
    const all = intervalOffsets(best.cv, scales, [...config.levels, 0.5]).at(scaleNow);
    const median = all.get(0.5) as Float64Array;
    // Keys in the order asked, whether or not 0.5 was among them.
    const offsets = new Map(config.levels.map((level) => [level, all.get(level) ?? median]));
    const factor = calibrationFactor(best.cv, scales);
    quantiles = applyOffsets(mean, calibrate(offsets, median, factor), { lowerBound });
  } else {
    // Too short for a backtest: the model's own in-sample intervals are all there is.
    const fitted = chosen.fit(series).predict({ horizon: config.horizon, levels: config.levels });
    mean = fitted.mean.map((v) => Math.max(lowerBound, v));
    quantiles = Object.fromEntries(
      Object.entries(fitted.quantiles).map(([k, v]) => [k, v.map((x) => Math.max(lowerBound, x))]),
    );
  }
  const chosenScores = best?.scores ?? { mase: Number.NaN, pinball: Number.NaN, mae: Number.NaN };
  return {
    model: chosen.name,
    mean,
    quantiles,
    backtest: { ...chosenScores, origins: origins.length, horizon: config.horizon },
    candidates: scores,
  };
}
