import { isoMinute } from '../shared/time.js';
import { ParameterRangeError, resolveOptionalParam, resolvePlanParams } from '../config/params.js';
import { InvalidPlanInputError, PlanError } from './errors.js';
import {
  PlanInputSchema,
  type ForecastRef,
  type KeepPoweredAction,
  type NodeType,
  type Plan,
  type PlanAction,
  type PlanInput,
  type PoolForecast,
  type ReservationAction,
  type SetFeaturesAction,
} from './plan.js';
import { newsvendorQuantile } from './policies/quantile.js';
import {
  nodesToCover,
  solveSplit,
  yalpsSplitSolver,
  type SplitProblem,
  type SplitSolution,
  type SplitSolver,
} from './split.js';

/**
 * The capacity planner: forecast quantiles + inventory + costs → a Plan of keep-powered, reservation
 * and set-features actions. Pure: it reads nothing but its input (no clock, no files, no randomness),
 * so the simulator and `slurmcast adjust` get the same plan from the same input.
 */

/** Options of {@link planCapacity}; unset fields are resolved by {@link resolvePlanOptions}. */
export interface PlanOptions {
  /** Share of a pool's forecast demand from which an account gets a reservation; default 0.5. */
  readonly reservationShareThreshold?: number | undefined;
  /** Forecast quantile the capacity is sized at; default the newsvendor level of the costs. */
  readonly quantile?: number | undefined;
  /**
   * The exact MILP solver of the split; default YALPS. Pass `await loadHighsSplitSolver()` where the
   * types can be short for many pools at once (see docs/planning.md).
   */
  readonly solver?: SplitSolver | undefined;
}

export interface ResolvedPlanOptions {
  readonly reservationShareThreshold: number;
  readonly quantile: number;
  readonly solver: SplitSolver;
}

/** Demand units of each series the planner can size from, and how many one node of a type covers. */
const SERIES_UNITS: Readonly<Record<string, { label: string; perNode: (t: NodeType) => number }>> = {
  demand_gpu: { label: 'GPUs', perNode: (t) => t.gpuCount },
  demand_cpu: { label: 'CPUs', perNode: (t) => t.cpus },
  demand_mem_mib: { label: 'MiB', perNode: (t) => t.memMiB },
  demand_nodes: { label: 'nodes', perNode: () => 1 },
};

const LEVEL_EPSILON = 1e-9;

function rangeToInputError(error: unknown): never {
  if (error instanceof ParameterRangeError) {
    throw new InvalidPlanInputError(
      [{ path: error.parameter, message: `expected ${error.range}` }],
      error.hint,
      {
        cause: error,
      },
    );
  }
  throw error;
}

/**
 * Resolves the planner's options once: the reservation threshold from the parameter table, the sizing
 * quantile from the option or else from the two costs (newsvendor).
 * @throws {InvalidPlanInputError} for an option out of range, or costs that are both 0 with no quantile.
 */
export function resolvePlanOptions(
  costs: PlanInput['costs'],
  options: PlanOptions = {},
): ResolvedPlanOptions {
  try {
    const { reservationShareThreshold } = resolvePlanParams({
      reservationShareThreshold: options.reservationShareThreshold,
    });
    const solver = options.solver ?? yalpsSplitSolver;
    const given = resolveOptionalParam('quantile', options.quantile);
    if (given !== undefined) return { reservationShareThreshold, quantile: given, solver };
    if (!(costs.idleNodeHour + costs.waitingJobHour > 0)) {
      throw new InvalidPlanInputError(
        [
          {
            path: 'costs',
            message: 'idleNodeHour and waitingJobHour are both 0: no quantile follows from them',
          },
        ],
        'set config costs.idleNodeHour or costs.waitingJobHour above 0, or pass a quantile',
      );
    }
    return { reservationShareThreshold, quantile: newsvendorQuantile(costs), solver };
  } catch (error) {
    if (error instanceof PlanError) throw error;
    return rangeToInputError(error);
  }
}

