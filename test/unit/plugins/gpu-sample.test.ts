import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { parseGpuSampleLines } from '../../../src/collect/gpu-use.js';

const sampler = fileURLToPath(new URL('../../../plugins/gpu/gpu-sample.sh', import.meta.url));
const fixture = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`../../fixtures/nvidia-smi/${name}`, import.meta.url)), 'utf8');

describe('plugins/gpu/gpu-sample.sh (run as slurmd runs a Prolog)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'slurmcast-sampler-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  });

  /** A stand-in nvidia-smi that prints `output` and exits with `code`. */
  function fakeNvidiaSmi(output: string, code = 0): void {
    writeFileSync(join(dir, 'smi-output'), output);
    writeFileSync(join(dir, 'nvidia-smi'), `#!/bin/sh\ncat "${join(dir, 'smi-output')}"\nexit ${code}\n`);
    chmodSync(join(dir, 'nvidia-smi'), 0o755);
  }

  function runSampler(env: Record<string, string>): void {
    // It must exit 0 whatever happens: execFileSync throws on any other exit code.
    execFileSync('bash', [sampler], {
      env: {
        PATH: `${dir}:/usr/bin:/bin`,
        SLURMCAST_GPU_SPOOL_DIR: join(dir, 'spool'),
        SLURM_JOB_ID: '77',
        SLURM_JOB_USER: 'alice',
        SLURMD_NODENAME: 'gpu01',
        SLURM_SCRIPT_CONTEXT: 'epilog_slurmd',
        ...env,
      },
      stdio: 'ignore',
    });
  }

  const spoolFile = (): string => join(dir, 'spool', 'gpu-samples-gpu01.jsonl');

  it('appends one JSON line holding the job, its GPUs and nvidia-smi’s XML as printed', () => {
    const xml = fixture('driver-535.xml');
    fakeNvidiaSmi(xml);
    runSampler({ SLURM_JOB_GPUS: '0,1' });
    const text = readFileSync(spoolFile(), 'utf8');
    const line = JSON.parse(text.trimEnd()) as Record<string, unknown>;
    expect(line).toMatchObject({ v: 1, jobId: '77', node: 'gpu01', user: 'alice', gpus: ['0', '1'] });
    expect(line['context']).toBe('epilog_slurmd');
    expect(line['nvidiaSmiXml']).toBe(xml.replace(/\n+$/, ''));
    const parsed = parseGpuSampleLines(text, spoolFile());
    expect(parsed.problems).toEqual([]);
    expect(parsed.samples[0]?.readings.map((r) => r.utilGpuPct)).toEqual([98, 0]);
  });

  it('keeps a document larger than an environment variable may hold (an 8-GPU node)', () => {
    // 200 kB: more than Linux allows one environment string (128 kB).
    const padding = `<!-- ${'x'.repeat(200_000)} -->\n`;
    fakeNvidiaSmi(fixture('driver-470.xml').replace('<nvidia_smi_log>', `<nvidia_smi_log>\n${padding}`));
    runSampler({ CUDA_VISIBLE_DEVICES: '1' });
    const parsed = parseGpuSampleLines(readFileSync(spoolFile(), 'utf8'), spoolFile());
    expect(parsed.problems).toEqual([]);
    expect(parsed.samples[0]?.readings).toEqual([{ gpuId: '1', utilGpuPct: 0, memUsedMiB: 0 }]);
  });

  it('does nothing for a job without GPUs on the node', () => {
    fakeNvidiaSmi(fixture('driver-535.xml'));
    runSampler({});
    expect(existsSync(spoolFile())).toBe(false);
  });

  it('exits 0 and logs why when nvidia-smi fails, so the node is never drained', () => {
    fakeNvidiaSmi(fixture('garbage-no-driver.txt'), 9);
    runSampler({ SLURM_JOB_GPUS: '0' });
    expect(existsSync(spoolFile())).toBe(false);
    expect(readFileSync(join(dir, 'spool', 'gpu-sample-errors.log'), 'utf8')).toContain(
      'nvidia-smi -q -x failed for job 77: NVIDIA-SMI has failed',
    );
  });
});
