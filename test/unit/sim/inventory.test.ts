import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAlibabaNodes, readAlibabaPods } from '../../../src/collect/alibaba.js';
import { inventorySnapshot } from '../../../src/collect/import-history.js';
import { ClusterInventoryError } from '../../../src/sim/errors.js';
import {
  checkedInventoryNodes,
  nodesInSeveralPartitions,
  poolsFromNodes,
  type PoolNode,
} from '../../../src/sim/inventory.js';
import type { ClusterSpec } from '../../../src/sim/types.js';
import { onePoolCluster, routeJob, workloadFromRecords } from '../../../src/sim/workload.js';
import type { JobRecord } from '../../../src/shared/job-record.js';

const fixtures = new URL('../../fixtures/alibaba/', import.meta.url).pathname;

/** The fixture node list as `import --nodes` stores it. */
async function fixtureNodes(): Promise<PoolNode[]> {
  const inventory = await readAlibabaNodes(join(fixtures, 'nodes.csv'));
  const snapshot = inventorySnapshot(inventory, inventory.source, 0);
  return checkedInventoryNodes({ label: 'nodes.csv', nodes: snapshot.nodes });
}

function node(name: string, extra: Partial<PoolNode> = {}): PoolNode {
  return {
    name,
    partitions: [],
    cpuCount: 32,
    memMiB: 131_072,
    gpuCount: 0,
    gpuType: null,
    features: [],
    ...extra,
  };
}

type JobShape = Pick<
  JobRecord,
  'partition' | 'features' | 'gpuType' | 'gpuCount' | 'nodeCount' | 'cpuCount' | 'memMiB'
>;
function job(extra: Partial<JobShape> = {}): JobShape {
  return {
    partition: 'default',
    features: [],
    gpuType: null,
    gpuCount: 0,
    nodeCount: 1,
    cpuCount: 1,
    memMiB: 1024,
    ...extra,
  };
}

const poolOf = (cluster: ClusterSpec, j: JobShape): string | null =>
  cluster.pools[routeJob(j, cluster).pool]?.name ?? null;

describe('pools from a node inventory', () => {
  it('makes one pool per GPU type of the Alibaba node list, with its node count and node size', async () => {
    const pools = poolsFromNodes(await fixtureNodes());
    expect(pools).toEqual([
      {
        name: 'default/t4',
        partition: 'default',
        nodeCount: 2,
        cpusPerNode: 64,
        memMiBPerNode: 524_288,
        gpusPerNode: 2,
        gpuType: 'T4',
        features: [],
      },
      {
        name: 'default',
        partition: 'default',
        nodeCount: 1,
        cpusPerNode: 32,
        memMiBPerNode: 262_144,
        gpusPerNode: 0,
        gpuType: null,
        features: [],
      },
      {
        name: 'default/v100m32',
        partition: 'default',
        nodeCount: 1,
        cpusPerNode: 96,
        memMiBPerNode: 786_432,
        gpusPerNode: 8,
        gpuType: 'V100M32',
        features: [],
      },
    ]);
  });

  it('splits node types of one GPU type by size and names them by it, whatever the node order', () => {
    const nodes = [
      node('a', { cpuCount: 104, memMiB: 524_288, gpuCount: 2, gpuType: 'T4' }),
      node('b', { cpuCount: 104, memMiB: 524_288, gpuCount: 2, gpuType: 'T4' }),
      node('c', { cpuCount: 96, memMiB: 393_216, gpuCount: 4, gpuType: 'T4' }),
    ];
    const forward = poolsFromNodes(nodes);
    expect(forward.map((p) => [p.name, p.nodeCount, p.gpusPerNode])).toEqual([
      ['default/t4:104cpu-512GiB-2gpu', 2, 2],
      ['default/t4:96cpu-384GiB-4gpu', 1, 4],
    ]);
    expect(poolsFromNodes([...nodes].reverse())).toEqual(forward);
  });

  it('keeps partitions and feature sets apart, and counts a node of two partitions in both', () => {
    const nodes = [
      node('g1', { partitions: ['gpu', 'all'], gpuCount: 4, gpuType: 'a100', features: ['ib', 'a100'] }),
      node('c1', { partitions: ['all'], features: ['bigmem'] }),
      node('c2', { partitions: ['all'] }),
    ];
    const pools = poolsFromNodes(nodes);
    expect(pools.map((p) => [p.name, p.partition, p.nodeCount, p.features])).toEqual([
      ['all', 'all', 1, []],
      ['all/a100[a100,ib]', 'all', 1, ['a100', 'ib']],
      ['all[bigmem]', 'all', 1, ['bigmem']],
      ['gpu/a100[a100,ib]', 'gpu', 1, ['a100', 'ib']],
    ]);
    expect(nodesInSeveralPartitions(nodes)).toBe(1);
  });

  it('gives a node with a GPU model but no GPUs no GPU type', () => {
    const [pool] = poolsFromNodes([node('x', { gpuType: 'T4', gpuCount: 0 })]);
    expect(pool).toMatchObject({ name: 'default', gpusPerNode: 0, gpuType: null });
  });
});