function fmt(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The forecast at `level`, linear between the two nearest levels the forecast has. */
function valuesAtLevel(forecast: PoolForecast, level: number): number[] | string {
  const levels = Object.entries(forecast.quantiles)
    .map(([text, values]) => ({ level: Number(text), values }))
    .sort((a, b) => a.level - b.level);
  const exact = levels.find((l) => Math.abs(l.level - level) <= LEVEL_EPSILON);
  if (exact !== undefined) return exact.values;
  const upper = levels.findIndex((l) => l.level > level);
  const hi = levels[upper];
  const lo = levels[upper - 1];
  if (hi === undefined || lo === undefined) {
    return `has levels ${levels.map((l) => l.level).join(', ')}, none on both sides of the sizing quantile ${level}`;
  }
  const w = (level - lo.level) / (hi.level - lo.level);
  const n = Math.min(lo.values.length, hi.values.length);
  return Array.from(
    { length: n },
    (_, k) => (lo.values[k] ?? 0) + ((hi.values[k] ?? 0) - (lo.values[k] ?? 0)) * w,
  );
}

interface PoolState {
  readonly index: number;
  readonly forecast: PoolForecast;
  readonly values: readonly number[];
  readonly unitLabel: string;
  readonly candidates: readonly { type: NodeType; unitsPerNode: number }[];
}

/** Checks the input's shape and its cross-references; every problem at once. */
function validate(input: PlanInput, quantile: number): PoolState[] {
  const parsed = PlanInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new InvalidPlanInputError(
      parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
      'build the plan input from the forecast, the inventory and the config (docs/planning.md)',
      { cause: parsed.error },
    );
  }
  const issues: { path: string; message: string }[] = [];
  const typeNames = new Set<string>();
  input.inventory.nodeTypes.forEach((t, i) => {
    if (typeNames.has(t.name))
      issues.push({ path: `inventory.nodeTypes.${i}.name`, message: `"${t.name}" twice` });
    typeNames.add(t.name);
  });
  input.inventory.nodes.forEach((n, i) => {
    if (!typeNames.has(n.type)) {
      issues.push({
        path: `inventory.nodes.${i}.type`,
        message: `node ${n.name} has unknown type "${n.type}"`,
      });
    }
  });
  const accountNames = new Set<string>();
  input.accounts.forEach((a, i) => {
    if (accountNames.has(a.account))
      issues.push({ path: `accounts.${i}.account`, message: `"${a.account}" twice` });
    accountNames.add(a.account);
  });
  const poolNames = new Set<string>();
  const pools: PoolState[] = [];
  const substitutes = new Map<string, Set<string>>();
  for (const s of input.substitutes ?? []) {
    substitutes.set(s.gpuType, new Set([...(substitutes.get(s.gpuType) ?? []), ...s.canRunOn]));
  }
  input.forecasts.forEach((forecast, index) => {
    const path = `forecasts.${index}`;
    if (poolNames.has(forecast.pool))
      issues.push({ path: `${path}.pool`, message: `pool "${forecast.pool}" twice` });
    poolNames.add(forecast.pool);
    const units = SERIES_UNITS[forecast.series];
    if (units === undefined) {
      issues.push({
        path: `${path}.series`,
        message: `cannot size nodes from "${forecast.series}"; expected one of ${Object.keys(SERIES_UNITS).join(', ')}`,
      });
      return;
    }
    const badLevel = Object.keys(forecast.quantiles).find((l) => !(Number(l) > 0 && Number(l) < 1));
    if (badLevel !== undefined) {
      issues.push({ path: `${path}.quantiles`, message: `level "${badLevel}" is not a number in (0, 1)` });
      return;
    }
    const values = valuesAtLevel(forecast, quantile);
    if (typeof values === 'string') {
      issues.push({ path: `${path}.quantiles`, message: values });
      return;
    }
    const allowed = new Set([
      ...(forecast.key.gpuType === null ? [] : [forecast.key.gpuType]),
      ...(forecast.key.gpuType === null ? [] : (substitutes.get(forecast.key.gpuType) ?? [])),
    ]);
    const candidates = input.inventory.nodeTypes
      .filter(
        (t) =>
          t.partitions.includes(forecast.key.partition) &&
          (forecast.key.gpuType === null
            ? t.gpuType === null
            : t.gpuType !== null && allowed.has(t.gpuType)) &&
          forecast.key.features.every((f) => t.features.includes(f)),
      )
      .map((type) => ({ type, unitsPerNode: units.perNode(type) }))
      .filter((c) => c.unitsPerNode > 0)
      .sort((a, b) => (a.type.name < b.type.name ? -1 : 1));
    pools.push({ index, forecast, values, unitLabel: units.label, candidates });
  });
  if (issues.length > 0) {
    throw new InvalidPlanInputError(
      issues,
      'check the forecast levels (slurmcast forecast --levels), the inventory and config plan (docs/planning.md)',
    );
  }
  return pools;
}

