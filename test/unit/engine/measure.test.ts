import { describe, expect, it } from 'vitest';
import { reservationUseOf } from '../../../src/engine/measure.js';

const keyOf = (name: string): string | null => (name.startsWith('slurmcast-') ? name.slice(10) : null);

describe('reservationUseOf', () => {
  it('counts the nodes of a reservation that ran a job now or since the last cycle, and the jobs waiting for it', () => {
    const uses = reservationUseOf({
      reservations: [
        { name: 'slurmcast-h100.research', nodeNames: ['c1', 'c2', 'c3'] },
        { name: 'admin-maint', nodeNames: ['c4'] },
      ],
      queue: [
        { reservation: 'slurmcast-h100.research', state: 'RUNNING', nodes: 'c1' },
        { reservation: 'slurmcast-h100.research', state: 'PENDING', nodes: null },
        { reservation: 'admin-maint', state: 'RUNNING', nodes: 'c4' },
        { reservation: null, state: 'RUNNING', nodes: 'c3' },
      ],
      recentJobs: [
        // Ran and ended between two cycles: the reservation was used.
        { reservation: 'slurmcast-h100.research', state: 'COMPLETED', nodes: 'c[1-2]' },
        // A pending job from accounting is the same job the queue shows: not counted twice.
        { reservation: 'slurmcast-h100.research', state: 'PENDING', nodes: null },
      ],
      keyOf,
    });
    expect(uses).toEqual([
      {
        key: 'h100.research',
        name: 'slurmcast-h100.research',
        nodeCount: 3,
        busyNodes: 2,
        gpuIdleNodes: 0,
        pendingJobs: 1,
      },
    ]);
  });

  it('measures a reservation without jobs as using no node', () => {
    expect(
      reservationUseOf({
        reservations: [{ name: 'slurmcast-a', nodeNames: ['c1'] }],
        queue: [],
        recentJobs: [{ reservation: 'slurmcast-a', state: 'RUNNING', nodes: 'not[a hostlist' }],
        keyOf,
      }),
    ).toEqual([
      { key: 'a', name: 'slurmcast-a', nodeCount: 1, busyNodes: 0, gpuIdleNodes: 0, pendingJobs: 0 },
    ]);
  });

  it('counts a node whose jobs held their GPUs idle as reserved but idle, and one without samples by its jobs', () => {
    const gpu = (node: string, busyGpus: number, idleGpus: number, unknownGpus = 0) => ({
      node,
      sampledJobs: 1,
      gpusSampled: busyGpus + idleGpus + unknownGpus,
      busyGpus,
      idleGpus,
      unknownGpus,
      meanUtilPct: null,
    });
    const uses = reservationUseOf({
      reservations: [{ name: 'slurmcast-h100.research', nodeNames: ['g1', 'g2', 'g3', 'g4'] }],
      queue: [{ reservation: 'slurmcast-h100.research', state: 'RUNNING', nodes: 'g[1-4]' }],
      recentJobs: [],
      keyOf,
      // g1 idle GPUs; g2 busy; g3 utilisation unknown (MIG): busy by its jobs; g4 not sampled.
      gpuBusy: [gpu('g1', 0, 2), gpu('g2', 1, 1), gpu('g3', 0, 0, 2)],
    });
    expect(uses).toEqual([
      {
        key: 'h100.research',
        name: 'slurmcast-h100.research',
        nodeCount: 4,
        busyNodes: 3,
        gpuIdleNodes: 1,
        pendingJobs: 0,
      },
    ]);
  });
});
