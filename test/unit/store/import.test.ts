import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importAlibabaGpu, importSwf } from '../../../src/collect/import-history.js';
import { TraceFormatError } from '../../../src/collect/errors.js';
import { openEmbeddedStore } from '../../../src/store/sqlite.js';
import { tracePath } from '../../traces.js';

const dir = mkdtempSync(join(tmpdir(), 'slurmcast-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('import into the embedded store', () => {
  it.each([
    ['KTH-SP2-1996-2.1-cln.swf.gz', 28_476],
    ['CEA-Curie-2011-2.1-cln.swf.gz', 312_826],
  ])(
    'stores every job of %s (%i), and importing it again adds none',
    { timeout: 180_000 },
    async (file, jobs) => {
      // A missing trace fails here with where it was looked for (see test/traces.ts).
      const path = tracePath(file);
      const store = openEmbeddedStore(join(dir, `${file}.db`));
      try {
        const first = await importSwf(store, path);
        expect(first).toMatchObject({ imported: jobs, skipped: 0, jobsInStore: jobs });
        const again = await importSwf(store, path);
        expect(again.jobsInStore).toBe(jobs);
      } finally {
        await store.close();
      }
    },
  );

  it.each(['default', 'gpuspec33'])(
    'stores every task of the Alibaba %s pod list (8,152) with the node list as inventory (1,523 nodes)',
    { timeout: 60_000 },
    async (name) => {
      const pods = tracePath(`alibaba-gpu-v2023-openb_pod_list_${name}.csv.gz`);
      const nodes = tracePath('alibaba-gpu-v2023-openb_node_list_all_node.csv.gz');
      const store = openEmbeddedStore(join(dir, `${name}.db`));
      const result = await importAlibabaGpu(store, {
        podsPath: pods,
        nodesPath: nodes,
        start: '2023-01-01T00:00:00Z',
      });
      expect(result).toMatchObject({
        source: `alibaba:${name}`,
        imported: 8_152,
        jobsInStore: 8_152,
        inventoryNodes: 1_523,
      });
      const [inventory] = await store.nodeSnapshots({ source: `alibaba:${name}` });
      expect(inventory?.nodes.reduce((sum, n) => sum + n.gpuCount, 0)).toBe(6_212);
      await store.close();
    },
  );

  it('skips and counts a malformed line by default, and rejects the file with --strict', async () => {
    const path = join(dir, 'small.swf');
    writeFileSync(
      path,
      [
        '; UnixStartTime: 1000000000',
        '1 0 10 100 4 -1 -1 4 200 -1 1 1 1 -1 -1 -1 -1 -1',
        'this line is not a job',
        '2 50 0 30 2 -1 -1 2 60 -1 0 2 1 -1 -1 -1 -1 -1',
        '',
      ].join('\n'),
    );
    const store = openEmbeddedStore(join(dir, 'small.db'));
    expect(await importSwf(store, path)).toMatchObject({ imported: 2, skipped: 1, jobsInStore: 2 });
    const strict = openEmbeddedStore(join(dir, 'small-strict.db'));
    await expect(importSwf(strict, path, { strict: true })).rejects.toBeInstanceOf(TraceFormatError);
    expect(await strict.countJobs()).toBe(0);
    await Promise.all([store.close(), strict.close()]);
  });
});
