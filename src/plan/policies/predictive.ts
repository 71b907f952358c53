import { checkParam, resolveCosts, resolveParam, type ResolvedCosts } from '../../config/params.js';
import { poolForecastOf, poweredTargets } from '../decide.js';
import type { Inventory, InventoryNode, KeepPoweredAction, Plan, PlanInput, PoolForecast } from '../plan.js';
import { planCapacity, type PlanOptions } from '../planner.js';
import { warmDecisions } from './decisions.js';
import { LeadDemandModel } from './lead-demand.js';
import { newsvendorQuantile } from './quantile.js';
import type {
  ArrivalColumns,
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
  /** Quantile of the lead window's demand that is booted for; default the newsvendor level of `costs`. */
  quantile?: number;
  /** Days of the training history replayed into the demand model before the first decision; default 28. */
  historyDays?: number;
  /** Age at which an observed window counts half in the demand model; default 28 days. */
  halfLifeDays?: number;
  /** Effective observations a context needs before its own histogram is used; default 30. */
  minContextWeight?: number;
  /** Seconds between decisions; default 60. */
  intervalS?: number;
  /** Power idle nodes above what is worth keeping down at once when nothing is queued; default true. */
  powerDownExcess?: boolean;
  /**
   * Jobs of more nodes are left out of the demand model (warming for them costs more idle node-hours
   * than the wait it saves); default {@link newsvendorJobNodes}(quantile).
   */
  maxJobNodes?: number;
  /** The planner; default `planCapacity`, the one `slurmcast adjust` runs. */
  planner?: Planner;
}

export type ResolvedPredictiveConfig = Required<Omit<PredictiveOptions, 'costs'>> & {
  costs: ResolvedCosts;
  /** Quantile up to which idle nodes already up are kept (see {@link keepQuantile}). */
  keepQuantile: number;
};

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
 * The quantile up to which an idle node that is already up is kept rather than powered down: keeping
 * it until the next decision costs one interval of idling, while powering it down and then needing it
 * costs a boot time of booting plus the boot wait. With q = waitingJobHour / (waitingJobHour +
 * idleNodeHour) that is the newsvendor level bootS / (bootS + (1 − q) · intervalS): much higher than
 * the level booted for, which is why keeping and booting are decided apart (ski rental: an idle node
 * is kept while the chance of its use soon outweighs the cheap wait, not for a fixed idle time).
 * @example keepQuantile(0.9, { bootS: 300, intervalS: 60 }) // ≈ 0.980
 */
export function keepQuantile(quantile: number, times: { bootS: number; intervalS: number }): number {
  return Math.min(0.999, times.bootS / (times.bootS + (1 - quantile) * times.intervalS));
}

/**
 * Applies the defaults once; every number is checked against its range in `Params`.
 * @throws {ParameterRangeError} for a quantile outside (0, 1) or another number out of range.
 */