describe('inventory checks', () => {
  it('refuses an inventory with no nodes, naming it', () => {
    const check = (): PoolNode[] => checkedInventoryNodes({ label: 'empty.csv', nodes: [] });
    expect(check).toThrow(ClusterInventoryError);
    expect(check).toThrow(/empty\.csv: it lists no nodes/);
    try {
      check();
    } catch (error) {
      expect((error as ClusterInventoryError).code).toBe('no-nodes');
    }
  });

  it('names the node that cannot be one and what is wrong with it', () => {
    const nodes = [node('fine'), { ...node('node-7'), cpuCount: 0 }];
    let caught: unknown;
    try {
      checkedInventoryNodes({ label: 'alibaba:x', nodes });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ClusterInventoryError);
    expect((caught as ClusterInventoryError).code).toBe('bad-node');
    expect((caught as ClusterInventoryError).message).toMatch(/alibaba:x: node node-7: cpuCount: /);
  });
});

describe('routing jobs onto inventory pools', () => {
  it('sends each GPU job to the pools of its GPU type, CPU jobs to CPU nodes, and rejects unknown types', async () => {
    const cluster: ClusterSpec = { timeZone: 'UTC', pools: poolsFromNodes(await fixtureNodes()) };
    expect(poolOf(cluster, job({ gpuCount: 1, gpuType: 'T4' }))).toBe('default/t4');
    expect(poolOf(cluster, job({ gpuCount: 8, gpuType: 'V100M16|V100M32' }))).toBe('default/v100m32');
    expect(poolOf(cluster, job({ cpuCount: 8 }))).toBe('default');
    expect(poolOf(cluster, job({ gpuCount: 1 }))).toBe('default/t4');
    expect(routeJob(job({ gpuCount: 1, gpuType: 'A100' }), cluster).pool).toBe(-1);
  });

  it('puts a job on the node type that holds it in one node rather than spreading it over smaller ones', () => {
    const cluster: ClusterSpec = {
      timeZone: 'UTC',
      pools: poolsFromNodes([
        ...Array.from({ length: 5 }, (_, i) =>
          node(`small${i}`, { cpuCount: 16, gpuCount: 2, gpuType: 'P100' }),
        ),
        node('big', { cpuCount: 64, gpuCount: 2, gpuType: 'P100' }),
      ]),
    };
    expect(cluster.pools[0]?.nodeCount).toBe(5);
    const wide = job({ cpuCount: 64, gpuCount: 2, gpuType: 'P100' });
    expect(poolOf(cluster, wide)).toBe('default/p100:64cpu-128GiB-2gpu');
    expect(routeJob(wide, cluster).nodes).toBe(1);
    // A job both hold in one node goes to the type with more nodes, listed first.
    expect(poolOf(cluster, job({ cpuCount: 8, gpuCount: 1, gpuType: 'P100' }))).toBe(
      'default/p100:16cpu-128GiB-2gpu',
    );
  });

  it('replays every fixture pod that ran, where a one-pool CPU machine rejects the GPU ones', async () => {
    const pods = await readAlibabaPods(join(fixtures, 'pods.csv'), { start: 0 });
    const inventory: ClusterSpec = { timeZone: 'UTC', pools: poolsFromNodes(await fixtureNodes()) };
    const onInventory = workloadFromRecords(pods.records, inventory);
    expect(onInventory.count).toBe(3);
    expect(onInventory.rejected).toBe(0);
    const names = Array.from(onInventory.pool, (p) => inventory.pools[p]?.name).sort();
    expect(names).toEqual(['default/t4', 'default/t4', 'default/v100m32']);
    const cpuOnly = workloadFromRecords(
      pods.records,
      onePoolCluster({ nodeCount: 4, cpusPerNode: 96, timeZone: 'UTC' }),
    );
    expect(cpuOnly.count).toBe(0);
    expect(cpuOnly.rejected).toBe(3);
  });
});
