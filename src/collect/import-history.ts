import type { HistoryStore } from '../store/types.js';
import { readAlibabaNodes, readAlibabaPods, type AlibabaSkip } from './alibaba.js';
import type { NodeInventory } from './inventory.js';
import type { JobRecord } from '../shared/job-record.js';
import { readSwf, type SwfProgress, type SwfSkip } from './swf.js';
import type { NodeSnapshot } from '../store/types.js';
import { silentLogger, type Logger } from '../shared/logger.js';

/** What an import did. */
export interface ImportResult {
  source: string;
  /** Records written to the store. */
  imported: number;
  /** Malformed lines or rows skipped (non-strict mode). */
  skipped: number;
  /** The first skipped lines, with their line numbers and reasons. */
  skips: readonly (SwfSkip | AlibabaSkip)[];
  /** Jobs of this source now in the store (re-importing a file does not add any). */
  jobsInStore: number;
  /** Nodes stored as the source's inventory (Alibaba node list only). */
  inventoryNodes?: number;
}

/** Options of `importSwf`. */
export interface ImportSwfOptions {
  /** Reject the file at its first malformed job line; default false: skip and count. */
  strict?: boolean;
  /** Called after each chunk of the file. */
  onProgress?: (progress: SwfProgress) => void;
  /** Records per store write; default 20,000. */
  batchSize?: number;
  /** Progress (each store write) at `info`, skipped lines at `warn`; default silent. */
  logger?: Logger;
}

/** Logs what an import skipped: one warning with the count and the first lines, never the data. */
function logSkips(logger: Logger, result: ImportResult): void {
  if (result.skipped === 0) return;
  logger.warn(
    {
      source: result.source,
      skipped: result.skipped,
      first: result.skips.slice(0, 10).map((s) => ({ line: s.line, reason: s.reason })),
    },
    'import: malformed lines skipped',
  );
}

/**
 * Streams an SWF log (plain or .gz) into the store in batches; memory stays constant whatever the
 * file size. Jobs are keyed by (source, job number), so importing the same file again changes nothing.
 * @throws {TraceFormatError} in strict mode at the first malformed line; {@link TraceReadError} when unreadable.
 * @throws {StoreError} when the store refuses the records.
 * @example const result = await importSwf(store, '../shared/traces/KTH-SP2-1996-2.1-cln.swf.gz');
 */
export async function importSwf(
  store: HistoryStore,
  path: string,
  options: ImportSwfOptions = {},
): Promise<ImportResult> {
  const batchSize = options.batchSize ?? 20_000;
  const logger = options.logger ?? silentLogger;
  const read = readSwf(path, {
    strict: options.strict ?? false,
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
  let pending: JobRecord[] = [];
  let imported = 0;
  for await (const batch of read) {
    pending = pending.length === 0 ? batch : pending.concat(batch);
    if (pending.length >= batchSize) {
      imported += (await store.upsertJobs(pending)).written;
      pending = [];
      logger.info({ path, imported }, 'import: batch written');
    }
  }
  if (pending.length > 0) imported += (await store.upsertJobs(pending)).written;
  const { summary } = read;
  const result = {
    source: summary.source,
    imported,
    skipped: summary.skipped,
    skips: summary.skips,
    jobsInStore: await store.countJobs({ source: summary.source }),
  };
  logSkips(logger, result);
  logger.info({ source: result.source, imported, jobsInStore: result.jobsInStore }, 'import: done');
  return result;
}

/** Options of `importAlibabaGpu`. */
export interface ImportAlibabaOptions {
  /** The pod (task) list, CSV or .csv.gz. */
  podsPath: string;
  /** The node list, CSV or .csv.gz; stored as the source's inventory. */
  nodesPath?: string;
  /** The instant trace second 0 stands for (ISO 8601), since the trace's times are relative. */
  start: string;
  strict?: boolean;
  batchSize?: number;
  /** Progress (each store write) at `info`, skipped rows at `warn`; default silent. */
  logger?: Logger;
}

/**
 * Imports the Alibaba GPU trace: tasks become job records with GPU type and count; the node list
 * becomes an inventory, stored as one node snapshot of the same source at `start` (every node idle,
 * powered on), which is where the planner and simulator find GPU types and capacity.
 * @throws {TraceFormatError} when `start` is not a date, a column is missing, or (strict) a row is bad.
 * @throws {StoreError} when the store refuses the records.
 */
export async function importAlibabaGpu(
  store: HistoryStore,
  options: ImportAlibabaOptions,
): Promise<ImportResult> {
  const batchSize = options.batchSize ?? 20_000;
  const logger = options.logger ?? silentLogger;
  const pods = await readAlibabaPods(options.podsPath, {
    start: options.start,
    strict: options.strict ?? false,
  });
  let imported = 0;
  for (let i = 0; i < pods.records.length; i += batchSize) {
    imported += (await store.upsertJobs(pods.records.slice(i, i + batchSize))).written;
    logger.info({ path: options.podsPath, imported }, 'import: batch written');
  }
  let inventoryNodes: number | undefined;
  if (options.nodesPath !== undefined) {
    const inventory = await readAlibabaNodes(options.nodesPath);
    await store.putNodeSnapshot(inventorySnapshot(inventory, pods.source, Date.parse(options.start) / 1000));
    inventoryNodes = inventory.nodes.length;
  }
  const result = {
    source: pods.source,
    imported,
    skipped: pods.skipped,
    skips: pods.skips,
    jobsInStore: await store.countJobs({ source: pods.source }),
    ...(inventoryNodes === undefined ? {} : { inventoryNodes }),
  };
  logSkips(logger, result);
  logger.info({ source: result.source, imported, jobsInStore: result.jobsInStore }, 'import: done');
  return result;
}

/** A node inventory as a node snapshot: every node powered on and idle at `atS`. */
export function inventorySnapshot(inventory: NodeInventory, source: string, atS: number): NodeSnapshot {
  return {
    source,
    atS,
    nodes: inventory.nodes.map((n) => ({
      name: n.name,
      state: 'IDLE',
      flags: [],
      powerState: 'ON',
      partitions: [],
      cpuCount: n.cpus,
      allocCpuCount: 0,
      memMiB: n.memMiB,
      allocMemMiB: 0,
      gpuCount: n.gpuCount,
      gpuType: n.gpuType,
      features: [],
    })),
  };
}
