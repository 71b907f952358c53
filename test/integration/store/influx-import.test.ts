import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfluxDB } from 'influx';
import { afterAll, describe, expect, it } from 'vitest';
import { ImportConflictError, TraceReadError } from '../../../src/collect/errors.js';
import { importSwf } from '../../../src/collect/import-history.js';
import { resolveConfig } from '../../../src/config/load.js';
import { createStore } from '../../../src/store/create.js';
import { loadLab } from '../lab.js';
import { tracePath } from '../../traces.js';

// The published log, read in place; a missing one fails the test.
const kth = tracePath('KTH-SP2-1996-2.1-cln.swf.gz');

// Imports through the configured server store (InfluxDB behind the spool), as `slurmcast import` does.
describe('imports into InfluxDB are all or nothing', () => {
  const lab = loadLab();
  const dir = mkdtempSync(join(tmpdir(), 'slurmcast-influx-import-'));
  const database = `import_${randomBytes(6).toString('hex')}`;
  const config = resolveConfig({
    store: {
      kind: 'influx',
      spoolDir: join(dir, 'spool'),
      influx: { host: lab.influx.host, port: lab.influx.port, database },
    },
  });
  afterAll(async () => {
    await new InfluxDB({ host: lab.influx.host, port: lab.influx.port }).dropDatabase(database);
    rmSync(dir, { recursive: true, force: true });
  });

  const swf = (name: string, jobs: number): string => {
    const path = join(dir, name);
    const lines = Array.from(
      { length: jobs },
      (_, i) => `${i + 1} ${i * 10} 10 100 4 -1 -1 4 200 -1 1 1 1 -1 -1 -1 -1 -1`,
    );
    writeFileSync(path, ['; UnixStartTime: 1000000000', ...lines, ''].join('\n'));
    return path;
  };

  it('keeps the source as it was when a truncated .gz fails halfway, and replaces it whole on --replace', async () => {
    const store = await createStore(config.store);
    try {
      const first = swf('log.swf', 30);
      expect(await importSwf(store, first, { source: 'swf:kth' })).toMatchObject({ jobsInStore: 30 });
      const bytes = readFileSync(kth);
      const truncated = join(dir, 'truncated.swf.gz');
      writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.5)));
      await expect(
        importSwf(store, truncated, { source: 'swf:kth', replace: true, batchSize: 2_000 }),
      ).rejects.toBeInstanceOf(TraceReadError);
      expect(await store.countJobs({ source: 'swf:kth' })).toBe(30);
      expect(await store.countJobs()).toBe(30);
      await expect(importSwf(store, swf('other.swf', 12), { source: 'swf:kth' })).rejects.toBeInstanceOf(
        ImportConflictError,
      );
      const replaced = await importSwf(store, swf('other.swf', 12), { source: 'swf:kth', replace: true });
      expect(replaced).toMatchObject({ outcome: 'replaced', imported: 12, jobsInStore: 12 });
      expect(await store.countJobs()).toBe(12);
      expect((await store.manifests()).map((m) => [m.source, m.fileName, m.jobCount])).toEqual([
        ['swf:kth', 'other.swf', 12],
      ]);
    } finally {
      await store.close();
    }
  });
});
