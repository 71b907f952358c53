import type { Calendar } from '../calendar.js';
import { defineModel, weekMedianAt, weekProfileAt, type SpecModel } from '../base.js';

/** The same-hour profile a model is built on: its value at step `i` from the history before `limit`. */
type ProfileAt = (history: Float64Array, cal: Calendar, i: number, weeks: number, limit: number) => number;

/**
 * In-sample profile: P[t] = mean of the same local hour of week over the `weeks` weeks before t.
 * For any horizon up to one week, the profile a forecast origin sees for a target step equals this
 * in-sample value, which is what lets the residual regressions below be fitted without look-ahead.
 */
export function profileSeries(
  history: Float64Array,
  cal: Calendar,
  weeks: number,
  profileAt: ProfileAt = weekProfileAt,
): Float64Array {
  const n = history.length;
  const p = new Float64Array(n);
  for (let t = 0; t < n; t++) p[t] = profileAt(history, cal, t, weeks, t);
  return p;
}

/** Recent-deviation features at an origin: last residual, and mean residual over the last day. */
export function deviationFeatures(resid: Float64Array, origin: number, window: number): [number, number] {
  const last = resid[origin - 1] ?? 0;
  let s = 0;
  const from = Math.max(0, origin - window);
  for (let t = from; t < origin; t++) s += resid[t] ?? 0;
  return [last, origin > from ? s / (origin - from) : 0];
}

/** Origin features: last residual, mean residual over the last day, mean residual over the last week. */
function originFeatures(
  resid: Float64Array,
  origin: number,
  window: number,
  week: number,
  out: Float64Array,
): void {
  const [last, day] = deviationFeatures(resid, origin, window);
  out[0] = last;
  out[1] = day;
  out[2] = deviationFeatures(resid, origin, week)[1];
}

/** Solves the small symmetric positive-definite system a·x = b (Gaussian elimination, partial pivoting). */
function solve(a: Float64Array, b: Float64Array, dim: number): Float64Array {
  const m = Float64Array.from(a);
  const x = Float64Array.from(b);
  for (let col = 0; col < dim; col++) {
    let piv = col;
    for (let r = col + 1; r < dim; r++)
      if (Math.abs(m[r * dim + col] ?? 0) > Math.abs(m[piv * dim + col] ?? 0)) piv = r;
    if (piv !== col) {
      for (let k = 0; k < dim; k++) {
        const t = m[col * dim + k] ?? 0;
        m[col * dim + k] = m[piv * dim + k] ?? 0;
        m[piv * dim + k] = t;
      }
      const t = x[col] ?? 0;
      x[col] = x[piv] ?? 0;
      x[piv] = t;
    }
    const d = m[col * dim + col] ?? 0;
    if (Math.abs(d) < 1e-300) return new Float64Array(dim);
    for (let r = col + 1; r < dim; r++) {
      const f = (m[r * dim + col] ?? 0) / d;
      for (let k = col; k < dim; k++) m[r * dim + k] = (m[r * dim + k] ?? 0) - f * (m[col * dim + k] ?? 0);
      x[r] = (x[r] ?? 0) - f * (x[col] ?? 0);
    }
  }
  for (let r = dim - 1; r >= 0; r--) {
    let s = x[r] ?? 0;
    for (let k = r + 1; k < dim; k++) s -= (m[r * dim + k] ?? 0) * (x[k] ?? 0);
    x[r] = s / (m[r * dim + r] ?? 1);
  }
  return x;
}

/**
 * Profile + decaying deviation ("profile-ar"): the multi-week same-hour mean (or, with `statistic:
 * 'median'`, the median over 8 weeks, which one odd week does not move), corrected by how far the
 * last hours ran above or below their own profile. For each horizon step h a ridge regression learns
 * how much of the current deviation (last residual, mean residual over the last day and over the last week) is still there
 * h steps later; the coefficients shrink towards 0 with h on real logs, so short horizons lean on
 * the recent level and long ones on the seasonal profile.
 *
 * With `clip` (default true) the correction stays within the range spanned by 0 and the three deviations
 * at the origin: fitted on a period of fast growth, the regressions learn coefficients above 1 and
 * would otherwise carry the growth a week ahead after it stops.
 */
