import { createRequire } from 'node:module';
import { IANAZone } from 'luxon';
import type * as ForestLibrary from 'ml-random-forest';
import type { RandomForestRegression } from 'ml-random-forest';
import type { GpuUseRecord } from '../shared/gpu-use-record.js';
import type { JobRecord } from '../shared/job-record.js';
import { InvalidSeriesError, JobPredictionError } from './errors.js';

/** What is predicted for one job. Hints only: `timeLimitS` is the user's and is never shortened. */
export interface JobPrediction {
  jobId: string;
  /** The user's time limit, unchanged (null if the job had none). */
  timeLimitS: number | null;
  /** Predicted actual runtime, capped at the time limit. */
  runtimeS: number;
  gpuCount: number;
  /**
   * Predicted GPUs actually used, in busy-GPU equivalents: the request scaled by the mean GPU
   * utilisation of the same user's earlier sampled jobs (`gpusUsedFrom: 'samples'`), or the request
   * itself when none of them was sampled (`gpusUsedFrom: 'request'`).
   */
  gpusUsed: number;
  /** Where `gpusUsed` came from. */
  gpusUsedFrom: 'samples' | 'request';
  /** Earlier jobs of the user whose GPU samples `gpusUsed` rests on (0 with `request`). */
  gpusUsedSampledJobs: number;
  memMiB: number;
  /** Predicted peak memory, or null when the history has too few jobs with a recorded peak. */
  peakMemMiB: number | null;
  /** `forest` when a forest was trained, `request` when history was too thin and the request is returned. */
  method: 'forest' | 'request';
  /** Jobs (ended before the cut-off) the forest learned from. */
  trainedOn: number;
}

export interface JobPredictorOptions {
  /** Only jobs that ended strictly before this time are learned from (Unix s). */
  asOfS: number;
  /** IANA zone for the submit-hour feature; default UTC. */
  timeZone?: string;
  /** Most recent ended jobs kept for training; default 1,500. */
  maxTrain?: number;
  /** Fewer usable jobs than this and the request is returned as the prediction; default 30. */
  minTrain?: number;
  seed?: number;
  nEstimators?: number;
  /** GPU use of earlier jobs (the store's `gpuUse()`); without it `gpusUsed` is the request. */
  gpuUse?: readonly GpuUseRecord[];
}

/** What `fitJobModel` is told: everything a fitted model depends on (GPU use is looked up per job). */
export type JobModelOptions = Omit<JobPredictorOptions, 'gpuUse'>;

/** `JobModelOptions` with every default applied: the settings a cached model must match. */
export interface ResolvedJobModelOptions {
  asOfS: number;
  timeZone: string;
  maxTrain: number;
  minTrain: number;
  seed: number;
  nEstimators: number;
}

export interface JobPredictor {
  readonly asOfS: number;
  readonly trainedOn: number;
  /** @throws JobPredictionError if the job was submitted before the cut-off (its own past could leak). */
  predict(job: JobRecord): JobPrediction;
}

/**
 * Version of the features and of the training: a model saved by another version is not reused (it is
 * retrained), so a change to either must bump this.
 */
export const JOB_MODEL_VERSION = 1;

/** Features per job (`JobFeatures.of`); a saved forest reading another column is refused. */
export const JOB_FEATURE_COUNT = 11;

/** One decision tree: a leaf's value, or `[feature, threshold, below, at or above]`. */
export type JobTreeNode = number | readonly [number, number, JobTreeNode, JobTreeNode];

/** A random forest as plain data: per tree, the feature columns it saw and the tree over them. */
export interface JobForest {
  /** `columns[i][k]` is the feature that tree i reads as its k-th column. */
  readonly columns: readonly (readonly number[])[];
  readonly trees: readonly JobTreeNode[];
}

/** A user's history in the training rows: sums of log runtime and runtime/limit ratio, and the count. */
export type JobUserStats = readonly [user: string, sumLog: number, sumRatio: number, count: number];

