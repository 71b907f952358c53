import { describe, expect, it } from 'vitest';
import { ParameterRangeError } from '../../../src/config/params.js';
import {
  ArrivalLog,
  newsvendorJobNodes,
  newsvendorQuantile,
  noArrivals,
  predictivePolicy,
  seasonalWarmPoolPolicy,
  type ArrivalColumns,
  type Decision,
  type Observation,
  type PolicyDecisions,
  type PolicyContext,
  type PoolObservation,
  type ProvisioningPolicy,
} from '../../../src/plan/index.js';
import { alwaysOnPolicy, createPolicy, oraclePolicy, reactivePolicy } from '../../../src/sim/policies.js';
import { simulate } from '../../../src/sim/simulator.js';
import { defaultSyntheticCluster, generateSynthetic } from '../../../src/sim/synthetic.js';
import { sliceWorkload } from '../../../src/sim/workload.js';

const DAY = 86_400;
const T0 = 1_704_067_200; // Monday 2024-01-01 00:00 UTC

function arrivals(rows: readonly (readonly [number, number])[]): ArrivalColumns {
  return {
    count: rows.length,
    submitS: rows.map((r) => r[0]),
    pool: rows.map(() => 0),
    nodes: rows.map((r) => r[1]),
  };
}

function context(history: ArrivalColumns = noArrivals): PolicyContext {
  return { pools: ['p'], bootS: 300, idleS: 600, timeZone: 'UTC', history };
}

function observe(nowS: number, idleNodes = 0, batch: ArrivalColumns = noArrivals): Observation {
  return {
    nowS,
    pools: [
      {
        pool: 'p',
        totalNodes: 100,
        offNodes: 100 - idleNodes,
        bootingNodes: 0,
        idleNodes,
        busyNodes: 0,
        pendingJobs: 0,
        pendingNodes: 0,
        gpusPerNode: 0,
      },
    ],
    arrivals: batch,
  };
}

const warmOf = (plan: PolicyDecisions): number =>
  plan.decisions.find((d: Decision) => d.kind === 'keep-warm')?.nodes ?? 0;

describe('baseline policies', () => {
  it('always-on never powers down and decides nothing', () => {
    const p = alwaysOnPolicy();
    expect(p.powerSaving).toBe(false);
    expect(p.decide(observe(T0)).decisions).toEqual([]);
  });
  it('reactive leaves everything to the scheduler', () => {
    const p = reactivePolicy();
    expect(p.powerSaving).toBe(true);
    expect(p.intervalS).toBe(Number.POSITIVE_INFINITY);
  });
  it('rejects an unknown policy name', () => {
    expect(() => createPolicy('magic', context())).toThrow(RangeError);
  });
});

describe('newsvendor quantile', () => {
  it('balances the idle node-hour against the waiting job-hour', () => {
    expect(newsvendorQuantile({ idleNodeHour: 1, waitingJobHour: 4 })).toBeCloseTo(0.8, 12);
    expect(newsvendorQuantile({ idleNodeHour: 1, waitingJobHour: 1 })).toBeCloseTo(0.5, 12);
  });
});

describe('newsvendor job size', () => {
  it('warms only for jobs whose nodes cost less idle time than the wait they save', () => {
    // q / (1 − q) = waitingJobHour / idleNodeHour: 0.8 → 4, 0.5 → 1, 0.9 → 9, 0.95 → 19.
    expect(newsvendorJobNodes(0.8)).toBe(4);
    expect(newsvendorJobNodes(0.5)).toBe(1);
    expect(newsvendorJobNodes(0.9)).toBe(9);
    expect(newsvendorJobNodes(0.95)).toBe(19);
    expect(newsvendorJobNodes(0.1)).toBe(1);
  });
});

