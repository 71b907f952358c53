import type { Highs } from 'highs';
import { solve, type Model } from 'yalps';
import { PlanSolverError } from './errors.js';

/**
 * The exact split of the nodes a set of pools needs between the node types that can serve them, for
 * one forecast step: a small mixed-integer program solved by YALPS (branch and bound over the simplex,
 * tolerance 0, so the integer optimum and not a near one).
 *
 *   minimise   Σ_{p,t} x[p,t] × price[t] × hours  +  Σ_p short[p] × waitingUnitHour × hours
 *   subject to Σ_t x[p,t] × unitsPerNode[p,t] + short[p] ≥ need[p]      (cover, per pool)
 *              Σ_p x[p,t] ≤ available[t]                                (usable nodes, per type)
 *              x[p,t] ≤ ⌈need[p] / unitsPerNode[p,t]⌉, x integer ≥ 0, short ≥ 0
 *
 * The last bound cuts no optimum (a node past it covers nothing) and keeps the search small.
 */

/** The default solver, named in each plan's explanation. */
export const SPLIT_SOLVER = { name: 'yalps', version: '0.6.4' } as const;
/** The HiGHS build {@link loadHighsSplitSolver} loads. */
export const HIGHS_SOLVER = { name: 'highs', version: '1.15.3' } as const;

export interface SplitCandidate {
  readonly type: string;
  /** Demand units one node of this type covers for the pool (GPUs, CPUs, MiB or 1 node). */
  readonly unitsPerNode: number;
}

export interface SplitPool {
  readonly pool: string;
  /** Demand to cover, in the pool's units (the sizing quantile of its forecast). */
  readonly need: number;
  readonly candidates: readonly SplitCandidate[];
}

export interface SplitType {
  readonly type: string;
  /** Usable nodes of the type. */
  readonly available: number;
  readonly pricePerNodeHour: number;
}

export interface SplitProblem {
  readonly pools: readonly SplitPool[];
  readonly types: readonly SplitType[];
  /** Length of the step inside the planning window, h. */
  readonly hours: number;
  /** Cost of one demand unit waiting for one hour. */
  readonly waitingUnitHour: number;
}

export interface SplitSolution {
  /** Nodes per pool and type; pairs with 0 nodes are left out. */
  readonly nodes: readonly { pool: string; type: string; count: number }[];
  /** Demand left uncovered per pool, in the pool's units; only pools short of their need. */
  readonly shortfall: readonly { pool: string; units: number }[];
  readonly objectiveValue: number;
  /** Types whose usable nodes are all in use. */
  readonly exhaustedTypes: readonly string[];
  /** False when the search stopped at its iteration bound: the best split found, not proven optimal. */
  readonly proven: boolean;
}

const NEED_EPSILON = 1e-9;

/** Whole nodes of `unitsPerNode` that cover `need`, without a float's 3.0000000001 becoming 4. */
export function nodesToCover(need: number, unitsPerNode: number): number {
  return need <= NEED_EPSILON || unitsPerNode <= 0 ? 0 : Math.ceil(need / unitsPerNode - NEED_EPSILON);
}

const xName = (p: number, t: number): string => `x${p}_${t}`;
const shortName = (p: number): string => `s${p}`;

/**
 * Branch-and-bound nodes the coupled model may take. YALPS explores best-first, so a large model whose
 * types are all short can need many; past this the best split found is used and marked unproven.
 */
const MAX_BRANCH_ITERATIONS = 200_000;

/**
 * Solves one step's split exactly. Each pool is first solved on its own (a handful of integer
 * variables); when those optima together fit every type's usable nodes they are the optimum of the
 * whole model (dropping the shared constraints can only lower the cost, and they hold), which is the
 * common case of a cluster that is not short. Otherwise `solver` solves the coupled model.
 * @throws {PlanSolverError} when the solver finds no integer split at all (it cannot be infeasible:
 * the shortfall absorbs any need).
 */
