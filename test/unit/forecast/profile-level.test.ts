import { describe, expect, it } from 'vitest';
import { multiWeekMean } from '../../../src/forecast/models/naive.js';
import { profileAr } from '../../../src/forecast/models/profile-ar.js';
import { profileLevel } from '../../../src/forecast/models/profile-level.js';
import { forecastSeries } from '../../../src/forecast/select.js';
import { mae, series, weekly } from './synthetic.js';

const WEEK = 168;
const n = 8 * WEEK;
const pattern = weekly(n + WEEK, 0);

describe('profile-level: known answers on a growing weekly pattern', () => {
  it('undamped additive level recovers a linearly growing weekly pattern exactly', () => {
    const grow = pattern.map((v, t) => v + 0.5 * t);
    const f = profileLevel({ damping: 1, windowSteps: WEEK })
      .fit(series(grow.subarray(0, n)))
      .predict({ horizon: WEEK, levels: [0.5] }).mean;
    const lagging = multiWeekMean()
      .fit(series(grow.subarray(0, n)))
      .predict({ horizon: WEEK, levels: [0.5] }).mean;
    const truth = grow.subarray(n, n + WEEK);
    // The 4-week mean is centred 2.5 weeks back: 0.5 · 420 = 210 below.
    expect(mae(lagging, truth)).toBeCloseTo(210, 6);
    expect(mae(f, truth)).toBeLessThan(1e-6);
  });

  it('undamped multiplicative level recovers an exponentially growing weekly pattern exactly', () => {
    const grow = pattern.map((v, t) => v * Math.exp(t / 2000));
    const f = profileLevel({ mode: 'multiplicative', damping: 1 })
      .fit(series(grow.subarray(0, n)))
      .predict({ horizon: WEEK, levels: [0.5] }).mean;
    const truth = grow.subarray(n, n + WEEK);
    for (let h = 0; h < WEEK; h++) expect(f[h]).toBeCloseTo(truth[h] ?? 0, 6);
  });

  it('the default (half-damped) level closes half of the lag and changes nothing on a flat pattern', () => {
    const grow = pattern.map((v, t) => v + 0.5 * t);
    const f = profileLevel()
      .fit(series(grow.subarray(0, n)))
      .predict({ horizon: WEEK, levels: [0.5] }).mean;
    expect(mae(f, grow.subarray(n, n + WEEK))).toBeCloseTo(105, 6);
    const flat = profileLevel()
      .fit(series(pattern.subarray(0, n)))
      .predict({ horizon: WEEK, levels: [0.5] }).mean;
    expect(mae(flat, pattern.subarray(n, n + WEEK))).toBeLessThan(1e-9);
  });
});

describe('profile-ar never extrapolates beyond the deviation it has seen', () => {
  it('keeps the correction within 0 and the recent deviations on a steep ramp', () => {
    const ramp = pattern.map((v, t) => v + 0.5 * t);
    const data = series(ramp.subarray(0, n));
    const f = profileAr()
      .fit(data)
      .predict({ horizon: WEEK, levels: [0.5] }).mean;
    const base = multiWeekMean()
      .fit(data)
      .predict({ horizon: WEEK, levels: [0.5] }).mean;
    // The last residual against the in-sample 4-week profile is 0.5 · 420 = 210.
    for (let h = 0; h < WEEK; h++) {
      const adj = (f[h] ?? 0) - (base[h] ?? 0);
      expect(adj).toBeGreaterThanOrEqual(-1e-6);
      expect(adj).toBeLessThanOrEqual(210 + 1e-6);
    }
  });
});

describe('forecastSeries intervals', () => {
  it('stay nested at many levels after calibration, on a series whose spread grows', () => {
    const noisy = weekly(8 * WEEK, 4, 5).map((v, t) => v + ((t % 7) - 3) * (t / WEEK));
    const levels = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99];
    const f = forecastSeries(series(noisy), { horizon: 48, levels });
    for (let h = 0; h < 48; h++)
      for (let k = 1; k < levels.length; k++)
        expect(f.quantiles[String(levels[k])]?.[h] ?? 0).toBeGreaterThanOrEqual(
          f.quantiles[String(levels[k - 1])]?.[h] ?? 0,
        );
  });

  it('keeps weekly seasonal naive as a candidate, so the chosen backtest MASE is at most 1', () => {
    const noisy = weekly(8 * WEEK, 20, 9);
    const f = forecastSeries(series(noisy), { horizon: 24 });
    expect(f.candidates['snaive-weekly']).toBeDefined();
    expect(f.backtest.mase).toBeLessThanOrEqual(1);
  });
});
