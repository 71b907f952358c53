import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../../../src/store/sqlite.js';
import { runCli, startCli as startCliRun } from './cli.js';

// Each command is started on work that takes far longer than the bound (minutes for the simulation,
// tens of seconds for the forecast), stopped once its first progress line shows that it computes, and
// must end within STOPPED_WITHIN_MS. The bound is generous on purpose: this checks the behaviour; the
// stop latency itself is measured by test/bench/startup.bench.ts.
const STOPPED_WITHIN_MS = 10_000;
const progressEnv = { SLURMCAST_PROGRESS: 'lines' };

const started: ReturnType<typeof startCliRun>[] = [];
const startCli = (...args: Parameters<typeof startCliRun>): ReturnType<typeof startCliRun> => {
  const run = startCliRun(...args);
  started.push(run);
  return run;
};

/** Every file and directory under `dir`, as paths relative to it. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

/** A synthetic SWF log of `count` jobs, one every 30 s, of 4 CPUs for 10 minutes each. */
function bigSwf(path: string, count: number): void {
  const lines = ['; Version: 2.2', '; UnixStartTime: 1704067200', '; TimeZoneString: UTC', '; MaxProcs: 256'];
  for (let i = 1; i <= count; i++) lines.push(`${i} ${i * 30} 0 600 4 -1 -1 4 1200 -1 1 1 1 -1 1 -1 -1 -1`);
  writeFileSync(path, `${lines.join('\n')}\n`);
}

async function stopOnceStarted(
  run: ReturnType<typeof startCli>,
  started: RegExp,
  signal: 'SIGINT' | 'SIGTERM',
): Promise<{ code: number | null; stdout: string; stderr: string; stopMs: number }> {
  await run.stderrMatch(started);
  const sentAt = performance.now();
  run.child.kill(signal);
  const result = await run.exited;
  return { ...result, stopMs: performance.now() - sentAt };
}

