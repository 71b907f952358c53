import { sameSlotLag } from '../calendar.js';
import { defineModel, weekMedianAt, weekProfileAt, type SeriesContext, type SpecModel } from '../base.js';

/**
 * Seasonal naive: each step repeats the value at the same local slot one season (day or week) earlier,
 * going back whole seasons until the value is known. The weekly one is the MASE reference.
 */
export function seasonalNaive(options: { season: 'day' | 'week' }): SpecModel {
  const season = options.season;
  return defineModel({
    name: season === 'day' ? 'snaive-daily' : 'snaive-weekly',
    minHistory: (ctx: SeriesContext) => {
      const cal = ctx.calendar(1);
      return season === 'day' ? cal.slotsPerDay : cal.slotsPerWeek;
    },
    train: (_history, ctx) => ({
      forecast(history, horizon) {
        const n = history.length;
        const cal = ctx.calendar(n + horizon);
        const period = season === 'day' ? cal.slotsPerDay : cal.slotsPerWeek;
        const out = new Float64Array(horizon);
        for (let h = 0; h < horizon; h++) {
          const i = n + h;
          let k = Math.floor((i - n) / period) + 1;
          let j = sameSlotLag(cal, i, season, k);
          while (j >= n) j = sameSlotLag(cal, i, season, ++k);
          out[h] = j >= 0 ? (history[j] ?? 0) : (history[n - 1] ?? 0);
        }
        return out;
      },
    }),
  });
}

/**
 * The spreadsheet baseline: the plain mean of the same local hour of week over the previous `weeks`
 * weeks (default 4) known at the forecast origin.
 */
export function multiWeekMean(options: { weeks?: number } = {}): SpecModel {
  const weeks = options.weeks ?? 4;
  return sameHourModel(`mean-${weeks}w`, weeks, weekProfileAt);
}

/**
 * The robust spreadsheet baseline: the median of the same local hour of week over the previous
 * `weeks` weeks (default 8) known at the forecast origin. One odd week (an outage, a campaign) moves a
 * mean by a quarter of its size over four weeks and a median of eight not at all.
 */
export function multiWeekMedian(options: { weeks?: number } = {}): SpecModel {
  const weeks = options.weeks ?? 8;
  return sameHourModel(`median-${weeks}w`, weeks, weekMedianAt);
}

/** A model that forecasts each step by a statistic of the same hour of week over earlier weeks. */
function sameHourModel(name: string, weeks: number, statistic: typeof weekProfileAt): SpecModel {
  return defineModel({
    name,
    minHistory: (ctx) => ctx.calendar(1).slotsPerWeek,
    train: (_history, ctx) => ({
      forecast(history, horizon) {
        const n = history.length;
        const cal = ctx.calendar(n + horizon);
        const out = new Float64Array(horizon);
        for (let h = 0; h < horizon; h++) out[h] = statistic(history, cal, n + h, weeks, n);
        return out;
      },
    }),
  });
}
