import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobPredictionError } from '../../../src/forecast/errors.js';
import { jobBatchHistory, storeJobHistory, type JobHistory } from '../../../src/forecast/job-history.js';
import {
  fileJobModelCache,
  jobModelCacheDir,
  memoryJobModelCache,
  SETTLE_S,
  type JobModelCache,
} from '../../../src/forecast/job-model-cache.js';
import { predictJob } from '../../../src/forecast/jobs.js';
import {
  jobModelCut,
  predictJobs,
  type CachedJobPrediction,
  type JobPredictionLog,
  type PredictJobsOptions,
} from '../../../src/forecast/predict-jobs.js';
import type { JobRecord } from '../../../src/shared/job-record.js';
import { MemoryStore } from '../../../src/store/memory.js';

const DAY = 86_400;
/** Midnight UTC: the first job is submitted at the start of a model period. */
const T0 = 1_000 * DAY;
const SOURCE = 'slurm:test';

/** User k runs about k·10 minutes whatever they ask for; one job every 15 minutes. */
function job(i: number, overrides: Partial<JobRecord> = {}): JobRecord {
  const user = i % 4;
  const submitS = T0 + i * 900;
  const run = (user + 1) * 600 + (i % 7) * 10;
  return {
    source: SOURCE,
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
    gpuCount: 0,
    gpuType: null,
    features: [],
    reservation: null,
    maxRssMiB: 500 * (user + 1),
    totalCpuS: null,
    ...overrides,
  };
}

const jobs = (from: number, to: number): JobRecord[] =>
  Array.from({ length: to - from }, (_, k) => job(from + k));

/** A history that counts how often its jobs were read: only training reads them. */
function counted(history: JobHistory): JobHistory & { reads: number } {
  const out = {
    ...history,
    reads: 0,
    jobsBefore(cutS: number) {
      out.reads++;
      return history.jobsBefore(cutS);
    },
  };
  return out;
}

function captureLog(): JobPredictionLog & {
  lines: { level: string; message: string; fields: Record<string, unknown> }[];
} {
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  return {
    lines,
    warn: (fields, message) => lines.push({ level: 'warn', message, fields }),
    info: (fields, message) => lines.push({ level: 'info', message, fields }),
  };
}

function predicted(result: Awaited<ReturnType<typeof predictJobs>>, index = 0): CachedJobPrediction {
  const outcome = result.outcomes[index];
  if (outcome === undefined || !outcome.ok) throw new Error(`outcome ${index} is not a prediction`);
  return outcome.prediction;
}

/** The prediction without where its model came from: what must not depend on the cache. */
function answer(p: CachedJobPrediction): Omit<CachedJobPrediction, 'modelFrom'> {
  const { modelFrom: _from, ...rest } = p;
  return rest;
}

