import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../../src/shared/job-record.js';
import { openEmbeddedStore } from '../../../src/store/sqlite.js';
import { runCli } from './cli.js';

function gpuJob(i: number, user: string): JobRecord {
  const submitS = 1_700_000_000 + i * 600;
  return {
    source: 'slurm:lab',
    jobId: String(100 + i),
    name: 'train',
    user,
    account: 'research',
    partition: 'gpu',
    qos: null,
    state: 'COMPLETED',
    exitCode: 0,
    submitS,
    eligibleS: submitS,
    startS: submitS + 5,
    endS: submitS + 305,
    timeLimitS: 3600,
    nodeCount: 1,
    cpuCount: 4,
    memMiB: 4096,
    gpuCount: 2,
    gpuType: 'h100',
    features: [],
    reservation: null,
    maxRssMiB: null,
    totalCpuS: null,
  };
}

describe('predict-job: GPUs actually used from the stored GPU samples', () => {
  let dir: string | undefined;
  let storePath: string;
  const jobs = [...Array.from({ length: 10 }, (_, i) => gpuJob(i, 'alice')), gpuJob(10, 'bob')];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slurmcast-cli-gpu-'));
    storePath = join(dir, 'history.db');
    const store = openEmbeddedStore(storePath);
    await store.upsertJobs(jobs);
    // Alice's earlier jobs kept one of their two GPUs busy (50 %); bob was never sampled.
    await store.upsertGpuUse(
      jobs
        .filter((j) => j.user === 'alice' && j.jobId !== '109')
        .map((j) => ({
          source: j.source,
          jobId: j.jobId,
          node: 'c2',
          user: j.user,
          gpuCount: 2,
          sampleCount: 2,
          meanUtilPct: 50,
          maxUtilPct: 90,
          maxMemUsedMiB: 20_000,
          firstSampleS: j.startS ?? 0,
          lastSampleS: j.endS ?? 0,
        })),
    );
    await store.close();
  });
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('reports the GPUs the user’s earlier jobs really used instead of the request', async () => {
    const result = await runCli(['--json', 'predict-job', '--store', storePath, '--job', '109']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      jobId: '109',
      gpuCount: 2,
      gpusUsed: 1,
      gpusUsedFrom: 'samples',
      gpusUsedSampledJobs: 9,
    });
  });

  it('says it echoes the request when the user has no GPU samples', async () => {
    const result = await runCli(['predict-job', '--store', storePath, '--job', '110']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('request: no GPU samples of the user’s earlier jobs');
  });
});