describe('arrival log', () => {
  it('leaves jobs above the size limit out of the boot-window burst', () => {
    const log = new ArrivalLog(1);
    log.add(
      arrivals([
        [T0 + 10, 3],
        [T0 + 100, 8],
        [T0 + 200, 2],
        [T0 + 1000, 1],
      ]),
    );
    const options = { startS: T0, stepS: 900, steps: 2, windowS: 300, beforeS: T0 + 1800 };
    expect(Array.from(log.burstSeries(0, options))).toEqual([13, 1]);
    expect(Array.from(log.burstSeries(0, { ...options, maxJobNodes: 4 }))).toEqual([5, 1]);
    // A step not over at `beforeS` is not seen.
    expect(Array.from(log.burstSeries(0, { ...options, beforeS: T0 + 900 }))).toEqual([13, 0]);
  });
});

describe('seasonal-warm-pool', () => {
  // The 10:00 hour of the last four Mondays had bursts of 2, 4, 6 and 8 nodes.
  const history = arrivals([2, 4, 6, 8].map((n, k) => [T0 + k * 7 * DAY + 10 * 3600 + 60, n] as const));
  const at = T0 + 28 * DAY + 10 * 3600 + 600; // the fifth Monday, 10:10

  it('keeps the smallest past burst at setting 0 and the largest at 1', () => {
    expect(warmOf(seasonalWarmPoolPolicy(context(history), { setting: 0 }).decide(observe(at)))).toBe(2);
    expect(warmOf(seasonalWarmPoolPolicy(context(history), { setting: 1 }).decide(observe(at)))).toBe(8);
    expect(warmOf(seasonalWarmPoolPolicy(context(history), { setting: 0.5 }).decide(observe(at)))).toBe(5);
  });

  it('keeps nothing in an hour that had no bursts', () => {
    expect(
      warmOf(seasonalWarmPoolPolicy(context(history), { setting: 1 }).decide(observe(at + 4 * 3600))),
    ).toBe(0);
  });

  it('counts the nodes asked for within one boot time as one burst', () => {
    const h = arrivals([
      [T0 + 10 * 3600, 3],
      [T0 + 10 * 3600 + 200, 4],
      [T0 + 10 * 3600 + 900, 5],
    ]);
    const plan = seasonalWarmPoolPolicy(context(h), { setting: 1 }).decide(
      observe(T0 + 7 * DAY + 10 * 3600 + 60),
    );
    expect(warmOf(plan)).toBe(7);
  });
});

describe('oracle', () => {
  it('keeps warm what arrives within a boot time and a decision interval, and powers the rest down', () => {
    const future = arrivals([
      [T0 + 100, 3],
      [T0 + 350, 2],
      [T0 + 1000, 9],
    ]);
    const plan = oraclePolicy(context(), { future }).decide(observe(T0, 10));
    expect(warmOf(plan)).toBe(5);
    expect(plan.decisions.find((d) => d.kind === 'power-down')?.nodes).toBe(5);
  });
});

