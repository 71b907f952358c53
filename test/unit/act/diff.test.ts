import { describe, expect, it } from 'vitest';
import {
  diffPlan,
  diffPlanDetailed,
  emptyLedger,
  enforceCaps,
  isOwnedReservation,
  ownedReservationName,
  pruneLedger,
  revertDiff,
  type Ledger,
  type LiveState,
  type Operation,
} from '../../../src/act/index.js';
import { withEffect } from '../../../src/act/ledger.js';
import { inventoryFromNodes } from '../../../src/plan/index.js';
import {
  afterOperations,
  keepPowered,
  live,
  NOW_S,
  OWNERSHIP,
  plan,
  reservation,
  reservationAction,
  setFeatures,
  withNode,
} from './state-fixtures.js';

const h100Name = ownedReservationName(OWNERSHIP, 'gpu-h100x2.research');

function ledgerAfter(ledger: Ledger, ops: readonly Operation[]): Ledger {
  return ops.reduce((l, op) => withEffect(l, op.effect, op.actionId, NOW_S), ledger);
}

/** Applies the diff to the modelled Slurm and diffs again: what a second `apply` would send. */
function secondPass(
  p: ReturnType<typeof plan>,
  state: LiveState,
  ledger: Ledger = emptyLedger(),
): Operation[] {
  const first = diffPlan(p, state, { ownership: OWNERSHIP, ledger });
  const next = afterOperations(state, first);
  return diffPlan(p, next, { ownership: OWNERSHIP, ledger: pruneLedger(ledgerAfter(ledger, first), next) });
}

describe('ownership', () => {
  it('names a reservation from its key with a tag only the install secret verifies', () => {
    expect(h100Name).toMatch(/^slurmcast-gpu-h100x2\.research-[0-9a-f]{8}$/);
    expect(isOwnedReservation(OWNERSHIP, h100Name)).toBe(true);
    expect(isOwnedReservation({ ...OWNERSHIP, secret: 'cd'.repeat(32) }, h100Name)).toBe(false);
    expect(isOwnedReservation(OWNERSHIP, 'slurmcast-foo')).toBe(false);
    expect(isOwnedReservation(OWNERSHIP, 'slurmcast-gpu-h100x2.research-00000000')).toBe(false);
  });
});