/** One slice of the window in which no pool's forecast step changes. */
interface Interval {
  readonly startS: number;
  readonly endS: number;
}

/** The window [nowS, nowS + horizonS) cut at every step boundary of every forecast. */
function intervalsOf(pools: readonly PoolState[], nowS: number, endS: number): Interval[] {
  const cuts = new Set<number>([nowS, endS]);
  for (const p of pools) {
    for (let k = 0; k <= p.values.length; k += 1) {
      const t = p.forecast.startS + k * p.forecast.stepS;
      if (t > nowS && t < endS) cuts.add(t);
    }
  }
  const sorted = [...cuts].sort((a, b) => a - b);
  return sorted.slice(1).map((endAt, i) => ({ startS: sorted[i] ?? nowS, endS: endAt }));
}

/** The forecast step of `pool` covering `atS`, or null outside its forecast. */
function stepAt(pool: PoolState, atS: number): number | null {
  const k = Math.floor((atS - pool.forecast.startS) / pool.forecast.stepS);
  return k >= 0 && k < pool.values.length ? k : null;
}

/** Pools and types linked by candidacy: each component is split on its own. */
function components(pools: readonly PoolState[]): PoolState[][] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== undefined && parent.get(r) !== r) r = parent.get(r) ?? r;
    parent.set(x, r);
    return r;
  };
  const union = (a: string, b: string): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  };
  for (const p of pools) {
    parent.set(`p:${p.index}`, `p:${p.index}`);
    for (const c of p.candidates) {
      if (!parent.has(`t:${c.type.name}`)) parent.set(`t:${c.type.name}`, `t:${c.type.name}`);
      union(`p:${p.index}`, `t:${c.type.name}`);
    }
  }
  const groups = new Map<string, PoolState[]>();
  for (const p of pools) groups.set(find(`p:${p.index}`), [...(groups.get(find(`p:${p.index}`)) ?? []), p]);
  return [...groups.values()];
}

/** A note that a constraint was at its bound, gathered over the intervals where it was. */
class BindingLog {
  private readonly entries = new Map<string, { firstS: number; steps: number; detail: string }>();
  note(key: string, atS: number, detail: string): void {
    const e = this.entries.get(key);
    if (e === undefined) this.entries.set(key, { firstS: atS, steps: 1, detail });
    else e.steps += 1;
  }
  texts(): string[] {
    return [...this.entries.values()]
      .sort((a, b) => a.firstS - b.firstS || (a.detail < b.detail ? -1 : 1))
      .map((e) => `${e.detail} (${plural(e.steps, 'step')} from ${isoMinute(e.firstS)})`);
  }
}

interface Run {
  readonly from: number;
  readonly to: number;
  readonly count: number;
}

