import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfluxDB } from 'influx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListJobHistory, clientFromConfig, type SlurmClient } from '../../../sdk/index.js';
import { collect, slurmClusterReader } from '../../../src/collect/collector.js';
import type { JobRecord } from '../../../src/shared/job-record.js';
import { jobRecordFromSlurm } from '../../../src/collect/slurm-mapping.js';
import { resolveConfig } from '../../../src/config/load.js';
import { poolName } from '../../../src/series/build.js';
import { systemClock } from '../../../src/shared/clock.js';
import { createStore } from '../../../src/store/create.js';
import type { HistoryStore } from '../../../src/store/types.js';
import { runCli } from '../../unit/cli/cli.js';
import { loadLab, runSlurm, sbatch, waitForAccounting, waitForJobState } from '../lab.js';

const SOURCE = 'slurm:lab';

async function storedJobs(store: HistoryStore, ids: readonly string[]): Promise<JobRecord[]> {
  const wanted = new Set(ids);
  const out: JobRecord[] = [];
  for await (const batch of store.jobs({ source: SOURCE }))
    out.push(...batch.filter((r) => wanted.has(r.jobId)));
  return out.sort((a, b) => Number(a.jobId) - Number(b.jobId));
}

/** Accounting lags slurmctld by a moment: waits until sacct itself shows every job in the given state. */
async function waitForSacct(
  client: SlurmClient,
  sinceS: number,
  want: ReadonlyMap<number, string>,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const jobs = await client.send(new ListJobHistory({ startEpochS: sinceS, jobIds: [...want.keys()] }));
    if ([...want].every(([id, state]) => jobs.some((j) => j.id.raw === id && j.state === state))) return;
    if (Date.now() > deadline) throw new Error(`sacct never showed ${JSON.stringify([...want])}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe('slurmcast collect against the real lab', () => {
  const lab = loadLab();
  const dir = mkdtempSync(join(tmpdir(), 'slurmcast-collect-'));
  const database = `collect_${randomBytes(5).toString('hex')}`;
  const config = resolveConfig({
    cluster: 'lab',
    slurm: { transport: 'local', env: lab.env },
    store: { kind: 'embedded', path: join(dir, 'history.db'), spoolDir: join(dir, 'spool') },
  });
  const influxConfig = {
    ...config.store,
    kind: 'influx' as const,
    spoolDir: join(dir, 'influx-spool'),
    influx: {
      host: lab.influx.host,
      port: lab.influx.port,
      database,
      passwordEnv: 'NO_SUCH_VAR',
      timeoutS: 10,
      movedJobLookbackS: 86_400,
    },
  };
  let client: SlurmClient;
  const ids: Record<'cpu' | 'gpu' | 'bigmem' | 'failing' | 'cancelled', number> = {
    cpu: 0,
    gpu: 0,
    bigmem: 0,
    failing: 0,
    cancelled: 0,
  };
  let submittedAtS = 0;

  beforeAll(async () => {
    client = clientFromConfig(config.slurm);
    submittedAtS = Math.floor(Date.now() / 1000) - 5;
    ids.cpu = await sbatch(
      ['-p', 'cpu', '-J', 'collect-cpu', '-n', '2', '-t', '5'],
      '#!/bin/sh\nsleep 1\necho ok\n',
    );
    ids.gpu = await sbatch(
      ['-p', 'gpu', '-J', 'collect-gpu', '--gres=gpu:a100:2', '-t', '5'],
      '#!/bin/sh\nsleep 1\n',
    );
    // Only c3 has the feature bigmem: the job's constraint is what makes its pool `cpu[bigmem]`.
    ids.bigmem = await sbatch(
      ['-p', 'cpu', '-J', 'collect-bigmem', '-C', 'bigmem', '-t', '5'],
      '#!/bin/sh\necho ok\n',
    );
    ids.failing = await sbatch(['-p', 'cpu', '-J', 'collect-fail', '-t', '5'], '#!/bin/sh\nexit 3\n');
    ids.cancelled = await sbatch(
      ['-p', 'cpu', '-J', 'collect-cancel;$(touch /tmp/pwned)', '-t', '10'],
      '#!/bin/sh\nsleep 300\n',
    );
    await waitForJobState(ids.cancelled, ['RUNNING'], 60_000);
    await waitForJobState(ids.cpu, ['COMPLETED'], 60_000);
    await waitForJobState(ids.gpu, ['COMPLETED'], 60_000);
    await waitForJobState(ids.bigmem, ['COMPLETED'], 60_000);
    await waitForJobState(ids.failing, ['FAILED'], 60_000);
    await waitForSacct(
      client,
      submittedAtS - 60,
      new Map([
        [ids.cpu, 'COMPLETED'],
        [ids.gpu, 'COMPLETED'],
        [ids.bigmem, 'COMPLETED'],
        [ids.failing, 'FAILED'],
        [ids.cancelled, 'RUNNING'],
      ]),
    );
    // A short job's row can show its end state before the rest of it (partition, eligible time)
    // and before the time window collect asks for returns it: wait until it is whole.
    await waitForAccounting([ids.cpu, ids.gpu, ids.bigmem, ids.failing], 60_000);
  });

  afterAll(async () => {
    await client.close();
    await new InfluxDB({ host: lab.influx.host, port: lab.influx.port })
      .dropDatabase(database)
      .catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('collects CPU and GPU jobs (one with a constraint, one failing, one cancelled) into InfluxDB and the embedded store, each once, equal to sacct', async () => {
    const all = Object.values(ids).map(String);
    const run = async (storeConfig: typeof config.store): Promise<void> => {
      const store = await createStore(storeConfig);
      try {
        await collect(slurmClusterReader(client), store, {
          source: SOURCE,
          clock: systemClock,
          lockDir: storeConfig.spoolDir,
          sinceS: submittedAtS - 60,
        });
      } finally {
        await store.close();
      }
    };
    // First run while the long job is still running: it is stored as RUNNING.
    await run(config.store);
    await run(influxConfig);
    for (const storeConfig of [config.store, influxConfig]) {
      const store = await createStore(storeConfig);
      const [running] = await storedJobs(store, [String(ids.cancelled)]);
      expect(running?.state).toBe('RUNNING');
      await store.close();
    }

    await runSlurm('scancel', [String(ids.cancelled)]);
    await waitForJobState(ids.cancelled, ['CANCELLED'], 60_000);
    await waitForSacct(client, submittedAtS - 60, new Map([[ids.cancelled, 'CANCELLED']]));
    await waitForAccounting([ids.cancelled], 60_000);
    // Twice more each, once through the CLI: running collect again stores nothing twice.
    const configFile = join(dir, 'slurmcast.json');
    writeFileSync(
      configFile,
      JSON.stringify({ cluster: 'lab', slurm: { transport: 'local', env: lab.env }, store: config.store }),
    );
    const cli = await runCli([
      'collect',
      '--json',
      '--config',
      configFile,
      '--since',
      new Date((submittedAtS - 60) * 1000).toISOString(),
    ]);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ source: SOURCE, nodes: lab.nodes.length });
    await run(config.store);
    await run(influxConfig);
    await run(influxConfig);

    const sacct = (
      await client.send(new ListJobHistory({ startEpochS: submittedAtS - 60, jobIds: Object.values(ids) }))
    )
      .map((job) => jobRecordFromSlurm(job, SOURCE))
      .sort((a, b) => Number(a.jobId) - Number(b.jobId));
    expect(sacct.map((r) => r.jobId)).toEqual(all);
    const byId = new Map(sacct.map((r) => [Number(r.jobId), r]));
    expect(byId.get(ids.cpu)).toMatchObject({
      state: 'COMPLETED',
      exitCode: 0,
      cpuCount: 2,
      gpuCount: 0,
      gpuType: null,
      partition: 'cpu',
      features: [],
    });
    const bigmem = byId.get(ids.bigmem);
    expect(bigmem).toMatchObject({ state: 'COMPLETED', partition: 'cpu', features: ['bigmem'] });
    expect(bigmem === undefined ? undefined : poolName(bigmem)).toBe('cpu[bigmem]');
    expect(byId.get(ids.gpu)).toMatchObject({
      state: 'COMPLETED',
      gpuCount: 2,
      gpuType: 'a100',
      partition: 'gpu',
    });
    expect(byId.get(ids.failing)).toMatchObject({ state: 'FAILED', exitCode: 3 });
    expect(byId.get(ids.cancelled)).toMatchObject({
      state: 'CANCELLED',
      name: 'collect-cancel;$(touch /tmp/pwned)',
    });

    // sacct's own text output, independently of the SDK: states and GPU allocation agree.
    const { stdout } = await runSlurm('sacct', [
      '-n',
      '-X',
      '-P',
      '-o',
      'JobIDRaw,State,AllocTRES,Constraints,NodeList',
      '-j',
      all.join(','),
    ]);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(all.length);
    const allocTres = new Map<number, string>();
    const constraints = new Map<number, { constraints: string; nodes: string }>();
    for (const line of lines) {
      const [raw = '', state = '', tres = '', constraint = '', nodes = ''] = line.split('|');
      expect(byId.get(Number(raw))?.state).toBe(state.split(' ')[0]);
      allocTres.set(Number(raw), tres);
      constraints.set(Number(raw), { constraints: constraint, nodes });
    }
    expect(allocTres.get(ids.gpu)).toContain('gres/gpu:a100=2');
    expect(constraints.get(ids.bigmem)).toEqual({ constraints: 'bigmem', nodes: 'c3' });
    expect(constraints.get(ids.cpu)?.constraints).toBe('');

    for (const storeConfig of [config.store, influxConfig]) {
      const store = await createStore(storeConfig);
      try {
        expect(await storedJobs(store, all)).toEqual(sacct);
        const [storedBigmem] = await storedJobs(store, [String(ids.bigmem)]);
        expect(storedBigmem?.features).toEqual(['bigmem']);
        // Every job of the source exactly once: as many records as distinct ids.
        const everything: string[] = [];
        for await (const batch of store.jobs({ source: SOURCE }))
          everything.push(...batch.map((r) => r.jobId));
        expect(new Set(everything).size).toBe(everything.length);
        expect(await store.countJobs({ source: SOURCE })).toBe(everything.length);
        expect((await store.nodeSnapshots({ source: SOURCE })).length).toBeGreaterThanOrEqual(2);
        expect((await store.queueSnapshots({ source: SOURCE })).length).toBeGreaterThanOrEqual(2);
        expect(await store.watermark(SOURCE)).toBeGreaterThan(submittedAtS);
      } finally {
        await store.close();
      }
    }
  });
});