export function resolvePredictiveConfig(
  options: PredictiveOptions,
  times: { bootS: number },
): ResolvedPredictiveConfig {
  const costs = resolveCosts(options.costs);
  const quantile = checkParam('quantile', options.quantile ?? newsvendorQuantile(costs));
  const intervalS = resolveParam('intervalS', options.intervalS);
  return {
    costs,
    quantile,
    keepQuantile: keepQuantile(quantile, { bootS: times.bootS, intervalS }),
    historyDays: resolveParam('historyDays', options.historyDays),
    halfLifeDays: resolveParam('halfLifeDays', options.halfLifeDays),
    minContextWeight: resolveParam('minContextWeight', options.minContextWeight),
    intervalS,
    powerDownExcess: options.powerDownExcess ?? true,
    maxJobNodes: resolveParam('maxJobNodes', options.maxJobNodes ?? newsvendorJobNodes(quantile)),
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
 * `predictive`: learns, per pool, what the next boot time and decision interval will ask for given
 * what the queue shows now (recent submissions, the same window on past days, the hour of the week;
 * see {@link LeadDemandModel}), and lets the engine's own planner decide what to keep warm: every
 * decision builds the planner's input (the demand quantile in nodes, the pool's free nodes, the two
 * costs), calls `planCapacity` and keeps warm the keep-powered level due now (`poweredTargets`) —
 * the same three steps `slurmcast adjust` takes on a cluster. Idle nodes that are already up are kept
 * to a higher quantile ({@link keepQuantile}); idle nodes beyond that power down at once when nothing
 * is queued, which pays for the warm ones. Only the past is used: arrivals up to the decision time,
 * and outcomes of windows that are over.
 * @example const policy = predictivePolicy(context, { costs: config.costs });
 */
export function predictivePolicy(
  context: PolicyContext,
  options: PredictiveOptions = {},
): ProvisioningPolicy {
  const config = resolvePredictiveConfig(options, context);
  const name = 'predictive';
  // A node booted at one decision must be up by the next one's window: the planner's lead time.
  const planBootS = Math.ceil(context.bootS + config.intervalS);
  const model = new LeadDemandModel({
    pools: context.pools.length,
    leadS: planBootS,
    timeZone: context.timeZone,
    maxJobNodes: config.maxJobNodes,
    halfLifeS: config.halfLifeDays * 86_400,
    minWeight: config.minContextWeight,
  });
  const levels = [config.quantile, config.keepQuantile];
  // The demand quantile holds over the whole lead window, as a path on the decision interval's grid
  // (the grid the engine cuts its forecasts on too).
  const steps = Math.ceil(planBootS / config.intervalS);
  replayHistory(model, context, config);

  const planFor = (observation: Observation, demand: readonly number[][]): Plan => {
    const nowS = observation.nowS;
    const forecasts = observation.pools.map((pool, p) =>
      poolForecastOf({
        pool: pool.pool,
        key: { partition: pool.pool, gpuType: null, features: [] },
        series: 'demand_nodes',
        model: 'lead-demand',
        startS: Math.floor(nowS / config.intervalS) * config.intervalS,
        stepS: config.intervalS,
        quantiles: { [String(config.quantile)]: new Array<number>(steps).fill(demand[p]?.[0] ?? 0) },
        accounts: [],
      }),
    );
    return config.planner(
      {
        nowS,
        horizonS: planBootS,
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
  };

  let lastKey = '';
  let targets = new Map<string, KeepPoweredAction>();

  return {
    name,
    powerSaving: true,
    intervalS: config.intervalS,
    decide(observation: Observation): PolicyDecisions {
      const nowS = observation.nowS;
      model.observe(observation.arrivals);
      const demand = observation.pools.map((_, p) => model.decide(p, nowS, levels));
      // A plan depends on the demand and the free nodes only (its times move with the clock), so it is
      // made again only when one of them changed since the last one: most decisions in a quiet hour
      // see the same nothing. No demand at all: a plan would keep nothing powered, so none is made.
      const key = planKey(observation.pools, demand);
      if (key !== lastKey) {
        lastKey = key;
        targets = demand.some((d) => (d[0] ?? 0) > 0)
          ? poweredTargets(planFor(observation, demand).actions, nowS)
          : new Map<string, KeepPoweredAction>();
      }
      const decisions: Decision[] = [];
      observation.pools.forEach((pool, p) => {
        const action = targets.get(pool.pool);
        decisions.push(
          ...warmDecisions(name, nowS, pool, action?.count ?? 0, {
            reason:
              action === undefined
                ? `the plan keeps no ${pool.pool} node powered for what comes within ${planBootS} s`
                : `${action.id}: ${action.reason}`,
            powerDownExcess: config.powerDownExcess,
            keepNodes: demand[p]?.[1] ?? 0,
          }),
        );
      });
      return { atS: nowS, policy: name, decisions };
    },
  };
}

/** What a plan depends on: per pool the demand to plan for and the free nodes it could be met with. */
function planKey(pools: readonly PoolObservation[], demand: readonly number[][]): string {
  return pools
    .map((pool, p) => {
      const need = Math.ceil(demand[p]?.[0] ?? 0);
      const idle = Math.min(need, pool.idleNodes);
      const booting = Math.min(need - idle, pool.bootingNodes);
      return `${need},${idle},${booting},${Math.min(need - idle - booting, pool.offNodes)}`;
    })
    .join(';');
}

/**
 * Feeds the last `historyDays` of the training history to the model decision by decision, as if the
 * policy had been running then, so that it starts with what it would have learnt.
 */
function replayHistory(
  model: LeadDemandModel,
  context: PolicyContext,
  config: ResolvedPredictiveConfig,
): void {
  const h = context.history;
  if (h.count === 0) return;
  const lastS = h.submitS[h.count - 1] ?? 0;
  let t = Math.max(h.submitS[0] ?? 0, lastS - config.historyDays * 86_400);
  let i = 0;
  while (i < h.count && (h.submitS[i] ?? 0) < t) i++;
  for (; t <= lastS; t += config.intervalS) {
    const from = i;
    while (i < h.count && (h.submitS[i] ?? 0) <= t) i++;
    model.observe(sliceArrivals(h, from, i));
    for (let p = 0; p < context.pools.length; p++) model.decide(p, t, []);
  }
}

function sliceArrivals(a: ArrivalColumns, from: number, to: number): ArrivalColumns {
  const pick = (c: ArrayLike<number>): number[] =>
    Array.from({ length: to - from }, (_, k) => c[from + k] ?? 0);
  return { count: to - from, submitS: pick(a.submitS), pool: pick(a.pool), nodes: pick(a.nodes) };
}