export function profileAr(
  options: { weeks?: number; ridge?: number; clip?: boolean; statistic?: 'mean' | 'median' } = {},
): SpecModel {
  const median = options.statistic === 'median';
  const weeks = options.weeks ?? (median ? 8 : 4);
  const clip = options.clip ?? true;
  const ridge = options.ridge ?? 0.02;
  const profileAt: ProfileAt = median ? weekMedianAt : weekProfileAt;
  return defineModel({
    name: median
      ? weeks === 8
        ? 'profile-ar-median'
        : `profile-ar-median-${weeks}w`
      : weeks === 4
        ? 'profile-ar'
        : `profile-ar-${weeks}w`,
    minHistory: (ctx) => 2 * ctx.calendar(1).slotsPerWeek,
    train(history, ctx) {
      const n = history.length;
      const cal = ctx.calendar(n);
      const maxH = cal.slotsPerWeek;
      const window = cal.slotsPerDay;
      const prof = profileSeries(history, cal, weeks, profileAt);
      const resid = new Float64Array(n);
      for (let t = 0; t < n; t++) resid[t] = (history[t] ?? 0) - (prof[t] ?? 0);
      // Normal equations per h for y = b·x (no intercept), x = deviation features at the origin.
      const dim = 3;
      // Flat per-h accumulators: the 6 distinct entries of the symmetric xᵀx and the 3 of xᵀy.
      const acc = new Float64Array(maxH * 9);
      const first = cal.slotsPerWeek + window;
      const x = new Float64Array(dim);
      for (let o = first; o < n; o++) {
        originFeatures(resid, o, window, cal.slotsPerWeek, x);
        const x0 = x[0] as number;
        const x1 = x[1] as number;
        const x2 = x[2] as number;
        const p00 = x0 * x0;
        const p01 = x0 * x1;
        const p02 = x0 * x2;
        const p11 = x1 * x1;
        const p12 = x1 * x2;
        const p22 = x2 * x2;
        const hEnd = Math.min(maxH, n - o);
        for (let h = 0; h < hEnd; h++) {
          const y = resid[o + h] as number;
          const b = h * 9;
          acc[b] = (acc[b] as number) + p00;
          acc[b + 1] = (acc[b + 1] as number) + p01;
          acc[b + 2] = (acc[b + 2] as number) + p02;
          acc[b + 3] = (acc[b + 3] as number) + p11;
          acc[b + 4] = (acc[b + 4] as number) + p12;
          acc[b + 5] = (acc[b + 5] as number) + p22;
          acc[b + 6] = (acc[b + 6] as number) + x0 * y;
          acc[b + 7] = (acc[b + 7] as number) + x1 * y;
          acc[b + 8] = (acc[b + 8] as number) + x2 * y;
        }
      }
      const xtx = Array.from({ length: maxH }, (_, h) => {
        const b = h * 9;
        const g = (k: number): number => acc[b + k] ?? 0;
        return Float64Array.from([g(0), g(1), g(2), g(1), g(3), g(4), g(2), g(4), g(5)]);
      });
      const xty = Array.from({ length: maxH }, (_, h) => acc.slice(h * 9 + 6, h * 9 + 9));
      const coef = Array.from({ length: dim }, () => new Float64Array(maxH));
      for (let h = 0; h < maxH; h++) {
        const a = xtx[h] as Float64Array;
        for (let p = 0; p < dim; p++) a[p * dim + p] = (a[p * dim + p] ?? 0) * (1 + ridge) + 1e-9;
        const sol = solve(a, xty[h] as Float64Array, dim);
        for (let p = 0; p < dim; p++) (coef[p] as Float64Array)[h] = sol[p] ?? 0;
      }
      const smooth = (b: Float64Array): Float64Array =>
        b.map((_, h) => {
          const w = Math.min(3, Math.floor(h / 4));
          let s = 0;
          for (let k = h - w; k <= h + w; k++) s += b[Math.min(maxH - 1, Math.max(0, k))] ?? 0;
          return s / (2 * w + 1);
        });
      const smoothed = coef.map(smooth);
      return {
        forecast(h: Float64Array, horizon: number): Float64Array {
          const m = h.length;
          const c = ctx.calendar(m + horizon);
          // Residuals of the last week only are needed at the origin.
          const r = new Float64Array(m);
          for (let t = Math.max(0, m - c.slotsPerWeek); t < m; t++)
            r[t] = (h[t] ?? 0) - profileAt(h, c, t, weeks, t);
          const f = new Float64Array(dim);
          originFeatures(r, m, window, c.slotsPerWeek, f);
          const loAdj = Math.min(0, ...f);
          const hiAdj = Math.max(0, ...f);
          const out = new Float64Array(horizon);
          for (let k = 0; k < horizon; k++) {
            const idx = Math.min(k, maxH - 1);
            let adj = 0;
            for (let p = 0; p < dim; p++) adj += (smoothed[p]?.[idx] ?? 0) * (f[p] ?? 0);
            if (clip) adj = Math.min(hiAdj, Math.max(loAdj, adj));
            out[k] = profileAt(h, c, m + k, weeks, m) + adj;
          }
          return out;
        },
      };
    },
  });
}
