import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  alibabaSourceName,
  canonicalGpuSpec,
  readAlibabaNodes,
  readAlibabaPods,
} from '../../../src/collect/alibaba.js';
import { TraceFormatError } from '../../../src/collect/errors.js';
import { capacityByGpuType, NodeInventorySchema } from '../../../src/collect/inventory.js';
import { JobRecordSchema } from '../../../src/shared/job-record.js';

const fixtures = new URL('../../fixtures/alibaba/', import.meta.url).pathname;
const pods = join(fixtures, 'pods.csv');
const nodes = join(fixtures, 'nodes.csv');
const T0 = 1672531200; // 2023-01-01T00:00:00Z

describe('Alibaba GPU trace pods', () => {
  it('maps tasks to job records anchored at --start', async () => {
    const result = await readAlibabaPods(pods, { start: '2023-01-01T00:00:00Z' });
    expect(result.traceEndS).toBe(10800);
    const byId = new Map(result.records.map((r) => [r.jobId, r]));
    expect(byId.get('pod-a')).toMatchObject({
      state: 'COMPLETED',
      submitS: T0,
      startS: T0,
      endS: T0 + 7200,
      cpuCount: 8,
      memMiB: 16384,
      gpuCount: 1,
      gpuType: null,
      qos: 'LS',
    });
    // A shared GPU counts its share; the spec is its GPU type.
    expect(byId.get('pod-b')).toMatchObject({
      state: 'COMPLETED',
      exitCode: 0,
      gpuCount: 0.5,
      gpuType: 'T4',
      startS: T0 + 1200,
    });
    // "any of" specs are made canonical: duplicates dropped, sorted.
    expect(byId.get('pod-c')).toMatchObject({ state: 'FAILED', gpuCount: 8, gpuType: 'V100M16|V100M32' });
    // Deleted while pending: cancelled, never started, left the queue at deletion.
    expect(byId.get('pod-d')).toMatchObject({
      state: 'CANCELLED',
      startS: null,
      endS: T0 + 5400,
      gpuCount: 0,
      gpuType: null,
    });
    // Still pending / running when the trace was cut: end unknown.
    expect(byId.get('pod-e')).toMatchObject({ state: 'PENDING', startS: null, endS: null, gpuCount: 0.25 });
    expect(byId.get('pod-f')).toMatchObject({ state: 'RUNNING', startS: T0 + 7300, endS: null, gpuCount: 2 });
    expect(result.records.every((r) => JobRecordSchema.safeParse(r).success)).toBe(true);
    expect(result.source).toBe('alibaba:pods');
  });

  it('skips a malformed row with its line number, or rejects the file in strict mode', async () => {
    const result = await readAlibabaPods(pods, { start: T0 });
    expect(result.rows).toBe(7);
    expect(result.records).toHaveLength(6);
    expect(result.skips).toEqual([
      { line: 8, reason: expect.stringContaining('cpu_milli') as unknown as string },
    ]);
    await expect(readAlibabaPods(pods, { start: T0, strict: true })).rejects.toMatchObject({
      name: 'TraceFormatError',
      line: 8,
    });
  });

  it('needs a valid start', async () => {
    await expect(readAlibabaPods(pods, { start: 'yesterday' })).rejects.toBeInstanceOf(TraceFormatError);
  });

  it('names sources and GPU types', () => {
    expect(alibabaSourceName('/x/alibaba-gpu-v2023-openb_pod_list_gpuspec33.csv.gz')).toBe(
      'alibaba:gpuspec33',
    );
    expect(canonicalGpuSpec('')).toBeNull();
    expect(canonicalGpuSpec('T4|A10|T4')).toBe('A10|T4');
  });
});

describe('Alibaba GPU trace nodes', () => {
  it('reads the node list into an inventory with GPU types', async () => {
    const inventory = await readAlibabaNodes(nodes);
    expect(NodeInventorySchema.parse(inventory)).toEqual(inventory);
    expect(inventory.nodes[0]).toEqual({
      name: 'node-0',
      cpus: 32,
      memMiB: 262144,
      gpuCount: 0,
      gpuType: null,
    });
    expect(capacityByGpuType(inventory)).toEqual([
      { gpuType: 'V100M32', nodes: 1, gpus: 8, cpus: 96, memMiB: 786432 },
      { gpuType: 'T4', nodes: 2, gpus: 4, cpus: 128, memMiB: 1048576 },
      { gpuType: null, nodes: 1, gpus: 0, cpus: 32, memMiB: 262144 },
    ]);
  });

  it('rejects a node list with a missing column', async () => {
    await expect(readAlibabaNodes(pods)).rejects.toMatchObject({ name: 'TraceFormatError', line: 1 });
  });
});