export function solveSplit(problem: SplitProblem, solver: SplitSolver = yalpsSplitSolver): SplitSolution {
  if (problem.pools.length > 1) {
    // A pool alone has a handful of integer variables: YALPS solves it exactly in microseconds,
    // where a fresh HiGHS instance per call costs milliseconds.
    const alone = problem.pools.map((pool) => yalpsSplitSolver.solveModel({ ...problem, pools: [pool] }));
    const used = new Map<string, number>();
    for (const s of alone) for (const n of s.nodes) used.set(n.type, (used.get(n.type) ?? 0) + n.count);
    if (problem.types.every((t) => (used.get(t.type) ?? 0) <= t.available)) {
      return {
        nodes: alone.flatMap((s) => s.nodes),
        shortfall: alone.flatMap((s) => s.shortfall),
        objectiveValue: alone.reduce((sum, s) => sum + s.objectiveValue, 0),
        exhaustedTypes: problem.types
          .filter((t) => t.available > 0 && (used.get(t.type) ?? 0) >= t.available)
          .map((t) => t.type),
        proven: alone.every((s) => s.proven),
      };
    }
  }
  return solver.solveModel(problem);
}

/**
 * An exact MILP solver for one split model. Synchronous, so that the planner stays a plain function;
 * a solver that must be loaded first (HiGHS' WebAssembly) is loaded at the edge and passed in.
 */
export interface SplitSolver {
  /** Name and version, e.g. `highs 1.15.3`, as the plan's explanation shows it. */
  readonly name: string;
  solveModel(problem: SplitProblem): SplitSolution;
}

/** YALPS (pure JavaScript, synchronous): the default; exact, but its best-first search is slow on large coupled models. */
export const yalpsSplitSolver: SplitSolver = {
  name: `${SPLIT_SOLVER.name} ${SPLIT_SOLVER.version}`,
  solveModel: solveWithYalps,
};

function solveWithYalps(problem: SplitProblem): SplitSolution {
  const typeIndex = new Map(problem.types.map((t, i) => [t.type, i]));
  const constraints = new Map<string, { min?: number; max?: number }>();
  const variables = new Map<string, Map<string, number>>();
  const integers: string[] = [];
  problem.types.forEach((t, ti) => constraints.set(`avail${ti}`, { max: t.available }));
  problem.pools.forEach((pool, pi) => {
    constraints.set(`cover${pi}`, { min: pool.need });
    variables.set(
      shortName(pi),
      new Map([
        ['cost', problem.waitingUnitHour * problem.hours],
        [`cover${pi}`, 1],
      ]),
    );
    for (const c of pool.candidates) {
      const ti = typeIndex.get(c.type);
      const type = ti === undefined ? undefined : problem.types[ti];
      if (ti === undefined || type === undefined || c.unitsPerNode <= 0) continue;
      const name = xName(pi, ti);
      constraints.set(`ub_${name}`, { max: nodesToCover(pool.need, c.unitsPerNode) });
      variables.set(
        name,
        new Map([
          ['cost', type.pricePerNodeHour * problem.hours],
          [`cover${pi}`, c.unitsPerNode],
          [`avail${ti}`, 1],
          [`ub_${name}`, 1],
        ]),
      );
      integers.push(name);
    }
  });
  const model: Model<string, string> = {
    direction: 'minimize',
    objective: 'cost',
    constraints,
    variables,
    integers,
  };
  const solution = solve(model, { tolerance: 0, maxIterations: MAX_BRANCH_ITERATIONS });
  const usable =
    solution.status === 'optimal' || (solution.status === 'timedout' && solution.variables.length > 0);
  if (!usable) {
    throw new PlanSolverError(
      solution.status,
      `a split of ${problem.pools.length} pool(s)`,
      solution.status === 'timedout'
        ? 'the node types are short for many pools at once: plan with the HiGHS solver (planCapacity(input, { solver: await loadHighsSplitSolver() }))'
        : undefined,
    );
  }
  const values = new Map(solution.variables);
  return assemble(problem, (name) => values.get(name) ?? 0, solution.status === 'optimal');
}

/** The split from the solver's variable values, counts rounded to whole nodes and the shortfall recomputed from them. */
function assemble(problem: SplitProblem, valueOf: (name: string) => number, proven: boolean): SplitSolution {
  const typeIndex = new Map(problem.types.map((t, i) => [t.type, i]));
  const nodes: { pool: string; type: string; count: number }[] = [];
  const used = new Array<number>(problem.types.length).fill(0);
  const shortfall: { pool: string; units: number }[] = [];
  problem.pools.forEach((pool, pi) => {
    let covered = 0;
    for (const c of pool.candidates) {
      const ti = typeIndex.get(c.type);
      if (ti === undefined) continue;
      const count = Math.round(valueOf(xName(pi, ti)));
      if (count <= 0) continue;
      nodes.push({ pool: pool.pool, type: c.type, count });
      used[ti] = (used[ti] ?? 0) + count;
      covered += count * c.unitsPerNode;
    }
    // Recomputed from the integer counts rather than read from the solver, whose value carries float noise.
    const short = pool.need - covered;
    if (short > NEED_EPSILON) shortfall.push({ pool: pool.pool, units: short });
  });
  const exhaustedTypes = problem.types
    .filter((t, ti) => t.available > 0 && (used[ti] ?? 0) >= t.available)
    .map((t) => t.type);
  const objectiveValue =
    nodes.reduce(
      (sum, n) => sum + n.count * (problem.types[typeIndex.get(n.type) ?? -1]?.pricePerNodeHour ?? 0),
      0,
    ) *
      problem.hours +
    shortfall.reduce((sum, s) => sum + s.units, 0) * problem.waitingUnitHour * problem.hours;
  return { nodes, shortfall, objectiveValue, exhaustedTypes, proven };
}

