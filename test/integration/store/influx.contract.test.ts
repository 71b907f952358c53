import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { InfluxDB } from 'influx';
import { describe, expect, it } from 'vitest';
import { describePersistentStoreContract, job } from '../../contract/store.contract.js';
import { openInfluxStore } from '../../../src/store/influx.js';
import { jobPoint, stagingPoint } from '../../../src/store/influx-points.js';
import { ownerText } from '../../../src/store/staging.js';
import type { HistoryStore } from '../../../src/store/types.js';
import { loadLab } from '../lab.js';

// Against the lab's real influxd. Each test gets its own database, dropped afterwards.
describePersistentStoreContract('InfluxDB 1.x (lab influxd)', () => {
  const lab = loadLab();
  const database = `contract_${randomBytes(6).toString('hex')}`;
  const open = (): HistoryStore =>
    openInfluxStore({ host: lab.influx.host, port: lab.influx.port, database });
  let current = open();
  return Promise.resolve({
    store: current,
    // The data lives in the server: a new client on the same database must see all of it.
    reopen: async () => {
      await current.close();
      current = open();
      return current;
    },
    dispose: async () => {
      await current.close();
      await new InfluxDB({ host: lab.influx.host, port: lab.influx.port }).dropDatabase(database);
    },
  });
});

describe('InfluxDB store: an import whose process was killed', () => {
  it('is invisible, and removed by the next import', async () => {
    const lab = loadLab();
    const database = `killed_${randomBytes(6).toString('hex')}`;
    const store = openInfluxStore({ host: lab.influx.host, port: lab.influx.port, database });
    const raw = new InfluxDB({ host: lab.influx.host, port: lab.influx.port, database });
    try {
      // What a kill -9 leaves: a staging marker of a process that is gone, and some of its points.
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
      const owner = ownerText({ host: hostname(), pid: Number(dead.stdout.toString()) });
      await store.countJobs(); // creates the database
      await raw.writePoints(
        [
          stagingPoint('deadbeef', 'swf:log', owner, 1_700_000_000),
          jobPoint(job({ jobId: '1', source: 'swf:log' }), 'deadbeef'),
          jobPoint(job({ jobId: '2', source: 'swf:log' }), 'deadbeef'),
        ],
        { precision: 'n' },
      );
      expect(await store.countJobs()).toBe(0);
      const writer = await store.beginImport({
        source: 'swf:other',
        contentSha256: 'aa',
        fileName: 'other.swf',
        importedAtS: 1_700_000_000,
      });
      await writer.abort();
      const left = await raw.query(`SELECT count(job_id) AS n FROM job WHERE generation = 'deadbeef'`);
      expect(left).toHaveLength(0);
      expect(await raw.query('SELECT * FROM staging')).toHaveLength(0);
    } finally {
      await store.close();
      await raw.dropDatabase(database);
    }
  });
});
