/**
 * Forecasting: models behind one interface, rolling-origin backtests, per-series selection and
 * conformal intervals, plus per-job predictions. The simulator and the CLI enter through
 * `forecastSeries` and `predictJob`.
 */
export type {
  CrossValidateOptions,
  CrossValidatingModel,
  CrossValidation,
  FittedModel,
  Forecast,
  ForecastModel,
  PredictOptions,
  SeriesInput,
} from './types.js';
export {
  forecastSeries,
  resolveForecastSeriesConfig,
  type BacktestScores,
  type ForecastSeriesOptions,
  type ForecastSeriesResult,
  type ResolvedForecastSeriesConfig,
} from './select.js';
export { createModel, DefaultModels, EnsembleMembers, ModelNames, type ModelName } from './registry.js';
export { conformalQuantiles, type SpecModel } from './base.js';
export { buildCalendar, type Calendar } from './calendar.js';
export { seasonalNaive, multiWeekMean, multiWeekMedian } from './models/naive.js';
export { holtWinters } from './models/holt-winters.js';
export { profileAr } from './models/profile-ar.js';
export {
  profileLevel,
  LevelModes,
  type LevelMode,
  type ProfileLevelOptions,
} from './models/profile-level.js';
export { forest } from './models/forest.js';
export { lstm, prepareLstmBackend, type LstmOptions } from './models/lstm.js';
export { ensemble } from './models/ensemble.js';
export * from './errors.js';
export {
  gpusActuallyUsed,
  predictJob,
  trainJobPredictor,
  type JobPrediction,
  type JobPredictor,
  type JobPredictorOptions,
} from './jobs.js';
export {
  forecastPoolDemand,
  predictJobFromHistory,
  type JobBatches,
  type PoolForecastReport,
  type PoolForecastRequest,
} from './application.js';
