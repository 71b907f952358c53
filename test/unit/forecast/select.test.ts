import { describe, expect, it } from 'vitest';
import { ParameterRangeError } from '../../../src/config/params.js';
import { conformalQuantiles } from '../../../src/forecast/base.js';
import { InvalidSeriesError, UnknownModelError } from '../../../src/forecast/errors.js';
import { forecastSeries } from '../../../src/forecast/select.js';
import { series, sine, weekly } from './synthetic.js';

const WEEK = 168;

describe('model selection by rolling-origin backtest', () => {
  it('chooses the candidate with the lowest MASE and reports its scores', () => {
    const f = forecastSeries(series(weekly(6 * WEEK, 6)), { horizon: 24 });
    const scores = Object.entries(f.candidates);
    const best = scores.reduce((a, b) => (b[1].mase < a[1].mase ? b : a));
    expect(f.model).toBe(best[0]);
    expect(f.backtest.mase).toBe(best[1].mase);
    expect(f.candidates['snaive-weekly']?.mase).toBe(1);
    expect(f.backtest.origins).toBe(24);
  });

  it('does not choose daily seasonal naive on a series with a weekly pattern', () => {
    const f = forecastSeries(series(weekly(6 * WEEK, 2)), {
      horizon: WEEK,
      models: ['snaive-daily', 'snaive-weekly'],
    });
    expect(f.model).toBe('snaive-weekly');
    expect(f.candidates['snaive-daily']?.mase).toBeGreaterThan(1);
  });

  it('keeps quantiles at any level asked, floored at 0 when told the series cannot go negative', () => {
    const f = forecastSeries(series(weekly(5 * WEEK, 30)), {
      horizon: 12,
      levels: [0.025, 0.3, 0.7, 0.975],
      nonNegative: true,
    });
    expect(Object.keys(f.quantiles).sort()).toEqual(['0.025', '0.3', '0.7', '0.975']);
    for (const q of Object.values(f.quantiles)) for (const v of q) expect(v).toBeGreaterThanOrEqual(0);
  });

  it('rejects bad options, unknown models and series too short for every model', () => {
    const s = series(sine(4 * WEEK));
    expect(() => forecastSeries(s, { horizon: 0 })).toThrow(ParameterRangeError);
    expect(() => forecastSeries(s, { horizon: 3, levels: [1.2] })).toThrow(ParameterRangeError);
    expect(() => forecastSeries(s, { horizon: 3, models: ['prophet' as 'mean-4w'] })).toThrow(
      UnknownModelError,
    );
    expect(() => forecastSeries(series(sine(30)), { horizon: 3, models: ['mean-4w'] })).toThrow(
      InvalidSeriesError,
    );
    expect(() => forecastSeries(series([Number.NaN, Number.NaN]), { horizon: 3 })).toThrow(
      InvalidSeriesError,
    );
  });

  it('fills missing buckets instead of propagating NaN', () => {
    const v = weekly(5 * WEEK, 3);
    for (let i = 100; i < 140; i++) v[i] = Number.NaN;
    v[v.length - 1] = Number.NaN;
    const f = forecastSeries(series(v), { horizon: 24 });
    for (const m of f.mean) expect(Number.isFinite(m)).toBe(true);
  });
});

describe('conformal quantiles', () => {
  it('are monotone in the level and add the residual quantiles to the mean', () => {
    const resid = [Float64Array.from([-2, -1, 0, 1, 2]), Float64Array.from([-4, -2, 0, 2, 4])];
    const q = conformalQuantiles([10, 10, 10], resid, [0.1, 0.5, 0.9]);
    expect(q['0.5']).toEqual([10, 10, 10]);
    for (let h = 0; h < 3; h++) {
      expect(q['0.1']?.[h]).toBeLessThan(10);
      expect(q['0.9']?.[h]).toBeGreaterThan(10);
    }
  });
});
