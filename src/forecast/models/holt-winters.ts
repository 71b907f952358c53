import type { Calendar } from '../calendar.js';
import { defineModel, type SpecModel } from '../base.js';
import { logistic, mean, nelderMead } from '../numeric.js';

/** Smoothing parameters of the double-seasonal damped-trend model. */
export interface HoltWintersParams {
  alpha: number;
  beta: number;
  phi: number;
  gammaDay: number;
  gammaWeek: number;
}

interface State {
  level: number;
  trend: number;
  day: Float64Array;
  week: Float64Array;
}

function decode(x: readonly number[]): HoltWintersParams {
  const alpha = 0.001 + 0.998 * logistic(x[0] ?? 0);
  return {
    alpha,
    beta: alpha * 0.5 * logistic(x[1] ?? 0),
    phi: 0.8 + 0.18 * logistic(x[2] ?? 0),
    gammaDay: (1 - alpha) * logistic(x[3] ?? 0),
    gammaWeek: (1 - alpha) * logistic(x[4] ?? 0),
  };
}

function initialState(history: Float64Array, cal: Calendar): State {
  const p = cal.slotsPerWeek;
  const weeks = Math.min(2, Math.floor(history.length / p));
  const span = Math.max(1, weeks) * p;
  const level = mean(history, 0, Math.min(span, p));
  const trend = weeks >= 2 ? (mean(history, p, 2 * p) - mean(history, 0, p)) / p : 0;
  const week = new Float64Array(p);
  const counts = new Float64Array(p);
  for (let i = 0; i < Math.min(span, history.length); i++) {
    const s = cal.slotOfWeek[i] ?? 0;
    week[s] = (week[s] ?? 0) + (history[i] ?? 0) - level - trend * (i - (p - 1) / 2);
    counts[s] = (counts[s] ?? 0) + 1;
  }
  for (let s = 0; s < p; s++) week[s] = (counts[s] ?? 0) > 0 ? (week[s] ?? 0) / (counts[s] ?? 1) : 0;
  return { level, trend, day: new Float64Array(cal.slotsPerDay), week };
}

/** Runs the error-correction recursions over `history`; returns the final state and one-step SSE. */
function filter(
  history: Float64Array,
  cal: Calendar,
  params: HoltWintersParams,
  init: State,
  burnIn: number,
): { state: State; sse: number } {
  const { alpha, beta, phi, gammaDay, gammaWeek } = params;
  let level = init.level;
  let trend = init.trend;
  const day = Float64Array.from(init.day);
  const week = Float64Array.from(init.week);
  let sse = 0;
  for (let i = 0; i < history.length; i++) {
    const sd = cal.slotOfDay[i] ?? 0;
    const sw = cal.slotOfWeek[i] ?? 0;
    const damped = phi * trend;
    const yhat = level + damped + (day[sd] ?? 0) + (week[sw] ?? 0);
    const e = (history[i] ?? 0) - yhat;
    if (i >= burnIn) sse += e * e;
    level = level + damped + alpha * e;
    trend = damped + beta * e;
    day[sd] = (day[sd] ?? 0) + gammaDay * e;
    week[sw] = (week[sw] ?? 0) + gammaWeek * e;
  }
  return { state: { level, trend, day, week }, sse };
}

/**
 * Holt-Winters exponential smoothing with a damped additive trend and two additive seasonal components
 * (local hour of day and hour of week, so DST shifts the season with the clock). The five smoothing
 * parameters are fitted by Nelder–Mead on the one-step-ahead SSE of the training data.
 */
export function holtWinters(options: { maxEvals?: number } = {}): SpecModel {
  const maxEvals = options.maxEvals ?? 200;
  return defineModel({
    name: 'holt-winters',
    minHistory: (ctx) => ctx.calendar(1).slotsPerWeek + ctx.calendar(1).slotsPerDay,
    train(history, ctx) {
      const cal = ctx.calendar(history.length);
      const init = initialState(history, cal);
      const burnIn = Math.min(cal.slotsPerWeek, Math.floor(history.length / 2));
      const fitted = nelderMead(
        (x) => filter(history, cal, decode(x), init, burnIn).sse,
        [0, -2, 1, -2, -2],
        {
          maxEvals,
          step: 1,
        },
      );
      const params = decode(fitted.x);
      return {
        forecast(h: Float64Array, horizon: number): Float64Array {
          const n = h.length;
          const c = ctx.calendar(n + horizon);
          const { state } = filter(h, c, params, init, n);
          const out = new Float64Array(horizon);
          let cum = 0;
          let phiPow = 1;
          for (let k = 0; k < horizon; k++) {
            phiPow *= params.phi;
            cum += phiPow;
            const i = n + k;
            out[k] =
              state.level +
              cum * state.trend +
              (state.day[c.slotOfDay[i] ?? 0] ?? 0) +
              (state.week[c.slotOfWeek[i] ?? 0] ?? 0);
          }
          return out;
        },
      };
    },
  });
}