/**
 * A fitted per-job model as plain data, so that it can be saved and loaded again (the model cache):
 * the forests, and the feature statistics of the training rows.
 */
export interface JobModel {
  readonly version: typeof JOB_MODEL_VERSION;
  readonly options: ResolvedJobModelOptions;
  /** Training rows (jobs ended before `asOfS`, the most recent `maxTrain`); 0 without a forest. */
  readonly trainedOn: number;
  /** The latest end time among the training rows (Unix s); null without any. */
  readonly lastEndS: number | null;
  readonly users: readonly JobUserStats[];
  /** Partition names in the order of their feature code. */
  readonly partitions: readonly string[];
  readonly globalLog: number;
  readonly globalRatio: number;
  /** Log runtime; null when fewer than `minTrain` jobs could be learned from. */
  readonly runtime: JobForest | null;
  /** Log peak memory; null when fewer than `minTrain` training jobs have a recorded peak. */
  readonly peakMem: JobForest | null;
}

interface UserStats {
  sumLog: number;
  sumRatio: number;
  count: number;
}

const runtimeOf = (j: JobRecord): number | null =>
  j.startS !== null && j.endS !== null && j.endS >= j.startS ? j.endS - j.startS : null;

/**
 * Applies the defaults of `fitJobModel` once.
 * @throws InvalidSeriesError if `timeZone` is unknown.
 */
export function resolveJobModelOptions(options: JobModelOptions): ResolvedJobModelOptions {
  const timeZone = options.timeZone ?? 'UTC';
  if (!IANAZone.create(timeZone).isValid)
    throw new InvalidSeriesError(`unknown IANA time zone "${timeZone}"`);
  return {
    asOfS: options.asOfS,
    timeZone,
    maxTrain: options.maxTrain ?? 1500,
    minTrain: options.minTrain ?? 30,
    seed: options.seed ?? 1,
    nEstimators: options.nEstimators ?? 20,
  };
}

/** The features of one job: the statistics the model was fitted with, without the job's own answer. */
class JobFeatures {
  readonly #zone: IANAZone;
  readonly #users: Map<string, UserStats>;
  readonly #partitions: Map<string, number>;
  readonly #globalLog: number;
  readonly #globalRatio: number;

  constructor(model: Pick<JobModel, 'options' | 'users' | 'partitions' | 'globalLog' | 'globalRatio'>) {
    this.#zone = IANAZone.create(model.options.timeZone);
    this.#users = new Map(
      model.users.map(([user, sumLog, sumRatio, count]) => [user, { sumLog, sumRatio, count }]),
    );
    this.#partitions = new Map(model.partitions.map((p, i) => [p, i]));
    this.#globalLog = model.globalLog;
    this.#globalRatio = model.globalRatio;
  }

  #hourOf(s: number): number {
    const local = s + this.#zone.offset(s * 1000) * 60;
    return Math.floor((((local % 86_400) + 86_400) % 86_400) / 3600);
  }

  /** `self`: a training row, whose own runtime is left out of its user's statistics. */
  of(j: JobRecord, self: boolean): number[] {
    const u = this.#users.get(j.user);
    const rt = runtimeOf(j) ?? 0;
    const ownLog = self ? Math.log1p(rt) : 0;
    const ownRatio =
      self && j.timeLimitS !== null && j.timeLimitS > 0 ? Math.min(2, rt / j.timeLimitS) : self ? 0.5 : 0;
    const cnt = (u?.count ?? 0) - (self ? 1 : 0);
    const userLog = cnt > 0 ? ((u?.sumLog ?? 0) - ownLog) / cnt : this.#globalLog;
    const userRatio = cnt > 0 ? ((u?.sumRatio ?? 0) - ownRatio) / cnt : this.#globalRatio;
    return [
      Math.log1p(j.timeLimitS ?? 0),
      Math.log1p(j.cpuCount),
      Math.log1p(j.memMiB),
      j.gpuCount,
      j.nodeCount,
      this.#partitions.get(j.partition) ?? -1,
      this.#hourOf(j.submitS),
      nameToken(j.name),
      userLog,
      userRatio,
      Math.log1p(cnt),
    ];
  }
}

