import { beforeAll, describe, expect, it } from 'vitest';
import type { SpecModel } from '../../../src/forecast/base.js';
import { ensemble } from '../../../src/forecast/models/ensemble.js';
import { forest } from '../../../src/forecast/models/forest.js';
import { holtWinters } from '../../../src/forecast/models/holt-winters.js';
import { lstm, prepareLstmBackend } from '../../../src/forecast/models/lstm.js';
import { multiWeekMean, multiWeekMedian, seasonalNaive } from '../../../src/forecast/models/naive.js';
import { profileAr } from '../../../src/forecast/models/profile-ar.js';
import { profileLevel } from '../../../src/forecast/models/profile-level.js';
import { forecastSeries } from '../../../src/forecast/select.js';
import { series, weekly } from './synthetic.js';

/** Every model, small enough to keep the suite fast (the LSTM trains for two tiny epochs). */
const models: Record<string, () => SpecModel> = {
  'snaive-daily': () => seasonalNaive({ season: 'day' }),
  'snaive-weekly': () => seasonalNaive({ season: 'week' }),
  'mean-4w': () => multiWeekMean(),
  'median-8w': () => multiWeekMedian(),
  'holt-winters': () => holtWinters({ maxEvals: 120 }),
  'profile-ar': () => profileAr(),
  'profile-ar-median': () => profileAr({ statistic: 'median' }),
  'profile-level': () => profileLevel(),
  'profile-level-mul': () => profileLevel({ mode: 'multiplicative' }),
  forest: () => forest({ seed: 3, maxSamples: 150, nEstimators: 5 }),
  lstm: () => lstm({ seed: 3, epochs: 2, units: 4, windowSteps: 12, outputSteps: 24, maxSamples: 32 }),
  ensemble: () => ensemble([profileAr(), multiWeekMean()]),
};

const data = series(weekly(24 * 7 * 3, 5));
const levels = [0.05, 0.1, 0.5, 0.9, 0.95];
const horizon = 30;

beforeAll(async () => {
  await prepareLstmBackend();
});

describe.each(Object.entries(models))('forecast model contract: %s', (_name, make) => {
  it('returns horizon-long mean and quantiles for every level', () => {
    const f = make().fit(data).predict({ horizon, levels });
    expect(f.mean).toHaveLength(horizon);
    for (const l of levels) expect(f.quantiles[String(l)]).toHaveLength(horizon);
    for (const v of f.mean) expect(Number.isFinite(v)).toBe(true);
  });

  it('gives nested intervals: quantiles never decrease with the level', () => {
    const f = make().fit(data).predict({ horizon, levels });
    for (let h = 0; h < horizon; h++) {
      for (let k = 1; k < levels.length; k++) {
        const lo = f.quantiles[String(levels[k - 1])]?.[h] ?? Number.NaN;
        const hi = f.quantiles[String(levels[k])]?.[h] ?? Number.NaN;
        expect(hi).toBeGreaterThanOrEqual(lo);
      }
    }
  });

  it('is deterministic: two fits with the same seed give identical forecasts', () => {
    const a = make().fit(data).predict({ horizon, levels });
    const b = make().fit(data).predict({ horizon, levels });
    expect(b).toEqual(a);
  });

  it('forecast ≡ fit + predict: forecastSeries with only this model returns the same mean', () => {
    const model = make();
    const direct = model.fit(data).predict({ horizon, levels });
    const viaEntry = forecastSeries(data, {
      horizon,
      levels,
      models: [make()],
      nonNegative: false,
      backtest: { origins: 3 },
    });
    expect(viaEntry.model).toBe(model.name);
    expect(viaEntry.mean).toEqual(direct.mean);
    const cv = model.crossValidate(data, { horizon, origins: [data.values.length], refit: 'every' });
    expect(Array.from(cv.mean[0] ?? [])).toEqual(direct.mean);
  });

  it('never looks past the origin in crossValidate', () => {
    const origin = 24 * 7 * 2 + 5;
    const changed = Float64Array.from(data.values);
    for (let i = origin; i < changed.length; i++) changed[i] = 1e6;
    const options = { horizon: 24, origins: [origin], refit: 'every' as const };
    const a = make().crossValidate(data, options);
    const b = make().crossValidate({ ...data, values: changed }, options);
    expect(Array.from(b.mean[0] ?? [])).toEqual(Array.from(a.mean[0] ?? []));
  });
});
