import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../../src/shared/job-record.js';
import { openEmbeddedStore } from '../../../src/store/sqlite.js';
import { runCli } from './cli.js';

const DAY = 86_400;
const T0 = 1_000 * DAY;
/** Jobs 390 to 397 are submitted on day 4: their model's cut is that day's midnight. */
const CUT_ISO = new Date((T0 + 4 * DAY) * 1000).toISOString().replace('.000Z', 'Z');

/** User k runs about k·10 minutes whatever they ask for; one job every 15 minutes from midnight UTC. */
function job(i: number): JobRecord {
  const user = i % 4;
  const submitS = T0 + i * 900;
  return {
    source: 'slurm:lab',
    jobId: String(i + 1),
    name: user === 0 ? 'sim_a' : 'post',
    user: `u${user}`,
    account: null,
    partition: 'batch',
    qos: null,
    state: 'COMPLETED',
    exitCode: 0,
    submitS,
    eligibleS: submitS,
    startS: submitS + 30,
    endS: submitS + 30 + (user + 1) * 600 + (i % 7) * 10,
    timeLimitS: 3600 * (1 + (i % 8)),
    nodeCount: 1,
    cpuCount: 4,
    memMiB: 4096,
    gpuCount: 0,
    gpuType: null,
    features: [],
    reservation: null,
    maxRssMiB: 500 * (user + 1),
    totalCpuS: null,
  };
}

interface Line {
  jobId: string;
  runtimeS?: number;
  modelFrom?: string;
  trainedBefore?: string;
  error?: { name: string; message: string };
}

const lines = (stdout: string): Line[] =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);

describe('predict-job: several jobs per call, from the job model cache', () => {
  let dir: string | undefined;
  let storePath: string;
  let cacheDir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slurmcast-cli-predict-'));
    storePath = join(dir, 'history.db');
    cacheDir = `${storePath}.job-models`;
    const store = openEmbeddedStore(storePath);
    await store.upsertJobs(Array.from({ length: 400 }, (_, i) => job(i)));
    await store.close();
  });
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('prints one JSON line per job; an unknown id is an error for that job alone, named on stderr, exit 2', async () => {
    const result = await runCli([
      '--json',
      'predict-job',
      '--store',
      storePath,
      '--job',
      '390',
      'nope',
      '--job',
      '392',
    ]);
    expect(result.code, result.stderr).toBe(2);
    const [first, unknown, third] = lines(result.stdout);
    expect(first).toMatchObject({ jobId: '390', modelFrom: 'trained', trainedBefore: CUT_ISO });
    expect(unknown).toEqual({
      jobId: 'nope',
      error: {
        name: 'JobPredictionError',
        message:
          'cannot predict job nope: no job with this id in the history (check the id and the source; a job is there once collected or imported)',
      },
    });
    expect(third).toMatchObject({ jobId: '392' });
    expect(result.stderr).toContain('1 of 3 jobs not predicted (nope)');
    // Trained once for the day of both jobs, saved beside the store.
    expect(
      readdirSync(cacheDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json')),
    ).toHaveLength(1);
  });

  it('answers the next call from the cache, and reads jobs from a file and from standard input alike', async () => {
    const file = join(dir ?? '', 'jobs.txt');
    await writeFile(file, '# jobs to predict\n390\n\n{"jobId": "392"}\n');
    const fromFile = await runCli(['--json', 'predict-job', '--store', storePath, '--jobs-file', file]);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(lines(fromFile.stdout).map((l) => [l.jobId, l.modelFrom])).toEqual([
      ['390', 'cache'],
      ['392', 'cache'],
    ]);
    const fromStdin = await runCli(['--json', 'predict-job', '--store', storePath, '--jobs-file', '-'], {
      input: '390\n{"jobId":"392"}\n',
    });
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    expect(fromStdin.stdout).toBe(fromFile.stdout);
  });

  it('predicts a job given as a whole record on standard input (one not in the history yet)', async () => {
    const next = { ...job(396), jobId: 'next', state: 'PENDING', startS: null, endS: null, maxRssMiB: null };
    const result = await runCli(['--json', 'predict-job', '--store', storePath, '--jobs-file', '-'], {
      input: `${JSON.stringify(next)}\n`,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout)).toEqual([expect.objectContaining({ jobId: 'next', modelFrom: 'cache' })]);
  });

  it('refuses a jobs file line that is neither an id nor a job, naming the line, before predicting anything', async () => {
    const result = await runCli(['--json', 'predict-job', '--store', storePath, '--jobs-file', '-'], {
      input: '390\n{"jobId": 7, "x": 1}\n',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/standard input line 2: neither \{"jobId": "…"\} nor a whole job record/);
    expect(result.stdout).toBe('');
  });

  it('rebuilds a damaged cache file, with a line in the log, and still predicts', async () => {
    const [sub] = readdirSync(cacheDir);
    const path = join(cacheDir, sub ?? '', `${T0 + 4 * DAY}.json`);
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.slice(0, 100));
    const result = await runCli(['--json', 'predict-job', '--store', storePath, '--job', '390']);
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout)[0]).toMatchObject({ jobId: '390', modelFrom: 'trained' });
    expect(result.stderr).toMatch(/"msg":"job model cache: an entry cannot be used; it is rebuilt"/);
    expect((await readFile(path, 'utf8')).length).toBe(text.length);
  });

  it('shows in the table which model answered, and saves nothing with --no-cache', async () => {
    const elsewhere = join(dir ?? '', 'other.db');
    const store = openEmbeddedStore(elsewhere);
    await store.upsertJobs(Array.from({ length: 400 }, (_, i) => job(i)));
    await store.close();
    const result = await runCli(['predict-job', '--store', elsewhere, '--job', '390', '--no-cache']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`390 .* jobs ended before ${CUT_ISO}, trained now`));
    expect(existsSync(`${elsewhere}.job-models`)).toBe(false);
    const cached = await runCli(['predict-job', '--store', storePath, '--job', '390']);
    expect(cached.stdout).toMatch(new RegExp(`jobs ended before ${CUT_ISO}, cached model`));
  });
});