function nameToken(name: string | null): number {
  if (name === null || name.length === 0) return -1;
  const t = name.split(/[^A-Za-z]+/).find((x) => x.length > 0) ?? '';
  let h = 0;
  for (let i = 0; i < t.length; i++) h = (h * 31 + t.charCodeAt(i)) % 97;
  return h;
}

/** ml-cart's tree nodes, as far as a fitted tree is read here. */
interface CartNode {
  left?: CartNode;
  right?: CartNode;
  splitColumn?: number;
  splitValue?: number;
  distribution?: unknown;
}

function compactTree(node: CartNode): JobTreeNode {
  if (node.left !== undefined && node.right !== undefined) {
    return [node.splitColumn ?? 0, node.splitValue ?? 0, compactTree(node.left), compactTree(node.right)];
  }
  return typeof node.distribution === 'number' ? node.distribution : Number.NaN;
}

/**
 * A trained ml-random-forest regression as plain data. The library's own JSON repeats every option on
 * every node (a few MB per forest); the tree shape and thresholds are all that predicts, and
 * `forestValue` predicts from them exactly as the library does.
 */
export function compactForest(rf: RandomForestRegression): JobForest {
  const { baseModel } = rf.toJSON() as {
    baseModel: { indexes: number[][]; estimators: { root: CartNode }[] };
  };
  return {
    columns: baseModel.indexes.map((c) => [...c]),
    trees: baseModel.estimators.map((e) => compactTree(e.root)),
  };
}

/**
 * ml-random-forest (with ml-matrix and ml-cart under it) is required when a forest is fitted, not when
 * this module loads: a prediction from a saved model never needs it, and it answers in well under a
 * second only if it loads nothing it does not use. Node's module cache keeps it after the first fit.
 */
const requireModule = createRequire(import.meta.url);

function fitForest(rows: number[][], y: number[], options: ResolvedJobModelOptions): JobForest {
  const { RandomForestRegression: Forest } = requireModule('ml-random-forest') as typeof ForestLibrary;
  const rf = new Forest({
    seed: options.seed,
    maxFeatures: 0.7,
    replacement: false,
    nEstimators: options.nEstimators,
    useSampleBagging: true,
    noOOB: true,
    treeOptions: { maxDepth: 8, minNumSamples: 5 },
  });
  rf.train(rows, y);
  return compactForest(rf);
}

function treeValue(node: JobTreeNode, row: readonly number[], columns: readonly number[]): number {
  let at = node;
  while (typeof at !== 'number') {
    // The same comparison as ml-cart's `classify`: below the threshold goes left.
    at = (row[columns[at[0]] ?? -1] ?? Number.NaN) < at[1] ? at[2] : at[3];
  }
  return at;
}

/** The forest's prediction for one feature row: the mean of its trees, summed in order as ml-random-forest does. */
export function forestValue(forest: JobForest, row: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < forest.trees.length; i++) {
    sum += treeValue(forest.trees[i] ?? Number.NaN, row, forest.columns[i] ?? []);
  }
  return sum / forest.trees.length;
}

/**
 * Fits the per-job model (random forests on log runtime and log peak memory) on jobs that ended
 * before `asOfS`. Features: time limit, CPUs, memory, GPUs, nodes, partition, submit hour (local),
 * a job-name token, and the user's own history (mean log runtime and mean runtime/limit ratio,
 * leave-one-out on training rows so a row never sees its own answer). The result is plain data:
 * `jobPredictorFromModel` predicts from it, and the model cache saves it.
 *
 * @throws InvalidSeriesError if `timeZone` is unknown.
 */
