import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFromConfig, type SlurmClient } from '../../../sdk/index.js';
import { collect, slurmClusterReader, type ClusterReader } from '../../../src/collect/collector.js';
import { jobRecordFromSlurm } from '../../../src/collect/slurm-mapping.js';
import { resolveConfig } from '../../../src/config/load.js';
import { systemClock } from '../../../src/shared/clock.js';
import { createStore, spoolStatus } from '../../../src/store/create.js';
import type { HistoryStore } from '../../../src/store/types.js';
import { loadLab, sbatch, waitForAccounting } from '../lab.js';
import { privateInfluxd, type PrivateInfluxd } from './influxd.js';

const SOURCE = 'slurm:lab';

async function jobIds(store: HistoryStore): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of store.jobs({ source: SOURCE })) out.push(...batch.map((r) => r.jobId));
  return out;
}

/**
 * The real reader, passed through, remembering the job ids each `jobHistory` call returned. The
 * window collect reads also holds other tests' jobs on the same lab, and accounting can change
 * between two sacct calls; comparing the store with what this very run read is exact either way.
 */
function recordingReader(inner: ClusterReader): { reader: ClusterReader; reads: string[][] } {
  const reads: string[][] = [];
  return {
    reads,
    reader: {
      jobHistory: async (fromS) => {
        const jobs = await inner.jobHistory(fromS);
        reads.push(jobs.map((job) => jobRecordFromSlurm(job, SOURCE).jobId));
        return jobs;
      },
      queue: () => inner.queue(),
      nodes: () => inner.nodes(),
    },
  };
}

// A dedicated influxd (never the lab's shared one) is stopped in the middle of a collect.
describe('collect while InfluxDB goes down', () => {
  const lab = loadLab();
  const dir = mkdtempSync(join(tmpdir(), 'slurmcast-fault-'));
  let influxd: PrivateInfluxd | undefined;
  let client: SlurmClient | undefined;
  const submitted: number[] = [];
  let sinceS = 0;

  beforeAll(async () => {
    influxd = await privateInfluxd(join(dir, 'influxd'));
    await influxd.start();
    client = clientFromConfig({ transport: 'local', env: lab.env });
    sinceS = Math.floor(Date.now() / 1000) - 60;
    for (let i = 0; i < 6; i += 1) {
      submitted.push(await sbatch(['-p', 'cpu', '-J', `fault-${i}`, '-t', '5'], '#!/bin/sh\ntrue\n'));
    }
    // Accounting, not slurmctld: collect reads sacct, which lags the end of a job by a moment.
    const states = await waitForAccounting(submitted, 90_000);
    expect(submitted.map((id) => states.get(id))).toEqual(submitted.map(() => 'COMPLETED'));
  });

  afterAll(async () => {
    // Whatever beforeAll reached: a failed start leaves no client and maybe no server.
    await influxd?.stop();
    await client?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('spools what the stopped server could not take and replays it next run: every job exactly once', async () => {
    const server = influxd;
    const slurm = client;
    if (server === undefined || slurm === undefined)
      throw new Error('beforeAll failed: no influxd or client');
    const config = resolveConfig({
      store: {
        kind: 'influx',
        spoolDir: join(dir, 'spool'),
        influx: { host: server.host, port: server.port, database: 'fault', timeoutS: 5 },
      },
    });
    const submittedIds = submitted.map(String);

    const first = await createStore(config.store);
    const firstRun = recordingReader(slurmClusterReader(slurm));
    let batches = 0;
    const result = await collect(firstRun.reader, first, {
      source: SOURCE,
      clock: systemClock,
      lockDir: config.store.spoolDir,
      sinceS,
      batchSize: 2,
      onBatch: async () => {
        batches += 1;
        if (batches === 1) await server.stop(); // the server dies after the first batch is in
      },
    });
    await first.close();
    const read = firstRun.reads[0] ?? [];
    expect(firstRun.reads).toHaveLength(1);
    expect(read).toEqual(expect.arrayContaining(submittedIds));
    expect(result.jobs).toBe(read.length);
    expect(result.spool).toMatchObject({ pending: true });
    expect(result.spool?.spooled).toBeGreaterThanOrEqual(2);
    expect(existsSync(join(config.store.spoolDir, 'spool.jsonl'))).toBe(true);

    await server.start();
    const second = await createStore(config.store);
    expect(spoolStatus(second)).toMatchObject({ pending: false });
    expect(spoolStatus(second)?.replayed).toBe(result.spool?.spooled);
    const secondRun = recordingReader(slurmClusterReader(slurm));
    const again = await collect(secondRun.reader, second, {
      source: SOURCE,
      clock: systemClock,
      lockDir: config.store.spoolDir,
    });
    expect(again.spool).toMatchObject({ pending: false, spooled: 0 });
    const ids = await jobIds(second);
    expect(ids.length).toBe(new Set(ids).size);
    // The store (a fresh database) holds exactly the jobs the two runs read, each once, the ones
    // the first run spooled included.
    const readByEither = [...read, ...(secondRun.reads[0] ?? [])];
    expect([...ids].sort()).toEqual([...new Set(readByEither)].sort());
    for (const id of [...readByEither, ...submittedIds]) expect(ids.filter((x) => x === id)).toHaveLength(1);
    expect(await second.countJobs({ source: SOURCE })).toBe(ids.length);
    expect(await second.watermark(SOURCE)).toBe(again.watermarkS);
    expect(existsSync(join(config.store.spoolDir, 'spool.jsonl'))).toBe(false);
    await second.close();
  });
});
