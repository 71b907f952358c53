import { describe, expect, it } from 'vitest';
import { readAlibabaNodes, readAlibabaPods } from '../../../src/collect/alibaba.js';
import { capacityByGpuType } from '../../../src/collect/inventory.js';
import { readSwf } from '../../../src/collect/swf.js';
import { tracePath } from '../../traces.js';

// The published logs, read in place, never copied into the project; a missing one fails (test/traces.ts).

async function countSwf(file: string): Promise<{ jobs: number; skipped: number; partitions: Set<string> }> {
  const read = readSwf(tracePath(file));
  const partitions = new Set<string>();
  let jobs = 0;
  for await (const batch of read) {
    jobs += batch.length;
    for (const r of batch) partitions.add(r.partition);
  }
  expect(read.summary.jobs).toBe(jobs);
  return { jobs, skipped: read.summary.skipped, partitions };
}

describe('importing the real workload logs', { timeout: 15_000 }, () => {
  it('reads every job of KTH-SP2 (28,476) as one pool', async () => {
    const { jobs, skipped, partitions } = await countSwf('KTH-SP2-1996-2.1-cln.swf.gz');
    expect({ jobs, skipped }).toEqual({ jobs: 28_476, skipped: 0 });
    expect([...partitions]).toEqual(['default']);
  });

  it('reads every job of CEA-Curie (312,826) with partition names from the header', async () => {
    const { jobs, skipped, partitions } = await countSwf('CEA-Curie-2011-2.1-cln.swf.gz');
    expect({ jobs, skipped }).toEqual({ jobs: 312_826, skipped: 0 });
    expect(partitions).toContain('standard');
    expect(partitions).toContain('large');
    expect(partitions).toContain('hybrid');
  });

  it('reads both Alibaba pod lists (8,152 tasks each) and the node list (1,523 nodes, 6,212 GPUs)', async () => {
    const start = '2023-01-01T00:00:00Z';
    for (const name of ['default', 'gpuspec33']) {
      const pods = await readAlibabaPods(tracePath(`alibaba-gpu-v2023-openb_pod_list_${name}.csv.gz`), {
        start,
      });
      expect({ name, tasks: pods.records.length, skipped: pods.skipped }).toEqual({
        name,
        tasks: 8152,
        skipped: 0,
      });
    }
    const inventory = await readAlibabaNodes(tracePath('alibaba-gpu-v2023-openb_node_list_all_node.csv.gz'));
    expect(inventory.nodes).toHaveLength(1523);
    const capacity = capacityByGpuType(inventory);
    expect(capacity.reduce((sum, c) => sum + c.gpus, 0)).toBe(6212);
    expect(capacity.find((c) => c.gpuType === 'G2')?.nodes).toBe(549);
    expect(capacity.find((c) => c.gpuType === null)?.nodes).toBe(310);
  });
});
