import type { KeepPoweredAction, PlanAction, PoolForecast, PoolKey } from './plan.js';

/**
 * The two rules that stand between a forecast and the capacity kept powered, shared by `slurmcast
 * adjust` (engine and actuator) and the simulator's predictive policy, so that what the simulator
 * measures is what the engine does: a forecast becomes the planner's input one way, and a plan's keep-powered
 * actions become a powered count one way. Everything between them is `planCapacity`.
 */

/**
 * The planner's view of one pool's forecast, in the series' own unit (GPUs, CPUs, MiB or nodes: the
 * planner divides by what each node type holds, so that one pool can be split between types of
 * different sizes). Values are rounded to a millionth: a forecast of 2.0000001 GPUs is float noise,
 * not a third GPU's worth of a node.
 */
export function poolForecastOf(input: {
  pool: string;
  key: PoolKey;
  series: string;
  model: string;
  startS: number;
  stepS: number;
  quantiles: Readonly<Record<string, ArrayLike<number>>>;
  accounts: readonly { account: string; share: number }[];
}): PoolForecast {
  const clean = (v: number): number => (Number.isFinite(v) && v > 0 ? Math.round(v * 1e6) / 1e6 : 0);
  return {
    key: input.key,
    pool: input.pool,
    series: input.series,
    model: input.model,
    startS: input.startS,
    stepS: input.stepS,
    quantiles: Object.fromEntries(Object.entries(input.quantiles).map(([l, v]) => [l, Array.from(v, clean)])),
    accounts: input.accounts.map((a) => ({ ...a })),
  };
}

/**
 * The keep-powered level in force at `nowS` for each node type: of the actions whose power-up is due
 * (`powerUpAtS ≤ nowS`) and whose window has not ended, the one with the highest count. Several
 * actions on one type are levels over time, so the highest one due now is the target; one not yet due
 * waits for a later cycle.
 */
export function poweredTargets(actions: readonly PlanAction[], nowS: number): Map<string, KeepPoweredAction> {
  const target = new Map<string, KeepPoweredAction>();
  for (const a of actions) {
    if (a.kind !== 'keep-powered' || a.powerUpAtS > nowS || a.toS <= nowS) continue;
    const current = target.get(a.nodeType);
    if (current === undefined || a.count > current.count) target.set(a.nodeType, a);
  }
  return target;
}
