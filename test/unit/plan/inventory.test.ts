import { describe, expect, it } from 'vitest';
import { NodeSchema, type Node } from '../../../sdk/models.js';
import { parseScontrolNodes } from '../../../sdk/parse/scontrol.js';
import { nodesFromRest } from '../../../sdk/rest/v0_0_38.js';
import { InvalidPlanInputError } from '../../../src/plan/errors.js';
import { inventoryFromNodes, isUsableNode } from '../../../src/plan/inventory.js';
import { InventorySchema } from '../../../src/plan/plan.js';
import { fixture } from '../sdk/fixtures.js';

const AT_S = 1_795_603_800;

describe('inventoryFromNodes on the recorded Slurm 22.05 nodes', () => {
  const fromScontrol = inventoryFromNodes(parseScontrolNodes(fixture('scontrol-show-node.txt')), {
    atS: AT_S,
    nodeTypes: { 'gpu-h100x2': { pricePerNodeHour: 3, bootS: 120 } },
  });

  it('groups the nodes into named types with boot time and price from the options or the defaults', () => {
    InventorySchema.parse(fromScontrol);
    expect(
      fromScontrol.nodeTypes.map((t) => [t.name, t.gpuType, t.gpuCount, t.features, t.partitions]),
    ).toEqual([
      ['cpu-8c-bigmem', null, 0, ['bigmem'], ['all', 'cpu']],
      ['cpu-8c-nofeatures', null, 0, [], ['all', 'cpu']],
      ['gpu-a100x4', 'a100', 4, ['ib'], ['all', 'gpu']],
      ['gpu-h100x2', 'h100', 2, ['bigmem', 'ib'], ['all', 'gpu']],
    ]);
    const h100 = fromScontrol.nodeTypes.find((t) => t.name === 'gpu-h100x2');
    expect(h100).toMatchObject({ cpus: 8, memMiB: 16_000, bootS: 120, pricePerNodeHour: 3 });
    // Defaults from the parameter table: bootS 300, pricePerNodeHour 1.
    expect(fromScontrol.nodeTypes.find((t) => t.name === 'gpu-a100x4')).toMatchObject({
      bootS: 300,
      pricePerNodeHour: 1,
    });
  });

  it('maps the power flags: c5 was recorded suspending', () => {
    expect(fromScontrol.nodes.map((n) => [n.name, n.type, n.power, n.usable])).toEqual([
      ['c1', 'gpu-a100x4', 'on', true],
      ['c2', 'gpu-h100x2', 'on', true],
      ['c3', 'cpu-8c-bigmem', 'on', true],
      ['c4', 'cpu-8c-nofeatures', 'on', true],
      ['c5', 'cpu-8c-nofeatures', 'powering-down', true],
    ]);
    expect(fromScontrol.nodes.find((n) => n.name === 'c2')?.activeFeatures).toEqual(['bigmem', 'ib']);
  });

  it('gives the same types from the REST fixture as from scontrol', () => {
    const fromRest = inventoryFromNodes(nodesFromRest(fixture('rest-v0.0.38-nodes.json')), {
      atS: AT_S,
      nodeTypes: { 'gpu-h100x2': { pricePerNodeHour: 3, bootS: 120 } },
    });
    expect(fromRest.nodeTypes).toEqual(fromScontrol.nodeTypes);
    expect(fromRest.nodes.map((n) => n.type)).toEqual(fromScontrol.nodes.map((n) => n.type));
  });
});

function node(overrides: Partial<Node>): Node {
  return NodeSchema.parse({
    name: 'n1',
    state: 'IDLE',
    stateFlags: [],
    power: { cloud: false, poweredDown: false, poweringUp: false, poweringDown: false },
    cpus: 64,
    cpusAllocated: 0,
    realMemoryMiB: 256_000,
    allocatedMemoryMiB: 0,
    gres: [],
    availableFeatures: [],
    activeFeatures: [],
    partitions: ['cpu'],
    reason: null,
    ...overrides,
  });
}

