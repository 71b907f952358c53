/**
 * Forecasting: models behind one interface, rolling-origin backtests, per-series selection and
 * conformal intervals, plus per-job predictions. The simulator and the CLI enter through
 * `forecastSeries` and `predictJobs` (per-job predictions from a model cached per history; a job
 * launcher imports it from here).
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
  fitJobModel,
  gpusActuallyUsed,
  JOB_MODEL_VERSION,
  jobPredictorFromModel,
  predictJob,
  resolveJobModelOptions,
  trainJobPredictor,
  type JobModel,
  type JobModelOptions,
  type JobPrediction,
  type JobPredictor,
  type JobPredictorOptions,
  type ResolvedJobModelOptions,
} from './jobs.js';
export {
  predictJobs,
  jobModelCut,
  resolvePredictJobsConfig,
  ModelPeriodRangeS,
  type CachedJobPrediction,
  type JobModelUse,
  type JobPredictionLog,
  type JobPredictionOutcome,
  type JobToPredict,
  type PredictJobsOptions,
  type PredictJobsProgress,
  type PredictJobsResult,
  type ResolvedPredictJobsConfig,
} from './predict-jobs.js';
export { jobBatchHistory, storeJobHistory, type HistoryState, type JobHistory } from './job-history.js';
export {
  fileJobModelCache,
  jobModelCacheDir,
  jobModelProblem,
  memoryJobModelCache,
  SETTLE_S,
  type JobModelCache,
  type JobModelCacheEntry,
  type JobModelCacheRead,
} from './job-model-cache.js';
export {
  forecastPoolDemand,
  predictJobFromHistory,
  type JobBatches,
  type PoolForecastReport,
  type PoolForecastRequest,
} from './application.js';
