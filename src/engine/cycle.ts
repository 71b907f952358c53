import type { ApplyReport, PlanApplier } from '../act/types.js';
import { applyCalendar, maintenanceIntervals, type CalendarEvent } from '../plan/calendar-events.js';
import { BaseForecastLevels, resolveEngineParams, type ResolvedEngineParams } from '../config/params.js';
import { ForecastError } from '../forecast/errors.js';
import { poolForecastOf } from '../plan/decide.js';
import type { AccountPolicy, Inventory, Plan, PlanInput, PoolForecast } from '../plan/plan.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import {
  cacheVerdict,
  cutOf,
  fitHorizonSteps,
  nodeTypesServing,
  poolKeyOf,
  seriesOfPool,
  shiftedQuantiles,
  unitsPerNode,
  type EngineSeries,
} from './forecasts.js';
import {
  adjustPlan,
  recordApplied,
  recordMeasurements,
  type ReservationDecision,
  type ReservationUse,
} from './hysteresis.js';
import type { CycleOutcome, EngineState, EngineStateStore, ModelCache, ModelCacheEntry } from './state.js';
import { usableNodesOfType, validatePlan } from './validate.js';

/**
 * The adjust cycle: collect → forecast per pool (cached models, refitted on schedule) → plan →
 * hysteresis → validate against fresh inventory → apply (dry run unless told) → measure reservation
 * use → save the state. Every dependency is injected (`CycleDeps`), so the same code runs on the lab,
 * in tests with fakes, and on a virtual clock; `createCycleDeps` (factory.ts) wires the real ones.
 */

/** Runs `work` while holding the engine's one-run-at-a-time lock. @throws {EngineBusyError} */
export type CycleLock = <T>(work: () => Promise<T>) => Promise<T>;

/** What the forecast step asks for one pool. */
export interface PoolFitRequest {
  pool: string;
  series: EngineSeries;
  stepS: number;
  /** Nothing at or after it is used; the forecast starts here. */
  cutS: number;
  horizonSteps: number;
  levels: readonly number[];
  /** History intervals the fit must not learn from (the pool's past maintenance windows). */
  exclude?: readonly { fromS: number; toS: number }[];
}

/** The window of a cycle's forecast for one pool, for {@link CycleDeps.announced}. */
export interface AnnouncedRequest {
  pool: string;
  series: EngineSeries;
  cutS: number;
  stepS: number;
  steps: number;
}

/** A fitted pool forecast, in the series' own unit (GPUs, CPUs, nodes). */
export interface PoolFit {
  model: string;
  cutS: number;
  quantiles: Record<string, number[]>;
  /** Each account's share of the pool's demand (for reservations per account). */
  accounts: { account: string; share: number }[];
}

/** Everything the cycle touches. */
export interface CycleDeps {
  clock: Clock;
  logger: Logger;
  lock: CycleLock;
  state: EngineStateStore;
  models: ModelCache;
  /** Pulls new history, the queue and the nodes into the store (`collect`). */
  collect(): Promise<{ jobs: number }>;
  /** The cluster's inventory now, read fresh each call. */
  inventory(): Promise<Inventory>;
  /** Fits one pool's forecast (slow: the backtest selects a model). */
  forecast(request: PoolFitRequest): Promise<PoolFit>;
  /**
   * Demand the queue announces for the window (pending jobs eligible later: `--begin`), per step in
   * the series' unit, added on top of the forecast every cycle; absent: none.
   */
  announced?(request: AnnouncedRequest): Promise<number[]>;
  /** The planner (pure). */
  plan(input: PlanInput): Plan;
  apply: PlanApplier;
  /**
   * The use of every owned reservation, from what Slurm recorded: jobs running or waiting now, and
   * jobs that ran since `sinceS` (the previous cycle's start; null on the first cycle: now only).
   */
  measure(window: { sinceS: number | null; nowS: number }): Promise<ReservationUse[]>;
}

