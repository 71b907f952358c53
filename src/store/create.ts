import type { StoreConfig } from '../config/schema.js';
import { openInfluxStore } from './influx.js';
import { SpooledStore, type SpoolStatus } from './spool.js';
import { openEmbeddedStore } from './sqlite.js';
import type { HistoryStore } from './types.js';

/** Where `createStore` reads the InfluxDB password from; default `process.env`. */
export interface CreateStoreOptions {
  env?: NodeJS.ProcessEnv;
}

/**
 * Opens the store the config names: the embedded SQLite file, or InfluxDB behind a durable spool.
 * For InfluxDB, writes spooled by an earlier run are replayed now (if the server is still down they
 * stay spooled, and this run spools too).
 * @throws {StoreError} when the embedded file cannot be opened, or the spool cannot be read.
 * @example const store = await createStore(config.store); try { … } finally { await store.close(); }
 */
export async function createStore(
  config: StoreConfig,
  options: CreateStoreOptions = {},
): Promise<HistoryStore> {
  if (config.kind === 'embedded' || config.influx === undefined) return openEmbeddedStore(config.path);
  const env = options.env ?? process.env;
  const password = env[config.influx.passwordEnv];
  const influx = openInfluxStore({
    host: config.influx.host,
    port: config.influx.port,
    database: config.influx.database,
    timeoutS: config.influx.timeoutS,
    movedJobLookbackS: config.influx.movedJobLookbackS,
    ...(config.influx.username === undefined ? {} : { username: config.influx.username }),
    ...(password === undefined || password === '' ? {} : { password }),
  });
  const store = new SpooledStore(influx, config.spoolDir);
  await store.replay();
  return store;
}

/** The spool's status when `store` is a spooled server store; undefined for the embedded store. */
export function spoolStatus(store: HistoryStore): Readonly<SpoolStatus> | undefined {
  return store instanceof SpooledStore ? store.status() : undefined;
}
