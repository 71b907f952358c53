import { RandomForestRegression } from 'ml-random-forest';
import type { Calendar } from '../calendar.js';
import { defineModel, weekProfileAt, type SpecModel } from '../base.js';
import { seededRng } from '../../shared/rng.js';
import { deviationFeatures, profileSeries } from './profile-ar.js';

export interface ForestOptions {
  seed?: number;
  weeks?: number;
  /** Training rows (origin, step) sampled from the history. */
  maxSamples?: number;
  nEstimators?: number;
  maxDepth?: number;
}

function row(
  cal: Calendar,
  i: number,
  step: number,
  profile: number,
  dev: readonly [number, number],
  lastValue: number,
  scale: number,
): number[] {
  return [
    profile / scale,
    dev[0] / scale,
    dev[1] / scale,
    lastValue / scale,
    cal.slotOfDay[i] ?? 0,
    cal.weekday[i] ?? 0,
    step,
  ];
}

/**
 * Random forest on lag, rolling-window and calendar features, fitted directly per horizon step (the
 * step is a feature, so one forest serves every horizon without feeding forecasts back in). It
 * predicts the residual from the multi-week same-hour mean, from: that mean, the last residual, the
 * mean residual over the last day, the last value, local hour, local weekday and the step.
 */
export function forest(options: ForestOptions = {}): SpecModel {
  const weeks = options.weeks ?? 4;
  const maxSamples = options.maxSamples ?? 400;
  const seed = options.seed ?? 1;
  return defineModel({
    name: 'forest',
    minHistory: (ctx) => 2 * ctx.calendar(1).slotsPerWeek,
    train(history, ctx) {
      const n = history.length;
      const cal = ctx.calendar(n);
      const maxH = cal.slotsPerWeek;
      const window = cal.slotsPerDay;
      const prof = profileSeries(history, cal, weeks);
      const resid = new Float64Array(n);
      let sq = 0;
      for (let t = 0; t < n; t++) {
        resid[t] = (history[t] ?? 0) - (prof[t] ?? 0);
        sq += (history[t] ?? 0) ** 2;
      }
      const scale = Math.sqrt(sq / n) + 1e-9;
      const rng = seededRng(seed);
      const first = cal.slotsPerWeek + window;
      const rows: number[][] = [];
      const targets: number[] = [];
      for (let s = 0; s < maxSamples && first < n - 1; s++) {
        const o = first + Math.floor(rng.next() * (n - first - 1)) + 1;
        const k = Math.floor(rng.next() * Math.min(maxH, n - o));
        const i = o + k;
        const dev = deviationFeatures(resid, o, window);
        rows.push(row(cal, i, k, prof[i] ?? 0, dev, history[o - 1] ?? 0, scale));
        targets.push((resid[i] ?? 0) / scale);
      }
      const rf = new RandomForestRegression({
        seed,
        maxFeatures: 0.7,
        replacement: false,
        nEstimators: options.nEstimators ?? 15,
        useSampleBagging: true,
        noOOB: true,
        treeOptions: { maxDepth: options.maxDepth ?? 7, minNumSamples: 8 },
      });
      rf.train(rows, targets);
      return {
        forecast(h: Float64Array, horizon: number): Float64Array {
          const m = h.length;
          const c = ctx.calendar(m + horizon);
          const r = new Float64Array(m);
          for (let t = Math.max(0, m - window); t < m; t++)
            r[t] = (h[t] ?? 0) - weekProfileAt(h, c, t, weeks, t);
          const dev = deviationFeatures(r, m, window);
          const profiles: number[] = [];
          const x: number[][] = [];
          for (let k = 0; k < horizon; k++) {
            const p = weekProfileAt(h, c, m + k, weeks, m);
            profiles.push(p);
            x.push(row(c, m + k, Math.min(k, maxH - 1), p, dev, h[m - 1] ?? 0, scale));
          }
          const pred = rf.predict(x);
          return Float64Array.from(profiles, (p, k) => p + (pred[k] ?? 0) * scale);
        },
      };
    },
  });
}