/** A pool the engine manages (config `engine.pools`). */
export interface EnginePool {
  name: string;
  series?: EngineSeries | undefined;
}

/** Options of one cycle. */
export interface CycleOptions {
  pools: readonly EnginePool[];
  accounts: readonly AccountPolicy[];
  costs: PlanInput['costs'];
  /** Default true: the plan is computed and reported, nothing is sent to Slurm. */
  dryRun?: boolean;
  /** The actuator's audit log; required when not a dry run. */
  auditLogPath?: string;
  /** Engine numbers (config `engine`); defaults from `Params`. */
  params?: Partial<ResolvedEngineParams>;
  /** Called as each step starts (progress). */
  onStep?: (step: CycleStep) => void;
  /** Scheduled maintenance and campaigns (config `plan.calendar`). */
  calendar?: readonly CalendarEvent[];
}

export const CycleSteps = ['collect', 'forecast', 'plan', 'validate', 'apply', 'measure'] as const;
export type CycleStep = (typeof CycleSteps)[number];

/** Where one pool's forecast came from this cycle. */
export interface PoolForecastSource {
  pool: string;
  model: string;
  source: 'cache' | 'fit';
  /** Why it was fitted (no cache, refit due …), or the age of the cached fit. */
  why: string;
}

/** What `slurmcast plan` shows: the plan and why. */
export interface PlanResult {
  nowS: number;
  /** The plan as it would be applied: planner, then hysteresis, then validation. */
  plan: Plan;
  /** The planner's own plan, before hysteresis and validation. */
  plannerPlan: Plan;
  forecasts: PoolForecastSource[];
  decisions: ReservationDecision[];
  /** Pools not forecast, actions dropped or cut, each in words. */
  problems: string[];
  /** What the calendar changed in the forecasts (maintenance, campaigns), each in words. */
  calendar: string[];
}

/** What `slurmcast adjust` shows. */
export interface CycleResult extends PlanResult {
  dryRun: boolean;
  report: ApplyReport;
  /** Each owned reservation's use as measured at the end of the cycle (what the next one decides by). */
  measured: ReservationUse[];
  outcome: Exclude<CycleOutcome, 'failed'>;
}

interface Resolved {
  params: ResolvedEngineParams;
  dryRun: boolean;
}

function resolveCycleOptions(options: CycleOptions): Resolved {
  return { params: resolveEngineParams(options.params ?? {}), dryRun: options.dryRun ?? true };
}

const nowSOf = (clock: Clock): number => Math.floor(clock.nowMs() / 1000);

/**
 * Computes the plan of this cycle without applying it: what `slurmcast plan` prints. Reads Slurm, the
 * store and the engine state; writes only the model cache.
 * @throws {ParameterRangeError} for engine numbers out of range.
 * @throws whatever collect, inventory or the planner throw (a pool that cannot be forecast is a problem in the result, not an error).
 * @example const { plan } = await planCycle(deps, { pools: [{ name: 'gpu/h100' }], accounts: [], costs });
 */
export async function planCycle(deps: CycleDeps, options: CycleOptions): Promise<PlanResult> {
  const o = resolveCycleOptions(options);
  const state = await deps.state.load();
  const { nodeTypes: _nodeTypes, ...planned } = await computePlan(
    deps,
    options,
    o,
    state,
    nowSOf(deps.clock),
  );
  return planned;
}

/** The plan, and the node → node type names of the inventory it was validated on (for the actuator). */
interface ComputedPlan extends PlanResult {
  nodeTypes: Record<string, string>;
}

