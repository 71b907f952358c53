import { describe, expect, it } from 'vitest';
import { resolveShadowParams } from '../../../src/config/params.js';
import type { EntityForecast } from '../../../src/forecast/sessions.js';
import type { Inventory } from '../../../src/plan/plan.js';
import { PlanActionSchema } from '../../../src/plan/plan.js';
import {
  planShadowReservations,
  shadowKey,
  type ShadowPlanInput,
  type ShadowPlanOptions,
} from '../../../src/plan/shadow.js';

const NOW = 1_704_096_000; // 2024-01-01T08:00Z
const HOUR = 3600;

const inventory: Inventory = {
  atS: NOW,
  nodeTypes: [
    {
      name: 'cpu-64c',
      cpus: 64,
      memMiB: 256_000,
      gpuType: null,
      gpuCount: 0,
      features: [],
      partitions: ['batch'],
      bootS: 300,
      pricePerNodeHour: 1,
    },
    {
      name: 'gpu-a100x4',
      cpus: 64,
      memMiB: 512_000,
      gpuType: 'a100',
      gpuCount: 4,
      features: [],
      partitions: ['gpu'],
      bootS: 300,
      pricePerNodeHour: 4,
    },
  ],
  nodes: [
    ...[1, 2, 3, 4, 5, 6].map((i) => ({
      name: `c${i}`,
      type: 'cpu-64c',
      power: 'powered-down' as const,
      usable: true,
      cpusAllocated: 0,
      activeFeatures: [],
    })),
    ...[1, 2].map((i) => ({
      name: `g${i}`,
      type: 'gpu-a100x4',
      power: 'powered-down' as const,
      usable: true,
      cpusAllocated: 0,
      activeFeatures: [],
    })),
  ],
};

function entity(name: string, probabilities: number[], over: Partial<EntityForecast> = {}): EntityForecast {
  return {
    entity: name,
    kind: 'user',
    probabilities,
    expectedActiveWindows: probabilities.reduce((a, b) => a + b, 0),
    baseRate: 0.2,
    typical: { jobs: 2, cpus: 64, gpus: 0, nodes: 2, gpuType: null, partition: 'batch' },
    confidence: 0.3,
    activeWindows: 40,
    actionable: true,
    ...over,
  };
}

const options: ShadowPlanOptions = { ...resolveShadowParams({}), by: ['user'], warmupScript: '/opt/warm.sh' };

function input(over: Partial<ShadowPlanInput>): ShadowPlanInput {
  return {
    nowS: NOW,
    forecastStartS: NOW,
    windowS: HOUR,
    entities: [],
    inventory,
    existing: [],
    shortByType: {},
    reclaimedAt: {},
    ...over,
  };
}

