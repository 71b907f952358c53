import { describe, expect, it } from 'vitest';
import { holtWinters } from '../../../src/forecast/models/holt-winters.js';
import { multiWeekMean, multiWeekMedian, seasonalNaive } from '../../../src/forecast/models/naive.js';
import { profileAr } from '../../../src/forecast/models/profile-ar.js';
import { forecastSeries } from '../../../src/forecast/select.js';
import { mae, series, sine, step, weekly } from './synthetic.js';

const WEEK = 168;

describe('known answers on a pure sine (period 24 h)', () => {
  const n = 5 * WEEK;
  const all = sine(n + 48);
  const train = series(all.subarray(0, n));
  const truth = all.subarray(n, n + 48);

  it('daily and weekly seasonal naive repeat it exactly', () => {
    for (const season of ['day', 'week'] as const) {
      const f = seasonalNaive({ season })
        .fit(train)
        .predict({ horizon: 48, levels: [0.5] });
      expect(mae(f.mean, truth)).toBeLessThan(1e-9);
    }
  });

  it('the 4-week mean, profile-ar and Holt-Winters recover it', () => {
    expect(
      mae(
        multiWeekMean()
          .fit(train)
          .predict({ horizon: 48, levels: [0.5] }).mean,
        truth,
      ),
    ).toBeLessThan(1e-9);
    expect(
      mae(
        profileAr()
          .fit(train)
          .predict({ horizon: 48, levels: [0.5] }).mean,
        truth,
      ),
    ).toBeLessThan(1e-6);
    expect(
      mae(
        holtWinters()
          .fit(train)
          .predict({ horizon: 48, levels: [0.5] }).mean,
        truth,
      ),
    ).toBeLessThan(0.5);
  });

  it('gives zero-width intervals when every backtest residual is zero', () => {
    const f = forecastSeries(train, { horizon: 24, models: ['snaive-daily'] });
    const lo = f.quantiles['0.1'] ?? [];
    const hi = f.quantiles['0.9'] ?? [];
    for (let h = 0; h < 24; h++) expect(Math.abs((hi[h] ?? 0) - (lo[h] ?? 1))).toBeLessThan(1e-6);
    expect(f.backtest.mase).toBeCloseTo(1, 4);
  });
});

describe('known answers on a step in level', () => {
  const n = 6 * WEEK;
  const at = n - 3 * 24;
  const data = series(step(n + 24, at, 50).subarray(0, n));
  const truth = step(n + 24, at, 50).subarray(n, n + 24);

  it('profile-ar follows the new level while the 4-week mean lags far behind', () => {
    const ar = profileAr()
      .fit(data)
      .predict({ horizon: 24, levels: [0.5] }).mean;
    const m4 = multiWeekMean()
      .fit(data)
      .predict({ horizon: 24, levels: [0.5] }).mean;
    expect(mae(m4, truth)).toBeGreaterThan(45);
    expect(mae(ar, truth)).toBeLessThan(10);
  });
});

describe('known answers on a weekly pattern with noise', () => {
  const n = 8 * WEEK;
  const full = weekly(n + WEEK, 8, 11);
  const clean = weekly(n + WEEK, 0);
  const data = series(full.subarray(0, n));
  const truth = clean.subarray(n, n + WEEK);

  it('the 4-week mean halves the noise of "same hour last week"', () => {
    const naive = seasonalNaive({ season: 'week' })
      .fit(data)
      .predict({ horizon: WEEK, levels: [0.5] }).mean;
    const m4 = multiWeekMean()
      .fit(data)
      .predict({ horizon: WEEK, levels: [0.5] }).mean;
    // E|N(0, 8²)| ≈ 6.4; averaging 4 weeks: ≈ 3.2.
    expect(mae(naive, truth)).toBeGreaterThan(5);
    expect(mae(m4, truth)).toBeLessThan(4);
  });

  it('forecastSeries picks a model that beats weekly seasonal naive, with 80% intervals covering about 80%', () => {
    const f = forecastSeries(data, { horizon: WEEK });
    expect(f.backtest.mase).toBeLessThan(0.8);
    const future = full.subarray(n, n + WEEK);
    let inside = 0;
    for (let h = 0; h < WEEK; h++) {
      const y = future[h] ?? 0;
      if (y >= (f.quantiles['0.1']?.[h] ?? 0) && y <= (f.quantiles['0.9']?.[h] ?? 0)) inside++;
    }
    expect(inside / WEEK).toBeGreaterThan(0.65);
    expect(inside / WEEK).toBeLessThan(0.95);
  }, 20_000);
});

describe('known answers with one odd week', () => {
  // Eight clean weeks of a weekly pattern, one of them (the second last) with every value doubled:
  // an outage's backlog or a campaign.
  const n = 8 * WEEK;
  const clean = weekly(n + WEEK, 0);
  const odd = clean.map((v, t) => (t >= 6 * WEEK && t < 7 * WEEK ? 2 * v : v));
  const data = series(odd.subarray(0, n));
  const truth = clean.subarray(n, n + WEEK);

  it('the 8-week median ignores it where the 4-week mean carries a quarter of it', () => {
    const med = multiWeekMedian()
      .fit(data)
      .predict({ horizon: WEEK, levels: [0.5] }).mean;
    const m4 = multiWeekMean()
      .fit(data)
      .predict({ horizon: WEEK, levels: [0.5] }).mean;
    expect(mae(med, truth)).toBeLessThan(1e-9);
    expect(mae(m4, truth)).toBeGreaterThan(1);
  });

  it('profile-ar on the median profile a day ahead stays closer to the pattern than on the mean', () => {
    const horizon = 24;
    const arMedian = profileAr({ statistic: 'median' })
      .fit(data)
      .predict({ horizon, levels: [0.5] }).mean;
    const ar = profileAr()
      .fit(data)
      .predict({ horizon, levels: [0.5] }).mean;
    expect(mae(arMedian, truth.subarray(0, horizon))).toBeLessThan(mae(ar, truth.subarray(0, horizon)));
  });
});
