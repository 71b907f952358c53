import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  HIGHS_SOLVER,
  loadHighsSplitSolver,
  solveSplit,
  SPLIT_SOLVER,
  yalpsSplitSolver,
  type SplitProblem,
  type SplitSolver,
} from '../../../src/plan/split.js';

/** The optimum by trying every integer assignment within the types' usable nodes. */
function bruteForceOptimum(problem: SplitProblem): number {
  const pairs = problem.pools.flatMap((pool, pi) =>
    pool.candidates.map((c) => ({ pi, type: c.type, unitsPerNode: c.unitsPerNode })),
  );
  const available = new Map(problem.types.map((t) => [t.type, t.available]));
  const price = new Map(problem.types.map((t) => [t.type, t.pricePerNodeHour]));
  let best = Infinity;
  const counts = new Array<number>(pairs.length).fill(0);
  const visit = (i: number): void => {
    if (i === pairs.length) {
      let cost = 0;
      const covered = new Array<number>(problem.pools.length).fill(0);
      pairs.forEach((p, j) => {
        const n = counts[j] ?? 0;
        cost += n * (price.get(p.type) ?? 0) * problem.hours;
        covered[p.pi] = (covered[p.pi] ?? 0) + n * p.unitsPerNode;
      });
      problem.pools.forEach((pool, pi) => {
        cost += Math.max(0, pool.need - (covered[pi] ?? 0)) * problem.waitingUnitHour * problem.hours;
      });
      best = Math.min(best, cost);
      return;
    }
    const pair = pairs[i];
    if (pair === undefined) return;
    const used = pairs.reduce((s, p, j) => (j < i && p.type === pair.type ? s + (counts[j] ?? 0) : s), 0);
    for (let n = 0; n <= (available.get(pair.type) ?? 0) - used; n += 1) {
      counts[i] = n;
      visit(i + 1);
    }
    counts[i] = 0;
  };
  visit(0);
  return best;
}

const typeNames = ['t0', 't1', 't2'] as const;
const problemArb: fc.Arbitrary<SplitProblem> = fc
  .record({
    types: fc.tuple(
      ...typeNames.map((type) =>
        fc.record({
          type: fc.constant(type),
          available: fc.integer({ min: 0, max: 3 }),
          pricePerNodeHour: fc.integer({ min: 0, max: 8 }),
        }),
      ),
    ),
    pools: fc.array(
      fc.record({
        need: fc.double({ min: 0, max: 12, noNaN: true }),
        candidates: fc.subarray(
          typeNames.map((type, i) => ({ type, unitsPerNode: [1, 2, 4][i] ?? 1 })),
          { minLength: 1 },
        ),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    hours: fc.constantFrom(0.25, 1),
    waitingUnitHour: fc.integer({ min: 0, max: 6 }),
  })
  .map((p) => ({ ...p, pools: p.pools.map((pool, i) => ({ pool: `p${i}`, ...pool })) }));

let highs: SplitSolver;
beforeAll(async () => {
  highs = await loadHighsSplitSolver();
});

describe.each([
  ['yalps', (): SplitSolver => yalpsSplitSolver],
  ['highs', (): SplitSolver => highs],
])('solveSplit with %s', (_name, solver) => {
  it('finds the same optimum as a brute-force enumeration on small cases', () => {
    fc.assert(
      fc.property(problemArb, (problem) => {
        const solution = solveSplit(problem, solver());
        expect(solution.proven).toBe(true);
        expect(solution.objectiveValue).toBeCloseTo(bruteForceOptimum(problem), 6);
        for (const t of problem.types) {
          const used = solution.nodes.filter((n) => n.type === t.type).reduce((s, n) => s + n.count, 0);
          expect(used).toBeLessThanOrEqual(t.available);
        }
      }),
      { numRuns: 300, seed: 9 },
    );
  });

  it('solves the coupled model as well as the pools alone when the types are short', () => {
    // Two pools that both want the one cheap node: alone each takes it, together only one may.
    const problem: SplitProblem = {
      pools: [
        {
          pool: 'a',
          need: 4,
          candidates: [
            { type: 'big', unitsPerNode: 4 },
            { type: 'small', unitsPerNode: 1 },
          ],
        },
        {
          pool: 'b',
          need: 4,
          candidates: [
            { type: 'big', unitsPerNode: 4 },
            { type: 'small', unitsPerNode: 1 },
          ],
        },
      ],
      types: [
        { type: 'big', available: 1, pricePerNodeHour: 1 },
        { type: 'small', available: 8, pricePerNodeHour: 1 },
      ],
      hours: 1,
      waitingUnitHour: 10,
    };
    const solution = solveSplit(problem, solver());
    expect(solution.objectiveValue).toBe(bruteForceOptimum(problem));
    expect(solution.objectiveValue).toBe(5);
    expect(solution.exhaustedTypes).toEqual(['big']);
  });

  it('puts the cheaper type first and names the type it used up', () => {
    const solution = solveSplit(
      {
        pools: [
          {
            pool: 'a100',
            need: 10,
            candidates: [
              { type: 'a100x4', unitsPerNode: 4 },
              { type: 'h100x2', unitsPerNode: 2 },
            ],
          },
        ],
        types: [
          { type: 'a100x4', available: 1, pricePerNodeHour: 2 },
          { type: 'h100x2', available: 4, pricePerNodeHour: 3 },
        ],
        hours: 1,
        waitingUnitHour: 10,
      },
      solver(),
    );
    expect(solution.nodes).toEqual([
      { pool: 'a100', type: 'a100x4', count: 1 },
      { pool: 'a100', type: 'h100x2', count: 3 },
    ]);
    expect(solution.shortfall).toEqual([]);
    expect(solution.exhaustedTypes).toEqual(['a100x4']);
    expect(solution.objectiveValue).toBe(11);
  });
});

describe('the solvers', () => {
  it('name the versions that are installed', () => {
    const version = (pkg: string): string =>
      (
        JSON.parse(
          readFileSync(
            fileURLToPath(new URL(`../../../node_modules/${pkg}/package.json`, import.meta.url)),
            'utf8',
          ),
        ) as { version: string }
      ).version;
    expect(SPLIT_SOLVER).toEqual({ name: 'yalps', version: version('yalps') });
    expect(HIGHS_SOLVER).toEqual({ name: 'highs', version: version('highs') });
    expect(highs.name).toBe(`highs ${version('highs')}`);
  });
});
