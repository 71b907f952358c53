import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gpuBusyByNode } from '../../../src/series/gpu-busy.js';
import { openEmbeddedStore } from '../../../src/store/sqlite.js';
import { runCli } from '../../unit/cli/cli.js';
import { loadLab, runSlurm, sbatch, waitForJobState } from '../lab.js';

/**
 * The sampler (plugins/gpu/gpu-sample.sh as the lab's Prolog and Epilog) on the real lab, with the
 * fake nvidia-smi (test/lab/fake-nvidia-smi) reporting what `gpu-state/c2` says.
 */
describe('GPU use on the lab: Prolog/Epilog samples reach the history store', () => {
  const lab = loadLab();
  const stateFile = join(lab.dir, 'gpu-state', 'c2');
  const spoolDir = join(lab.dir, 'spool', 'gpu-use');
  let dir: string;
  let configPath: string;
  let storePath: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'slurmcast-gpu-it-'));
    storePath = join(dir, 'history.db');
    configPath = join(dir, 'config.yaml');
    writeFileSync(
      configPath,
      `cluster: lab\nstore:\n  path: ${storePath}\n  spoolDir: ${join(dir, 'spool')}\n`,
    );
  });
  afterAll(() => {
    rmSync(stateFile, { force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs one 1-GPU h100 job on c2 to its end (Epilog included: COMPLETED comes after it). */
  async function runGpuJob(): Promise<string> {
    const id = await sbatch(
      ['-p', 'gpu', '-w', 'c2', '--gres=gpu:h100:1', '-A', 'research', '-t', '5'],
      '#!/bin/sh\necho "$CUDA_VISIBLE_DEVICES"\n',
    );
    await waitForJobState(id, ['COMPLETED'], 60_000);
    return String(id);
  }

  function samplesOf(jobId: string): { context: string; gpus: string[] }[] {
    return readFileSync(join(spoolDir, 'gpu-samples-c2.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { jobId: string; context: string; gpus: string[] })
      .filter((s) => s.jobId === jobId);
  }

  it('samples a GPU job at start and end, and collect-gpu stores it busy or idle as the GPU was', async () => {
    // Both h100s busy, whichever one Slurm gives the job.
    writeFileSync(stateFile, '0 96 50000 4242\n1 96 50000 4243\n');
    const busyJob = await runGpuJob();
    writeFileSync(stateFile, '');
    const idleJob = await runGpuJob();

    expect(samplesOf(busyJob).map((s) => s.context)).toEqual(['prolog_slurmd', 'epilog_slurmd']);
    expect(samplesOf(busyJob)[0]?.gpus).toHaveLength(1);

    const collected = await runCli(['--config', configPath, '--json', 'collect-gpu', '--dir', spoolDir]);
    expect(collected.code, collected.stderr).toBe(0);
    expect(JSON.parse(collected.stdout)).toMatchObject({ source: 'slurm:lab', skipped: [] });

    const store = openEmbeddedStore(storePath);
    try {
      const stored = await store.gpuUse({ source: 'slurm:lab' });
      const busy = stored.find((r) => r.jobId === busyJob);
      const idle = stored.find((r) => r.jobId === idleJob);
      expect(busy).toMatchObject({ node: 'c2', user: 'root', gpuCount: 1, sampleCount: 2, meanUtilPct: 96 });
      expect(busy?.maxMemUsedMiB).toBe(50000);
      expect(idle).toMatchObject({
        node: 'c2',
        gpuCount: 1,
        sampleCount: 2,
        meanUtilPct: 0,
        maxMemUsedMiB: 0,
      });
      const since = Math.min(busy?.firstSampleS ?? 0, idle?.firstSampleS ?? 0);
      const ours = stored.filter((r) => r.jobId === busyJob || r.jobId === idleJob);
      expect(gpuBusyByNode(ours, since)).toEqual([
        expect.objectContaining({ node: 'c2', sampledJobs: 2, busyGpus: 1, idleGpus: 1 }),
      ]);
    } finally {
      await store.close();
    }
  });

  it('runs the job and keeps the node in service when nvidia-smi fails (the Prolog never drains a node)', async () => {
    writeFileSync(stateFile, 'fail\n');
    const jobId = await runGpuJob();
    writeFileSync(stateFile, '');
    const { stdout } = await runSlurm('scontrol', ['-o', 'show', 'node', 'c2']);
    expect(stdout).not.toMatch(/State=\S*DRAIN/);
    expect(samplesOf(jobId)).toEqual([]);
    const log = readFileSync(join(spoolDir, 'gpu-sample-errors.log'), 'utf8');
    expect(log).toContain(`nvidia-smi -q -x failed for job ${jobId}`);
  });
});
