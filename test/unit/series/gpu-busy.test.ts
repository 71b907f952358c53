import { describe, expect, it } from 'vitest';
import { ParameterRangeError } from '../../../src/config/params.js';
import { gpuBusyByNode } from '../../../src/series/gpu-busy.js';
import type { GpuUseRecord } from '../../../src/shared/gpu-use-record.js';

const use = (overrides: Partial<GpuUseRecord> & Pick<GpuUseRecord, 'jobId'>): GpuUseRecord => ({
  source: 'slurm:lab',
  node: 'c2',
  user: 'alice',
  gpuCount: 1,
  sampleCount: 2,
  meanUtilPct: 90,
  maxUtilPct: 95,
  maxMemUsedMiB: 1000,
  firstSampleS: 900,
  lastSampleS: 1000,
  ...overrides,
});

describe('gpuBusyByNode', () => {
  it('tells reserved-and-busy GPUs from reserved-but-idle ones per node', () => {
    const records = [
      use({ jobId: '1', gpuCount: 1, meanUtilPct: 90 }),
      use({ jobId: '2', gpuCount: 1, meanUtilPct: 2 }),
      use({ jobId: '3', node: 'c1', gpuCount: 4, meanUtilPct: 0 }),
      use({ jobId: '4', node: 'c1', gpuCount: 1, meanUtilPct: null, maxUtilPct: null }),
    ];
    expect(gpuBusyByNode(records, 0)).toEqual([
      {
        node: 'c1',
        sampledJobs: 2,
        gpusSampled: 5,
        busyGpus: 0,
        idleGpus: 4,
        unknownGpus: 1,
        meanUtilPct: 0,
      },
      {
        node: 'c2',
        sampledJobs: 2,
        gpusSampled: 2,
        busyGpus: 1,
        idleGpus: 1,
        unknownGpus: 0,
        meanUtilPct: 46,
      },
    ]);
  });

  it('counts only jobs sampled since the cut-off', () => {
    const records = [
      use({ jobId: 'old', lastSampleS: 499, meanUtilPct: 0 }),
      use({ jobId: 'new', lastSampleS: 500 }),
    ];
    expect(gpuBusyByNode(records, 500).map((n) => [n.node, n.sampledJobs, n.busyGpus, n.idleGpus])).toEqual([
      ['c2', 1, 1, 0],
    ]);
  });

  it('takes the busy share from the options, checked against its range', () => {
    const records = [use({ jobId: '1', meanUtilPct: 30 })];
    expect(gpuBusyByNode(records, 0)[0]?.busyGpus).toBe(1);
    expect(gpuBusyByNode(records, 0, { busyShare: 0.5 })[0]?.busyGpus).toBe(0);
    expect(() => gpuBusyByNode(records, 0, { busyShare: 30 })).toThrow(ParameterRangeError);
  });
});