async function computePlan(
  deps: CycleDeps,
  options: CycleOptions,
  o: Resolved,
  state: EngineState,
  nowS: number,
): Promise<ComputedPlan> {
  const step = (name: CycleStep): void => {
    deps.logger.info({ step: name }, `adjust: ${name}`);
    options.onStep?.(name);
  };
  step('collect');
  const collected = await deps.collect();
  deps.logger.info({ jobs: collected.jobs }, 'adjust: collected');
  const inventory = await deps.inventory();

  step('forecast');
  const problems: string[] = [];
  const forecasts: PoolForecast[] = [];
  const sources: PoolForecastSource[] = [];
  const events = options.calendar ?? [];
  for (const pool of options.pools) {
    const made = await poolForecast(deps, o.params, pool, inventory, nowS, events);
    if ('problem' in made) problems.push(made.problem);
    else {
      forecasts.push(made.forecast);
      sources.push(made.source);
    }
  }

  step('plan');
  const scheduled = applyCalendar(forecasts, events);
  const plannerPlan = deps.plan({
    nowS,
    horizonS: o.params.horizonS,
    forecasts: scheduled.forecasts,
    inventory,
    accounts: [...options.accounts],
    costs: options.costs,
  });
  const { plan: held, decisions } = adjustPlan(plannerPlan, state, {
    nowS,
    settings: o.params,
    nodesOfType: usableNodesOfType(inventory),
  });

  step('validate');
  const fresh = await deps.inventory();
  const validated = validatePlan(held, fresh);
  problems.push(...validated.problems);
  for (const problem of problems) deps.logger.warn({ problem }, 'adjust: plan problem');
  // The actuator must find the plan's node types by the inventory's names: a type named apart by its
  // memory, features or partitions (`cpu-64c-in-a+b`) is not the name it would give the node itself.
  const nodeTypes = Object.fromEntries(fresh.nodes.map((n) => [n.name, n.type]));
  return {
    nowS,
    plan: validated.plan,
    plannerPlan,
    forecasts: sources,
    decisions,
    problems,
    calendar: scheduled.notes.map((n) => n.text),
    nodeTypes,
  };
}

async function poolForecast(
  deps: CycleDeps,
  params: ResolvedEngineParams,
  pool: EnginePool,
  inventory: Inventory,
  nowS: number,
  events: readonly CalendarEvent[],
): Promise<{ forecast: PoolForecast; source: PoolForecastSource } | { problem: string }> {
  const key = poolKeyOf(pool.name);
  if (key === null)
    return { problem: `pool ${pool.name}: not a pool name as \`slurmcast series\` prints them` };
  const series = seriesOfPool(key, pool.series);
  const perNode = unitsPerNode(series, nodeTypesServing(key, inventory.nodeTypes));
  if (perNode === null)
    return { problem: `pool ${pool.name}: no node type serves it (${series}): not planned` };
  const { stepS, horizonS, refitEveryS } = params;
  const cutS = cutOf(nowS, stepS);
  let entry = await deps.models.get(pool.name);
  const verdict = cacheVerdict(entry, { nowS, series, stepS, refitEveryS, horizonS });
  let source: PoolForecastSource;
  if (verdict.use === 'fit' || entry === null) {
    let fit: PoolFit;
    try {
      fit = await deps.forecast({
        pool: pool.name,
        series,
        stepS,
        cutS,
        horizonSteps: fitHorizonSteps(params),
        levels: BaseForecastLevels,
        exclude: maintenanceIntervals(events, pool.name),
      });
    } catch (error) {
      // One pool without a usable history must not stop the others from being planned.
      if (error instanceof ForecastError) return { problem: `pool ${pool.name}: ${error.message}` };
      throw error;
    }
    const fitted: ModelCacheEntry = { pool: pool.name, series, stepS, fittedAtS: nowS, ...fit };
    await deps.models.put(fitted);
    entry = fitted;
    source = {
      pool: pool.name,
      model: fit.model,
      source: 'fit',
      why: verdict.use === 'fit' ? verdict.why : '',
    };
  } else {
    source = {
      pool: pool.name,
      model: entry.model,
      source: 'cache',
      why: `fitted ${nowS - entry.fittedAtS} s ago (refit every ${refitEveryS} s)`,
    };
  }
  const offsetSteps = Math.max(0, Math.floor((cutS - entry.cutS) / stepS));
  const startS = entry.cutS + offsetSteps * stepS;
  const steps = Math.ceil(horizonS / stepS);
  let quantiles = shiftedQuantiles(entry, offsetSteps, steps);
  // Read every cycle, not cached with the model: a job submitted with --begin since the fit counts now.
  const announced = (await deps.announced?.({ pool: pool.name, series, cutS: startS, stepS, steps })) ?? [];
  const peak = Math.max(0, ...announced);
  if (peak > 0) {
    quantiles = Object.fromEntries(
      Object.entries(quantiles).map(([level, values]) => [
        level,
        values.map((v, k) => v + (announced[k] ?? 0)),
      ]),
    );
    source = {
      ...source,
      why: `${source.why}; + up to ${Math.round(peak * 100) / 100} announced by pending jobs (--begin)`,
    };
  }
  return {
    source,
    forecast: poolForecastOf({
      pool: pool.name,
      key,
      series,
      model: entry.model,
      startS,
      stepS,
      quantiles,
      accounts: entry.accounts,
    }),
  };
}