describe('a command stopped by a signal', () => {
  let dir: string;
  let swfPath: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'slurmcast-stop-'));
    swfPath = join(dir, 'big.swf');
    bigSwf(swfPath, 400_000);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // A run that a failing test did not stop must not outlive the test.
  afterEach(() => {
    for (const run of started.splice(0))
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  });

  it('Ctrl-C stops a predictive simulation while it computes: exit 130, nothing printed', async () => {
    // The 10% line must arrive while the simulation computes (it takes about a minute in all), which
    // also checks that progress is not held back by the busy worker until the end.
    const run = startCli(['--json', 'simulate', '--synthetic', '--days', '200', '--policy', 'predictive'], {
      env: progressEnv,
    });
    const result = await stopOnceStarted(run, /simulating predictive: .* \(10%\)/, 'SIGINT');
    expect(result.code, result.stderr).toBe(130);
    expect(result.stopMs).toBeLessThan(STOPPED_WITHIN_MS);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('stopped by SIGINT');
  });

  it('SIGTERM stops a forecast while it backtests: exit 143', async () => {
    const run = startCli(
      [
        '--json',
        'forecast',
        '--swf',
        swfPath,
        '--pool',
        'queue1',
        '--until',
        '2024-05-18T00:00:00Z',
        '--step',
        '60s',
        '--horizon',
        '1440',
      ],
      { env: progressEnv },
    );
    const result = await stopOnceStarted(run, /backtesting/, 'SIGTERM');
    expect(result.code, result.stderr).toBe(143);
    expect(result.stopMs).toBeLessThan(STOPPED_WITHIN_MS);
    expect(result.stdout).toBe('');
  });

  it('SIGTERM stops the demo and leaves the previous results as they were, no temporary file', async () => {
    const out = join(dir, 'demo');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'results.json'), 'previous json\n');
    writeFileSync(join(out, 'results.md'), 'previous markdown\n');

    const run = startCli(['--json', 'demo', '--out', out], { env: progressEnv });
    const result = await stopOnceStarted(run, /simulating/, 'SIGTERM');
    expect(result.code, result.stderr).toBe(143);
    expect(result.stopMs).toBeLessThan(STOPPED_WITHIN_MS);
    expect(tree(out)).toEqual(['results.json', 'results.md']);
    expect(readFileSync(join(out, 'results.json'), 'utf8')).toBe('previous json\n');
    expect(readFileSync(join(out, 'results.md'), 'utf8')).toBe('previous markdown\n');
  });

  it('Ctrl-C stops an import: exit 130, none of its jobs visible, the other source untouched, no lock left', async () => {
    const storeDir = join(dir, 'store');
    const storePath = join(storeDir, 'history.db');
    const configPath = join(dir, 'import.yaml');
    writeFileSync(configPath, `store:\n  path: ${storePath}\n  spoolDir: ${join(storeDir, 'spool')}\n`);
    const first = await runCli(['--config', configPath, 'import', '--swf', 'test/fixtures/swf/hand-20.swf']);
    expect(first.code, first.stderr).toBe(0);
    const countIn = async (source: string): Promise<number> => {
      const store = openEmbeddedStore(storePath);
      try {
        let n = 0;
        for await (const batch of store.jobs({ source })) n += batch.length;
        return n;
      } finally {
        await store.close();
      }
    };
    const handJobs = await countIn('swf:hand-20');
    expect(handJobs).toBeGreaterThan(0);

    const run = startCli(['--config', configPath, 'import', '--swf', swfPath], { env: progressEnv });
    const result = await stopOnceStarted(run, /importing/, 'SIGINT');
    expect(result.code, result.stderr).toBe(130);
    expect(result.stdout).toBe('');
    expect(tree(storeDir).filter((p) => p.endsWith('.lock') || p.endsWith('.tmp'))).toEqual([]);

    expect(await countIn('swf:hand-20')).toBe(handJobs);
    // Imports are staged and published at the end: a stopped one shows none of its jobs.
    expect(await countIn('swf:big')).toBe(0);
  });

  it('Ctrl-C stops predict-job while it trains a job model: exit 130, no model or temporary file left', async () => {
    const storePath = join(dir, 'predict.db');
    const store = openEmbeddedStore(storePath);
    // 3,000 jobs of varied runtimes: a model over the last 1,500 takes seconds to train.
    await store.upsertJobs(
      Array.from({ length: 3000 }, (_, i) => {
        const submitS = 1_704_067_200 + i * 600;
        const runS = 60 + ((i * 7919) % 3600) + (i % 13) * 300;
        return {
          source: 'slurm:stop',
          jobId: String(i + 1),
          name: `job${i % 17}`,
          user: `u${i % 23}`,
          account: null,
          partition: i % 3 === 0 ? 'gpu' : 'batch',
          qos: null,
          state: 'COMPLETED' as const,
          exitCode: 0,
          submitS,
          eligibleS: submitS,
          startS: submitS + 10,
          endS: submitS + 10 + runS,
          timeLimitS: 3600 * (1 + (i % 9)),
          nodeCount: 1 + (i % 4),
          cpuCount: 1 + (i % 32),
          memMiB: 1024 * (1 + (i % 16)),
          gpuCount: i % 3 === 0 ? 1 : 0,
          gpuType: null,
          features: [],
          reservation: null,
          maxRssMiB: 100 + ((i * 31) % 4000),
          totalCpuS: null,
        };
      }),
    );
    await store.close();
    const run = startCli(['--json', 'predict-job', '--store', storePath, '--job', '2999'], {
      env: progressEnv,
    });
    const result = await stopOnceStarted(run, /training job models/, 'SIGINT');
    expect(result.code, result.stderr).toBe(130);
    expect(result.stopMs).toBeLessThan(STOPPED_WITHIN_MS);
    expect(result.stdout).toBe('');
    expect(tree(`${storePath}.job-models`).filter((p) => p.endsWith('.json') || p.endsWith('.tmp'))).toEqual(
      [],
    );
  });

  it('SIGTERM stops a collect waiting on Slurm: exit 143, and its lock directory is removed', async () => {
    // A stand-in `sacct` that answers nothing and ends once the CLI process is gone.
    const spoolDir = join(dir, 'collect-spool');
    const configPath = join(dir, 'collect.yaml');
    writeFileSync(configPath, `store:\n  path: ${join(dir, 'collect.db')}\n  spoolDir: ${spoolDir}\n`);
    const fake = join(dir, 'sacct');
    writeFileSync(fake, '#!/bin/sh\nwhile kill -0 "$PPID" 2>/dev/null; do sleep 0.1; done\n');
    chmodSync(fake, 0o755);

    const run = startCli(['--config', configPath, 'collect'], {
      env: { PATH: `${dir}:${process.env['PATH'] ?? ''}` },
    });
    const lock = join(spoolDir, 'collect.lock');
    await waitFor(() => existsSync(lock), run.exited);
    run.child.kill('SIGTERM');
    const result = await run.exited;
    expect(result.code, result.stderr).toBe(143);
    expect(existsSync(lock)).toBe(false);
  });
});

/** Polls `ready` until it holds; fails if the process ends first. */
async function waitFor(ready: () => boolean, exited: Promise<{ stderr: string }>): Promise<void> {
  let ended: { stderr: string } | undefined;
  void exited.then((r) => (ended = r));
  while (!ready()) {
    if (ended !== undefined) throw new Error(`the CLI ended first:\n${ended.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
