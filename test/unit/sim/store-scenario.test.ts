import { describe, expect, it } from 'vitest';
import { importAlibabaGpu } from '../../../src/collect/import-history.js';
import { ClusterInventoryError } from '../../../src/sim/errors.js';
import { scenarioFromStore } from '../../../src/sim/store-scenario.js';
import { MemoryStore } from '../../../src/store/memory.js';

const pods = 'test/fixtures/alibaba/pods.csv';
const nodes = 'test/fixtures/alibaba/nodes.csv';
const start = '2023-01-01T00:00:00Z';

/** A store holding the fixture pods, with the node list as inventory unless `withNodes` is false. */
async function aliStore(options: { withNodes?: boolean; source?: string } = {}): Promise<MemoryStore> {
  const store = new MemoryStore();
  await importAlibabaGpu(store, {
    podsPath: pods,
    start,
    ...(options.withNodes === false ? {} : { nodesPath: nodes }),
    ...(options.source === undefined ? {} : { source: options.source }),
  });
  return store;
}

async function inventoryError(run: Promise<unknown>): Promise<ClusterInventoryError> {
  const error: unknown = await run.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ClusterInventoryError);
  return error as ClusterInventoryError;
}

describe('a replay of the history store', () => {
  it('runs on the imported node inventory: every pod that ran is replayed, on the pools of its GPU type', async () => {
    const scenario = await scenarioFromStore(await aliStore(), { timeZone: 'UTC' });
    expect(scenario.cluster.pools.map((p) => p.name)).toEqual(['default/t4', 'default', 'default/v100m32']);
    expect(scenario.workload.count).toBe(3);
    expect(scenario.workload.rejected).toBe(0);
    expect(scenario.machine).toEqual({
      from: 'inventory',
      inventory: 'alibaba:pods',
      atS: Date.parse(start) / 1000,
      nodesInSeveralPartitions: 0,
    });
  });

  it('runs on the one-pool machine given instead, where the GPU pods are rejected', async () => {
    const scenario = await scenarioFromStore(await aliStore(), {
      timeZone: 'UTC',
      onePool: { nodeCount: 10, cpusPerNode: 96 },
    });
    expect(scenario.cluster.pools).toHaveLength(1);
    expect(scenario.workload.count).toBe(0);
    expect(scenario.workload.rejected).toBe(3);
    expect(scenario.machine?.from).toBe('size');
  });

  it('runs on the inventory given instead of the stored one', async () => {
    const store = await aliStore({ withNodes: false });
    const inventory = {
      label: 'only-t4.csv',
      nodes: [
        {
          name: 't4-0',
          partitions: [],
          cpuCount: 64,
          memMiB: 524_288,
          gpuCount: 2,
          gpuType: 'T4',
          features: [],
        },
      ],
    };
    const scenario = await scenarioFromStore(store, { timeZone: 'UTC', inventory });
    // pod-c asks for V100 GPUs, which this machine lacks; pod-a (any GPU) and pod-b (T4) run.
    expect(scenario.workload.count).toBe(2);
    expect(scenario.workload.rejected).toBe(1);
    expect(scenario.machine).toMatchObject({ from: 'inventory', inventory: 'only-t4.csv', atS: null });
  });

  it('says the store has no inventory for the source, and how to give the machine', async () => {
    const error = await inventoryError(
      scenarioFromStore(await aliStore({ withNodes: false }), { timeZone: 'UTC' }),
    );
    expect(error.code).toBe('no-inventory');
    expect(error.inventory).toBe('alibaba:pods');
    expect(error.message).toContain('--cpus-per-node');
  });

  it('asks which source when the jobs come from several', async () => {
    const store = await aliStore();
    await importAlibabaGpu(store, {
      podsPath: pods,
      nodesPath: nodes,
      start: '2024-01-01',
      source: 'alibaba:b',
    });
    const error = await inventoryError(scenarioFromStore(store, { timeZone: 'UTC' }));
    expect(error.code).toBe('several-sources');
    expect(error.message).toContain('alibaba:b, alibaba:pods');
    const one = await scenarioFromStore(store, { timeZone: 'UTC', source: 'alibaba:b' });
    expect(one.machine?.inventory).toBe('alibaba:b');
    expect(one.workload.count).toBe(3);
  });

  it('refuses an inventory with no nodes', async () => {
    const error = await inventoryError(
      scenarioFromStore(await aliStore(), { timeZone: 'UTC', inventory: { label: 'empty.csv', nodes: [] } }),
    );
    expect(error.code).toBe('no-nodes');
    expect(error.message).toContain('empty.csv');
  });
});