describe('shadow reservations', () => {
  it('opens one for a confident user whose next window is busy, for that user only, with the warm-up script', () => {
    const plan = planShadowReservations(input({ entities: [entity('alice', [0.8, 0.7, 0.2])] }), options);
    expect(plan.actions).toHaveLength(1);
    const a = plan.actions[0];
    expect(PlanActionSchema.parse(a)).toEqual(a);
    expect(a?.users).toEqual(['alice']);
    expect(a?.accounts).toEqual([]);
    expect(a?.key).toBe(shadowKey('user', 'alice'));
    expect(a?.nodeType).toBe('cpu-64c');
    expect(a?.nodeCount).toBe(2);
    expect(a?.partition).toBe('batch');
    expect(a?.fromS).toBe(NOW);
    // Two busy windows, then the hold.
    expect(a?.toS).toBe(NOW + 2 * HOUR + options.holdS);
    expect(a?.shadow).toMatchObject({ entity: 'alice', warmupScript: '/opt/warm.sh' });
  });

  it('opens nothing for a user below the confidence threshold, a quiet lead, or a kind not asked for', () => {
    const plan = planShadowReservations(
      input({
        entities: [
          entity('low', [0.9], { confidence: 0.05, actionable: false }),
          entity('later', [0.1, 0.9]), // busy only in the window after the lead (900 s)
          entity('acct', [0.9], { kind: 'account' }),
          entity('jobname', [0.9], { kind: 'task-type' }),
        ],
      }),
      options,
    );
    expect(plan.actions).toEqual([]);
  });

  it('opens it within the lead before the busy window starts', () => {
    const plan = planShadowReservations(
      input({ nowS: NOW + HOUR - 600, entities: [entity('bob', [0.1, 0.9])] }),
      options,
    );
    expect(plan.actions.map((a) => a.users)).toEqual([['bob']]);
    expect(plan.actions[0]?.fromS).toBe(NOW + HOUR - 600);
  });

  it('picks the GPU type its jobs ask for and enough nodes for its GPUs, capped per reservation and in all', () => {
    const gpuUser = entity('gina', [0.9], {
      typical: { jobs: 1, cpus: 16, gpus: 8, nodes: 1, gpuType: 'a100', partition: 'gpu' },
    });
    const big = entity('carl', [0.6], {
      typical: { jobs: 9, cpus: 900, gpus: 0, nodes: 30, gpuType: null, partition: 'batch' },
    });
    const plan = planShadowReservations(input({ entities: [gpuUser, big] }), { ...options, maxNodes: 5 });
    const byUser = new Map(plan.actions.map((a) => [a.users[0], a]));
    expect(byUser.get('gina')).toMatchObject({ nodeType: 'gpu-a100x4', nodeCount: 2, partition: 'gpu' });
    // carl wants 30 nodes, one reservation holds at most 4, and only 3 are left of the total 5.
    expect(byUser.has('carl')).toBe(false);
    expect(plan.skipped.find((s) => s.entity === 'carl')?.reason).toMatch(/maxNodes/);
    const roomy = planShadowReservations(input({ entities: [big] }), options);
    expect(roomy.actions[0]?.nodeCount).toBe(options.maxNodesPerReservation);
  });

  it('reclaims one unused after reclaimAfterS and does not reopen it for as long', () => {
    const key = shadowKey('user', 'alice');
    const existing = [
      {
        key,
        nodeType: 'cpu-64c',
        nodeCount: 2,
        startS: NOW - options.reclaimAfterS,
        endS: NOW + HOUR,
        jobsRun: 0,
        lastUsedS: null,
      },
    ];
    const plan = planShadowReservations(input({ entities: [entity('alice', [0.9])], existing }), options);
    expect(plan.actions).toEqual([]);
    expect(plan.reclaimed).toEqual([{ key, reason: expect.stringMatching(/^unused 30 min/) }]);
    const next = planShadowReservations(
      input({ nowS: NOW + 60, entities: [entity('alice', [0.9])], reclaimedAt: { [key]: NOW } }),
      options,
    );
    expect(next.actions).toEqual([]);
    expect(next.skipped[0]?.reason).toMatch(/reclaimed 1 min ago/);
  });

  it('keeps a used one with its start and size, and extends it while the session goes on', () => {
    const key = shadowKey('user', 'alice');
    const existing = [
      {
        key,
        nodeType: 'cpu-64c',
        nodeCount: 3,
        startS: NOW - 2 * HOUR,
        endS: NOW + 600,
        jobsRun: 4,
        lastUsedS: NOW - 60,
      },
    ];
    const plan = planShadowReservations(
      input({ entities: [entity('alice', [0.9, 0.2])], existing }),
      options,
    );
    expect(plan.actions[0]).toMatchObject({
      key,
      fromS: NOW - 2 * HOUR,
      nodeCount: 3,
      toS: NOW + HOUR + options.holdS,
    });
  });

  it('reclaims when others wait for its node type, or when its user is no longer forecast', () => {
    const key = shadowKey('user', 'alice');
    const existing = [
      {
        key,
        nodeType: 'cpu-64c',
        nodeCount: 2,
        startS: NOW - 600,
        endS: NOW + HOUR,
        jobsRun: 1,
        lastUsedS: NOW,
      },
    ];
    const short = planShadowReservations(
      input({ entities: [entity('alice', [0.9])], existing, shortByType: { 'cpu-64c': 3 } }),
      options,
    );
    expect(short.actions).toEqual([]);
    expect(short.reclaimed[0]?.reason).toMatch(/jobs of others wait for 3 nodes of cpu-64c/);
    const gone = planShadowReservations(input({ entities: [], existing }), options);
    expect(gone.reclaimed[0]?.reason).toMatch(/no actionable forecast/);
    const quiet = planShadowReservations(
      input({ entities: [entity('alice', [0.1, 0.1])], existing }),
      options,
    );
    expect(quiet.reclaimed[0]?.reason).toMatch(/no window/);
  });
});
