import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  collectGpuUse,
  GpuSampleFormatError,
  GpuSampleReadError,
  parseGpuSampleLines,
  readGpuSampleDir,
  summariseGpuUse,
} from '../../../src/collect/gpu-use.js';
import { MemoryStore } from '../../../src/store/memory.js';

function smiFixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../../fixtures/nvidia-smi/${name}`, import.meta.url)), 'utf8');
}

function line(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    v: 1,
    jobId: '42',
    node: 'c2',
    user: 'alice',
    atS: 1_700_000_000,
    context: 'prolog_slurmd',
    gpus: ['0'],
    nvidiaSmiXml: smiFixture('driver-535.xml'),
    ...overrides,
  });
}

describe('GPU samples → GPU use per job and node', () => {
  it('summarises the prolog and epilog samples of a job: mean and max utilisation, max memory', () => {
    const busyLater = smiFixture('driver-535.xml').replace(
      '<gpu_util>98 %</gpu_util>',
      '<gpu_util>50 %</gpu_util>',
    );
    const text = `${line()}\n${line({ atS: 1_700_000_300, context: 'epilog_slurmd', nvidiaSmiXml: busyLater })}\n`;
    const { samples, problems } = parseGpuSampleLines(text, 'gpu-samples-c2.jsonl');
    expect(problems).toEqual([]);
    expect(summariseGpuUse(samples, 'slurm:lab')).toEqual([
      {
        source: 'slurm:lab',
        jobId: '42',
        node: 'c2',
        user: 'alice',
        gpuCount: 1,
        sampleCount: 2,
        meanUtilPct: 74,
        maxUtilPct: 98,
        maxMemUsedMiB: 62914,
        firstSampleS: 1_700_000_000,
        lastSampleS: 1_700_000_300,
      },
    ]);
  });

  it('reads the GPUs the job holds by their device number, and leaves N/A readings out', () => {
    const xml = smiFixture('driver-550.xml');
    const { samples } = parseGpuSampleLines(`${line({ gpus: ['1', '2'], nvidiaSmiXml: xml })}\n`, 'f');
    const [use] = summariseGpuUse(samples, 's');
    expect(use?.gpuCount).toBe(2);
    expect(use?.meanUtilPct).toBe(0);
    expect(use?.maxMemUsedMiB).toBe(88);
    const { samples: migOnly } = parseGpuSampleLines(`${line({ gpus: ['2'], nvidiaSmiXml: xml })}\n`, 'f');
    expect(summariseGpuUse(migOnly, 's')[0]?.meanUtilPct).toBeNull();
  });

  it('leaves an unfinished last line for the next read', () => {
    const text = `${line()}\n${line({ jobId: '43' }).slice(0, 80)}`;
    const { samples, problems } = parseGpuSampleLines(text, 'f');
    expect(samples.map((s) => s.jobId)).toEqual(['42']);
    expect(problems).toEqual([]);
  });

  it('skips and reports lines it cannot use, naming file and line, and keeps the rest', () => {
    const text = [
      line(),
      'not json',
      line({ v: 2 }),
      line({ nvidiaSmiXml: smiFixture('garbage-no-driver.txt') }),
      line({ gpus: ['7'] }),
      line({ jobId: '44' }),
      '',
    ].join('\n');
    const { samples, problems } = parseGpuSampleLines(text, 'gpu-samples-c2.jsonl');
    expect(samples.map((s) => s.jobId)).toEqual(['42', '44']);
    expect(problems.map((p) => p.line)).toEqual([2, 3, 4, 5]);
    expect(problems.every((p) => p instanceof GpuSampleFormatError)).toBe(true);
    expect(problems[2]?.message).toContain('gpu-samples-c2.jsonl:4');
    expect(problems[3]?.reason).toContain('GPU 7');
  });

  it('collects a directory of per-node files into the store, and again without duplicates', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slurmcast-gpu-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'gpu-samples-c2.jsonl'), `${line()}\n`);
    writeFileSync(
      join(dir, 'gpu-samples-c1.jsonl'),
      `${line({ node: 'c1', nvidiaSmiXml: smiFixture('driver-470.xml') })}\n`,
    );
    writeFileSync(join(dir, 'unrelated.txt'), 'ignored');
    const store = new MemoryStore();
    expect(await collectGpuUse(store, { dir, source: 'slurm:lab' })).toEqual({ written: 2, problems: [] });
    expect(await collectGpuUse(store, { dir, source: 'slurm:lab' })).toEqual({ written: 2, problems: [] });
    const stored = await store.gpuUse();
    expect(stored.map((r) => [r.node, r.maxUtilPct])).toEqual([
      ['c1', 87],
      ['c2', 98],
    ]);
    expect(readGpuSampleDir(dir).samples).toHaveLength(2);
  });

  it('refuses a directory that cannot be read with a typed error', () => {
    expect(() => readGpuSampleDir('/nonexistent/slurmcast-gpu')).toThrow(GpuSampleReadError);
  });
});
