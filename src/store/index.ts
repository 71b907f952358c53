/** The history store: one interface, an embedded SQLite file, InfluxDB 1.x behind a spool, a fake. */
export type {
  BeginImportOptions,
  HistoryStore,
  ImportManifest,
  ImportWriter,
  SourceManifest,
  JobQuery,
  NodeSnapshot,
  NodeStatus,
  PowerState,
  QueueDemand,
  QueueSnapshot,
  QueueState,
  SnapshotQuery,
  UpsertResult,
} from './types.js';
export { PowerStates, QueueStates } from './types.js';
export * from './errors.js';
export { createStore, spoolStatus, type CreateStoreOptions } from './create.js';
export { openEmbeddedStore, EmbeddedStore, type EmbeddedStoreOptions } from './sqlite.js';
export { openInfluxStore, InfluxStore, type InfluxStoreOptions } from './influx.js';
export { Spool, SpooledStore, type SpoolEntry, type SpoolStatus } from './spool.js';
export { MemoryStore } from './memory.js';
export { withLock, type LockOptions } from './lock.js';
