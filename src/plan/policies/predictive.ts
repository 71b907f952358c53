import { checkParam, resolveCosts, resolveParam } from '../../config/params.js';
import { ArrivalLog } from './arrival-log.js';
import { warmDecisions } from './decisions.js';
import { modelForecaster, profileForecaster, type QuantileForecaster } from './forecaster.js';
import { newsvendorQuantile } from './quantile.js';
import type { Decision, Observation, PolicyDecisions, PolicyContext, ProvisioningPolicy } from '../types.js';

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
  /** Power idle nodes above the warm capacity down at once when nothing is queued; default true. */
  powerDownExcess?: boolean;
  /**
   * Jobs of more nodes are left out of the forecast series (warming for them costs more idle node-hours
   * than the wait it saves); default {@link newsvendorJobNodes}(quantile).
   */
  maxJobNodes?: number;
  /** The forecaster; default `modelForecaster()` (the project's `forecastSeries`). */
  forecaster?: QuantileForecaster;
}

export type ResolvedPredictiveConfig = Required<PredictiveOptions>;

/**
 * The largest job worth warming nodes for at newsvendor level `quantile`. Warming for a job of n nodes
 * keeps about n nodes idle for one boot time to save the job one boot time of waiting, so it pays when
 * n · idleNodeHour ≤ waitingJobHour, i.e. n ≤ q / (1 − q) for q = waitingJobHour / (waitingJobHour + idleNodeHour).
 * @example newsvendorJobNodes(0.8) // 4
 */
export function newsvendorJobNodes(quantile: number): number {
  return Math.max(1, Math.floor(quantile / (1 - quantile) + 1e-9));
}

/**
 * Applies the defaults once; every number is checked against its range in `Params`.
 * @throws {ParameterRangeError} for a quantile outside (0, 1), a bad step or another number out of range.
 */
export function resolvePredictiveConfig(options: PredictiveOptions): ResolvedPredictiveConfig {
  // Without costs to derive it from, the newsvendor level of the default costs.
  const quantile = checkParam('quantile', options.quantile ?? newsvendorQuantile(resolveCosts(undefined)));
  const levels = (options.levels ?? [quantile]).map((l) => checkParam('level', l));
  return {
    quantile,
    levels: levels.includes(quantile) ? levels : [...levels, quantile],
    stepS: resolveParam('predictiveStepS', options.stepS),
    refitS: resolveParam('refitS', options.refitS),
    historyDays: resolveParam('historyDays', options.historyDays),
    minModelDays: resolveParam('minModelDays', options.minModelDays),
    intervalS: resolveParam('intervalS', options.intervalS),
    powerDownExcess: options.powerDownExcess ?? true,
    maxJobNodes: resolveParam('maxJobNodes', options.maxJobNodes ?? newsvendorJobNodes(quantile)),
    forecaster: options.forecaster ?? modelForecaster(),
  };
}

/**
 * `predictive`: keeps warm, per pool, the forecast `quantile` of the largest burst of nodes asked for
 * within one boot time by jobs of at most `maxJobNodes` nodes, over every forecast step from now to one boot time plus one decision interval
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
  const horizon = Math.ceil((config.refitS + context.bootS + config.intervalS) / config.stepS) + 2;

  const refit = (nowS: number): void => {
    const originS = Math.floor(nowS / config.stepS) * config.stepS;
    const fromS = Math.max(
      Math.floor(firstS / config.stepS) * config.stepS,
      originS - config.historyDays * 86_400,
    );
    const steps = Math.max(0, Math.round((originS - fromS) / config.stepS));
    paths = context.pools.map((_, p) => {
      if (steps < Math.round(86_400 / config.stepS)) return new Float64Array(horizon);
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
      return Float64Array.from(quantiles[String(config.quantile)] ?? []);
    });
    fitOriginS = originS;
  };

  return {
    name,
    powerSaving: true,
    intervalS: config.intervalS,
    decide(observation: Observation): PolicyDecisions {
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
        decisions.push(
          ...warmDecisions(name, nowS, pool, warm, {
            reason: `forecast q${config.quantile} of the boot-window burst of jobs of ≤ ${config.maxJobNodes} node(s) up to ${context.bootS + config.intervalS} s ahead`,
            powerDownExcess: config.powerDownExcess,
          }),
        );
      });
      return { atS: nowS, policy: name, decisions };
    },
  };
}