describe('inventoryFromNodes: usability and power', () => {
  it('never counts DOWN, DRAIN, DRAINED, FAIL or NOT_RESPONDING nodes as usable', () => {
    const cases: [Partial<Node>, boolean][] = [
      [{ state: 'IDLE' }, true],
      [{ state: 'MIXED' }, true],
      [{ state: 'ALLOCATED' }, true],
      [{ state: 'IDLE', stateFlags: ['CLOUD', 'POWERED_DOWN'] }, true],
      [{ state: 'DOWN' }, false],
      [{ state: 'IDLE', stateFlags: ['DRAIN'] }, false],
      [{ state: 'DRAINED' }, false],
      [{ state: 'MIXED', stateFlags: ['DRAIN'] }, false],
      [{ state: 'FAIL' }, false],
      [{ state: 'IDLE', stateFlags: ['NOT_RESPONDING'] }, false],
      [{ state: 'IDLE', stateFlags: ['MAINTENANCE'] }, false],
    ];
    for (const [overrides, usable] of cases)
      expect([overrides, isUsableNode(node(overrides))]).toEqual([overrides, usable]);
  });

  it('maps each power flag to a power state', () => {
    const power = (p: Partial<Node['power']>): Node['power'] => ({
      cloud: true,
      poweredDown: false,
      poweringUp: false,
      poweringDown: false,
      ...p,
    });
    const inv = inventoryFromNodes(
      [
        node({ name: 'a', power: power({ poweredDown: true }) }),
        node({ name: 'b', power: power({ poweringUp: true }) }),
        node({ name: 'c', power: power({ poweringDown: true }) }),
        node({ name: 'd', power: power({}) }),
      ],
      { atS: AT_S },
    );
    expect(inv.nodes.map((n) => n.power)).toEqual(['powered-down', 'powering-up', 'powering-down', 'on']);
  });

  it('refuses a non-finite time and a bad boot time in the options, naming what is wrong', () => {
    expect(() => inventoryFromNodes([node({})], { atS: Number.NaN })).toThrow(InvalidPlanInputError);
    let caught: unknown;
    try {
      inventoryFromNodes([node({})], { atS: AT_S, nodeTypes: { 'cpu-64c': { bootS: -5 } } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidPlanInputError);
    expect((caught as InvalidPlanInputError).issues[0]?.path).toBe('nodeTypes.cpu-64c.bootS');
  });
});

describe('inventoryFromNodes on 5,000 synthetic nodes', () => {
  it('finds each shape once, names it the same whatever the node order, and counts every node', () => {
    const shapes: Partial<Node>[] = [
      { cpus: 64, partitions: ['cpu'] },
      { cpus: 128, partitions: ['cpu'] },
      {
        cpus: 64,
        gres: [{ name: 'gpu', type: 'h100', count: 8 }],
        availableFeatures: ['ib'],
        partitions: ['gpu'],
      },
      { cpus: 64, gres: [{ name: 'gpu', type: 'a100', count: 4 }], partitions: ['gpu'] },
      { cpus: 64, realMemoryMiB: 512_000, partitions: ['cpu'] },
    ];
    const list = Array.from({ length: 5_000 }, (_, i) =>
      node({
        ...shapes[i % shapes.length],
        name: `n${i}`,
        state: i % 97 === 0 ? 'DOWN' : 'IDLE',
      }),
    );
    const inv = inventoryFromNodes(list, { atS: AT_S });
    expect(inv.nodeTypes.map((t) => t.name)).toEqual([
      'cpu-128c',
      'cpu-64c-256000m',
      'cpu-64c-512000m',
      'gpu-a100x4',
      'gpu-h100x8',
    ]);
    expect(inv.nodes).toHaveLength(5_000);
    expect(inv.nodes.filter((n) => !n.usable)).toHaveLength(Math.ceil(5_000 / 97));
    const reversed = inventoryFromNodes([...list].reverse(), { atS: AT_S });
    expect(reversed.nodeTypes).toEqual(inv.nodeTypes);
    const typeOf = new Map(reversed.nodes.map((n) => [n.name, n.type]));
    expect(inv.nodes.every((n) => typeOf.get(n.name) === n.type)).toBe(true);
  });
});
