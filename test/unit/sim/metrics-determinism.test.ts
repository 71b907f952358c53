import { describe, expect, it } from 'vitest';
import { reactivePolicy } from '../../../src/sim/policies.js';
import { computeMetrics, oracleShare } from '../../../src/sim/metrics.js';
import { simulate } from '../../../src/sim/simulator.js';
import { defaultSyntheticCluster, generateSynthetic } from '../../../src/sim/synthetic.js';
import { jobs } from './helpers.js';

describe('metrics', () => {
  it('computes waits, boot wait, bounded slowdown and utilisation on a hand-checked case', () => {
    // Job 1: submit 0, start 0, run 5. Job 2: submit 0, allocated 40, start 100 (60 s of boot), run 100.
    const w = jobs([
      [0, 1, 5, 5],
      [0, 2, 100, 100],
    ]);
    const m = computeMetrics({
      workload: w,
      allocS: Float64Array.from([0, 40]),
      startS: Float64Array.from([0, 100]),
      rejected: 0,
      spanS: 200,
      capacityNodes: 2,
      idleNodeS: 7200,
      poweredNodeS: 0,
      heldGpuS: 3600,
      boots: 2,
    });
    expect(m.meanWaitS).toBe(50);
    // The project's one percentile (type 7, src/shared/quantile.ts): 0 + 0.95 · (100 − 0) between the two waits.
    expect(m.p95WaitS).toBe(95);
    expect(m.bootWaitS).toBe(30);
    // max(1, 5/10) = 1 and (100 + 100)/100 = 2.
    expect(m.boundedSlowdown).toBe(1.5);
    expect(m.utilization).toBeCloseTo((5 + 200) / 400, 12);
    expect(m.poweredIdleNodeH).toBe(2);
    expect(m.reservedIdleGpuH).toBe(1);
  });

  it('gives the oracle share of the wait removed', () => {
    expect(oracleShare({ reactive: 100, policy: 70, oracle: 40 })).toBeCloseTo(0.5, 12);
    expect(oracleShare({ reactive: 100, policy: 70, oracle: 100 })).toBeNaN();
  });
});

describe('determinism', () => {
  it('generates and simulates the same run for the same seed, and another for another seed', () => {
    const cluster = defaultSyntheticCluster({ cpuNodes: 64, gpuNodes: 8 });
    const a = generateSynthetic(cluster, { days: 3, seed: 5 });
    const b = generateSynthetic(cluster, { days: 3, seed: 5 });
    const c = generateSynthetic(cluster, { days: 3, seed: 6 });
    expect(Array.from(a.submitS)).toEqual(Array.from(b.submitS));
    expect(Array.from(a.submitS)).not.toEqual(Array.from(c.submitS));
    const ra = simulate(a, cluster, { policy: reactivePolicy(), seed: 1 });
    const rb = simulate(b, cluster, { policy: reactivePolicy(), seed: 1 });
    expect(ra.metrics).toEqual(rb.metrics);
    expect(Array.from(ra.outcomes.startS)).toEqual(Array.from(rb.outcomes.startS));
  });

  it('generates the published share of serial jobs and a daily cycle', () => {
    const cluster = defaultSyntheticCluster({ cpuNodes: 128, gpuNodes: 0 });
    const w = generateSynthetic(
      { ...cluster, pools: cluster.pools.filter((p) => p.gpusPerNode === 0) },
      { days: 56, seed: 2 },
    );
    let serial = 0;
    const byHour = new Array<number>(24).fill(0);
    for (let i = 0; i < w.count; i++) {
      if (w.nodes[i] === 1) serial++;
      const h = Math.floor(((w.submitS[i] as number) % 86_400) / 3600);
      byHour[h] = (byHour[h] ?? 0) + 1;
    }
    expect(serial / w.count).toBeGreaterThan(0.25);
    expect(serial / w.count).toBeLessThan(0.34);
    // Busier in the working day than at night.
    expect((byHour[14] ?? 0) + (byHour[15] ?? 0)).toBeGreaterThan(2 * ((byHour[3] ?? 0) + (byHour[4] ?? 0)));
  });
});
