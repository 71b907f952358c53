import { describe, expect, it } from 'vitest';
import { InvalidPlanInputError } from '../../../src/plan/errors.js';
import {
  PlanSchema,
  type Inventory,
  type InventoryNode,
  type NodeType,
  type PlanInput,
  type PoolForecast,
} from '../../../src/plan/plan.js';
import { planCapacity } from '../../../src/plan/planner.js';

const HOUR = 3_600;
/** 2026-12-03T00:00Z */
const DAY0 = 1_796_256_000;

const h100: NodeType = {
  name: 'gpu-h100x2',
  cpus: 8,
  memMiB: 16_000,
  gpuType: 'h100',
  gpuCount: 2,
  features: ['bigmem', 'ib'],
  partitions: ['all', 'gpu'],
  bootS: 300,
  pricePerNodeHour: 3,
};
const a100: NodeType = {
  ...h100,
  name: 'gpu-a100x4',
  gpuType: 'a100',
  gpuCount: 4,
  features: ['ib'],
  pricePerNodeHour: 2,
};

function nodes(type: NodeType, count: number, overrides: Partial<InventoryNode> = {}): InventoryNode[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `${type.name}-${i + 1}`,
    type: type.name,
    power: 'powered-down' as const,
    usable: true,
    cpusAllocated: 0,
    activeFeatures: [],
    ...overrides,
  }));
}

function inventory(types: NodeType[], list: InventoryNode[]): Inventory {
  return { atS: DAY0, nodeTypes: types, nodes: list };
}

/** A daily GPU burst from 14:00 to 17:00 of 3.2 GPUs at q0.9 (2.0 at q0.5), nothing otherwise. */
function burstForecast(overrides: Partial<PoolForecast> = {}): PoolForecast {
  const q = (burst: number): number[] =>
    Array.from({ length: 24 }, (_, k) => (k >= 14 && k < 17 ? burst : 0));
  return {
    key: { partition: 'gpu', gpuType: 'h100', features: [] },
    pool: 'gpu/h100',
    series: 'demand_gpu',
    model: 'seasonal-naive',
    startS: DAY0,
    stepS: HOUR,
    quantiles: { '0.5': q(2), '0.9': q(3.2), '0.99': q(3.8) },
    accounts: [
      { account: 'research', share: 0.8 },
      { account: 'teaching', share: 0.2 },
    ],
    ...overrides,
  };
}

function input(overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    nowS: DAY0 + 8 * HOUR,
    horizonS: 24 * HOUR - 8 * HOUR,
    forecasts: [burstForecast()],
    inventory: inventory([h100], nodes(h100, 4)),
    accounts: [{ account: 'research', maxNodes: 4, priority: 10 }],
    // Newsvendor: 9 / (9 + 1) = 0.9.
    costs: { idleNodeHour: 1, waitingJobHour: 9 },
    ...overrides,
  };
}

