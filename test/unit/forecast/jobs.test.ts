import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../../../src/shared/job-record.js';
import { JobPredictionError } from '../../../src/forecast/errors.js';
import { RandomForestRegression } from 'ml-random-forest';
import {
  compactForest,
  fitJobModel,
  forestValue,
  gpusActuallyUsed,
  jobPredictorFromModel,
  predictJob,
  trainJobPredictor,
} from '../../../src/forecast/jobs.js';
import { seededRng } from '../../../src/shared/rng.js';
import type { GpuUseRecord } from '../../../src/shared/gpu-use-record.js';

/** User k always runs about k·10 minutes whatever they ask for (1 h … 8 h). */
function jobs(count: number): JobRecord[] {
  const out: JobRecord[] = [];
  for (let i = 0; i < count; i++) {
    const user = i % 4;
    const submitS = 1_000_000 + i * 900;
    const run = (user + 1) * 600 + (i % 7) * 10;
    out.push({
      source: 't',
      jobId: String(i + 1),
      name: user === 0 ? 'sim_a' : 'post',
      user: `u${user}`,
      account: null,
      partition: 'batch',
      qos: null,
      state: 'COMPLETED',
      exitCode: 0,
      submitS,
      eligibleS: submitS,
      startS: submitS + 30,
      endS: submitS + 30 + run,
      timeLimitS: 3600 * (1 + (i % 8)),
      nodeCount: 1,
      cpuCount: 4,
      memMiB: 4096,
      gpuCount: user === 3 ? 1 : 0,
      gpuType: null,
      features: [],
      reservation: null,
      maxRssMiB: 500 * (user + 1),
      totalCpuS: null,
    });
  }
  return out;
}

describe('per-job predictions', () => {
  const all = jobs(300);

  it('learns each user’s runtime and beats the requested time limit', () => {
    const p = predictJob(all, '290');
    const truth = (all[289]?.endS ?? 0) - (all[289]?.startS ?? 0);
    expect(p.method).toBe('forest');
    expect(Math.abs(p.runtimeS - truth)).toBeLessThan(Math.abs((p.timeLimitS ?? 0) - truth));
    expect(Math.abs(p.runtimeS - truth) / truth).toBeLessThan(0.3);
    expect(p.peakMemMiB).not.toBeNull();
  });

  it('never shortens the time limit and never predicts past it', () => {
    for (const id of ['251', '299']) {
      const p = predictJob(all, id);
      const job = all[Number(id) - 1];
      expect(p.timeLimitS).toBe(job?.timeLimitS);
      expect(p.runtimeS).toBeLessThanOrEqual(p.timeLimitS ?? Infinity);
    }
  });

  it('learns only from jobs that ended before the submit: changing later outcomes changes nothing', () => {
    const target = all[200] as JobRecord;
    const altered = all.map((j) =>
      (j.endS ?? 0) >= target.submitS && j !== target ? { ...j, endS: (j.startS ?? 0) + 99_999 } : j,
    );
    expect(predictJob(altered, '201')).toEqual(predictJob(all, '201'));
  });

  it('falls back to the request with too little history, and refuses jobs from before its cut-off', () => {
    const p = predictJob(all, '3');
    expect(p.method).toBe('request');
    expect(p.runtimeS).toBe(p.timeLimitS);
    const predictor = trainJobPredictor(all, { asOfS: 1_200_000 });
    expect(() => predictor.predict(all[0] as JobRecord)).toThrow(JobPredictionError);
    expect(() => predictJob(all, 'nope')).toThrow(JobPredictionError);
  });
});