/** Consecutive intervals with the same positive count, as index ranges [from, to]. */
function runsOf(counts: readonly number[]): Run[] {
  const runs: Run[] = [];
  let start = -1;
  counts.forEach((c, i) => {
    const prev = i > 0 ? (counts[i - 1] ?? 0) : 0;
    if (c > 0 && (start < 0 || c !== prev)) {
      if (start >= 0) runs.push({ from: start, to: i - 1, count: prev });
      start = i;
    } else if (c <= 0 && start >= 0) {
      runs.push({ from: start, to: i - 1, count: prev });
      start = -1;
    }
  });
  if (start >= 0) runs.push({ from: start, to: counts.length - 1, count: counts[counts.length - 1] ?? 0 });
  return runs;
}

/** `fromS` on the forecast's step grid (whole multiples of the step since the epoch): the id's time. */
function idTime(fromS: number, stepS: number): string {
  return isoMinute(Math.floor(fromS / stepS) * stepS);
}

/**
 * Plans capacity over [nowS, nowS + horizonS]: each pool's demand sized at the quantile the costs
 * choose, split between the node types that can serve it by an exact MILP per step, turned into
 * keep-powered actions (power-up at least the boot time ahead), reservations for accounts with a large
 * share of a pool, and feature changes ahead of demand.
 *
 * @throws {InvalidPlanInputError} when the input does not match the schema or does not fit together
 * (unknown node types, a forecast without levels around the sizing quantile, a series it cannot size
 * nodes from); nothing is planned then.
 * @throws {PlanSolverError} if the solver finds no optimum (it always should).
 * @example
 * const plan = planCapacity({ nowS, horizonS: 86_400, forecasts, inventory, accounts, costs });
 * for (const a of plan.actions) console.log(a.id, a.reason);
 */
