import { describe, expect, it } from 'vitest';
import { quantileOf as warmPoolQuantile } from '../../../src/plan/policies/quantile.js';
import { computeMetrics } from '../../../src/sim/metrics.js';
import { quantileOf, quantileSorted } from '../../../src/shared/quantile.js';
import { jobs } from '../sim/helpers.js';

describe('the one percentile definition', () => {
  it('interpolates linearly between the closest ranks, as R and NumPy do by default', () => {
    // numpy.percentile([1, 2, 3, 4], [0, 25, 50, 90, 100]) = [1, 1.75, 2.5, 3.7, 4]
    const sorted = [1, 2, 3, 4];
    expect(quantileSorted(sorted, 0)).toBe(1);
    expect(quantileSorted(sorted, 0.25)).toBeCloseTo(1.75, 12);
    expect(quantileSorted(sorted, 0.5)).toBeCloseTo(2.5, 12);
    expect(quantileSorted(sorted, 0.9)).toBeCloseTo(3.7, 12);
    expect(quantileSorted(sorted, 1)).toBe(4);
    expect(quantileOf([4, 1, 3, 2], 0.25)).toBeCloseTo(1.75, 12);
  });

  it('clamps the level to [0, 1] and gives NaN for no values', () => {
    expect(quantileSorted([1, 2], -1)).toBe(1);
    expect(quantileSorted([1, 2], 2)).toBe(2);
    expect(quantileSorted([], 0.5)).toBeNaN();
  });

  it('is the one the warm-pool setting and the simulated P95 wait use', () => {
    expect(warmPoolQuantile([4, 1, 3, 2], 0.25)).toBeCloseTo(1.75, 12);
    expect(warmPoolQuantile([], 0.5)).toBe(0);
    const waits = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    const w = jobs(waits.map(() => [0, 1, 10, 10] as const));
    const m = computeMetrics({
      workload: w,
      allocS: Float64Array.from(waits),
      startS: Float64Array.from(waits),
      rejected: 0,
      spanS: 200,
      capacityNodes: 11,
      idleNodeS: 0,
      poweredNodeS: 0,
      heldGpuS: 0,
      boots: 0,
    });
    // Position 0.95 · 10 = 9.5: halfway between 90 and 100 (nearest rank would say 100).
    expect(m.p95WaitS).toBeCloseTo(quantileSorted(waits, 0.95), 12);
    expect(m.p95WaitS).toBeCloseTo(95, 12);
  });
});