describe('the fitted model as plain data', () => {
  it('predicts exactly what ml-random-forest predicts from the same trees', () => {
    const rng = seededRng(7);
    const rows = Array.from({ length: 400 }, () => Array.from({ length: 6 }, () => rng.next() * 10));
    const y = rows.map((r) => (r[0] ?? 0) * 2 + Math.sin(r[3] ?? 0) + ((r[5] ?? 0) > 5 ? 3 : 0));
    const rf = new RandomForestRegression({
      seed: 3,
      maxFeatures: 0.7,
      replacement: false,
      nEstimators: 12,
      useSampleBagging: true,
      noOOB: true,
      treeOptions: { maxDepth: 8, minNumSamples: 5 },
    });
    rf.train(rows, y);
    const forest = compactForest(rf);
    expect(forest.trees).toHaveLength(12);
    const probes = Array.from({ length: 200 }, () => Array.from({ length: 6 }, () => rng.next() * 12 - 1));
    const library = rf.predict(probes);
    probes.forEach((row, i) => expect(forestValue(forest, row)).toBe(library[i]));
  });

  it('predicts the same after a JSON round trip as the model it was saved from', () => {
    const all = jobs(300);
    const model = fitJobModel(all, { asOfS: all[250]?.submitS ?? 0 });
    const loaded = JSON.parse(JSON.stringify(model)) as typeof model;
    for (const job of all.slice(250)) {
      expect(jobPredictorFromModel(loaded).predict(job)).toEqual(jobPredictorFromModel(model).predict(job));
    }
    expect(model.trainedOn).toBeGreaterThan(200);
    expect(model.lastEndS).toBeLessThan(all[250]?.submitS ?? 0);
  });
});

describe('GPUs actually used', () => {
  const asOfS = 2_000_000;
  const use = (overrides: Partial<GpuUseRecord> & Pick<GpuUseRecord, 'jobId'>): GpuUseRecord => ({
    source: 't',
    node: 'c2',
    user: 'u3',
    gpuCount: 2,
    sampleCount: 2,
    meanUtilPct: 50,
    maxUtilPct: 60,
    maxMemUsedMiB: 1000,
    firstSampleS: asOfS - 600,
    lastSampleS: asOfS - 300,
    ...overrides,
  });
  const job = { jobId: 'new', user: 'u3', gpuCount: 4 };

  it('scales the request by the mean utilisation of the user’s earlier sampled jobs', () => {
    const history = [
      use({ jobId: 'a', meanUtilPct: 25 }),
      // One job on two nodes: its share weighs each node by its GPUs, (2·100 + 2·50) / 4 = 75 %.
      use({ jobId: 'b', node: 'c1', meanUtilPct: 100 }),
      use({ jobId: 'b', node: 'c2', meanUtilPct: 50 }),
    ];
    expect(gpusActuallyUsed(job, history, asOfS)).toEqual({
      gpusUsed: 2,
      gpusUsedFrom: 'samples',
      gpusUsedSampledJobs: 2,
    });
  });

  it('ignores other users, later samples, the job’s own samples and N/A readings', () => {
    const history = [
      use({ jobId: 'a', meanUtilPct: 10 }),
      use({ jobId: 'x', user: 'u0', meanUtilPct: 100 }),
      use({ jobId: 'late', lastSampleS: asOfS, meanUtilPct: 100 }),
      use({ jobId: 'new', meanUtilPct: 100 }),
      use({ jobId: 'mig', meanUtilPct: null, maxUtilPct: null }),
    ];
    expect(gpusActuallyUsed(job, history, asOfS)).toEqual({
      gpusUsed: 0.4,
      gpusUsedFrom: 'samples',
      gpusUsedSampledJobs: 1,
    });
  });

  it('falls back to the request, and says so, when the user has no sampled job', () => {
    expect(gpusActuallyUsed(job, [use({ jobId: 'x', user: 'someone else' })], asOfS)).toEqual({
      gpusUsed: 4,
      gpusUsedFrom: 'request',
      gpusUsedSampledJobs: 0,
    });
  });

  it('reaches predictJob: a GPU job of a user whose earlier jobs kept a quarter of their GPUs busy', () => {
    const history = jobs(60);
    const target = history[59];
    if (target === undefined || target.gpuCount !== 1) throw new Error('fixture: job 60 is a GPU job of u3');
    const gpuUse = history
      .filter((j) => j.user === 'u3' && j.endS !== null && j.endS < target.submitS)
      .map((j) =>
        use({
          jobId: j.jobId,
          gpuCount: 1,
          meanUtilPct: 25,
          firstSampleS: j.startS ?? 0,
          lastSampleS: j.endS ?? 0,
        }),
      );
    const p = predictJob(history, target.jobId, { gpuUse });
    expect(p.gpusUsedFrom).toBe('samples');
    expect(p.gpusUsed).toBe(0.25);
    expect(p.gpusUsedSampledJobs).toBe(gpuUse.length);
    expect(predictJob(history, target.jobId).gpusUsedFrom).toBe('request');
  });
});