/** A number as CPLEX LP text accepts it (never `NaN` or `Infinity`: the inputs are checked finite). */
const lpNumber = (n: number): string => (Number.isInteger(n) ? String(n) : n.toPrecision(15));

/** The split model in CPLEX LP format, the text HiGHS reads. */
function lpText(problem: SplitProblem): string {
  const typeIndex = new Map(problem.types.map((t, i) => [t.type, i]));
  const objective: string[] = [];
  const rows: string[] = [];
  const bounds: string[] = [];
  const integers: string[] = [];
  const byType = problem.types.map((): string[] => []);
  problem.pools.forEach((pool, pi) => {
    const cover = [`${shortName(pi)}`];
    objective.push(`${lpNumber(problem.waitingUnitHour * problem.hours)} ${shortName(pi)}`);
    for (const c of pool.candidates) {
      const ti = typeIndex.get(c.type);
      const type = ti === undefined ? undefined : problem.types[ti];
      if (ti === undefined || type === undefined || c.unitsPerNode <= 0) continue;
      const name = xName(pi, ti);
      objective.push(`${lpNumber(type.pricePerNodeHour * problem.hours)} ${name}`);
      cover.push(`${lpNumber(c.unitsPerNode)} ${name}`);
      byType[ti]?.push(name);
      bounds.push(`0 <= ${name} <= ${nodesToCover(pool.need, c.unitsPerNode)}`);
      integers.push(name);
    }
    rows.push(`cover${pi}: ${cover.join(' + ')} >= ${lpNumber(pool.need)}`);
  });
  byType.forEach((names, ti) => {
    if (names.length > 0)
      rows.push(`avail${ti}: ${names.join(' + ')} <= ${problem.types[ti]?.available ?? 0}`);
  });
  return [
    'Minimize',
    ` obj: ${objective.join(' + ')}`,
    'Subject To',
    ...rows.map((r) => ` ${r}`),
    'Bounds',
    ...bounds.map((b) => ` ${b}`),
    ...(integers.length > 0 ? ['General', ` ${integers.join(' ')}`] : []),
    'End',
  ].join('\n');
}

/**
 * HiGHS (the University of Edinburgh's MILP solver, as WebAssembly) behind the split: branch and cut
 * with presolve, for models where every type is short and YALPS' search would take too long. Gaps are
 * set to 0, so its answer is the proven optimum. Loading compiles the WebAssembly once (about 0.3 s);
 * do it at the edge (the engine, the simulator) and pass the solver to `planCapacity`.
 * @throws {PlanSolverError} from `solveModel` when HiGHS reports anything but an optimum.
 * @example const solver = await loadHighsSplitSolver(); planCapacity(input, { solver });
 */
export async function loadHighsSplitSolver(): Promise<SplitSolver> {
  // The package is CommonJS to TypeScript but ships an ES module whose default export is the loader.
  const loaded: unknown = (await import('highs')).default;
  if (typeof loaded !== 'function') throw new PlanSolverError('not loaded', 'the highs package');
  const highs = await (loaded as () => Promise<Highs>)();
  return {
    name: `${HIGHS_SOLVER.name} ${HIGHS_SOLVER.version}`,
    solveModel(problem) {
      const solution = highs.solve(lpText(problem), {
        output_flag: false,
        mip_rel_gap: 0,
        mip_abs_gap: 0,
      });
      if (solution.Status !== 'Optimal') {
        throw new PlanSolverError(solution.Status, `a split of ${problem.pools.length} pool(s)`);
      }
      const columns = solution.Columns as Record<string, { Primal?: number } | undefined>;
      return assemble(problem, (name) => columns[name]?.Primal ?? 0, true);
    },
  };
}
