import { IANAZone } from 'luxon';
import { RandomForestRegression } from 'ml-random-forest';
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

export interface JobPredictor {
  readonly asOfS: number;
  readonly trainedOn: number;
  /** @throws JobPredictionError if the job was submitted before the cut-off (its own past could leak). */
  predict(job: JobRecord): JobPrediction;
}

interface UserStats {
  sumLog: number;
  sumRatio: number;
  count: number;
}

const runtimeOf = (j: JobRecord): number | null =>
  j.startS !== null && j.endS !== null && j.endS >= j.startS ? j.endS - j.startS : null;

/**
 * Trains per-job predictors (random forests on log runtime and log peak memory) from jobs that ended
 * before `asOfS`. Features: time limit, CPUs, memory, GPUs, nodes, partition, submit hour (local),
 * a job-name token, and the user's own history (mean log runtime and mean runtime/limit ratio,
 * leave-one-out on training rows so a row never sees its own answer).
 *
 * @throws InvalidSeriesError if `timeZone` is unknown.
 */
export function trainJobPredictor(history: Iterable<JobRecord>, options: JobPredictorOptions): JobPredictor {
  const zone = IANAZone.create(options.timeZone ?? 'UTC');
  if (!zone.isValid) throw new InvalidSeriesError(`unknown IANA time zone "${options.timeZone ?? ''}"`);
  const maxTrain = options.maxTrain ?? 1500;
  const minTrain = options.minTrain ?? 30;
  const seed = options.seed ?? 1;
  const ended: JobRecord[] = [];
  for (const j of history) {
    const rt = runtimeOf(j);
    if (rt !== null && j.endS !== null && j.endS < options.asOfS) ended.push(j);
  }
  ended.sort((a, b) => (a.endS ?? 0) - (b.endS ?? 0));
  const train = ended.slice(Math.max(0, ended.length - maxTrain));
  const users = new Map<string, UserStats>();
  const partitions = new Map<string, number>();
  for (const j of train) {
    const rt = runtimeOf(j) ?? 0;
    const u = users.get(j.user) ?? { sumLog: 0, sumRatio: 0, count: 0 };
    u.sumLog += Math.log1p(rt);
    u.sumRatio += j.timeLimitS !== null && j.timeLimitS > 0 ? Math.min(2, rt / j.timeLimitS) : 0.5;
    u.count++;
    users.set(j.user, u);
    if (!partitions.has(j.partition)) partitions.set(j.partition, partitions.size);
  }
  let globalLog = 0;
  let globalRatio = 0;
  for (const u of users.values()) {
    globalLog += u.sumLog;
    globalRatio += u.sumRatio;
  }
  globalLog /= Math.max(1, train.length);
  globalRatio /= Math.max(1, train.length);
  const hourOf = (s: number): number => {
    const local = s + zone.offset(s * 1000) * 60;
    return Math.floor((((local % 86_400) + 86_400) % 86_400) / 3600);
  };
  const token = (name: string | null): number => {
    if (name === null || name.length === 0) return -1;
    const t = name.split(/[^A-Za-z]+/).find((x) => x.length > 0) ?? '';
    let h = 0;
    for (let i = 0; i < t.length; i++) h = (h * 31 + t.charCodeAt(i)) % 97;
    return h;
  };
  const features = (j: JobRecord, self: boolean): number[] => {
    const u = users.get(j.user);
    const rt = runtimeOf(j) ?? 0;
    const ownLog = self ? Math.log1p(rt) : 0;
    const ownRatio =
      self && j.timeLimitS !== null && j.timeLimitS > 0 ? Math.min(2, rt / j.timeLimitS) : self ? 0.5 : 0;
    const cnt = (u?.count ?? 0) - (self ? 1 : 0);
    const userLog = cnt > 0 ? ((u?.sumLog ?? 0) - ownLog) / cnt : globalLog;
    const userRatio = cnt > 0 ? ((u?.sumRatio ?? 0) - ownRatio) / cnt : globalRatio;
    return [
      Math.log1p(j.timeLimitS ?? 0),
      Math.log1p(j.cpuCount),
      Math.log1p(j.memMiB),
      j.gpuCount,
      j.nodeCount,
      partitions.get(j.partition) ?? -1,
      hourOf(j.submitS),
      token(j.name),
      userLog,
      userRatio,
      Math.log1p(cnt),
    ];
  };
  const forestOf = (rows: number[][], y: number[]): RandomForestRegression =>
    ((): RandomForestRegression => {
      const rf = new RandomForestRegression({
        seed,
        maxFeatures: 0.7,
        replacement: false,
        nEstimators: options.nEstimators ?? 20,
        useSampleBagging: true,
        noOOB: true,
        treeOptions: { maxDepth: 8, minNumSamples: 5 },
      });
      rf.train(rows, y);
      return rf;
    })();
  let runtimeForest: RandomForestRegression | null = null;
  let memForest: RandomForestRegression | null = null;
  if (train.length >= minTrain) {
    runtimeForest = forestOf(
      train.map((j) => features(j, true)),
      train.map((j) => Math.log1p(runtimeOf(j) ?? 0)),
    );
    const withMem = train.filter((j) => j.maxRssMiB !== null && j.maxRssMiB > 0);
    if (withMem.length >= minTrain) {
      memForest = forestOf(
        withMem.map((j) => features(j, true)),
        withMem.map((j) => Math.log1p(j.maxRssMiB ?? 0)),
      );
    }
  }
  return {
    asOfS: options.asOfS,
    trainedOn: runtimeForest === null ? 0 : train.length,
    predict(job: JobRecord): JobPrediction {
      if (job.submitS < options.asOfS) {
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
        ...gpusActuallyUsed(job, options.gpuUse ?? [], options.asOfS),
        memMiB: job.memMiB,
      };
      if (runtimeForest === null) {
        return { ...base, runtimeS: limit ?? 0, peakMemMiB: null, method: 'request', trainedOn: 0 };
      }
      const x = features(job, false);
      const rt = Math.max(0, Math.expm1(runtimeForest.predict([x])[0] ?? 0));
      const mem = memForest === null ? null : Math.max(0, Math.expm1(memForest.predict([x])[0] ?? 0));
      return {
        ...base,
        runtimeS: Math.round(limit !== null && limit > 0 ? Math.min(rt, limit) : rt),
        peakMemMiB: mem === null ? null : Math.round(job.memMiB > 0 ? Math.min(mem, job.memMiB) : mem),
        method: 'forest',
        trainedOn: train.length,
      };
    },
  };
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