describe('diffPlan', () => {
  it('creates a reservation of the h100 node for the account, starting now, ending at the window end', () => {
    const ops = diffPlan(plan([reservationAction()]), live(), {
      ownership: OWNERSHIP,
      ledger: emptyLedger(),
    });
    expect(ops).toHaveLength(1);
    expect(ops[0]?.request).toEqual({
      kind: 'create-reservation',
      input: {
        name: h100Name,
        start: 'now',
        endEpochS: NOW_S + 4 * 3600,
        nodes: ['c2'],
        partition: 'gpu',
        accounts: ['research'],
      },
    });
  });

  it('is idempotent: the plan applied to the state it produced gives no operation', () => {
    const p = plan([reservationAction(), keepPowered(), setFeatures()]);
    const state = withNode(live(), 'c4', (n) => ({ ...n, availableFeatures: ['bigmem'] }));
    const first = diffPlan(p, state, { ownership: OWNERSHIP, ledger: emptyLedger() });
    expect(first.map((o) => o.kind)).toEqual(['create-reservation', 'power-up', 'set-features']);
    expect(secondPass(p, state)).toEqual([]);
  });

  it('resizes an owned reservation with the full node list, keeping the nodes it has', () => {
    const state = live({
      reservations: [
        reservation({
          name: ownedReservationName(OWNERSHIP, 'cpu.research'),
          nodeNames: ['c4'],
          partition: 'cpu',
        }),
      ],
    });
    const action = reservationAction({
      key: 'cpu.research',
      nodeType: 'cpu-8c',
      partition: 'cpu',
      nodeCount: 2,
    });
    const ops = diffPlan(plan([action]), state, { ownership: OWNERSHIP, ledger: emptyLedger() });
    expect(ops.map((o) => o.request)).toEqual([
      {
        kind: 'update-reservation',
        input: {
          name: ownedReservationName(OWNERSHIP, 'cpu.research'),
          nodes: ['c3', 'c4'],
          endEpochS: NOW_S + 4 * 3600,
        },
      },
    ]);
  });

  it('releases an owned reservation the plan no longer asks for', () => {
    const state = live({
      reservations: [reservation({ name: h100Name, nodeNames: ['c2'], partition: 'gpu' })],
    });
    const ops = diffPlan(plan([]), state, { ownership: OWNERSHIP, ledger: emptyLedger() });
    expect(ops.map((o) => [o.kind, o.target, o.actionId])).toEqual([
      ['delete-reservation', h100Name, `release:${h100Name}`],
    ]);
  });

  it('never touches an admin reservation, even one with a similar name', () => {
    const admin = [
      reservation({ name: 'slurmcast-gpu-h100x2.research-deadbeef', nodeNames: ['c2'] }),
      reservation({ name: 'slurmcast-foo', nodeNames: ['c1'] }),
      reservation({ name: h100Name.toUpperCase(), nodeNames: ['c3'] }),
    ];
    const ops = diffPlan(plan([]), live({ reservations: admin }), {
      ownership: OWNERSHIP,
      ledger: emptyLedger(),
    });
    expect(ops).toEqual([]);
    const revert = revertDiff(
      live({ reservations: admin }),
      { ownership: OWNERSHIP, ledger: emptyLedger() },
      { allOwned: true },
    );
    expect(revert.operations).toEqual([]);
  });

  it('never powers up or changes a drained node, and never powers down one an admin drained', () => {
    const drained = withNode(live(), 'c5', (n) => ({ ...n, stateFlags: [...n.stateFlags, 'DRAIN'] }));
    const d = diffPlanDetailed(plan([keepPowered()]), drained, {
      ownership: OWNERSHIP,
      ledger: emptyLedger(),
    });
    expect(d.operations).toEqual([]);
    expect(d.skipped.map((s) => s.actionId)).toEqual(['power:cpu-8c']);

    const on = withNode(live(), 'c5', (n) => ({
      ...n,
      stateFlags: ['CLOUD', 'DRAIN'],
      power: { ...n.power, poweredDown: false },
    }));
    const ledger = withEffect(emptyLedger(), { type: 'powered-up', node: 'c5' }, 'power:cpu-8c', NOW_S);
    expect(diffPlan(plan([]), on, { ownership: OWNERSHIP, ledger })).toEqual([]);
    expect(revertDiff(on, { ownership: OWNERSHIP, ledger }, { allOwned: true }).operations).toEqual([]);
  });

  it('never powers up a node held by an admin reservation', () => {
    const state = live({ reservations: [reservation({ name: 'maintenance', nodeNames: ['c5'] })] });
    expect(diffPlan(plan([keepPowered()]), state, { ownership: OWNERSHIP, ledger: emptyLedger() })).toEqual(
      [],
    );
  });

  it('powers up only the powered-down CLOUD node when the powered count falls short', () => {
    const ops = diffPlan(plan([keepPowered()]), live(), { ownership: OWNERSHIP, ledger: emptyLedger() });
    expect(ops.map((o) => [o.kind, o.target])).toEqual([['power-up', 'c5']]);
    // Not yet time to power up: nothing.
    const early = plan([keepPowered({ powerUpAtS: NOW_S + 60 })]);
    expect(diffPlan(early, live(), { ownership: OWNERSHIP, ledger: emptyLedger() })).toEqual([]);
  });

  it('powers down only nodes it powered up, once idle and no longer wanted', () => {
    const on = withNode(live(), 'c5', (n) => ({
      ...n,
      stateFlags: ['CLOUD'],
      power: { ...n.power, poweredDown: false },
    }));
    expect(diffPlan(plan([]), on, { ownership: OWNERSHIP, ledger: emptyLedger() })).toEqual([]);
    const ledger = withEffect(emptyLedger(), { type: 'powered-up', node: 'c5' }, 'power:cpu-8c', NOW_S);
    expect(diffPlan(plan([]), on, { ownership: OWNERSHIP, ledger }).map((o) => [o.kind, o.target])).toEqual([
      ['power-down', 'c5'],
    ]);
    const busy = withNode(on, 'c5', (n) => ({ ...n, state: 'MIXED', cpusAllocated: 2 }));
    expect(diffPlan(plan([]), busy, { ownership: OWNERSHIP, ledger })).toEqual([]);
  });

  it('finds nodes by the inventory type names a planner plan uses, and by the default names of a hand-written plan', () => {
    const state = live();
    const inventory = inventoryFromNodes(state.nodes, { atS: NOW_S });
    const nodeTypes = Object.fromEntries(inventory.nodes.map((n) => [n.name, n.type]));
    const c5Type = nodeTypes.c5 ?? '';
    // The lab's inventory names the CPU type apart from the actuator's default, or this test shows nothing.
    expect(c5Type).not.toBe('cpu-8c');
    const options = { ownership: OWNERSHIP, ledger: emptyLedger(), nodeTypes };
    const planned = diffPlan(plan([keepPowered({ nodeType: c5Type })]), state, options);
    const handWritten = diffPlan(plan([keepPowered()]), state, options);
    expect(planned.map((o) => [o.kind, o.target])).toEqual([['power-up', 'c5']]);
    expect(handWritten.map((o) => [o.kind, o.target])).toEqual([['power-up', 'c5']]);
    // A node powered up under one name and wanted under the other stays up.
    const on = withNode(state, 'c5', (n) => ({
      ...n,
      stateFlags: ['CLOUD'],
      power: { ...n.power, poweredDown: false },
    }));
    const ledger = withEffect(emptyLedger(), { type: 'powered-up', node: 'c5' }, 'power:cpu-8c', NOW_S);
    expect(diffPlan(plan([keepPowered({ nodeType: c5Type })]), on, { ...options, ledger })).toEqual([]);
  });

  it('sets features on nodes that may carry them and gives them back when the plan drops them', () => {
    const p = plan([setFeatures({ count: 2 })]);
    const first = diffPlan(p, live(), { ownership: OWNERSHIP, ledger: emptyLedger() });
    // c3 has bigmem already; c4 and c5 have no bigmem available: only one more cannot be found.
    expect(first).toEqual([]);
    const avail = withNode(live(), 'c4', (n) => ({ ...n, availableFeatures: ['bigmem'] }));
    const ops = diffPlan(p, avail, { ownership: OWNERSHIP, ledger: emptyLedger() });
    expect(ops.map((o) => [o.kind, o.target, o.after])).toEqual([
      ['set-features', 'c4', { activeFeatures: ['bigmem'] }],
    ]);
    const next = afterOperations(avail, ops);
    const ledger = ledgerAfter(emptyLedger(), ops);
    const release = diffPlan(plan([]), next, { ownership: OWNERSHIP, ledger });
    expect(release.map((o) => [o.kind, o.target, o.after])).toEqual([
      ['set-features', 'c4', { activeFeatures: [] }],
    ]);
    // An admin changed c4's features since: they are theirs, nothing is restored.
    const adminChanged = withNode(next, 'c4', (n) => ({ ...n, activeFeatures: [] }));
    expect(diffPlan(plan([]), adminChanged, { ownership: OWNERSHIP, ledger })).toEqual([]);
  });

  it('chooses nodes deterministically whatever order Slurm lists them in, free nodes before held ones', () => {
    const action = reservationAction({
      key: 'cpu.research',
      nodeType: 'cpu-8c',
      partition: 'cpu',
      nodeCount: 2,
    });
    const state = live({ reservations: [reservation({ name: 'admin-hold', nodeNames: ['c3'] })] });
    const a = diffPlan(plan([action]), state, { ownership: OWNERSHIP, ledger: emptyLedger() });
    const b = diffPlan(
      plan([action]),
      { ...state, nodes: [...state.nodes].reverse() },
      { ownership: OWNERSHIP, ledger: emptyLedger() },
    );
    expect(a).toEqual(b);
    expect(a[0]?.after?.['nodes']).toEqual(['c4', 'c5']);
  });
});