export function fitJobModel(history: Iterable<JobRecord>, options: JobModelOptions): JobModel {
  const o = resolveJobModelOptions(options);
  const ended: JobRecord[] = [];
  for (const j of history) {
    const rt = runtimeOf(j);
    if (rt !== null && j.endS !== null && j.endS < o.asOfS) ended.push(j);
  }
  ended.sort((a, b) => (a.endS ?? 0) - (b.endS ?? 0));
  const train = ended.slice(Math.max(0, ended.length - o.maxTrain));
  const users = new Map<string, UserStats>();
  const partitions: string[] = [];
  const partitionSeen = new Set<string>();
  for (const j of train) {
    const rt = runtimeOf(j) ?? 0;
    const u = users.get(j.user) ?? { sumLog: 0, sumRatio: 0, count: 0 };
    u.sumLog += Math.log1p(rt);
    u.sumRatio += j.timeLimitS !== null && j.timeLimitS > 0 ? Math.min(2, rt / j.timeLimitS) : 0.5;
    u.count++;
    users.set(j.user, u);
    if (!partitionSeen.has(j.partition)) {
      partitionSeen.add(j.partition);
      partitions.push(j.partition);
    }
  }
  let globalLog = 0;
  let globalRatio = 0;
  for (const u of users.values()) {
    globalLog += u.sumLog;
    globalRatio += u.sumRatio;
  }
  globalLog /= Math.max(1, train.length);
  globalRatio /= Math.max(1, train.length);
  const stats = {
    options: o,
    users: [...users].map(([user, u]): JobUserStats => [user, u.sumLog, u.sumRatio, u.count]),
    partitions,
    globalLog,
    globalRatio,
  };
  const features = new JobFeatures(stats);
  let runtime: JobForest | null = null;
  let peakMem: JobForest | null = null;
  if (train.length >= o.minTrain) {
    runtime = fitForest(
      train.map((j) => features.of(j, true)),
      train.map((j) => Math.log1p(runtimeOf(j) ?? 0)),
      o,
    );
    const withMem = train.filter((j) => j.maxRssMiB !== null && j.maxRssMiB > 0);
    if (withMem.length >= o.minTrain) {
      peakMem = fitForest(
        withMem.map((j) => features.of(j, true)),
        withMem.map((j) => Math.log1p(j.maxRssMiB ?? 0)),
        o,
      );
    }
  }
  return {
    version: JOB_MODEL_VERSION,
    ...stats,
    trainedOn: runtime === null ? 0 : train.length,
    lastEndS: train.length === 0 ? null : (train[train.length - 1]?.endS ?? null),
    runtime,
    peakMem,
  };
}

/**
 * Predicts jobs from a fitted model (`fitJobModel`, or one loaded from the model cache). A job
 * submitted before the model's cut-off is refused: the model may have learned from its outcome.
 * "GPUs used" comes from `gpuUse` as of each job's own submit time.
 *
 * @example
 * const predictor = jobPredictorFromModel(fitJobModel(jobs, { asOfS: cutS }));
 * predictor.predict(job).runtimeS;
 */
export function jobPredictorFromModel(
  model: JobModel,
  options: { gpuUse?: readonly GpuUseRecord[] } = {},
): JobPredictor {
  const features = new JobFeatures(model);
  const asOfS = model.options.asOfS;
  return {
    asOfS,
    trainedOn: model.trainedOn,
    predict(job: JobRecord): JobPrediction {
      if (job.submitS < asOfS) {
        throw new JobPredictionError(
          job.jobId,
          'it was submitted before the training cut-off, so its own outcome could be in the training data',
        );
      }
      const limit = job.timeLimitS;
      const base = {
        jobId: job.jobId,
        timeLimitS: limit,
        gpuCount: job.gpuCount,
        // GPU samples are not part of the fitted model: those of jobs sampled before this job was
        // submitted are all past for it, even when they are newer than the model's cut.
        ...gpusActuallyUsed(job, options.gpuUse ?? [], job.submitS),
        memMiB: job.memMiB,
      };
      if (model.runtime === null) {
        return { ...base, runtimeS: limit ?? 0, peakMemMiB: null, method: 'request', trainedOn: 0 };
      }
      const x = features.of(job, false);
      const rt = Math.max(0, Math.expm1(forestValue(model.runtime, x)));
      const mem = model.peakMem === null ? null : Math.max(0, Math.expm1(forestValue(model.peakMem, x)));
      return {
        ...base,
        runtimeS: Math.round(limit !== null && limit > 0 ? Math.min(rt, limit) : rt),
        peakMemMiB: mem === null ? null : Math.round(job.memMiB > 0 ? Math.min(mem, job.memMiB) : mem),
        method: 'forest',
        trainedOn: model.trainedOn,
      };
    },
  };
}