describe('planCapacity: golden plans', () => {
  it('reserves an h100 node for research before its daily burst and powers nodes up a boot time ahead', () => {
    const plan = planCapacity(input());
    PlanSchema.parse(plan);
    const burstS = DAY0 + 14 * HOUR;
    expect(plan.actions.map((a) => a.id)).toEqual([
      'keep-powered:gpu-h100x2:gpu/h100:2026-12-03T14:00Z',
      'reservation:gpu-h100x2:research:2026-12-03T14:00Z',
    ]);
    const [keep, reservation] = plan.actions;
    expect(keep).toMatchObject({
      kind: 'keep-powered',
      nodeType: 'gpu-h100x2',
      count: 2,
      fromS: burstS,
      toS: burstS + 3 * HOUR,
      powerUpAtS: burstS - 300,
    });
    expect(keep?.reason).toBe(
      'forecast q0.9 of demand_gpu for gpu/h100 at 2026-12-03T14:00Z is 3.2 GPUs = 2 nodes of gpu-h100x2 (2 GPUs each); 0 powered now; boot 300 s; power up at 2026-12-03T13:55Z',
    );
    expect(keep?.forecast).toEqual({
      pool: 'gpu/h100',
      series: 'demand_gpu',
      model: 'seasonal-naive',
      quantile: 0.9,
      horizonStep: 14,
      issuedAtS: DAY0,
    });
    // 80% of 2 nodes, rounded up; teaching (20%) is under the threshold and has no policy.
    expect(reservation).toMatchObject({
      kind: 'reservation',
      key: 'gpu-h100x2.research',
      nodeType: 'gpu-h100x2',
      nodeCount: 2,
      partition: 'gpu',
      accounts: ['research'],
      users: [],
      features: null,
      fromS: burstS,
      toS: burstS + 3 * HOUR,
    });
    expect(plan.explanation.solver).toBe('yalps 0.6.4');
    // 2 nodes × price 3 × 3 h, nothing waiting.
    expect(plan.explanation.objectiveValue).toBeCloseTo(18, 9);
    expect(plan.explanation.binding).toEqual([]);
  });

  it('plans nothing for an idle pool', () => {
    const zeros = Array.from({ length: 24 }, () => 0);
    const plan = planCapacity(
      input({ forecasts: [burstForecast({ quantiles: { '0.5': zeros, '0.9': zeros } })] }),
    );
    expect(plan.actions).toEqual([]);
    expect(plan.explanation.objectiveValue).toBe(0);
  });

  it('names the binding constraint when the nodes are short', () => {
    const plan = planCapacity(input({ inventory: inventory([h100], nodes(h100, 1)) }));
    const keep = plan.actions.find((a) => a.kind === 'keep-powered');
    expect(keep).toMatchObject({ count: 1 });
    expect(keep?.reason).toContain('1.2 GPUs left waiting');
    expect(plan.explanation.binding).toEqual([
      'gpu-h100x2: all 1 usable node in use (3 steps from 2026-12-03T14:00Z)',
      'pool gpu/h100: part of its q0.9 demand left waiting (up to the usable nodes or cheaper to wait) (3 steps from 2026-12-03T14:00Z)',
    ]);
    // 1 node × 3 × 3 h + 1.2 GPUs × 9 × 3 h.
    expect(plan.explanation.objectiveValue).toBeCloseTo(9 + 1.2 * 27, 9);
  });

  it('never counts a drained node: the usable ones bound the plan', () => {
    const list = [
      ...nodes(h100, 1),
      ...nodes(h100, 3, { usable: false }).map((n, i) => ({ ...n, name: `d${i}` })),
    ];
    const plan = planCapacity(input({ inventory: inventory([h100], list) }));
    expect(plan.actions.find((a) => a.kind === 'keep-powered')).toMatchObject({ count: 1 });
  });

  it('sizes at the quantile the costs choose, interpolating between the forecast levels', () => {
    // 3 / (3 + 1) = 0.75: halfway between q0.5 (2.0 GPUs) and q0.9 (3.2) is 0.625 of the way: 2.75 GPUs.
    const cheap = { ...h100, pricePerNodeHour: 1 };
    const plan = planCapacity(
      input({
        costs: { idleNodeHour: 1, waitingJobHour: 3 },
        inventory: inventory([cheap], nodes(cheap, 4)),
      }),
    );
    const keep = plan.actions.find((a) => a.kind === 'keep-powered');
    expect(keep?.reason).toContain(
      'q0.75 of demand_gpu for gpu/h100 at 2026-12-03T14:00Z is 2.8 GPUs = 2 nodes',
    );
    // At price 3 a second node costs more per hour (3) than the 0.8 GPUs it would keep from waiting
    // (0.8 × 3): the LP leaves them waiting and says so.
    const dear = planCapacity(input({ costs: { idleNodeHour: 1, waitingJobHour: 3 } }));
    expect(dear.actions.find((a) => a.kind === 'keep-powered')?.reason).toContain(
      'is 2.8 GPUs = 1 node of gpu-h100x2 (2 GPUs each); 0.8 GPUs left waiting',
    );
    expect(keep?.forecast.quantile).toBe(0.75);
  });

  it('powers up now and says it is late when the burst is closer than the boot time', () => {
    const plan = planCapacity(input({ nowS: DAY0 + 14 * HOUR - 120, horizonS: 6 * HOUR }));
    const keep = plan.actions.find((a) => a.kind === 'keep-powered');
    expect(keep).toMatchObject({ powerUpAtS: DAY0 + 14 * HOUR - 120, fromS: DAY0 + 14 * HOUR });
    expect(keep?.reason).toContain('late: the power-up was due at 2026-12-03T13:55Z, so it starts now');
  });

  it('gives the nodes to the higher-priority account when two compete', () => {
    const forecast = burstForecast({
      accounts: [
        { account: 'research', share: 0.5 },
        { account: 'vip', share: 0.5 },
      ],
    });
    const plan = planCapacity(
      input({
        forecasts: [forecast],
        inventory: inventory([h100], nodes(h100, 1)),
        accounts: [
          { account: 'research', maxNodes: 4, priority: 1 },
          { account: 'vip', maxNodes: 4, priority: 5 },
        ],
      }),
    );
    const reservations = plan.actions.filter((a) => a.kind === 'reservation');
    expect(reservations.map((r) => [r.accounts, r.nodeCount])).toEqual([[['vip'], 1]]);
    expect(plan.explanation.binding).toContain(
      'account research: nodes of gpu/h100 taken by higher-priority accounts (3 steps from 2026-12-03T14:00Z)',
    );
  });

  it('never reserves past an account cap, and says the cap bound', () => {
    const plan = planCapacity(input({ accounts: [{ account: 'research', maxNodes: 1, priority: 0 }] }));
    expect(plan.actions.find((a) => a.kind === 'reservation')).toMatchObject({ nodeCount: 1 });
    expect(plan.explanation.binding).toContain(
      'account research: reservation cap of 1 node reached (3 steps from 2026-12-03T14:00Z)',
    );
  });

  it('sets features ahead of demand on nodes that can have them but do not', () => {
    const forecast = burstForecast({ key: { partition: 'gpu', gpuType: 'h100', features: ['bigmem'] } });
    const list = [
      ...nodes(h100, 1, { activeFeatures: ['bigmem', 'ib'] }),
      ...nodes(h100, 3, { activeFeatures: ['ib'] }).map((n, i) => ({ ...n, name: `x${i}` })),
    ];
    const plan = planCapacity(input({ forecasts: [forecast], inventory: inventory([h100], list) }));
    const set = plan.actions.find((a) => a.kind === 'set-features');
    expect(set).toMatchObject({
      id: 'set-features:gpu-h100x2:gpu/h100:2026-12-03T14:00Z',
      nodeType: 'gpu-h100x2',
      count: 2,
      activeFeatures: ['bigmem'],
      fromS: DAY0 + 14 * HOUR,
    });
    // Features a type cannot have: no node type serves the pool, so nothing is planned for it.
    const none = planCapacity(
      input({
        forecasts: [burstForecast({ key: { partition: 'gpu', gpuType: 'h100', features: ['nvme'] } })],
      }),
    );
    expect(none.actions).toEqual([]);
    expect(none.explanation.binding[0]).toMatch(/^pool gpu\/h100: no node type serves it/);
  });

  it('splits a pool between node types by the LP when its GPU type may run on another', () => {
    // a100 demand of 10 GPUs; one a100x4 node (price 2) and h100x2 nodes (price 3) that may stand in.
    const forecast = burstForecast({
      key: { partition: 'gpu', gpuType: 'a100', features: [] },
      pool: 'gpu/a100',
      quantiles: { '0.9': Array.from({ length: 24 }, (_, k) => (k >= 14 && k < 17 ? 10 : 0)) },
      accounts: [],
    });
    const plan = planCapacity(
      input({
        forecasts: [forecast],
        inventory: inventory([a100, h100], [...nodes(a100, 1), ...nodes(h100, 4)]),
        substitutes: [{ gpuType: 'a100', canRunOn: ['h100'] }],
      }),
    );
    const keeps = plan.actions.filter((a) => a.kind === 'keep-powered');
    expect(keeps.map((k) => [k.nodeType, k.count])).toEqual([
      ['gpu-a100x4', 1],
      ['gpu-h100x2', 3],
    ]);
    expect(keeps[0]?.reason).toContain('the LP split puts 1 node of gpu-a100x4 (4 GPUs each) on it');
    // (1 × 2 + 3 × 3) × 3 h.
    expect(plan.explanation.objectiveValue).toBeCloseTo(33, 9);
    expect(plan.explanation.binding).toEqual([
      'gpu-a100x4: all 1 usable node in use (3 steps from 2026-12-03T14:00Z)',
    ]);
    // Without the substitution the h100 nodes are no candidates.
    const alone = planCapacity(
      input({
        forecasts: [forecast],
        inventory: inventory([a100, h100], [...nodes(a100, 1), ...nodes(h100, 4)]),
      }),
    );
    expect(alone.actions.filter((a) => a.kind === 'keep-powered').map((k) => k.nodeType)).toEqual([
      'gpu-a100x4',
    ]);
  });
});

