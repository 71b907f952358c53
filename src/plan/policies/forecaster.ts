import { resolveParam } from '../../config/params.js';
import { DateTime } from 'luxon';
import { forecastSeries, type ModelName, type SeriesInput } from '../../forecast/index.js';

/**
 * What the predictive policy needs from a forecaster: quantile paths of a series, keyed by
 * `String(level)`, `horizon` values each. Pure and deterministic.
 */
export interface QuantileForecaster {
  readonly name: string;
  forecast(
    series: SeriesInput,
    options: { horizon: number; levels: readonly number[] },
  ): Record<string, number[]>;
}

/**
 * The project's forecaster (`forecastSeries`: backtested model selection with conformal quantiles).
 * @example const f = modelForecaster({ models: ['profile-ar', 'holt-winters'], seed: 1 });
 */
export function modelForecaster(
  options: { models?: readonly ModelName[]; seed?: number } = {},
): QuantileForecaster {
  return {
    name: 'forecastSeries',
    forecast(series, { horizon, levels }) {
      return forecastSeries(series, {
        horizon,
        levels,
        seed: resolveParam('seed', options.seed),
        nonNegative: true,
        ...(options.models === undefined ? {} : { models: options.models }),
      }).quantiles;
    },
  };
}

/**
 * A small model-free forecaster: the empirical quantile of the values in the same local time-of-day
 * slot (and its two neighbours) over the last `days` days. Used where no history is long enough for
 * the model forecaster and as a cheap fallback.
 * @example const f = profileForecaster({ days: 14 });
 */
export function profileForecaster(options: { days?: number } = {}): QuantileForecaster {
  const days = options.days ?? 14;
  return {
    name: 'profile',
    forecast(series, { horizon, levels }) {
      const n = series.values.length;
      const stepS = series.stepS;
      const perDay = Math.max(1, Math.round(86_400 / stepS));
      const endS = series.startS + n * stepS;
      const offsetS = DateTime.fromSeconds(endS, { zone: series.timeZone }).offset * 60;
      const slotOf = (t: number): number => ((Math.floor((t + offsetS) / stepS) % perDay) + perDay) % perDay;
      const bySlot: number[][] = Array.from({ length: perDay }, () => []);
      const from = Math.max(0, n - days * perDay);
      for (let i = from; i < n; i++) {
        const v = series.values[i];
        if (v === undefined || Number.isNaN(v)) continue;
        const slot = slotOf(series.startS + i * stepS);
        for (const d of [-1, 0, 1]) bySlot[(slot + d + perDay) % perDay]?.push(v);
      }
      for (const values of bySlot) values.sort((a, b) => a - b);
      const out: Record<string, number[]> = {};
      for (const level of levels) {
        const path: number[] = [];
        for (let h = 0; h < horizon; h++) {
          const values = bySlot[slotOf(endS + h * stepS)] ?? [];
          path.push(
            values.length === 0
              ? 0
              : (values[Math.min(values.length - 1, Math.floor(level * values.length))] ?? 0),
          );
        }
        out[String(level)] = path;
      }
      return out;
    },
  };
}
