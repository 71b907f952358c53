import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Node, Reservation } from '../../../sdk/index.js';
import { parseScontrolNodes } from '../../../sdk/parse/scontrol.js';
import type { LiveState, Operation } from '../../../src/act/index.js';
import type { Plan, PlanAction } from '../../../src/plan/plan.js';

/**
 * Live states for the actuator's unit tests: the lab's nodes as Slurm 22.05 printed them (recorded
 * `scontrol show node -o`), with c5 as the lab starts it (a powered-down CLOUD node), and a model of
 * what each operation does to that state, so a test can apply a diff and diff again.
 */

export const NOW_S = 1_795_600_000;
export const SECRET = 'ab'.repeat(32);
export const OWNERSHIP = { prefix: 'slurmcast-', secret: SECRET };

export function labNodes(): Node[] {
  const text = readFileSync(join('test/fixtures/slurm-22.05/scontrol-show-node.txt'), 'utf8');
  return parseScontrolNodes(text).map((n) =>
    n.name === 'c5'
      ? {
          ...n,
          state: 'IDLE',
          stateFlags: ['CLOUD', 'POWERED_DOWN'],
          power: { cloud: true, poweredDown: true, poweringUp: false, poweringDown: false },
        }
      : n,
  );
}

export function live(overrides: Partial<LiveState> = {}): LiveState {
  return { nowS: NOW_S, reservations: [], nodes: labNodes(), ...overrides };
}

export function withNode(state: LiveState, name: string, change: (n: Node) => Node): LiveState {
  return { ...state, nodes: state.nodes.map((n) => (n.name === name ? change(n) : n)) };
}

export function reservation(r: Partial<Reservation> & { name: string; nodeNames: string[] }): Reservation {
  return {
    startEpochS: NOW_S - 60,
    endEpochS: NOW_S + 3600,
    nodes: r.nodeNames.join(','),
    nodeCount: r.nodeNames.length,
    coreCount: 8 * r.nodeNames.length,
    partition: null,
    features: null,
    flags: [],
    users: [],
    accounts: ['research'],
    tres: {
      cpu: 8 * r.nodeNames.length,
      memMiB: null,
      nodeCount: r.nodeNames.length,
      billing: null,
      gpuCount: null,
      gpuByType: {},
      other: {},
    },
    ...r,
  };
}

const forecast = {
  pool: 'gpu/h100',
  series: 'demand_nodes',
  model: 'seasonal-naive',
  quantile: 0.9,
  horizonStep: 0,
  issuedAtS: NOW_S - 600,
};

export function reservationAction(
  over: Partial<Extract<PlanAction, { kind: 'reservation' }>> = {},
): PlanAction {
  return {
    kind: 'reservation',
    id: 'res:gpu-h100x2.research',
    reason: 'burst of h100 jobs for research expected',
    forecast,
    fromS: NOW_S - 60,
    toS: NOW_S + 4 * 3600,
    key: 'gpu-h100x2.research',
    nodeType: 'gpu-h100x2',
    nodeCount: 1,
    partition: 'gpu',
    accounts: ['research'],
    users: [],
    features: null,
    ...over,
  };
}

export function keepPowered(over: Partial<Extract<PlanAction, { kind: 'keep-powered' }>> = {}): PlanAction {
  return {
    kind: 'keep-powered',
    id: 'power:cpu-8c',
    reason: 'cpu demand rises at 14:00',
    forecast,
    fromS: NOW_S + 600,
    toS: NOW_S + 4 * 3600,
    nodeType: 'cpu-8c',
    count: 3,
    powerUpAtS: NOW_S - 10,
    ...over,
  };
}

export function setFeatures(over: Partial<Extract<PlanAction, { kind: 'set-features' }>> = {}): PlanAction {
  return {
    kind: 'set-features',
    id: 'features:cpu-8c.bigmem',
    reason: 'bigmem jobs expected',
    forecast,
    fromS: NOW_S - 10,
    toS: NOW_S + 3600,
    nodeType: 'cpu-8c',
    count: 2,
    activeFeatures: ['bigmem'],
    ...over,
  };
}

export function plan(actions: PlanAction[]): Plan {
  return {
    createdAtS: NOW_S - 60,
    horizonEndS: NOW_S + 24 * 3600,
    actions,
    explanation: { objective: 'minimise cost', objectiveValue: 0, binding: [], solver: 'hand-made' },
  };
}

/** What Slurm would hold after the operations, as far as the actuator reads it back. */
export function afterOperations(state: LiveState, ops: readonly Operation[]): LiveState {
  let reservations = [...state.reservations];
  let nodes = [...state.nodes];
  for (const op of ops) {
    const req = op.request;
    switch (req.kind) {
      case 'create-reservation': {
        const i = req.input;
        reservations.push(
          reservation({
            name: i.name,
            nodeNames: i.nodes ?? [],
            startEpochS: i.start === 'now' ? state.nowS : i.start,
            endEpochS: i.endEpochS ?? null,
            partition: i.partition ?? null,
            accounts: i.accounts ?? [],
            users: i.users ?? [],
          }),
        );
        break;
      }
      case 'update-reservation': {
        const i = req.input;
        reservations = reservations.map((r) =>
          r.name !== i.name
            ? r
            : {
                ...r,
                ...(i.nodes === undefined ? {} : { nodeNames: i.nodes, nodeCount: i.nodes.length }),
                ...(i.accounts === undefined ? {} : { accounts: i.accounts }),
                ...(i.users === undefined ? {} : { users: i.users }),
                ...(i.endEpochS === undefined ? {} : { endEpochS: i.endEpochS }),
                ...(i.start === undefined ? {} : { startEpochS: i.start === 'now' ? state.nowS : i.start }),
              },
        );
        break;
      }
      case 'delete-reservation':
        reservations = reservations.filter((r) => r.name !== req.input.name);
        break;
      case 'power-up':
      case 'power-down': {
        const up = req.kind === 'power-up';
        nodes = nodes.map((n) =>
          req.input.nodes.includes(n.name)
            ? {
                ...n,
                stateFlags: up
                  ? n.stateFlags.filter((f) => f !== 'POWERED_DOWN')
                  : [...n.stateFlags, 'POWERED_DOWN'],
                power: { ...n.power, poweredDown: !up },
              }
            : n,
        );
        break;
      }
      case 'set-features':
        nodes = nodes.map((n) =>
          req.input.nodes.includes(n.name) ? { ...n, activeFeatures: req.input.active } : n,
        );
        break;
    }
  }
  return { ...state, reservations, nodes };
}