export function planCapacity(input: PlanInput, options: PlanOptions = {}): Plan {
  const resolved = resolvePlanOptions(input.costs, options);
  const q = resolved.quantile;
  const pools = validate(input, q);
  const endS = input.nowS + input.horizonS;
  const intervals = intervalsOf(pools, input.nowS, endS);
  const binding = new BindingLog();

  const available = new Map<string, number>();
  const poweredNow = new Map<string, number>();
  for (const n of input.inventory.nodes) {
    if (!n.usable) continue;
    available.set(n.type, (available.get(n.type) ?? 0) + 1);
    if (n.power === 'on' || n.power === 'powering-up')
      poweredNow.set(n.type, (poweredNow.get(n.type) ?? 0) + 1);
  }

  const needAt = (p: PoolState, iv: Interval): { need: number; step: number | null } => {
    const step = stepAt(p, iv.startS);
    return { need: step === null ? 0 : (p.values[step] ?? 0), step };
  };

  // nodes[pool index] → type → count per interval
  const counts = new Map<number, Map<string, number[]>>();
  const shortAt = new Map<number, number[]>();
  let objectiveValue = 0;
  let unprovenSteps = 0;
  for (const group of components(pools)) {
    const types = [
      ...new Map(group.flatMap((p) => p.candidates.map((c) => [c.type.name, c.type]))).values(),
    ].sort((a, b) => (a.name < b.name ? -1 : 1));
    // Within one call, equal steps get equal answers: a plan of flat hours solves each shape once.
    const memo = new Map<string, SplitSolution>();
    intervals.forEach((iv, g) => {
      const hours = (iv.endS - iv.startS) / 3_600;
      const needs = group.map((p) => needAt(p, iv).need);
      if (needs.every((n) => n <= 0)) return;
      const problem: SplitProblem = {
        pools: group.map((p, i) => ({
          pool: String(p.index),
          need: needs[i] ?? 0,
          candidates: p.candidates.map((c) => ({ type: c.type.name, unitsPerNode: c.unitsPerNode })),
        })),
        types: types.map((t) => ({
          type: t.name,
          available: available.get(t.name) ?? 0,
          pricePerNodeHour: t.pricePerNodeHour,
        })),
        hours,
        waitingUnitHour: input.costs.waitingJobHour,
      };
      const key = `${hours}|${needs.join(',')}`;
      const solution = memo.get(key) ?? solveSplit(problem, resolved.solver);
      memo.set(key, solution);
      objectiveValue += solution.objectiveValue;
      if (!solution.proven) unprovenSteps += 1;
      for (const n of solution.nodes) {
        const pi = Number(n.pool);
        const byType = counts.get(pi) ?? new Map<string, number[]>();
        const series = byType.get(n.type) ?? new Array<number>(intervals.length).fill(0);
        series[g] = n.count;
        byType.set(n.type, series);
        counts.set(pi, byType);
      }
      for (const s of solution.shortfall) {
        const pool = pools.find((p) => p.index === Number(s.pool));
        if (pool === undefined) continue;
        const series = shortAt.get(pool.index) ?? new Array<number>(intervals.length).fill(0);
        series[g] = s.units;
        shortAt.set(pool.index, series);
        binding.note(
          `short:${pool.forecast.pool}`,
          iv.startS,
          pool.candidates.length === 0
            ? `pool ${pool.forecast.pool}: no node type serves it (partition, GPU type, features)`
            : `pool ${pool.forecast.pool}: part of its q${q} demand left waiting (up to the usable nodes or cheaper to wait)`,
        );
      }
      for (const t of solution.exhaustedTypes) {
        binding.note(
          `avail:${t}`,
          iv.startS,
          `${t}: all ${plural(available.get(t) ?? 0, 'usable node')} in use`,
        );
      }
    });
  }

  const typeByName = new Map(input.inventory.nodeTypes.map((t) => [t.name, t]));
  const actions: PlanAction[] = [];
  const refOf = (p: PoolState, step: number): ForecastRef => ({
    pool: p.forecast.pool,
    series: p.forecast.series,
    model: p.forecast.model,
    quantile: q,
    horizonStep: step,
    issuedAtS: p.forecast.startS,
  });
  /** The interval of the run with the largest need: the one that set the count. */
  const peakOf = (p: PoolState, run: Run): { g: number; need: number; step: number } => {
    let best = { g: run.from, need: -1, step: 0 };
    for (let g = run.from; g <= run.to; g += 1) {
      const iv = intervals[g];
      if (iv === undefined) continue;
      const at = needAt(p, iv);
      if (at.need > best.need) best = { g, need: at.need, step: at.step ?? 0 };
    }
    return best;
  };

  for (const p of pools) {
    const byType = counts.get(p.index);
    if (byType === undefined) continue;
    const split = byType.size > 1;
    for (const [typeName, series] of [...byType.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const type = typeByName.get(typeName);
      const unitsPerNode = p.candidates.find((c) => c.type.name === typeName)?.unitsPerNode ?? 1;
      if (type === undefined) continue;
      for (const run of runsOf(series)) {
        const fromS = intervals[run.from]?.startS ?? input.nowS;
        const toS = intervals[run.to]?.endS ?? endS;
        const peak = peakOf(p, run);
        const peakAtS = intervals[peak.g]?.startS ?? fromS;
        const powered = poweredNow.get(typeName) ?? 0;
        const wantedUpS = fromS - type.bootS;
        const late = wantedUpS < input.nowS && powered < run.count;
        const powerUpAtS = Math.max(input.nowS, wantedUpS);
        const short = shortAt.get(p.index)?.[peak.g] ?? 0;
        const sized = split
          ? `${fmt(peak.need)} ${p.unitLabel}; the LP split puts ${plural(run.count, 'node')} of ${typeName} (${fmt(unitsPerNode)} ${p.unitLabel} each) on it`
          : `${fmt(peak.need)} ${p.unitLabel} = ${plural(run.count, 'node')} of ${typeName} (${fmt(unitsPerNode)} ${p.unitLabel} each)`;
        const reason = [
          `forecast q${q} of ${p.forecast.series} for ${p.forecast.pool} at ${isoMinute(peakAtS)} is ${sized}`,
          ...(short > 0 ? [`${fmt(short)} ${p.unitLabel} left waiting`] : []),
          `${powered} powered now`,
          `boot ${type.bootS} s`,
          late
            ? `late: the power-up was due at ${isoMinute(wantedUpS)}, so it starts now`
            : `power up at ${isoMinute(powerUpAtS)}`,
        ].join('; ');
        const base = { reason, forecast: refOf(p, peak.step), fromS, toS };
        const keep: KeepPoweredAction = {
          kind: 'keep-powered',
          id: `keep-powered:${typeName}:${p.forecast.pool}:${idTime(fromS, p.forecast.stepS)}`,
          ...base,
          nodeType: typeName,
          count: run.count,
          powerUpAtS,
        };
        actions.push(keep);
        const features = p.forecast.key.features;
        if (features.length > 0) {
          const have = input.inventory.nodes.filter(
            (n) => n.usable && n.type === typeName && features.every((f) => n.activeFeatures.includes(f)),
          ).length;
          if (have < run.count) {
            const set: SetFeaturesAction = {
              kind: 'set-features',
              id: `set-features:${typeName}:${p.forecast.pool}:${idTime(fromS, p.forecast.stepS)}`,
              ...base,
              reason: `${p.forecast.pool} asks for features ${features.join(',')}: ${run.count} node(s) of ${typeName} needed from ${isoMinute(fromS)}, ${have} have them active now (${typeName} can have them)`,
              nodeType: typeName,
              count: run.count,
              activeFeatures: [...features],
            };
            actions.push(set);
          }
        }
      }
    }
  }

  actions.push(...planReservations(input, pools, intervals, counts, resolved, binding, refOf));
  actions.sort(
    (a, b) => a.fromS - b.fromS || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0) || (a.id < b.id ? -1 : 1),
  );
  const solverName =
    resolved.solver === yalpsSplitSolver
      ? yalpsSplitSolver.name
      : `${yalpsSplitSolver.name} (each pool alone), ${resolved.solver.name} (pools coupled by short types)`;
  return {
    createdAtS: input.nowS,
    horizonEndS: endS,
    actions,
    explanation: {
      objective: `minimise Σ nodes × pricePerNodeHour × hours + Σ waiting demand × waitingJobHour (${fmt(input.costs.waitingJobHour)}) × hours, per pool and step, for each pool's demand at q${q} of its forecast from ${isoMinute(input.nowS)} to ${isoMinute(endS)}`,
      objectiveValue,
      binding: binding.texts(),
      solver:
        unprovenSteps === 0
          ? solverName
          : `${solverName} (${plural(unprovenSteps, 'step')} not proven optimal: the branch-and-bound bound was reached)`,
    },
  };
}