/**
 * One adjust cycle, holding the engine lock: plan (as `planCycle`), apply (a dry run unless `dryRun:
 * false`), measure, and save the state. The state is saved once, whole, at the end; a cycle that fails
 * part-way saves what it completed (an apply Slurm accepted is never forgotten) and the failure.
 * @throws {EngineBusyError} when another cycle holds the lock (nothing done).
 * @throws {ParameterRangeError} for engine numbers out of range.
 * @throws the first error of a step (the state then records a failed cycle).
 * @example const result = await runCycle(deps, { pools, accounts: [], costs, dryRun: false, auditLogPath });
 */
export async function runCycle(deps: CycleDeps, options: CycleOptions): Promise<CycleResult> {
  const o = resolveCycleOptions(options);
  if (!o.dryRun && options.auditLogPath === undefined)
    throw new TypeError('runCycle: auditLogPath is required when dryRun is false');
  return deps.lock(async () => {
    const initial = await deps.state.load();
    const startedAtS = nowSOf(deps.clock);
    let state = initial;
    let actions = 0;
    let operations = 0;
    const summary = (outcome: CycleOutcome, error: string | null): EngineState['lastCycle'] => ({
      startedAtS,
      finishedAtS: nowSOf(deps.clock),
      dryRun: o.dryRun,
      outcome,
      actions,
      operations,
      error,
    });
    try {
      const { nodeTypes, ...planned } = await computePlan(deps, options, o, initial, startedAtS);
      actions = planned.plan.actions.length;
      options.onStep?.('apply');
      deps.logger.info({ step: 'apply', dryRun: o.dryRun, actions }, 'adjust: apply');
      const report = await deps.apply(planned.plan, {
        dryRun: o.dryRun,
        nodeTypes,
        ...(options.auditLogPath === undefined ? {} : { auditLogPath: options.auditLogPath }),
      });
      operations = report.operations.length;
      state = recordApplied(state, {
        plan: planned.plan,
        decisions: planned.decisions,
        report,
        nowS: startedAtS,
      });
      options.onStep?.('measure');
      deps.logger.info({ step: 'measure' }, 'adjust: measure');
      const uses = await deps.measure({
        sinceS: initial.lastCycle?.startedAtS ?? null,
        nowS: nowSOf(deps.clock),
      });
      state = recordMeasurements(state, uses, {
        nowS: nowSOf(deps.clock),
        settings: o.params,
        cycleStartS: startedAtS,
      });
      const outcome = report.partial ? 'partial' : 'ok';
      await deps.state.save({ ...state, lastCycle: summary(outcome, null) });
      deps.logger.info({ outcome, actions, operations }, 'adjust: done');
      return { ...planned, dryRun: o.dryRun, report, measured: uses, outcome };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      try {
        await deps.state.save({ ...state, lastCycle: summary('failed', message) });
      } catch (saveError) {
        deps.logger.error({ error: String(saveError) }, 'adjust: the failed cycle could not be recorded');
      }
      throw error;
    }
  });
}