describe('per-job predictions from a cached model', () => {
  let dir: string;
  let store: MemoryStore;
  let cache: JobModelCache;
  let history: ReturnType<typeof counted>;
  const options = (extra: Partial<PredictJobsOptions> = {}): PredictJobsOptions => ({
    timeZone: 'UTC',
    nEstimators: 4,
    cache,
    ...extra,
  });
  // Jobs 1..400 span a bit over four days; job 390 is submitted on day 4, whose cut is T0 + 4 days.
  const target = '390';
  const cutOfTarget = jobModelCut(job(389).submitS, DAY);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slurmcast-job-models-'));
    store = new MemoryStore();
    await store.upsertJobs(jobs(0, 400));
    history = counted(storeJobHistory(store));
    cache = fileJobModelCache(jobModelCacheDir(dir, history.identity));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('trains once, saves the model, and answers the next call from it without reading the history', async () => {
    expect(cutOfTarget).toBe(T0 + 4 * DAY);
    const first = await predictJobs(history, [target], options());
    expect(predicted(first).modelFrom).toBe('trained');
    expect(history.reads).toBe(1);
    expect(await readdir(cache.location)).toEqual([`${cutOfTarget}.json`]);
    const second = await predictJobs(history, [target], options());
    expect(predicted(second).modelFrom).toBe('cache');
    expect(history.reads).toBe(1);
    expect(answer(predicted(second))).toEqual(answer(predicted(first)));
    expect(predicted(second).trainedBeforeS).toBe(cutOfTarget);
    expect(predicted(second).method).toBe('forest');
  });

  it('gives the same answer with a cache, without one, and from the model trained for the cut directly', async () => {
    const withCache = predicted(await predictJobs(history, [target], options()));
    const { cache: _cache, ...uncached } = options();
    const without = predicted(await predictJobs(history, [target], uncached));
    expect(without.modelFrom).toBe('trained');
    expect(answer(without)).toEqual(answer(withCache));
    // predictJob with the cut as the job's submit time is the model of that cut.
    const direct = predictJob(
      jobs(0, 400).map((j) => (j.jobId === target ? { ...j, submitS: cutOfTarget } : j)),
      target,
      { nEstimators: 4 },
    );
    expect(withCache.runtimeS).toBe(direct.runtimeS);
    expect(withCache.trainedOn).toBe(direct.trainedOn);
  });

  it('keeps the model while the history grows only after its cut', async () => {
    await predictJobs(history, [target], options());
    // Later jobs, and a job of the same day that now ended: nothing that ended before the cut.
    await store.upsertJobs(jobs(400, 450));
    await store.upsertJobs([job(388, { endS: job(388).submitS + 99_999, state: 'TIMEOUT' })]);
    const again = await predictJobs(history, [target], options());
    expect(predicted(again).modelFrom).toBe('cache');
    expect(history.reads).toBe(1);
  });

  it('retrains when the history before the cut changed, and learns from what was added', async () => {
    const first = predicted(await predictJobs(history, [target], options({ maxTrain: 10_000 })));
    // A job imported late that ended a day before the cut.
    await store.upsertJobs([
      job(1_000, { jobId: 'late', submitS: T0 + DAY, startS: T0 + DAY, endS: T0 + DAY + 60 }),
    ]);
    const log = captureLog();
    const result = await predictJobs(history, [target], options({ maxTrain: 10_000, log }));
    expect(predicted(result).modelFrom).toBe('trained');
    expect(result.models[0]?.reason).toMatch(/jobs submitted before the cut/);
    expect(predicted(result).trainedOn).toBe(first.trainedOn + 1);
    expect(log.lines.some((l) => l.message.includes('retraining'))).toBe(true);
    expect(predicted(await predictJobs(history, [target], options({ maxTrain: 10_000 }))).modelFrom).toBe(
      'cache',
    );
  });

  it('trains a new model once the history has grown past the cut: a job of a later day', async () => {
    await store.upsertJobs(jobs(400, 500));
    const result = await predictJobs(history, [target, '495'], options());
    expect(result.models.map((m) => [m.cutS, m.from])).toEqual([
      [cutOfTarget, 'trained'],
      [T0 + 5 * DAY, 'trained'],
    ]);
    // Both cuts were trained from one read of the history.
    expect(history.reads).toBe(1);
    const again = await predictJobs(history, ['495', target], options());
    expect(again.models.map((m) => m.from)).toEqual(['cache', 'cache']);
    expect(predicted(again, 0).trainedBeforeS).toBe(T0 + 5 * DAY);
    expect(predicted(again, 1).trainedBeforeS).toBe(cutOfTarget);
  });

  it('lists the models a call used by cut, loaded and trained alike', async () => {
    await store.upsertJobs(jobs(400, 500));
    await predictJobs(history, ['495'], options());
    const mixed = await predictJobs(history, ['495', target], options());
    expect(mixed.models.map((m) => [m.cutS, m.from, m.reason])).toEqual([
      [cutOfTarget, 'trained', 'no cached model for this cut'],
      [T0 + 5 * DAY, 'cache', null],
    ]);
  });

  it('retrains a model trained before its source was collected an hour past the cut, then keeps it', async () => {
    await store.setWatermark(SOURCE, cutOfTarget + 600);
    expect(predicted(await predictJobs(history, [target], options())).modelFrom).toBe('trained');
    // Collected again, still within the hour after the cut: jobs that ended before it may have come in.
    await store.setWatermark(SOURCE, cutOfTarget + 1200);
    const provisional = await predictJobs(history, [target], options());
    expect(predicted(provisional).modelFrom).toBe('trained');
    expect(provisional.models[0]?.reason).toMatch(/collected/);
    await store.setWatermark(SOURCE, cutOfTarget + SETTLE_S + 1);
    expect(predicted(await predictJobs(history, [target], options())).modelFrom).toBe('trained');
    // Settled: later collection changes nothing before the cut.
    await store.setWatermark(SOURCE, cutOfTarget + 10 * DAY);
    expect(predicted(await predictJobs(history, [target], options())).modelFrom).toBe('cache');
  });

  it('retrains when an imported source is replaced by other content, even with as many jobs', async () => {
    const imported = new MemoryStore();
    const importAs = async (sha: string, records: readonly JobRecord[]): Promise<void> => {
      const writer = await imported.beginImport({
        source: 'swf:log',
        contentSha256: sha,
        fileName: 'log.swf',
        importedAtS: T0,
      });
      await writer.put(records.map((r) => ({ ...r, source: 'swf:log' })));
      await writer.publish();
    };
    await importAs('aa', jobs(0, 400));
    const h = storeJobHistory(imported);
    expect(predicted(await predictJobs(h, [target], options())).modelFrom).toBe('trained');
    expect(predicted(await predictJobs(h, [target], options())).modelFrom).toBe('cache');
    await importAs(
      'bb',
      jobs(0, 400).map((j) => ({ ...j, timeLimitS: 86_400 })),
    );
    const replaced = await predictJobs(h, [target], options());
    expect(predicted(replaced).modelFrom).toBe('trained');
    expect(replaced.models[0]?.reason).toMatch(/source swf:log holds other content/);
  });

  it('retrains for other settings (seed, time zone) instead of answering with the wrong model', async () => {
    await predictJobs(history, [target], options());
    const seeded = await predictJobs(history, [target], options({ seed: 9 }));
    expect(predicted(seeded).modelFrom).toBe('trained');
    expect(seeded.models[0]?.reason).toMatch(/seed 1, not 9/);
    const zoned = await predictJobs(history, [target], options({ seed: 9, timeZone: 'Asia/Tokyo' }));
    expect(zoned.models[0]?.reason).toMatch(/timeZone UTC, not Asia\/Tokyo/);
  });

  it.each([
    ['a truncated file', (text: string) => text.slice(0, text.length / 2), /not JSON/],
    ['an empty file', () => '', /not JSON/],
    [
      'a tree that splits on a column it does not read',
      (text: string) => text.replace(/"trees":\[\[\d+,/, '"trees":[[99,'),
      /trees\.0: splits on a column the tree does not read/,
    ],
    [
      'another cut’s model under this cut’s name',
      (text: string) => text.replace(/"cutS":\d+/, '"cutS":0'),
      /another cut/,
    ],
  ])('rebuilds %s, logs a line and still predicts', async (_label, damage, reason) => {
    const first = predicted(await predictJobs(history, [target], options()));
    const path = join(cache.location, `${cutOfTarget}.json`);
    await writeFile(path, damage(await readFile(path, 'utf8')));
    const log = captureLog();
    const result = await predictJobs(history, [target], options({ log }));
    expect(predicted(result).modelFrom).toBe('trained');
    expect(answer(predicted(result))).toEqual(answer(first));
    const warning = log.lines.find((l) => l.level === 'warn');
    expect(warning?.message).toMatch(/cannot be used; it is rebuilt/);
    expect(String(warning?.fields['reason'])).toMatch(reason);
    // Rebuilt: the next call reads it.
    expect(predicted(await predictJobs(history, [target], options())).modelFrom).toBe('cache');
  });

  it('retrains a model saved by another model version, without calling it corrupt', async () => {
    await predictJobs(history, [target], options());
    const path = join(cache.location, `${cutOfTarget}.json`);
    await writeFile(path, (await readFile(path, 'utf8')).replace(/"modelVersion":\d+/, '"modelVersion":999'));
    const log = captureLog();
    const result = await predictJobs(history, [target], options({ log }));
    expect(predicted(result).modelFrom).toBe('trained');
    expect(result.models[0]?.reason).toMatch(/model version 999, this is version 1/);
    expect(log.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('predicts, and says so, when the trained model cannot be saved', async () => {
    // The cache directory's place is taken by a file: nothing can be written under it.
    const blocked = join(dir, 'blocked');
    await writeFile(blocked, 'not a directory');
    const log = captureLog();
    const result = await predictJobs(history, [target], options({ cache: fileJobModelCache(blocked), log }));
    expect(predicted(result).method).toBe('forest');
    expect(result.models[0]?.saveError).not.toBeNull();
    expect(log.lines.find((l) => l.level === 'warn')?.message).toMatch(/could not be saved/);
  });

  it('reads an unreadable cache file as a miss to rebuild', async () => {
    await predictJobs(history, [target], options());
    const path = join(cache.location, `${cutOfTarget}.json`);
    // A directory where the file should be: unreadable as a file even for root, whom no mode stops.
    await rm(path);
    await mkdir(path);
    const log = captureLog();
    expect(predicted(await predictJobs(history, [target], options({ log }))).modelFrom).toBe('trained');
    expect(String(log.lines[0]?.fields['reason'])).toMatch(/cannot be read/);
  });

  it('keeps the most recently written entries and prunes older cuts', async () => {
    await store.upsertJobs(jobs(400, 700));
    const small = fileJobModelCache(join(dir, 'small'), { keep: 2 });
    for (const id of ['50', '150', '250']) await predictJobs(history, [id], options({ cache: small }));
    expect((await readdir(join(dir, 'small'))).sort()).toEqual([
      `${T0 + 1 * DAY}.json`,
      `${T0 + 2 * DAY}.json`,
    ]);
  });

  it('predicts a batch: an unknown or ambiguous id is an error for that job alone', async () => {
    await store.upsertJobs([job(380, { source: 'slurm:other' })]);
    const result = await predictJobs(history, ['390', 'nope', '381', '392', job(395)], options());
    expect(result.outcomes.map((o) => [o.jobId, o.ok])).toEqual([
      ['390', true],
      ['nope', false],
      ['381', false],
      ['392', true],
      ['396', true],
    ]);
    const errors = result.outcomes.flatMap((o) => (o.ok ? [] : [o.error]));
    expect(errors.every((e) => e instanceof JobPredictionError)).toBe(true);
    expect(errors[0]?.message).toBe(
      'cannot predict job nope: no job with this id in the history (check the id and the source; a job is there once collected or imported)',
    );
    expect(errors[1]?.message).toMatch(/held by 2 sources \(slurm:other, slurm:test\)/);
    // One model for the three jobs of day 4.
    expect(result.models).toHaveLength(1);
  });
});

describe('no future jobs, cached or not', () => {
  it('learns only from jobs that ended before the cut: changing every later outcome changes no answer', async () => {
    const all = jobs(0, 400);
    const cutS = jobModelCut(job(389).submitS, DAY);
    const altered = all.map((j) =>
      (j.endS ?? 0) >= cutS ? { ...j, endS: (j.startS ?? 0) + 77_777, maxRssMiB: 99_999 } : j,
    );
    const ids = ['386', '390', '400'];
    const predictAll = async (records: JobRecord[], cache: JobModelCache) => {
      const store = new MemoryStore();
      await store.upsertJobs(records);
      const h = storeJobHistory(store);
      await predictJobs(h, ids, { timeZone: 'UTC', nEstimators: 4, cache });
      return (await predictJobs(h, ids, { timeZone: 'UTC', nEstimators: 4, cache })).outcomes.map((o) =>
        o.ok ? answer(o.prediction) : o.error.message,
      );
    };
    const plain = await predictAll(all, memoryJobModelCache());
    expect(await predictAll(altered, memoryJobModelCache())).toEqual(plain);
    for (const p of plain) expect(typeof p === 'string' ? p : p.trainedBeforeS).toBe(cutS);
  });

  it('never lets a later cut’s model answer an earlier job: each job gets the model of its own cut', async () => {
    const store = new MemoryStore();
    await store.upsertJobs(jobs(0, 400));
    const h = storeJobHistory(store);
    const cache = memoryJobModelCache();
    await predictJobs(h, ['390'], { timeZone: 'UTC', nEstimators: 4, cache });
    const earlier = await predictJobs(h, ['300'], { timeZone: 'UTC', nEstimators: 4, cache });
    const p = predicted(earlier);
    expect(p.modelFrom).toBe('trained');
    expect(p.trainedBeforeS).toBe(T0 + 3 * DAY);
    expect(p.trainedBeforeS).toBeLessThanOrEqual(job(299).submitS);
    expect([...cache.files.keys()].sort()).toEqual([T0 + 3 * DAY, T0 + 4 * DAY]);
  });

  it('answers a job of a log from the model of its cut, the same as from the store', async () => {
    const all = jobs(0, 400);
    const read = async function* () {
      yield all.slice(0, 150);
      yield all.slice(150);
    };
    const fromLog = jobBatchHistory({ source: SOURCE, contentSha256: 'ab'.repeat(32), read });
    const store = new MemoryStore();
    await store.upsertJobs(all);
    const o = { timeZone: 'UTC', nEstimators: 4 };
    const a = predicted(await predictJobs(fromLog, ['390'], { ...o, cache: memoryJobModelCache() }));
    const b = predicted(await predictJobs(storeJobHistory(store), ['390'], o));
    expect(answer(a)).toEqual(answer(b));
  });
});