describe('pruneLedger', () => {
  it('drops what Slurm made untrue: a node it powered down again, features a restart reset, a reservation gone', () => {
    let ledger = withEffect(emptyLedger(), { type: 'powered-up', node: 'c5' }, 'power:cpu-8c', NOW_S);
    ledger = withEffect(
      ledger,
      { type: 'features-set', node: 'c2', original: ['bigmem', 'ib'], set: ['ib'] },
      'f',
      NOW_S,
    );
    ledger = withEffect(ledger, { type: 'reservation-created', name: h100Name, key: 'k' }, 'r', NOW_S);
    // c5 is powered down (SuspendTime), c2 has its configured features again, no reservation exists.
    const pruned = pruneLedger(ledger, live());
    expect(pruned).toEqual(emptyLedger());
    const kept = pruneLedger(
      ledger,
      withNode(
        withNode(live({ reservations: [reservation({ name: h100Name, nodeNames: ['c2'] })] }), 'c5', (n) => ({
          ...n,
          power: { ...n.power, poweredDown: false },
        })),
        'c2',
        (n) => ({ ...n, activeFeatures: ['ib'] }),
      ),
    );
    expect(kept).toEqual(ledger);
  });
});

describe('enforceCaps', () => {
  const caps = {
    maxNodesPoweredPerCycle: 1,
    maxReservationChangesPerCycle: 1,
    maxPartitionShareReserved: 0.5,
  };

  it('caps power-ups and reservation changes per cycle, never releases', () => {
    const state = live({
      nodes: [...live().nodes, { ...live().nodes[4]!, name: 'c6' }],
      reservations: [
        reservation({ name: ownedReservationName(OWNERSHIP, 'old'), nodeNames: ['c1'], partition: 'gpu' }),
      ],
    });
    const p = plan([
      keepPowered({ count: 4 }),
      reservationAction(),
      reservationAction({
        id: 'res:cpu',
        key: 'cpu.research',
        nodeType: 'cpu-8c',
        partition: 'cpu',
        nodeCount: 1,
      }),
    ]);
    const ops = diffPlan(p, state, { ownership: OWNERSHIP, ledger: emptyLedger() });
    const capped = enforceCaps(ops, state.nodes, new Map([['gpu', 1]]), {
      ...caps,
      maxPartitionShareReserved: 1,
    });
    expect(capped.map((c) => [c.operation.kind, c.operation.target, c.cappedBy !== undefined])).toEqual([
      ['delete-reservation', ownedReservationName(OWNERSHIP, 'old'), false],
      ['create-reservation', h100Name, false],
      ['create-reservation', ownedReservationName(OWNERSHIP, 'cpu.research'), true],
      ['power-up', 'c5', false],
      ['power-up', 'c6', true],
    ]);
  });

  it("caps the share of a partition's nodes held by owned reservations", () => {
    const action = reservationAction({
      key: 'cpu.research',
      nodeType: 'cpu-8c',
      partition: 'cpu',
      nodeCount: 2,
    });
    const ops = diffPlan(plan([action]), live(), { ownership: OWNERSHIP, ledger: emptyLedger() });
    // cpu has 3 nodes; 2 of 3 is more than half.
    const [only] = enforceCaps(ops, live().nodes, new Map(), { ...caps, maxReservationChangesPerCycle: 5 });
    expect(only?.cappedBy).toContain('act.maxPartitionShareReserved');
    const [allowed] = enforceCaps(ops, live().nodes, new Map(), { ...caps, maxPartitionShareReserved: 0.7 });
    expect(allowed?.cappedBy).toBeUndefined();
  });
});

describe('revertDiff', () => {
  it('undoes one action or everything owned, from the ledger and verified names', () => {
    const p = plan([reservationAction(), keepPowered(), setFeatures({ count: 2 })]);
    const state = withNode(live(), 'c4', (n) => ({ ...n, availableFeatures: ['bigmem'] }));
    const ops = diffPlan(p, state, { ownership: OWNERSHIP, ledger: emptyLedger() });
    const next = afterOperations(state, ops);
    const ledger = ledgerAfter(emptyLedger(), ops);
    const one = revertDiff(next, { ownership: OWNERSHIP, ledger }, { actionId: 'power:cpu-8c' });
    expect(one.operations.map((o) => [o.kind, o.target])).toEqual([['power-down', 'c5']]);
    const all = revertDiff(next, { ownership: OWNERSHIP, ledger }, { allOwned: true });
    expect(all.operations.map((o) => [o.kind, o.target])).toEqual([
      ['delete-reservation', h100Name],
      ['power-down', 'c5'],
      ['set-features', 'c4'],
    ]);
    const back = afterOperations(next, all.operations);
    expect(back.reservations).toEqual([]);
    expect(back.nodes).toEqual(state.nodes);
  });
});
