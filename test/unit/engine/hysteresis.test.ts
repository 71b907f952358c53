import { describe, expect, it } from 'vitest';
import type { ApplyReport } from '../../../src/act/types.js';
import {
  adjustPlan,
  classifyUse,
  recordApplied,
  recordMeasurements,
  type HysteresisSettings,
  type ReservationUse,
} from '../../../src/engine/hysteresis.js';
import { emptyEngineState, type EngineState } from '../../../src/engine/state.js';
import type { Plan, ReservationAction } from '../../../src/plan/plan.js';
import { planOf, reservation } from './fakes.js';

const settings: HysteresisSettings = {
  cooldownS: 600,
  idleCyclesToShrink: 2,
  idleThreshold: 0,
  fullThreshold: 1,
};
const nodesOfType = { 'gpu-h100x2': 4 };
const KEY = 'h100.research';

function use(nodeCount: number, busyNodes: number, pendingJobs = 0): ReservationUse {
  return { key: KEY, name: `slurmcast-${KEY}`, nodeCount, busyNodes, gpuIdleNodes: 0, pendingJobs };
}

/** A state tracking one reservation of `nodeCount` nodes, last changed at `lastChangeS`. */
function tracked(nodeCount: number, lastChangeS: number | null = null): EngineState {
  return {
    ...emptyEngineState(),
    reservations: [
      {
        key: KEY,
        name: `slurmcast-${KEY}`,
        nodeCount,
        lastUse: 'used',
        idleCycles: 0,
        lastChangeS,
        measuredAtS: 0,
        action: reservation(KEY, nodeCount),
      },
    ],
  };
}

function reservedNodes(plan: Plan): number {
  const a = plan.actions.find((x): x is ReservationAction => x.kind === 'reservation' && x.key === KEY);
  return a?.nodeCount ?? 0;
}

/** Applies the adjusted plan as Slurm would accept it, then measures `measured`. */
function cycle(
  state: EngineState,
  planned: Plan,
  nowS: number,
  measured: (nodes: number) => ReservationUse[],
): { state: EngineState; nodes: number } {
  const { plan, decisions } = adjustPlan(planned, state, { nowS, settings, nodesOfType });
  const report: ApplyReport = {
    dryRun: false,
    partial: false,
    unchanged: 0,
    operations: plan.actions.map((a) => ({
      actionId: a.id,
      kind: 'create-reservation',
      target: `slurmcast-${KEY}`,
      before: null,
      after: {},
      reason: a.reason,
      outcome: 'applied',
    })),
  };
  const after = recordApplied(state, { plan, decisions, report, nowS });
  const nodes = reservedNodes(plan);
  return {
    state: recordMeasurements(after, measured(nodes), { nowS, settings, cycleStartS: nowS }),
    nodes,
  };
}

describe('classifyUse', () => {
  it('reads no busy node as idle, some as used, all as full, and a pending job as full', () => {
    expect(classifyUse(use(2, 0), settings)).toBe('idle');
    expect(classifyUse(use(2, 1), settings)).toBe('used');
    expect(classifyUse(use(2, 2), settings)).toBe('full');
    expect(classifyUse(use(2, 0, 1), settings)).toBe('full');
    expect(classifyUse(use(4, 3), { ...settings, fullThreshold: 0.75 })).toBe('full');
  });
});

