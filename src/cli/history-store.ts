import { existsSync } from 'node:fs';
import type { JobRecord } from '../shared/job-record.js';
import type { Config } from '../config/schema.js';
import type { HistoryStore, JobQuery } from '../store/types.js';

/** The options by which a reading command names its history: a log file or the store. */
export const historySourceOptions = {
  swf: { type: 'string', describe: 'SWF workload log (plain or .gz)' },
  store: {
    type: 'string',
    describe: 'Read the history store: a file of the embedded store, or no value for the configured store',
  },
  source: { type: 'string', describe: 'With --store: only jobs of this source, e.g. slurm:lab' },
} as const;

/**
 * Opens the history store a reading command names: `--store FILE` is that embedded file; a bare
 * `--store` is the store the config names (embedded or InfluxDB). A missing embedded file is an
 * error rather than a new, empty store, so that a mistyped path never reads as "no history".
 * @throws {StoreQueryError} when the embedded file does not exist.
 */
export async function openStoreForReading(storeArg: string, config: Config): Promise<HistoryStore> {
  // The store modules (better-sqlite3, influx) load only when a command opens a store.
  const [{ createStore }, { StoreQueryError }, { openEmbeddedStore }] = await Promise.all([
    import('../store/create.js'),
    import('../store/errors.js'),
    import('../store/index.js'),
  ]);
  const path = storeArg === '' ? config.store.path : storeArg;
  const embedded = storeArg !== '' || config.store.kind === 'embedded';
  if (!embedded) return createStore(config.store);
  if (!existsSync(path)) {
    throw new StoreQueryError(`no history store at ${path}; import or collect jobs first, or check --store`, {
      target: `embedded ${path}`,
    });
  }
  return openEmbeddedStore(path);
}

/** Streams the store's jobs in batches and closes the store when the stream ends or is abandoned. */
export async function* jobBatchesThenClose(
  store: HistoryStore,
  query: JobQuery,
): AsyncGenerator<JobRecord[], void, undefined> {
  try {
    for await (const batch of store.jobs(query)) yield batch as JobRecord[];
  } finally {
    await store.close();
  }
}
