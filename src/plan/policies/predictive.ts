import { ArrivalLog } from './arrival-log.js';
import { warmDecisions } from './decisions.js';
import { modelForecaster, profileForecaster, type QuantileForecaster } from './forecaster.js';
import type { Decision, Observation, Plan, PolicyContext, ProvisioningPolicy } from './types.js';

/** Options of {@link predictivePolicy}; every field has a default (see `resolvePredictiveConfig`). */
export interface PredictiveOptions {
  /** Forecast quantile the warm capacity is sized at (the newsvendor level from the costs). */
  quantile?: number;
  /** Every level to ask the forecaster for (lets a caller share one fit across quantiles); must contain `quantile`. */
  levels?: readonly number[];
  /** Step of the demand series the forecaster sees; default 900 s. */
  stepS?: number;
  /** Seconds between refits; default 21,600 (6 h). */
  refitS?: number;
  /** Days of history a fit sees at most; default 28. */
  historyDays?: number;
  /** Days of history below which the profile forecaster stands in for the model one; default 8. */
  minModelDays?: number;
  /** Seconds between decisions; default 60. */
  intervalS?: number;
  /** Power idle nodes above the keep capacity down at once when nothing is queued; default true. */
  powerDownExcess?: boolean;
  /** Seconds ahead the keep capacity looks; default: the boot time plus one interval (the warm window). */
  keepAheadS?: number;
  /** Quantile of the keep capacity; default `quantile`. */
  keepQuantile?: number;
  /** Jobs larger than this are left out of the forecast series; default unlimited. */
  maxJobNodes?: number;
  /** The forecaster; default `modelForecaster()` (the project's `forecastSeries`). */
  forecaster?: QuantileForecaster;
}

export type ResolvedPredictiveConfig = Required<PredictiveOptions>;

/** Applies the defaults once. @throws {RangeError} for a quantile outside (0, 1) or a bad step. */
export function resolvePredictiveConfig(options: PredictiveOptions): ResolvedPredictiveConfig {
  const quantile = options.quantile ?? 0.8;
  if (!(quantile > 0 && quantile < 1))
    throw new RangeError(`predictive quantile must be in (0, 1), got ${quantile}`);
  const levels = options.levels ?? [quantile];
  const stepS = options.stepS ?? 900;
  if (!(stepS > 0)) throw new RangeError(`predictive stepS must be positive, got ${stepS}`);
  return {
    quantile,
    levels: [...new Set([...levels, quantile, options.keepQuantile ?? quantile])],
    stepS,
    refitS: options.refitS ?? 21_600,
    historyDays: options.historyDays ?? 28,
    minModelDays: options.minModelDays ?? 8,
    intervalS: options.intervalS ?? 60,
    powerDownExcess: options.powerDownExcess ?? true,
    keepAheadS: options.keepAheadS ?? 0,
    keepQuantile: options.keepQuantile ?? quantile,
    maxJobNodes: options.maxJobNodes ?? Number.POSITIVE_INFINITY,
    forecaster: options.forecaster ?? modelForecaster(),
  };
}

/**
 * `predictive`: keeps warm, per pool, the forecast `quantile` of the largest burst of nodes asked for
 * within one boot time, over every forecast step from now to one boot time plus one decision interval
 * ahead (so nodes are up before the jobs come). The forecaster is refitted every `refitS` on complete
 * steps before the decision time only — a step still in progress is never part of a fit, and nothing
 * after the observation is ever seen. Idle nodes above the warm capacity power down at once when
 * nothing is queued, which pays for the warm ones.
 * @example const policy = predictivePolicy(context, { quantile: newsvendorQuantile(config.costs) });
 */
export function predictivePolicy(
  context: PolicyContext,
  options: PredictiveOptions = {},
): ProvisioningPolicy {
  const config = resolvePredictiveConfig(options);
  const log = new ArrivalLog(context.pools.length);
  log.add(context.history);
  const fallback = profileForecaster();
  const name = 'predictive';
  let firstS = Number.POSITIVE_INFINITY;
  for (let i = 0; i < context.history.count; i++)
    firstS = Math.min(firstS, context.history.submitS[i] ?? firstS);
  // Per pool: the quantile path of the last fit and the time its first step starts.
  let fitOriginS = Number.NEGATIVE_INFINITY;
  let paths: Float64Array[] = [];
  let keepPaths: Float64Array[] = [];
  const horizon =
    Math.ceil((config.refitS + Math.max(context.bootS + config.intervalS, config.keepAheadS)) / config.stepS) + 2;

  const refit = (nowS: number): void => {
    const originS = Math.floor(nowS / config.stepS) * config.stepS;
    const fromS = Math.max(
      Math.floor(firstS / config.stepS) * config.stepS,
      originS - config.historyDays * 86_400,
    );
    const steps = Math.max(0, Math.round((originS - fromS) / config.stepS));
    keepPaths = [];
    paths = context.pools.map((_, p) => {
      if (steps < Math.round(86_400 / config.stepS)) {
        keepPaths.push(new Float64Array(horizon));
        return new Float64Array(horizon);
      }
      const values = log.burstSeries(p, {
        startS: fromS,
        stepS: config.stepS,
        steps,
        windowS: context.bootS,
        beforeS: originS,
        maxJobNodes: config.maxJobNodes,
      });
      const series = { values, stepS: config.stepS, startS: fromS, timeZone: context.timeZone };
      const forecaster = steps * config.stepS >= config.minModelDays * 86_400 ? config.forecaster : fallback;
      let quantiles: Record<string, number[]>;
      try {
        quantiles = forecaster.forecast(series, { horizon, levels: config.levels });
      } catch {
        // A series the model cannot take (all zeros, too short for every candidate): the profile stands in.
        quantiles = fallback.forecast(series, { horizon, levels: config.levels });
      }
      keepPaths.push(Float64Array.from(quantiles[String(config.keepQuantile)] ?? []));
      return Float64Array.from(quantiles[String(config.quantile)] ?? []);
    });
    fitOriginS = originS;
  };

  return {
    name,
    powerSaving: true,
    intervalS: config.intervalS,
    decide(observation: Observation): Plan {
      const nowS = observation.nowS;
      for (let i = 0; i < observation.arrivals.count; i++)
        firstS = Math.min(firstS, observation.arrivals.submitS[i] ?? firstS);
      log.add(observation.arrivals);
      if (nowS >= fitOriginS + config.refitS) refit(nowS);
      const first = Math.floor((nowS - fitOriginS) / config.stepS);
      const last = Math.floor((nowS + context.bootS + config.intervalS - fitOriginS) / config.stepS);
      const decisions: Decision[] = [];
      observation.pools.forEach((pool, p) => {
        const path = paths[p];
        let warm = 0;
        for (let h = first; h <= last; h++) warm = Math.max(warm, path?.[h] ?? 0);
        const lastKeep = Math.floor((nowS + config.keepAheadS - fitOriginS) / config.stepS);
        let keep = warm;
        for (let h = first; h <= lastKeep; h++) keep = Math.max(keep, keepPaths[p]?.[h] ?? 0);
        decisions.push(
          ...warmDecisions(name, nowS, pool, warm, {
            reason: `forecast q${config.quantile} of the boot-window burst up to ${context.bootS + config.intervalS} s ahead`,
            powerDownExcess: config.powerDownExcess,
            keep,
          }),
        );
      });
      return { atS: nowS, policy: name, decisions };
    },
  };
}
