import { describe, expect, it } from 'vitest';
import { alwaysOnPolicy, reactivePolicy } from '../../../src/sim/policies.js';
import { simulate } from '../../../src/sim/simulator.js';
import { jobs, onePool } from './helpers.js';

const starts = (r: { outcomes: { startS: Float64Array } }): number[] => Array.from(r.outcomes.startS);

describe('FCFS with EASY backfill', () => {
  it('backfills a short job that ends before the head job can start', () => {
    // A holds 3 of 4 nodes until 100; B needs all 4 (shadow time 100); C (1 node, limit 50) fits before it.
    const w = jobs([
      [0, 3, 100, 100],
      [1, 4, 50, 50],
      [2, 1, 40, 50],
    ]);
    const r = simulate(w, onePool(4), { policy: alwaysOnPolicy() });
    expect(starts(r)).toEqual([0, 100, 2]);
  });

  it('does not backfill a job whose time limit would delay the head job', () => {
    // Same, but C asks for 200 s: it would still hold a node at 100, and there are no spare nodes then.
    const w = jobs([
      [0, 3, 100, 100],
      [1, 4, 50, 50],
      [2, 1, 40, 200],
    ]);
    const r = simulate(w, onePool(4), { policy: alwaysOnPolicy() });
    expect(starts(r)).toEqual([0, 100, 150]);
  });

  it('backfills a long job onto nodes the head job will not need', () => {
    // 5 nodes: at the shadow time 100 the head needs 4 of the 5 free, so one node is extra.
    const w = jobs([
      [0, 3, 100, 100],
      [1, 4, 50, 50],
      [2, 1, 40, 1000],
    ]);
    const r = simulate(w, onePool(5), { policy: alwaysOnPolicy() });
    expect(starts(r)).toEqual([0, 100, 2]);
  });

  it('plans with the time limit, not the run time', () => {
    // C runs only 10 s but asks for 200 s: backfill must not trust the run time.
    const w = jobs([
      [0, 3, 100, 100],
      [1, 4, 50, 50],
      [2, 1, 10, 200],
    ]);
    const r = simulate(w, onePool(4), { policy: alwaysOnPolicy() });
    expect(starts(r)[2]).toBe(150);
  });

  it('keeps strict order without backfill', () => {
    const w = jobs([
      [0, 3, 100, 100],
      [1, 4, 50, 50],
      [2, 1, 40, 50],
    ]);
    const r = simulate(w, onePool(4), { policy: alwaysOnPolicy(), backfill: 'none' });
    expect(starts(r)).toEqual([0, 100, 150]);
  });
});

describe('node power states', () => {
  it('delays a job on a powered-down node by the boot time', () => {
    const r = simulate(jobs([[0, 1, 100, 100]]), onePool(2), { policy: reactivePolicy(), bootS: 300 });
    expect(starts(r)).toEqual([300]);
    expect(r.metrics.bootWaitS).toBe(300);
    expect(r.metrics.boots).toBe(1);
  });

  it('reuses an idle node within the idle time and boots again after it powered down', () => {
    // Node boots 0–300, runs 300–400, idle 400–900; job 2 runs 900–1000; idle 1000–1600 then off;
    // job 3 boots 2000–2300, runs 2300–2400, idle 2400–3000 then off.
    const w = jobs([
      [0, 1, 100, 100],
      [900, 1, 100, 100],
      [2000, 1, 100, 100],
    ]);
    const r = simulate(w, onePool(1), { policy: reactivePolicy(), bootS: 300, idleS: 600 });
    expect(starts(r)).toEqual([300, 900, 2300]);
    expect(r.metrics.boots).toBe(2);
    expect(r.metrics.poweredIdleNodeH * 3600).toBeCloseTo(300 + 500 + 600 + 300 + 600, 6);
  });

  it('never powers nodes down under always-on', () => {
    const w = jobs([
      [0, 1, 100, 100],
      [5000, 1, 100, 100],
    ]);
    const r = simulate(w, onePool(2), { policy: alwaysOnPolicy() });
    expect(starts(r)).toEqual([0, 5000]);
    expect(r.metrics.boots).toBe(0);
  });

  it('boots nodes with a jitter drawn from the seed, the same for the same seed', () => {
    const w = jobs([[0, 1, 100, 100]]);
    const a = simulate(w, onePool(1), { policy: reactivePolicy(), bootJitterS: 60, seed: 3 });
    const b = simulate(w, onePool(1), { policy: reactivePolicy(), bootJitterS: 60, seed: 3 });
    expect(starts(a)).toEqual(starts(b));
    expect(starts(a)[0]).toBeGreaterThanOrEqual(300);
    expect(starts(a)[0]).toBeLessThan(360);
  });
});

describe('reservations', () => {
  it('routes jobs that name a reservation into it and keeps everyone else out', () => {
    const cluster = onePool(4, {
      reservations: [{ name: 'r', pool: 'p', nodeCount: 2, startS: 0, endS: 1000 }],
    });
    const w = jobs([
      [10, 2, 100, 100, 0], // X in the reservation: starts at once
      [10, 3, 100, 100], // Y outside: only 2 nodes are left until the reservation ends at 1000
      [20, 1, 50, 50, 0], // Z in the reservation: waits for X to end at 110
    ]);
    const r = simulate(w, cluster, { policy: alwaysOnPolicy() });
    expect(starts(r)).toEqual([10, 1000, 110]);
  });
});