describe('planCapacity: determinism and stable ids', () => {
  it('gives the same plan for the same input', () => {
    expect(planCapacity(input())).toEqual(planCapacity(structuredClone(input())));
  });

  it('keeps the ids of the same intent across two consecutive cycles', () => {
    const first = planCapacity(input());
    // Next cycle, 15 minutes later, with a forecast cut an hour later (one step shifted).
    const next = burstForecast({
      startS: DAY0 + HOUR,
      quantiles: Object.fromEntries(
        Object.entries(burstForecast().quantiles).map(([level, values]) => [level, [...values.slice(1), 0]]),
      ),
    });
    const second = planCapacity(input({ nowS: DAY0 + 8 * HOUR + 900, forecasts: [next] }));
    expect(second.actions.map((a) => a.id)).toEqual(first.actions.map((a) => a.id));
    expect(second.actions.map((a) => a.kind === 'reservation' && a.key)).toEqual(
      first.actions.map((a) => a.kind === 'reservation' && a.key),
    );
  });
});

describe('planCapacity: input validation', () => {
  const expectInvalid = (bad: PlanInput, path: string): InvalidPlanInputError => {
    let caught: unknown;
    try {
      planCapacity(bad);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidPlanInputError);
    const error = caught as InvalidPlanInputError;
    expect(error.name).toBe('InvalidPlanInputError');
    expect(error.hint.length).toBeGreaterThan(0);
    expect(error.issues.map((i) => i.path)).toContain(path);
    return error;
  };

  it('refuses a forecast without levels on both sides of the sizing quantile', () => {
    const error = expectInvalid(
      input({ costs: { idleNodeHour: 1, waitingJobHour: 999 } }),
      'forecasts.0.quantiles',
    );
    expect(error.message).toContain('none on both sides of the sizing quantile 0.999');
  });

  it('refuses a node of an unknown type, a series it cannot size from and a negative horizon', () => {
    expectInvalid(input({ inventory: inventory([h100], nodes(a100, 1)) }), 'inventory.nodes.0.type');
    expectInvalid(input({ forecasts: [burstForecast({ series: 'wait_s' })] }), 'forecasts.0.series');
    expectInvalid(input({ horizonS: -1 }), 'horizonS');
  });

  it('refuses costs that are both zero when no quantile is given', () => {
    expectInvalid(input({ costs: { idleNodeHour: 0, waitingJobHour: 0 } }), 'costs');
    // With a quantile given it plans; waiting then costs nothing, so no node is worth its price.
    const plan = planCapacity(input({ costs: { idleNodeHour: 0, waitingJobHour: 0 } }), { quantile: 0.9 });
    expect(PlanSchema.parse(plan).actions).toEqual([]);
  });

  it('refuses a reservation threshold out of range', () => {
    expect(() => planCapacity(input(), { reservationShareThreshold: 0 })).toThrow(InvalidPlanInputError);
  });
});

