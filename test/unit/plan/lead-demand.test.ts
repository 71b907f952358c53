import { describe, expect, it } from 'vitest';
import { LeadDemandModel, type LeadDemandOptions } from '../../../src/plan/policies/lead-demand.js';
import type { ArrivalColumns } from '../../../src/plan/types.js';

const T0 = 1_704_067_200; // Monday 2024-01-01 00:00 UTC
const LEAD = 360;

function model(options: Partial<LeadDemandOptions> = {}): LeadDemandModel {
  return new LeadDemandModel({
    pools: 1,
    leadS: LEAD,
    timeZone: 'UTC',
    maxJobNodes: 100,
    halfLifeS: 28 * 86_400,
    // One fresh observation is enough (weights fall below 1 as they age).
    minWeight: 0.9,
    ...options,
  });
}

const batch = (rows: readonly (readonly [number, number])[]): ArrivalColumns => ({
  count: rows.length,
  submitS: rows.map((r) => r[0]),
  pool: rows.map(() => 0),
  nodes: rows.map((r) => r[1]),
});

describe('LeadDemandModel', () => {
  it('learns what a window asked for only once the window is over', () => {
    const m = model();
    expect(m.decide(0, T0, [0.99])).toEqual([0]);
    m.observe(batch([[T0 + 100, 3]]));
    // The arrival is seen, but the window that started at T0 is not over yet: nothing learnt.
    expect(m.decide(0, T0 + 200, [0.99])).toEqual([0]);
    // Later, in the same context (nothing recent, same hour): T0's window asked for 3 nodes.
    expect(m.decide(0, T0 + 1200, [0.99])).toEqual([3]);
  });

  it('expects more right after submissions when users submit in sessions', () => {
    const m = model({ minWeight: 5 });
    // For a week, every two hours: a 1-node job, then 2 nodes 200 s later, then nothing.
    for (let s = 0; s < 7 * 12; s++) {
      const start = T0 + s * 7200;
      for (let t = start; t < start + 7200; t += 60) {
        m.observe(
          batch(
            [
              [start, 1],
              [start + 200, 2],
            ].filter(([at]) => (at as number) > t - 60 && (at as number) <= t) as [number, number][],
          ),
        );
        m.decide(0, t, []);
      }
    }
    const next = T0 + 7 * 86_400 + 30 * 7200;
    m.observe(batch([[next, 1]]));
    const [afterSubmission] = m.decide(0, next + 60, [0.9]);
    const [quiet] = m.decide(0, next + 3600, [0.9]);
    expect(afterSubmission).toBe(2);
    expect(quiet).toBe(0);
  });

  it('leaves jobs wider than maxJobNodes out', () => {
    const m = model({ maxJobNodes: 4 });
    m.decide(0, T0, []);
    m.observe(
      batch([
        [T0 + 100, 8],
        [T0 + 120, 2],
      ]),
    );
    expect(m.decide(0, T0 + 1200, [1])).toEqual([2]);
  });

  it('backs off to a coarser context when its own has not been seen often enough', () => {
    const m = model({ minWeight: 1.5 });
    // Two windows at 03:00 on a Monday asked for 5 nodes each.
    for (const day of [0, 1]) {
      m.decide(0, T0 + day * 86_400 + 3 * 3600, []);
      m.observe(batch([[T0 + day * 86_400 + 3 * 3600 + 10, 5]]));
    }
    // Saturday 15:00 was never seen: the coarse context (nothing recent) answers; it holds the two
    // windows above and the one counted on the second day.
    expect(m.decide(0, T0 + 5 * 86_400 + 15 * 3600, [1])).toEqual([5]);
  });
});