describe('predictive', () => {
  // Every day at 09:00, a 10-node job arrives; nothing else.
  const history = arrivals(Array.from({ length: 14 }, (_, d) => [T0 + d * DAY + 9 * 3600, 10] as const));
  const make = (): ProvisioningPolicy =>
    predictivePolicy(context(history), {
      quantile: 0.9,
      maxJobNodes: 10,
    });

  it('warms the nodes one boot time before the daily burst and not at night', () => {
    const p = make();
    expect(warmOf(p.decide(observe(T0 + 14 * DAY + 3 * 3600)))).toBe(0);
    expect(warmOf(p.decide(observe(T0 + 14 * DAY + 9 * 3600 - 300)))).toBe(10);
  });

  it('does not warm for jobs larger than the newsvendor job size', () => {
    // Daily: a 10-node job at 09:00 and a 3-node job at 14:00. At q = 0.8 only jobs of ≤ 4 nodes pay off.
    const h = arrivals(
      Array.from({ length: 14 }, (_, d) => [
        [T0 + d * DAY + 9 * 3600, 10] as const,
        [T0 + d * DAY + 14 * 3600, 3] as const,
      ]).flat(),
    );
    const p = predictivePolicy(context(h), { quantile: 0.8 });
    expect(warmOf(p.decide(observe(T0 + 14 * DAY + 9 * 3600 - 300)))).toBe(0);
    expect(warmOf(p.decide(observe(T0 + 14 * DAY + 14 * 3600 - 300)))).toBe(3);
    // An explicit size limit overrides the cost rule.
    const wide = predictivePolicy(context(h), {
      quantile: 0.8,
      maxJobNodes: 16,
    });
    expect(warmOf(wide.decide(observe(T0 + 14 * DAY + 9 * 3600 - 300)))).toBe(10);
  });

  it('keeps idle nodes when a job is queued even above the warm capacity', () => {
    const o = observe(T0 + 14 * DAY + 3 * 3600, 6);
    const queued: Observation = { ...o, pools: [{ ...(o.pools[0] as PoolObservation), pendingJobs: 1 }] };
    const plan = make().decide(queued);
    expect(plan.decisions.some((d) => d.kind === 'power-down')).toBe(false);
  });

  it('powers idle nodes above the warm capacity down when nothing is queued', () => {
    const plan = make().decide(observe(T0 + 14 * DAY + 3 * 3600, 6));
    expect(plan.decisions.find((d) => d.kind === 'power-down')?.nodes).toBe(6);
  });

  it('rejects a quantile outside (0, 1) with the range', () => {
    expect(() => predictivePolicy(context(), { quantile: 1 })).toThrow(ParameterRangeError);
    expect(() => predictivePolicy(context(), { quantile: 0 })).toThrow('(0, 1)');
  });

  it('uses no data from after the decision: the same past gives the same decisions whatever the future', () => {
    const cluster = defaultSyntheticCluster({ cpuNodes: 64, gpuNodes: 8 });
    const full = generateSynthetic(cluster, { days: 8, seed: 3 });
    const cutS = (full.submitS[0] as number) + 7 * DAY;
    // Same first seven days; in the other world the last day are a different, busier workload.
    const other = generateSynthetic(cluster, { days: 8, seed: 4, load: 0.9 });
    const tail = sliceWorkload(other, cutS, Number.POSITIVE_INFINITY);
    const head = sliceWorkload(full, Number.NEGATIVE_INFINITY, cutS);
    const cat = (a: Float64Array | Int32Array, b: Float64Array | Int32Array): Float64Array =>
      Float64Array.from([...a, ...b]);
    const world2 = {
      count: head.count + tail.count,
      submitS: cat(head.submitS, tail.submitS),
      runS: cat(head.runS, tail.runS),
      limitS: cat(head.limitS, tail.limitS),
      recordedWaitS: cat(head.recordedWaitS, tail.recordedWaitS),
      nodes: Int32Array.from([...head.nodes, ...tail.nodes]),
      pool: Int32Array.from([...head.pool, ...tail.pool]),
      reservation: Int32Array.from([...head.reservation, ...tail.reservation]),
      rejected: 0,
    };
    const record = (w: typeof full): PolicyDecisions[] => {
      const plans: PolicyDecisions[] = [];
      const inner = predictivePolicy(
        {
          pools: cluster.pools.map((p) => p.name),
          bootS: 300,
          idleS: 600,
          timeZone: 'UTC',
          history: noArrivals,
        },
        { quantile: 0.9 },
      );
      const spy: ProvisioningPolicy = {
        ...inner,
        decide: (o) => {
          const p = inner.decide(o);
          if (o.nowS < cutS) plans.push(p);
          return p;
        },
      };
      simulate(w, cluster, { policy: spy });
      return plans;
    };
    // Decisions depend on the cluster state too, which the future cannot change before cutS either.
    const a = record(full);
    const b = record(world2);
    expect(a.length).toBeGreaterThan(1000);
    expect(b).toEqual(a);
  });
});