describe('planCapacity with HiGHS for the coupled split', () => {
  it('gives the same plan as YALPS when two pools compete for short nodes, and names both solvers', async () => {
    const { loadHighsSplitSolver } = await import('../../../src/plan/split.js');
    const solver = await loadHighsSplitSolver();
    // Two a100 pools in two partitions on one a100x4 node and two h100x2 nodes that may stand in.
    const shared = { ...a100, partitions: ['gpu', 'gpu2'] };
    const sharedH100 = { ...h100, partitions: ['gpu', 'gpu2'] };
    const pool = (partition: string, gpus: number): PoolForecast =>
      burstForecast({
        key: { partition, gpuType: 'a100', features: [] },
        pool: `${partition}/a100`,
        quantiles: { '0.9': Array.from({ length: 24 }, (_, k) => (k >= 14 && k < 17 ? gpus : 0)) },
        accounts: [],
      });
    const coupled = input({
      forecasts: [pool('gpu', 4), pool('gpu2', 4)],
      inventory: inventory([shared, sharedH100], [...nodes(shared, 1), ...nodes(sharedH100, 2)]),
      substitutes: [{ gpuType: 'a100', canRunOn: ['h100'] }],
    });
    const withYalps = planCapacity(coupled);
    const withHighs = planCapacity(coupled, { solver });
    expect(withHighs.actions).toEqual(withYalps.actions);
    expect(withHighs.explanation.objectiveValue).toBeCloseTo(withYalps.explanation.objectiveValue, 9);
    // One pool gets the a100 node (price 2), the other both h100 nodes (price 3 each): (2 + 6) × 3 h.
    expect(withHighs.explanation.objectiveValue).toBeCloseTo(24, 9);
    expect(withHighs.explanation.solver).toBe(
      'yalps 0.6.4 (each pool alone), highs 1.15.3 (pools coupled by short types)',
    );
    expect(withHighs.explanation.binding).toEqual([
      'gpu-a100x4: all 1 usable node in use (3 steps from 2026-12-03T14:00Z)',
      'gpu-h100x2: all 2 usable nodes in use (3 steps from 2026-12-03T14:00Z)',
    ]);
  });
});
