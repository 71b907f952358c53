import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../../src/config/schema.js';
import { planCycle } from '../../../src/engine/cycle.js';
import { loadEngineSeams } from '../../../src/engine/seams.js';
import { poweredTargets } from '../../../src/plan/decide.js';
import type { Plan, PlanInput } from '../../../src/plan/plan.js';
import { planCapacity, type PlanOptions } from '../../../src/plan/planner.js';
import { predictivePolicy } from '../../../src/plan/policies/predictive.js';
import type { PolicyDecisions, ProvisioningPolicy } from '../../../src/plan/types.js';
import { simulate } from '../../../src/sim/simulator.js';
import { defaultSyntheticCluster, generateSynthetic } from '../../../src/sim/synthetic.js';
import { sliceWorkload } from '../../../src/sim/workload.js';
import { fakeDeps } from '../engine/fakes.js';

/**
 * "The simulator runs the engine's own planner": the predictive policy's warm capacity comes from
 * `planCapacity` and `poweredTargets` and nothing else (a plan is made again when its inputs change), and the engine's cycle, given the input the
 * simulator built, makes the very same plan.
 */

const DAY = 86_400;
const costs = { idleNodeHour: 1, waitingJobHour: 4 };

interface Call {
  input: PlanInput;
  options: PlanOptions;
  plan: Plan;
}

/** Two weeks of history, then two days simulated with a recording planner around `planCapacity`. */
function simulateRecorded(): { calls: Call[]; decided: PolicyDecisions[]; totals: Map<string, number> } {
  const cluster = defaultSyntheticCluster({ cpuNodes: 32, gpuNodes: 8 });
  const all = generateSynthetic(cluster, { days: 16, seed: 7 });
  const cutS = (all.submitS[0] ?? 0) + 14 * DAY;
  const calls: Call[] = [];
  const decided: PolicyDecisions[] = [];
  const inner = predictivePolicy(
    {
      pools: cluster.pools.map((p) => p.name),
      bootS: 300,
      idleS: 600,
      timeZone: cluster.timeZone,
      history: sliceWorkload(all, Number.NEGATIVE_INFINITY, cutS),
    },
    {
      costs,
      planner: (input, options) => {
        const plan = planCapacity(input, options);
        calls.push({ input: structuredClone(input), options, plan });
        return plan;
      },
    },
  );
  const policy: ProvisioningPolicy = {
    ...inner,
    decide: (o) => {
      const d = inner.decide(o);
      decided.push(d);
      return d;
    },
  };
  simulate(sliceWorkload(all, cutS, cutS + 2 * DAY), cluster, { policy, bootS: 300, idleS: 600 });
  return { calls, decided, totals: new Map(cluster.pools.map((p) => [p.name, p.nodeCount])) };
}

const recorded = simulateRecorded();
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('the simulator decides with the engine’s planner', () => {
  it('plans again whenever the demand or the free nodes change, and keeps warm what the latest plan keeps powered', () => {
    const { calls, decided, totals } = recorded;
    const byTime = new Map(calls.map((c) => [c.input.nowS, c] as const));
    // At most one plan per decision, and none while nothing changes (most quiet decisions).
    expect(byTime.size).toBe(calls.length);
    expect(calls.length).toBeGreaterThan(20);
    expect(calls.length).toBeLessThan(decided.length);
    let latest: Call | undefined;
    let warmed = 0;
    for (const d of decided) {
      const call = byTime.get(d.atS);
      if (call !== undefined) latest = call;
      const targets =
        latest === undefined ? new Map() : poweredTargets(latest.plan.actions, latest.input.nowS);
      for (const k of d.decisions.filter((x) => x.kind === 'keep-warm')) {
        const want = Math.min(targets.get(k.pool)?.count ?? 0, totals.get(k.pool) ?? 0);
        // A decision with no demand anywhere keeps nothing warm without asking the planner.
        if (call === undefined && k.nodes === 0) continue;
        expect(k.nodes).toBe(want);
        if (want > 0) {
          warmed += 1;
          expect(k.reason).toContain(targets.get(k.pool)?.id ?? '-');
        }
      }
    }
    // A run that never warmed a node would show nothing.
    expect(warmed).toBeGreaterThan(20);
  });

  it('uses the plan as planCapacity returns it: the same input planned again gives the same plan', () => {
    for (const call of recorded.calls.filter((_, i) => i % 97 === 0)) {
      expect(planCapacity(call.input, call.options)).toEqual(call.plan);
    }
  });

  it('gives the engine the same planner: the adjust cycle, fed the simulator’s input, makes the same plan', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slurmcast-seams-'));
    dirs.push(dir);
    const config = ConfigSchema.parse({ act: { stateDir: dir } });
    const seams = await loadEngineSeams(config);
    expect(seams.planCapacity).toBe(planCapacity);

    // A decision right at a refit, with something to keep powered: the engine's cut is the same then.
    const call = recorded.calls.find(
      (c) =>
        c.plan.actions.some((a) => a.kind === 'keep-powered') &&
        c.input.forecasts.every((f) => f.startS === Math.floor(c.input.nowS / f.stepS) * f.stepS),
    );
    if (call === undefined) throw new Error('no decision at a refit kept a node powered');
    const deps = fakeDeps({ startMs: call.input.nowS * 1000 });
    deps.inventory = () => Promise.resolve(structuredClone(call.input.inventory));
    deps.forecast = (request) => {
      const f = call.input.forecasts.find((x) => x.pool === request.pool);
      return Promise.resolve({
        model: f?.model ?? 'none',
        cutS: request.cutS,
        quantiles: f?.quantiles ?? {},
        accounts: [],
      });
    };
    deps.plan = (input) => seams.planCapacity(input);
    const stepS = call.input.forecasts[0]?.stepS ?? 900;
    const result = await planCycle(deps, {
      pools: call.input.forecasts.map((f) => ({ name: f.pool, series: 'demand_nodes' as const })),
      accounts: [],
      costs,
      params: { stepS, horizonS: call.input.horizonS },
    });
    expect(result.problems).toEqual([]);
    expect(result.plannerPlan).toEqual(call.plan);
  });
});
