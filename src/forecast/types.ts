/**
 * One interface for every forecasting model: fit on a series, then predict a horizon with a mean and
 * quantiles. Models are pure: no clock, no I/O, randomness only from the seed they are given.
 */
export interface SeriesInput {
  /** Observations, oldest first, one per step; NaN marks a missing bucket. */
  values: ArrayLike<number>;
  stepS: number;
  /** UTC Unix seconds of values[0]. */
  startS: number;
  /** IANA zone for calendar features. */
  timeZone: string;
}

export interface PredictOptions {
  /** Number of steps after the last observation. */
  horizon: number;
  /** Quantile levels in (0, 1), e.g. [0.1, 0.5, 0.9]. */
  levels: readonly number[];
}

export interface Forecast {
  mean: number[];
  /** Keyed by the level as written by `String(level)`, e.g. "0.1". Each array has `horizon` entries. */
  quantiles: Record<string, number[]>;
}

export interface FittedModel {
  readonly modelName: string;
  predict(options: PredictOptions): Forecast;
}

export interface ForecastModel {
  readonly name: string;
  fit(series: SeriesInput): FittedModel;
}

export interface CrossValidateOptions {
  /** Steps forecast from each origin. */
  horizon: number;
  /**
   * Forecast origins, as counts of observations known at the origin (values[0..origin) are history,
   * values[origin..origin+horizon) are the held-out target). Ascending.
   */
  origins: readonly number[];
  /**
   * `first`: parameters are fitted once on the history before the first origin and later origins only
   * condition the fitted model on the longer history (cheap; still no look-ahead). `every`: refit per origin.
   */
  refit: 'first' | 'every';
}

export interface CrossValidation {
  origins: number[];
  horizon: number;
  /** mean[j][h]: forecast from origins[j] for step h + 1. */
  mean: Float64Array[];
  /** actual[j][h]: the observed value (NaN where missing or beyond the series). */
  actual: Float64Array[];
}

/** The rolling-origin backtest every model offers next to `fit`. */
export interface CrossValidatingModel extends ForecastModel {
  crossValidate(series: SeriesInput, options: CrossValidateOptions): CrossValidation;
}
