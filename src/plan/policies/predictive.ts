import { checkParam, resolveCosts, resolveParam, type ResolvedCosts } from '../../config/params.js';
import { poolForecastOf, poweredTargets } from '../decide.js';
import type { Inventory, InventoryNode, Plan, PlanInput, PoolForecast } from '../plan.js';
import { planCapacity, type PlanOptions } from '../planner.js';
import { ArrivalLog } from './arrival-log.js';
import { warmDecisions } from './decisions.js';
import { modelForecaster, profileForecaster, type QuantileForecaster } from './forecaster.js';
import { newsvendorQuantile } from './quantile.js';
import type {
  Decision,
  Observation,
  PolicyDecisions,
  PolicyContext,
  PoolObservation,
  ProvisioningPolicy,
} from '../types.js';

/** The planner's signature: `planCapacity`, or a test's recording wrapper around it. */
export type Planner = (input: PlanInput, options: PlanOptions) => Plan;

/** Options of {@link predictivePolicy}; every field has a default (see `resolvePredictiveConfig`). */
export interface PredictiveOptions {
  /** The two costs the planner trades; default the config's defaults (`Params`). */
  costs?: Partial<ResolvedCosts>;
  /** Forecast quantile the warm capacity is sized at; default the newsvendor level of `costs`. */
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
  /** The planner; default `planCapacity`, the one `slurmcast adjust` runs. */
  planner?: Planner;
}

export type ResolvedPredictiveConfig = Required<Omit<PredictiveOptions, 'costs'>> & { costs: ResolvedCosts };

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
  const costs = resolveCosts(options.costs);
  const quantile = checkParam('quantile', options.quantile ?? newsvendorQuantile(costs));
  const levels = (options.levels ?? [quantile]).map((l) => checkParam('level', l));
  return {
    costs,
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
    planner: options.planner ?? planCapacity,
  };
}

/**
 * The planner's inventory for the simulator's pools: one node type per pool, and the pool's free
 * nodes (powered idle first, then booting, then powered down), as many as its largest forecast value
 * — the planner never plans more nodes than the need, so listing more changes no count. `bootS` is the
 * boot time plus the decision interval: the planner then asks for a power-up one decision early, so the
 * node is up in time although decisions come only every interval.
 */
export function freeNodeInventory(
  pools: readonly PoolObservation[],
  forecasts: readonly PoolForecast[],
  options: { atS: number; bootS: number; pricePerNodeHour: number },
): Inventory {
  const nodes: InventoryNode[] = [];
  const nodeTypes = pools.map((pool, p) => {
    let need = 0;
    for (const values of Object.values(forecasts[p]?.quantiles ?? {}))
      for (const v of values) need = Math.max(need, v);
    const listed: [InventoryNode['power'], number][] = [
      ['on', pool.idleNodes],
      ['powering-up', pool.bootingNodes],
      ['powered-down', pool.offNodes],
    ];
    let left = Math.ceil(need);
    for (const [power, count] of listed) {
      const n = Math.min(left, count);
      for (let i = 0; i < n; i++)
        nodes.push({
          name: `${pool.pool}#${nodes.length}`,
          type: pool.pool,
          power,
          usable: true,
          cpusAllocated: 0,
          activeFeatures: [],
        });
      left -= n;
    }
    return {
      name: pool.pool,
      cpus: 1,
      memMiB: 0,
      gpuType: null,
      gpuCount: 0,
      features: [],
      partitions: [pool.pool],
      bootS: options.bootS,
      pricePerNodeHour: options.pricePerNodeHour,
    };
  });
  return { atS: options.atS, nodeTypes, nodes };
}

/**
 * `predictive`: forecasts, per pool, the largest burst of nodes asked for within one boot time by jobs
 * of at most `maxJobNodes` nodes, and lets the engine's own planner decide what to keep warm: every
 * decision builds the planner's input (the forecast in nodes, the pool's free nodes, the two
 * costs), calls `planCapacity` and keeps warm the keep-powered level due now (`poweredTargets`) —
 * the same three steps `slurmcast adjust` takes on a cluster. The forecaster is refitted every `refitS`
 * on complete steps before the decision time only — a step still in progress is never part of a fit,
 * and nothing after the observation is ever seen. Idle nodes above the warm capacity power down at
 * once when nothing is queued, which pays for the warm ones.
 * @example const policy = predictivePolicy(context, { costs: config.costs });
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
  let models: string[] = [];
  // A node booted at one decision must be up by the next one's window: the planner's lead time.
  const planBootS = Math.ceil(context.bootS + config.intervalS);
  const horizon = Math.ceil((config.refitS + context.bootS + config.intervalS) / config.stepS) + 2;

  const refit = (nowS: number): void => {
    const originS = Math.floor(nowS / config.stepS) * config.stepS;
    const fromS = Math.max(
      Math.floor(firstS / config.stepS) * config.stepS,
      originS - config.historyDays * 86_400,
    );
    const steps = Math.max(0, Math.round((originS - fromS) / config.stepS));
    models = [];
    paths = context.pools.map((_, p) => {
      models[p] = fallback.name;
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
        models[p] = forecaster.name;
      } catch {
        // A series the model cannot take (all zeros, too short for every candidate): the profile stands in.
        quantiles = fallback.forecast(series, { horizon, levels: config.levels });
      }
      // A value the forecaster could not give (NaN) is no demand, not a plan input error.
      return Float64Array.from(quantiles[String(config.quantile)] ?? [], (v) =>
        Number.isFinite(v) && v > 0 ? v : 0,
      );
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
      const forecasts = observation.pools.map((pool, p) =>
        poolForecastOf({
          pool: pool.pool,
          key: { partition: pool.pool, gpuType: null, features: [] },
          series: 'demand_nodes',
          model: models[p] ?? fallback.name,
          startS: fitOriginS,
          stepS: config.stepS,
          quantiles: { [String(config.quantile)]: paths[p] ?? [] },
          accounts: [],
        }),
      );
      const plan = config.planner(
        {
          nowS,
          horizonS: planBootS + config.stepS,
          forecasts,
          inventory: freeNodeInventory(observation.pools, forecasts, {
            atS: nowS,
            bootS: planBootS,
            pricePerNodeHour: config.costs.idleNodeHour,
          }),
          accounts: [],
          costs: config.costs,
        },
        { quantile: config.quantile },
      );
      const targets = poweredTargets(plan.actions, nowS);
      const decisions: Decision[] = [];
      for (const pool of observation.pools) {
        const action = targets.get(pool.pool);
        decisions.push(
          ...warmDecisions(name, nowS, pool, action?.count ?? 0, {
            reason:
              action === undefined
                ? `the plan keeps no ${pool.pool} node powered for what comes within ${planBootS} s`
                : `${action.id}: ${action.reason}`,
            powerDownExcess: config.powerDownExcess,
          }),
        );
      }
      return { atS: nowS, policy: name, decisions };
    },
  };
}
