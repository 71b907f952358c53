import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { describePersistentStoreContract, job } from '../../contract/store.contract.js';
import { openEmbeddedStore } from '../../../src/store/sqlite.js';
import { StoreCorruptError } from '../../../src/store/errors.js';
import type { HistoryStore } from '../../../src/store/types.js';

describePersistentStoreContract('embedded SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slurmcast-store-'));
  const path = join(dir, 'history.db');
  let current: HistoryStore = openEmbeddedStore(path);
  return Promise.resolve({
    store: current,
    reopen: async () => {
      await current.close();
      current = openEmbeddedStore(path);
      return current;
    },
    dispose: async () => {
      await current.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
});

describe('embedded store files', () => {
  const withDir = (work: (dir: string) => Promise<void> | void) => async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slurmcast-store-'));
    try {
      await work(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it(
    'refuses a file that is not SQLite, naming the file and what to do',
    withDir((dir) => {
      const path = join(dir, 'history.db');
      writeFileSync(path, 'this is not a database, just text long enough to fill a header '.repeat(20));
      expect(() => openEmbeddedStore(path)).toThrow(StoreCorruptError);
      expect(() => openEmbeddedStore(path)).toThrow(/history\.db.*move the file aside/);
    }),
  );

  it(
    'refuses an SQLite database that some other program made',
    withDir((dir) => {
      const path = join(dir, 'other.db');
      const db = new Database(path);
      db.exec('CREATE TABLE customers (id INTEGER)');
      db.close();
      expect(() => openEmbeddedStore(path)).toThrow(/not a Slurmcast store/);
    }),
  );

  it(
    'creates the directory of a new store file',
    withDir(async (dir) => {
      const store = openEmbeddedStore(join(dir, 'a', 'b', 'history.db'));
      await store.upsertJobs([job({ jobId: '1' })]);
      expect(await store.countJobs()).toBe(1);
      await store.close();
    }),
  );

  it(
    'lets the reader write while it streams (a second connection reads)',
    withDir(async (dir) => {
      const store = openEmbeddedStore(join(dir, 'history.db'));
      await store.upsertJobs(
        Array.from({ length: 30 }, (_, i) => job({ jobId: String(i), submitS: 1e9 + i })),
      );
      let batches = 0;
      for await (const batch of store.jobs({ batchSize: 10 })) {
        batches += 1;
        await store.upsertJobs(batch.map((r) => ({ ...r, state: 'FAILED' as const })));
      }
      expect(batches).toBe(3);
      await store.close();
    }),
  );
});