/**
 * Trains per-job predictors (random forests on log runtime and log peak memory) from jobs that ended
 * before `asOfS`: `fitJobModel` and `jobPredictorFromModel` in one call.
 *
 * @throws InvalidSeriesError if `timeZone` is unknown.
 */
export function trainJobPredictor(history: Iterable<JobRecord>, options: JobPredictorOptions): JobPredictor {
  const { gpuUse, ...modelOptions } = options;
  return jobPredictorFromModel(fitJobModel(history, modelOptions), gpuUse === undefined ? {} : { gpuUse });
}

/**
 * GPUs a job will really keep busy, from what the same user's earlier jobs did with theirs: the
 * request times the mean, over those jobs, of each job's utilisation-weighted share of its GPUs.
 * Only samples taken before `asOfS` count (a job never learns from its own or later samples).
 *
 * @example
 * gpusActuallyUsed(job, await store.gpuUse({ user: job.user }), job.submitS)
 * // { gpusUsed: 1.2, gpusUsedFrom: 'samples', gpusUsedSampledJobs: 14 } for a 4-GPU request
 */
export function gpusActuallyUsed(
  job: Pick<JobRecord, 'jobId' | 'user' | 'gpuCount'>,
  gpuUse: readonly GpuUseRecord[],
  asOfS: number,
): Pick<JobPrediction, 'gpusUsed' | 'gpusUsedFrom' | 'gpusUsedSampledJobs'> {
  const byJob = new Map<string, { weighted: number; gpus: number }>();
  for (const r of gpuUse) {
    if (r.user !== job.user || r.jobId === job.jobId || r.lastSampleS >= asOfS) continue;
    if (r.meanUtilPct === null || r.gpuCount <= 0) continue;
    const key = `${r.source}\u0000${r.jobId}`;
    const sums = byJob.get(key) ?? { weighted: 0, gpus: 0 };
    sums.weighted += (r.gpuCount * Math.min(100, r.meanUtilPct)) / 100;
    sums.gpus += r.gpuCount;
    byJob.set(key, sums);
  }
  if (job.gpuCount === 0 || byJob.size === 0) {
    return { gpusUsed: job.gpuCount, gpusUsedFrom: 'request', gpusUsedSampledJobs: 0 };
  }
  let shareSum = 0;
  for (const { weighted, gpus } of byJob.values()) shareSum += weighted / gpus;
  const gpusUsed = Math.round(job.gpuCount * (shareSum / byJob.size) * 100) / 100;
  return { gpusUsed, gpusUsedFrom: 'samples', gpusUsedSampledJobs: byJob.size };
}

/**
 * Predicts one job from the jobs that ended before it was submitted.
 *
 * @example
 * ```ts
 * const p = predictJob(jobs, '1234', { timeZone: 'Europe/Paris' });
 * p.runtimeS; // e.g. 1800 for a job that asked for 4 h; p.timeLimitS stays 14400
 * ```
 *
 * @throws JobPredictionError if no job has id `jobId`.
 */
export function predictJob(
  jobs: readonly JobRecord[],
  jobId: string,
  options: Omit<JobPredictorOptions, 'asOfS'> = {},
): JobPrediction {
  const job = jobs.find((j) => j.jobId === jobId);
  if (job === undefined) throw new JobPredictionError(jobId, 'no job with this id in the history');
  return trainJobPredictor(jobs, { ...options, asOfS: job.submitS }).predict(job);
}