/**
 * Reservations of whole nodes for accounts with at least the threshold share of a pool's forecast
 * demand, per interval: an account gets ⌈share × the pool's planned nodes⌉, capped by its maxNodes
 * over all its reservations at once; accounts are served by priority (higher first, then by name), so
 * when nodes are short the higher priority keeps them.
 */
function planReservations(
  input: PlanInput,
  pools: readonly PoolState[],
  intervals: readonly Interval[],
  counts: ReadonlyMap<number, ReadonlyMap<string, readonly number[]>>,
  resolved: ResolvedPlanOptions,
  binding: BindingLog,
  refOf: (p: PoolState, step: number) => ForecastRef,
): ReservationAction[] {
  const policies = new Map(input.accounts.map((a) => [a.account, a]));
  const requests = pools
    .flatMap((p) =>
      p.forecast.accounts
        .filter((a) => a.share >= resolved.reservationShareThreshold && policies.has(a.account))
        .map((a) => ({ pool: p, account: a.account, share: a.share, policy: policies.get(a.account) })),
    )
    .sort(
      (a, b) =>
        (b.policy?.priority ?? 0) - (a.policy?.priority ?? 0) ||
        (a.account < b.account ? -1 : a.account > b.account ? 1 : 0) ||
        a.pool.index - b.pool.index,
    );
  // request index → type → reserved nodes per interval
  const reserved = requests.map(() => new Map<string, number[]>());
  intervals.forEach((iv, g) => {
    const capLeft = new Map(input.accounts.map((a) => [a.account, a.maxNodes]));
    const freeOf = new Map<string, number>();
    requests.forEach((r, ri) => {
      const byType = counts.get(r.pool.index);
      if (byType === undefined) return;
      const planned = [...byType.entries()]
        .map(([type, series]) => ({ type, count: series[g] ?? 0 }))
        .filter((e) => e.count > 0)
        .sort((a, b) => b.count - a.count || (a.type < b.type ? -1 : 1));
      const total = planned.reduce((s, e) => s + e.count, 0);
      if (total === 0) return;
      const wanted = Math.max(1, nodesToCover(r.share * total, 1));
      const cap = capLeft.get(r.account) ?? 0;
      let give = Math.min(wanted, cap);
      if (give < wanted) {
        binding.note(
          `cap:${r.account}`,
          iv.startS,
          `account ${r.account}: reservation cap of ${plural(r.policy?.maxNodes ?? 0, 'node')} reached`,
        );
      }
      let given = 0;
      for (const e of planned) {
        const key = `${r.pool.index}|${e.type}`;
        const free = freeOf.get(key) ?? e.count;
        const take = Math.min(free, give);
        if (take <= 0) continue;
        freeOf.set(key, free - take);
        give -= take;
        given += take;
        const series = reserved[ri]?.get(e.type) ?? new Array<number>(intervals.length).fill(0);
        series[g] = take;
        reserved[ri]?.set(e.type, series);
      }
      capLeft.set(r.account, cap - given);
      if (given < Math.min(wanted, cap)) {
        binding.note(
          `taken:${r.account}:${r.pool.forecast.pool}`,
          iv.startS,
          `account ${r.account}: nodes of ${r.pool.forecast.pool} taken by higher-priority accounts`,
        );
      }
    });
  });

  const out: ReservationAction[] = [];
  requests.forEach((r, ri) => {
    for (const [type, series] of [...(reserved[ri] ?? new Map<string, number[]>()).entries()].sort((a, b) =>
      a[0] < b[0] ? -1 : 1,
    )) {
      for (const run of runsOf(series)) {
        const fromS = intervals[run.from]?.startS ?? input.nowS;
        const toS = intervals[run.to]?.endS ?? fromS;
        const step = stepAt(r.pool, fromS) ?? 0;
        const policy = r.policy;
        out.push({
          kind: 'reservation',
          id: `reservation:${type}:${r.account}:${idTime(fromS, r.pool.forecast.stepS)}`,
          reason: `${r.account} has ${Math.round(r.share * 100)}% of the forecast demand of ${r.pool.forecast.pool} (threshold ${Math.round(resolved.reservationShareThreshold * 100)}%): ${plural(run.count, 'node')} of ${type} reserved for it from ${isoMinute(fromS)} to ${isoMinute(toS)}; cap ${plural(policy?.maxNodes ?? 0, 'node')}, priority ${policy?.priority ?? 0}`,
          forecast: refOf(r.pool, step),
          fromS,
          toS,
          key: `${type}.${r.account}`,
          nodeType: type,
          nodeCount: run.count,
          partition: r.pool.forecast.key.partition,
          accounts: [r.account],
          users: [],
          features: r.pool.forecast.key.features.length === 0 ? null : r.pool.forecast.key.features.join('&'),
        });
      }
    }
  });
  // Ids and keys are unique: a second window (or pool) of the same account and type is told apart.
  const seenIds = new Map<string, number>();
  const seenKeys = new Map<string, number>();
  return [...out]
    .sort((a, b) => a.fromS - b.fromS || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((a) => {
      const idN = (seenIds.get(a.id) ?? 0) + 1;
      const keyN = (seenKeys.get(a.key) ?? 0) + 1;
      seenIds.set(a.id, idN);
      seenKeys.set(a.key, keyN);
      return {
        ...a,
        id: idN === 1 ? a.id : `${a.id}:${a.forecast.pool}`,
        key: keyN === 1 ? a.key : `${a.key}.${keyN}`,
      };
    });
}