describe('adjustPlan', () => {
  it('shrinks a reservation that stayed idle for two cycles by one node, then releases it', () => {
    let state = tracked(2);
    const wantsNone = planOf([]);
    const sizes: number[] = [];
    let nowS = 10_000;
    for (let i = 0; i < 8; i++) {
      const step = cycle(state, wantsNone, nowS, (nodes) => (nodes === 0 ? [] : [use(nodes, 0)]));
      state = step.state;
      sizes.push(step.nodes);
      nowS += 700; // past the cooldown each time
    }
    // Measured idle after cycles 1 and 2: shrinks at cycle 3 (2→1). Cycle 3's own measurement does not
    // count (it changed the reservation); idle after cycles 4 and 5: released at cycle 6.
    expect(sizes).toEqual([2, 2, 1, 1, 1, 0, 0, 0]);
    expect(state.reservations).toEqual([]);
  });

  it('does not create again within the cooldown a reservation it released for idleness', () => {
    const wantsOne = planOf([reservation(KEY, 1)]);
    let state = emptyEngineState();
    const sizes: number[] = [];
    const whys: string[] = [];
    for (let i = 0; i < 6; i++) {
      const nowS = 10_000 + i * 300;
      whys.push(adjustPlan(wantsOne, state, { nowS, settings, nodesOfType }).decisions[0]?.why ?? '');
      const step = cycle(state, wantsOne, nowS, (nodes) => (nodes === 0 ? [] : [use(nodes, 0)]));
      state = step.state;
      sizes.push(step.nodes);
    }
    // Created, idle twice, released at 10,900; the forecast still wants it, but only at 11,500 (the
    // 600 s cooldown over) is it created again.
    expect(sizes).toEqual([1, 1, 1, 0, 0, 1]);
    expect(whys[4]).toContain('not created again within the cooldown');
    expect(whys[5]).toContain('cooldown after its release is over');
  });

  it('does not count a new reservation idle in the cycle that created it: no job could reach it yet', () => {
    const wantsOne = planOf([reservation(KEY, 1)]);
    const first = cycle(emptyEngineState(), wantsOne, 10_000, (nodes) => [use(nodes, 0)]);
    expect(first.state.reservations[0]).toMatchObject({ nodeCount: 1, lastUse: 'idle', idleCycles: 0 });
    // A job ran in it before the next cycle: in use, never shrunk.
    const second = cycle(first.state, wantsOne, 10_700, (nodes) => [use(nodes, nodes)]);
    expect(second.nodes).toBe(1);
    expect(second.state.reservations[0]).toMatchObject({ lastUse: 'full', idleCycles: 0 });
  });

  it('keeps an idle reservation the planner no longer wants until it was idle long enough', () => {
    const state = recordMeasurements(tracked(3), [use(3, 0)], { nowS: 5_000, settings });
    const { plan, decisions } = adjustPlan(planOf([reservation(KEY, 1)]), state, {
      nowS: 5_000,
      settings,
      nodesOfType,
    });
    expect(reservedNodes(plan)).toBe(3);
    expect(decisions[0]?.why).toMatch(/idle 1 of 2 cycles/);
    expect(plan.actions[0]?.reason).toMatch(/engine: idle 1 of 2/);
  });

  it('grows a full reservation by one node, up to the usable nodes of its type', () => {
    let state = recordMeasurements(tracked(3), [use(3, 3)], { nowS: 5_000, settings });
    expect(
      reservedNodes(
        adjustPlan(planOf([reservation(KEY, 3)]), state, { nowS: 5_000, settings, nodesOfType }).plan,
      ),
    ).toBe(4);
    state = recordMeasurements(tracked(4), [use(4, 4, 2)], { nowS: 5_000, settings });
    expect(reservedNodes(adjustPlan(planOf([]), state, { nowS: 5_000, settings, nodesOfType }).plan)).toBe(4);
  });

  it('never shrinks a reservation while jobs use it, whatever the planner says', () => {
    const state = recordMeasurements(tracked(3), [use(3, 1)], { nowS: 5_000, settings });
    const { plan } = adjustPlan(planOf([]), state, { nowS: 5_000, settings, nodesOfType });
    expect(reservedNodes(plan)).toBe(3);
    expect(plan.actions[0]?.reason).toMatch(/in use: never shrunk/);
  });

  it('does not resize within the cooldown of the last change, and does after it', () => {
    const state = recordMeasurements(tracked(2, 5_000), [use(2, 2)], { nowS: 5_100, settings });
    const during = adjustPlan(planOf([reservation(KEY, 2)]), state, { nowS: 5_599, settings, nodesOfType });
    expect(reservedNodes(during.plan)).toBe(2);
    expect(during.decisions[0]?.why).toMatch(/cooldown/);
    const after = adjustPlan(planOf([reservation(KEY, 2)]), state, { nowS: 5_600, settings, nodesOfType });
    expect(reservedNodes(after.plan)).toBe(3);
  });

  it('does not flap when the forecast wobbles between one and two nodes every cycle', () => {
    let state = emptyEngineState();
    const sizes: number[] = [];
    let nowS = 0;
    for (let i = 0; i < 12; i++) {
      const wanted = i % 2 === 0 ? 2 : 1;
      // One node busy: the reservation is in use, never idle.
      const step = cycle(state, planOf([reservation(KEY, wanted)]), nowS, (nodes) => [use(nodes, 1)]);
      state = step.state;
      sizes.push(step.nodes);
      nowS += 300;
    }
    expect(new Set(sizes)).toEqual(new Set([2]));
  });

  it('passes a new reservation and every other action through as planned', () => {
    const { id, reason, forecast, fromS, toS } = reservation('x', 1);
    const keepPowered: Plan['actions'][number] = {
      kind: 'keep-powered',
      id,
      reason,
      forecast,
      fromS,
      toS,
      nodeType: 'gpu-h100x2',
      count: 2,
      powerUpAtS: 0,
    };
    const { plan } = adjustPlan(planOf([keepPowered, reservation(KEY, 2)]), emptyEngineState(), {
      nowS: 0,
      settings,
      nodesOfType,
    });
    expect(plan.actions).toEqual([keepPowered, reservation(KEY, 2)]);
  });
});

describe('recordApplied', () => {
  /** A 2-node reservation measured idle twice: the next adjustPlan shrinks it. */
  const idleTwice = (): EngineState => {
    let state = tracked(2);
    state = recordMeasurements(state, [use(2, 0)], { nowS: 1_000, settings });
    return recordMeasurements(state, [use(2, 0)], { nowS: 2_000, settings });
  };
  /** Slurm's answer to the shrink: one update with `outcome`. */
  const shrinkReport = (outcome: 'applied' | 'refused', error?: string): ApplyReport => ({
    dryRun: false,
    partial: outcome === 'refused',
    unchanged: 0,
    operations: [
      {
        actionId: 'reservation:h100.research',
        kind: 'update-reservation',
        target: `slurmcast-${KEY}`,
        before: null,
        after: null,
        reason: 'shrink',
        outcome,
        ...(error === undefined ? {} : { error }),
      },
    ],
  });

  it('starts the cooldown of a reservation whose change Slurm accepted', () => {
    const state = idleTwice();
    const { plan, decisions } = adjustPlan(planOf([]), state, { nowS: 3_000, settings, nodesOfType });
    const after = recordApplied(state, { plan, decisions, report: shrinkReport('applied'), nowS: 3_000 });
    expect(after.reservations[0]).toMatchObject({ nodeCount: 1, lastChangeS: 3_000, idleCycles: 0 });
  });

  it('keeps the old state of a reservation whose operation Slurm refused, and changes nothing on a dry run', () => {
    const state = idleTwice();
    const { plan, decisions } = adjustPlan(planOf([]), state, { nowS: 3_000, settings, nodesOfType });
    const refused = shrinkReport('refused', 'nodes busy');
    expect(recordApplied(state, { plan, decisions, report: refused, nowS: 3_000 })).toEqual(state);
    const dry: ApplyReport = { ...refused, dryRun: true, partial: false };
    expect(recordApplied(state, { plan, decisions, report: dry, nowS: 3_000 })).toEqual(state);
  });
});
