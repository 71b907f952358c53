import { resolveParam } from '../config/params.js';
import type { JobRecord } from '../shared/job-record.js';
import { InvalidForecastOptionsError, JobPredictionError } from './errors.js';
import type { HistoryState, JobHistory } from './job-history.js';
import { jobModelProblem, type JobModelCache, type JobModelCacheEntry } from './job-model-cache.js';
import {
  fitJobModel,
  JOB_MODEL_VERSION,
  jobPredictorFromModel,
  resolveJobModelOptions,
  type JobModel,
  type JobPrediction,
  type ResolvedJobModelOptions,
} from './jobs.js';

/** A job to predict: its id in the history, or the job itself (one about to be submitted, say). */
export type JobToPredict = string | JobRecord;

/** The log lines predictions write: a cache file rebuilt or not saved, a model trained or reused. */
export interface JobPredictionLog {
  warn(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
}

/** How far `predictJobs` is with the slow part, training (only when no cached model can answer). */
export type PredictJobsProgress =
  | { readonly stage: 'reading'; readonly jobs: number }
  | { readonly stage: 'training'; readonly cutS: number; readonly done: number; readonly total: number };

export interface PredictJobsOptions {
  /** The cluster's IANA zone (the submit-hour feature). */
  timeZone: string;
  seed?: number;
  /**
   * Models are trained at cuts on a grid of this many seconds (default 86,400: midnight UTC). A job
   * submitted at `s` is predicted by the model of the cut ⌊s / period⌋ · period, trained only on jobs
   * that ended before that cut, so never on anything after its submission; every job of one period
   * shares one model, and the same job always gets the same answer, from the cache or not.
   */
  modelPeriodS?: number;
  /** Where fitted models are kept between calls; without one each call trains (the same answers, slower). */
  cache?: JobModelCache;
  log?: JobPredictionLog;
  onProgress?: (progress: PredictJobsProgress) => void;
  /** Most recent ended jobs a model learns from; default 1,500. */
  maxTrain?: number;
  /** Fewer usable jobs than this and the request is returned as the prediction; default 30. */
  minTrain?: number;
  /** Trees per forest; default 20. */
  nEstimators?: number;
}

/** `PredictJobsOptions` with every default applied (`resolvePredictJobsConfig`). */
export interface ResolvedPredictJobsConfig {
  modelPeriodS: number;
  /** The model settings; `asOfS` is set per cut. */
  model: Omit<ResolvedJobModelOptions, 'asOfS'>;
  cache: JobModelCache | null;
  log: JobPredictionLog | null;
  onProgress: ((progress: PredictJobsProgress) => void) | null;
}

/** The shortest and longest model period: a minute (tests, very busy clusters) to 31 days. */
export const ModelPeriodRangeS = { min: 60, max: 31 * 86_400 } as const;

/**
 * Applies the defaults of `predictJobs` once.
 * @throws {InvalidForecastOptionsError} for a model period outside `ModelPeriodRangeS`.
 * @throws {ParameterRangeError} for a seed outside `Params.seed`.
 * @throws {InvalidSeriesError} for an unknown time zone.
 */
export function resolvePredictJobsConfig(options: PredictJobsOptions): ResolvedPredictJobsConfig {
  const modelPeriodS = options.modelPeriodS ?? 86_400;
  if (
    !Number.isInteger(modelPeriodS) ||
    modelPeriodS < ModelPeriodRangeS.min ||
    modelPeriodS > ModelPeriodRangeS.max
  ) {
    throw new InvalidForecastOptionsError(
      'modelPeriodS',
      `must be a whole number of seconds in [${ModelPeriodRangeS.min}, ${ModelPeriodRangeS.max}], got ${modelPeriodS}`,
    );
  }
  const { asOfS: _cut, ...model } = resolveJobModelOptions({
    asOfS: 0,
    timeZone: options.timeZone,
    seed: resolveParam('seed', options.seed),
    ...(options.maxTrain === undefined ? {} : { maxTrain: options.maxTrain }),
    ...(options.minTrain === undefined ? {} : { minTrain: options.minTrain }),
    ...(options.nEstimators === undefined ? {} : { nEstimators: options.nEstimators }),
  });
  return {
    modelPeriodS,
    model,
    cache: options.cache ?? null,
    log: options.log ?? null,
    onProgress: options.onProgress ?? null,
  };
}

/** A prediction and the model it came from. */
export interface CachedJobPrediction extends JobPrediction {
  /** The model's cut: it learned only from jobs that ended before this instant (Unix s), at or before the submit. */
  trainedBeforeS: number;
  /** `cache`: a saved model answered; `trained`: this call fitted the model (and saved it, given a cache). */
  modelFrom: 'cache' | 'trained';
}

/** One job's outcome: its prediction, or why it has none (the others are predicted all the same). */
export type JobPredictionOutcome =
  | { readonly jobId: string; readonly ok: true; readonly prediction: CachedJobPrediction }
  | { readonly jobId: string; readonly ok: false; readonly error: JobPredictionError };

/** A model one call used. */
export interface JobModelUse {
  readonly cutS: number;
  readonly from: 'cache' | 'trained';
  /** Why it was trained rather than loaded (no entry, a corrupt file, the history changed); null when loaded. */
  readonly reason: string | null;
  readonly trainedOn: number;
  /** The latest end time among its training jobs, Unix s. */
  readonly lastEndS: number | null;
  /** Set when a trained model could not be saved (the prediction stands; the next call trains again). */
  readonly saveError: string | null;
}

export interface PredictJobsResult {
  /** One per job asked for, in the order asked. */
  readonly outcomes: readonly JobPredictionOutcome[];
  /** The models used, by cut. */
  readonly models: readonly JobModelUse[];
}

/** The cut of the model that predicts a job submitted at `submitS`. */
export function jobModelCut(submitS: number, modelPeriodS: number): number {
  return Math.floor(submitS / modelPeriodS) * modelPeriodS;
}

interface LoadedModel {
  model: JobModel;
  use: JobModelUse;
}

/**
 * Predicts each job's runtime, GPUs used and peak memory, from the cached model of its cut when one
 * may answer (`jobModelProblem`), else from a model trained now and saved for the next call. A job
 * id not in the history, or held by several sources, is an error for that job only. The history's
 * jobs are read only when a model has to be trained, once for every cut that needs one.
 *
 * @example
 * ```ts
 * const store = openEmbeddedStore('/var/lib/slurmcast/history.db');
 * const history = storeJobHistory(store);
 * const { outcomes } = await predictJobs(history, ['4242', '4243'], {
 *   timeZone: 'Europe/Paris',
 *   cache: fileJobModelCache(jobModelCacheDir('/var/lib/slurmcast/history.db.job-models', history.identity)),
 * });
 * for (const o of outcomes) console.log(o.jobId, o.ok ? o.prediction.runtimeS : o.error.message);
 * await store.close();
 * ```
 *
 * @throws {InvalidForecastOptionsError} / {ParameterRangeError} / {InvalidSeriesError} for bad options.
 * @throws the history's error (`StoreError`, `TraceReadError`) when it cannot be read.
 */
export async function predictJobs(
  history: JobHistory,
  jobs: readonly JobToPredict[],
  options: PredictJobsOptions,
): Promise<PredictJobsResult> {
  const config = resolvePredictJobsConfig(options);
  const ids = [...new Set(jobs.filter((j): j is string => typeof j === 'string'))];
  const byId = new Map<string, JobRecord[]>();
  for (const job of ids.length === 0 ? [] : await history.findJobs(ids)) {
    byId.set(job.jobId, [...(byId.get(job.jobId) ?? []), job]);
  }
  const resolved = jobs.map(
    (j): { jobId: string; job: JobRecord } | { jobId: string; error: JobPredictionError } => {
      if (typeof j !== 'string') return { jobId: j.jobId, job: j };
      const found = byId.get(j) ?? [];
      const [first] = found;
      if (first === undefined)
        return {
          jobId: j,
          error: new JobPredictionError(
            j,
            'no job with this id in the history (check the id and the source; a job is there once collected or imported)',
          ),
        };
      if (found.length > 1) {
        const sources = found.map((f) => f.source).join(', ');
        return {
          jobId: j,
          error: new JobPredictionError(
            j,
            `the id is held by ${found.length} sources (${sources}); predict from one of them (the history's source, --source)`,
          ),
        };
      }
      return { jobId: j, job: first };
    },
  );
  const cuts = new Map<number, JobRecord[]>();
  for (const r of resolved) {
    if (!('job' in r)) continue;
    const cutS = jobModelCut(r.job.submitS, config.modelPeriodS);
    cuts.set(cutS, [...(cuts.get(cutS) ?? []), r.job]);
  }
  const models = await modelsFor(history, cuts, config);
  const outcomes: JobPredictionOutcome[] = [];
  for (const r of resolved) {
    if (!('job' in r)) {
      outcomes.push({ jobId: r.jobId, ok: false, error: r.error });
      continue;
    }
    const loaded = models.get(jobModelCut(r.job.submitS, config.modelPeriodS));
    if (loaded === undefined) throw new Error(`predictJobs: no model for job ${r.jobId}`);
    const gpuUse = r.job.gpuCount > 0 ? await history.gpuUse(r.job.user, r.job.submitS) : [];
    const prediction = jobPredictorFromModel(loaded.model, { gpuUse }).predict(r.job);
    outcomes.push({
      jobId: r.jobId,
      ok: true,
      prediction: { ...prediction, trainedBeforeS: loaded.use.cutS, modelFrom: loaded.use.from },
    });
  }
  return { outcomes, models: [...models.values()].map((m) => m.use).sort((a, b) => a.cutS - b.cutS) };
}

/** A model for every cut: loaded when the cache may answer, trained (and saved) otherwise. */
async function modelsFor(
  history: JobHistory,
  cuts: ReadonlyMap<number, readonly JobRecord[]>,
  config: ResolvedPredictJobsConfig,
): Promise<Map<number, LoadedModel>> {
  const out = new Map<number, LoadedModel>();
  const toTrain: { cutS: number; reason: string; sources: Set<string> }[] = [];
  for (const [cutS, jobs] of [...cuts].sort((a, b) => a[0] - b[0])) {
    const sources = new Set(jobs.map((j) => j.source));
    const wanted = { identity: history.identity, cutS, options: { ...config.model, asOfS: cutS } };
    if (config.cache === null) {
      toTrain.push({ cutS, reason: 'no model cache', sources });
      continue;
    }
    const read = await config.cache.read(cutS);
    if (read.kind === 'missing') {
      toTrain.push({ cutS, reason: 'no cached model for this cut', sources });
      continue;
    }
    if (read.kind === 'corrupt') {
      config.log?.warn(
        { cache: config.cache.location, cutS, reason: read.reason },
        'job model cache: an entry cannot be used; it is rebuilt',
      );
      toTrain.push({ cutS, reason: `the cached model ${read.reason}`, sources });
      continue;
    }
    for (const s of read.entry.history.sources) sources.add(s.source);
    const problem = jobModelProblem(read.entry, wanted, await history.state(cutS, [...sources]));
    if (problem !== null) {
      config.log?.info(
        { cache: config.cache.location, cutS, reason: problem },
        'job model cache: retraining',
      );
      toTrain.push({ cutS, reason: `the cached model is out of date: ${problem}`, sources });
      continue;
    }
    const { model } = read.entry;
    out.set(cutS, {
      model,
      use: {
        cutS,
        from: 'cache',
        reason: null,
        trainedOn: model.trainedOn,
        lastEndS: model.lastEndS,
        saveError: null,
      },
    });
  }
  if (toTrain.length === 0) return out;
  // The state is read before the jobs: a model never claims more of the history than it learned from.
  const states = await Promise.all(toTrain.map((t) => history.state(t.cutS, [...t.sources])));
  const lastCutS = Math.max(...toTrain.map((t) => t.cutS));
  const all: JobRecord[] = [];
  const seenSources = new Set<string>();
  for await (const batch of history.jobsBefore(lastCutS)) {
    for (const j of batch) {
      all.push(j);
      seenSources.add(j.source);
    }
    config.onProgress?.({ stage: 'reading', jobs: all.length });
  }
  for (const [i, t] of toTrain.entries()) {
    config.onProgress?.({ stage: 'training', cutS: t.cutS, done: i, total: toTrain.length });
    const model = fitJobModel(all, { ...config.model, asOfS: t.cutS });
    const history0 = recordedState(states[i] ?? { jobsSubmittedBeforeCut: null, sources: [] }, seenSources);
    const saveError = await save(config, {
      format: 'slurmcast-job-model',
      modelVersion: JOB_MODEL_VERSION,
      identity: history.identity,
      cutS: t.cutS,
      history: history0,
      model,
    });
    out.set(t.cutS, {
      model,
      use: {
        cutS: t.cutS,
        from: 'trained',
        reason: t.reason,
        trainedOn: model.trainedOn,
        lastEndS: model.lastEndS,
        saveError,
      },
    });
  }
  config.onProgress?.({ stage: 'training', cutS: lastCutS, done: toTrain.length, total: toTrain.length });
  return out;
}

/**
 * The state a model records. A source first seen in the jobs (not known when the state was read) is
 * recorded with no watermark: if it has one, the next call sees it changed and retrains once, this
 * time with its watermark read before its jobs.
 */
function recordedState(before: HistoryState, seen: ReadonlySet<string>): HistoryState {
  const known = new Set(before.sources.map((s) => s.source));
  const added = [...seen]
    .filter((s) => !known.has(s))
    .map((source) => ({ source, contentSha256: null, watermarkS: null }));
  return {
    jobsSubmittedBeforeCut: before.jobsSubmittedBeforeCut,
    sources: [...before.sources, ...added].sort((a, b) =>
      a.source < b.source ? -1 : a.source > b.source ? 1 : 0,
    ),
  };
}

/** Saves a trained model; a cache that cannot be written costs the next call a training, not this prediction. */
async function save(config: ResolvedPredictJobsConfig, entry: JobModelCacheEntry): Promise<string | null> {
  if (config.cache === null) return null;
  try {
    await config.cache.write(entry);
    config.log?.info({ cache: config.cache.location, cutS: entry.cutS }, 'job model cache: saved');
    return null;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    config.log?.warn(
      { cache: config.cache.location, cutS: entry.cutS, error: message },
      'job model cache: the trained model could not be saved (check that the directory is writable); predictions still work, the next call trains again',
    );
    return message;
  }
}
