import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { systemClock, type Clock } from '../shared/clock.js';
import type { HistoryStore, ImportWriter, SourceManifest } from '../store/types.js';
import { readAlibabaNodes, readAlibabaPods, alibabaSourceName, type AlibabaSkip } from './alibaba.js';
import { ImportConflictError, TraceReadError } from './errors.js';
import { resolveParam } from '../config/params.js';
import { parseInstant } from '../shared/time.js';
import type { NodeInventory } from './inventory.js';
import type { JobRecord } from '../shared/job-record.js';
import { readSwf, swfSourceName, type SwfProgress, type SwfSkip } from './swf.js';
import type { NodeSnapshot } from '../store/types.js';
import { silentLogger, type Logger } from '../shared/logger.js';

/**
 * What an import did: `imported` a new source, `replaced` one that held other content (`replace`),
 * or left the store `unchanged` because it already holds this content (under `sameContentAs`).
 */
export const ImportOutcomes = ['imported', 'replaced', 'unchanged'] as const;
export type ImportOutcome = (typeof ImportOutcomes)[number];

/** What an import did. */
export interface ImportResult {
  source: string;
  outcome: ImportOutcome;
  /** The source that already holds the same content (outcome `unchanged`; then also `source`). */
  sameContentAs?: string;
  /** SHA-256 of the imported content (see `docs/history.md`). */
  contentSha256: string;
  /** Records written to the store (0 when unchanged). */
  imported: number;
  /** Lines or rows skipped (non-strict mode): malformed, out of range, or a repeated job id. */
  skipped: number;
  /** Of the skipped, how many repeated a job id seen earlier in the file (the first is kept). */
  duplicates: number;
  /** The first skipped lines, with their line numbers and reasons. */
  skips: readonly (SwfSkip | AlibabaSkip)[];
  /** Jobs of this source now in the store. */
  jobsInStore: number;
  /** Nodes stored as the source's inventory (Alibaba node list only). */
  inventoryNodes?: number;
}

/** Options every import takes. */
export interface ImportCommonOptions {
  /** Reject the file at its first line that would be skipped; default false: skip and count. */
  strict?: boolean;
  /** Records per store write; default 20,000. */
  batchSize?: number;
  /** The source name; default from the file name (`swf:<name>`, `alibaba:<suffix>`). */
  source?: string;
  /** Replace the source when it holds other content; default false: that is an `ImportConflictError`. */
  replace?: boolean;
  /** Stamps the manifest's `importedAtS`; default the system clock. */
  clock?: Clock;
  /** Progress (each store write) at `info`, skipped lines at `warn`; default silent. */
  logger?: Logger;
}

interface ResolvedImportOptions {
  strict: boolean;
  batchSize: number;
  replace: boolean;
  clock: Clock;
  logger: Logger;
}

function resolveImportOptions(options: ImportCommonOptions): ResolvedImportOptions {
  return {
    strict: options.strict ?? false,
    batchSize: resolveParam('importBatchSize', options.batchSize),
    replace: options.replace ?? false,
    clock: options.clock ?? systemClock,
    logger: options.logger ?? silentLogger,
  };
}

/** Logs what an import did: progress at `info`, one warning with the skipped count and first lines, never the data. */
function logOutcome(logger: Logger, result: ImportResult): ImportResult {
  if (result.skipped > 0) {
    logger.warn(
      {
        source: result.source,
        skipped: result.skipped,
        first: result.skips.slice(0, 10).map((s) => ({ line: s.line, reason: s.reason })),
      },
      'import: malformed lines skipped',
    );
  }
  logger.info(
    {
      source: result.source,
      outcome: result.outcome,
      imported: result.imported,
      jobsInStore: result.jobsInStore,
    },
    'import: done',
  );
  return result;
}

/** Options of `importSwf`. */
export interface ImportSwfOptions extends ImportCommonOptions {
  /** Called after each chunk of the file. */
  onProgress?: (progress: SwfProgress) => void;
}

/** SHA-256 (hex) of a file's bytes. @throws {TraceReadError} when it cannot be read. */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (error) {
    throw new TraceReadError(path, { cause: error });
  }
  return hash.digest('hex');
}

type ImportPlan =
  | { kind: 'unchanged'; manifest: SourceManifest }
  | { kind: 'imported' | 'replaced'; expectedContentSha256: string | null };

/**
 * Decides what importing `contentSha256` as `source` does: nothing when the store already holds
 * that content (under any source name), a new source, or — only with `replace` — a replaced one.
 */
async function planImport(
  store: HistoryStore,
  wanted: { source: string; contentSha256: string; path: string; replace: boolean },
): Promise<ImportPlan> {
  const manifests = await store.manifests();
  const same = manifests.find((m) => m.contentSha256 === wanted.contentSha256);
  if (same !== undefined) return { kind: 'unchanged', manifest: same };
  const existing = manifests.find((m) => m.source === wanted.source);
  const held = existing !== undefined || (await store.countJobs({ source: wanted.source })) > 0;
  // What the source holds now must still be what it holds at publish: an import of the same source
  // published meanwhile (another process) makes this one fail instead of replacing unseen content.
  const expectedContentSha256 = existing?.contentSha256 ?? null;
  if (!held) return { kind: 'imported', expectedContentSha256 };
  if (wanted.replace) return { kind: 'replaced', expectedContentSha256 };
  throw new ImportConflictError({
    source: wanted.source,
    existing: existing === undefined ? null : existing,
    incoming: { fileName: wanted.path, contentSha256: wanted.contentSha256 },
  });
}

/**
 * Runs `stage` against a staged import and publishes it; on any failure the import is aborted, so
 * the source is exactly as it was.
 */
async function stagedImport(
  store: HistoryStore,
  manifest: { source: string; contentSha256: string; fileName: string; importedAtS: number },
  expectedContentSha256: string | null,
  stage: (writer: ImportWriter) => Promise<void>,
): Promise<SourceManifest> {
  const writer = await store.beginImport(manifest, { expectedContentSha256 });
  try {
    await stage(writer);
    return await writer.publish();
  } catch (error) {
    // The failure itself is what to report. An abort that fails too (the server went away) leaves
    // staged rows that no reader sees and that the next open or import removes.
    await writer.abort().catch(() => undefined);
    throw error;
  }
}

/** The result when the store holds the content already: it names the source that holds it. */
function unchanged(
  plan: { manifest: SourceManifest },
  contentSha256: string,
  jobsInStore: number,
): ImportResult {
  return {
    source: plan.manifest.source,
    outcome: 'unchanged',
    sameContentAs: plan.manifest.source,
    contentSha256,
    imported: 0,
    skipped: 0,
    duplicates: 0,
    skips: [],
    jobsInStore,
  };
}

/**
 * Streams an SWF log (plain or .gz) into the store as one staged import: readers see none of its
 * jobs until all are in, and a failure (unreadable file, a bad line in strict mode, a killed process)
 * leaves the source as it was. The file's SHA-256 identifies its content: importing the same content
 * again (from any path) adds nothing; other content under an existing source name is refused unless
 * `replace`. Memory stays constant whatever the file size.
 * @throws {ImportConflictError} when the source holds other content and `replace` is not set.
 * @throws {TraceFormatError} in strict mode at the first line that would be skipped.
 * @throws {TraceReadError} when the file is unreadable (a truncated .gz included).
 * @throws {StoreError} when the store refuses the records.
 * @example const result = await importSwf(store, '../shared/traces/KTH-SP2-1996-2.1-cln.swf.gz');
 */
export async function importSwf(
  store: HistoryStore,
  path: string,
  options: ImportSwfOptions = {},
): Promise<ImportResult> {
  const o = resolveImportOptions(options);
  const source = options.source ?? swfSourceName(path);
  const fileName = basename(path);
  const contentSha256 = await fileSha256(path);
  const plan = await planImport(store, { source, contentSha256, path, replace: o.replace });
  if (plan.kind === 'unchanged') {
    return unchanged(plan, contentSha256, await store.countJobs({ source: plan.manifest.source }));
  }
  const read = readSwf(path, {
    strict: o.strict,
    source,
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
  let imported = 0;
  await stagedImport(
    store,
    { source, contentSha256, fileName, importedAtS: o.clock.nowMs() / 1000 },
    plan.expectedContentSha256,
    async (writer) => {
      let pending: JobRecord[] = [];
      for await (const batch of read) {
        pending = pending.length === 0 ? batch : pending.concat(batch);
        if (pending.length >= o.batchSize) {
          await writer.put(pending);
          imported += pending.length;
          pending = [];
          o.logger.info({ source, staged: imported }, 'import: batch staged');
        }
      }
      if (pending.length > 0) {
        await writer.put(pending);
        imported += pending.length;
      }
    },
  );
  const { summary } = read;
  return logOutcome(o.logger, {
    source,
    outcome: plan.kind,
    contentSha256,
    imported,
    skipped: summary.skipped,
    duplicates: summary.duplicates,
    skips: summary.skips,
    jobsInStore: await store.countJobs({ source }),
  });
}

/** Options of `importAlibabaGpu`. */
export interface ImportAlibabaOptions extends ImportCommonOptions {
  /** The pod (task) list, CSV or .csv.gz. */
  podsPath: string;
  /** The node list, CSV or .csv.gz; stored as the source's inventory. */
  nodesPath?: string;
  /** The instant trace second 0 stands for (ISO 8601; UTC without an offset), since the trace's times are relative. */
  start: string;
}

/**
 * Imports the Alibaba GPU trace as one staged import (see `importSwf`): tasks become job records with
 * GPU type and count; the node list becomes an inventory, stored as one node snapshot of the same
 * source at `start` (every node idle, powered on), which is where the planner and simulator find GPU
 * types and capacity. The content hash covers the pod list, the node list and `start`, since all
 * three decide the records.
 * @throws {ImportConflictError} when the source holds other content and `replace` is not set.
 * @throws {InvalidInstantError} when `start` is not an ISO 8601 instant (one without an offset is UTC).
 * @throws {TraceFormatError} when a column is missing, or (strict) a row is bad.
 * @throws {ParameterRangeError} for a batch size outside `Params.importBatchSize`.
 * @throws {StoreError} when the store refuses the records.
 */
export async function importAlibabaGpu(
  store: HistoryStore,
  options: ImportAlibabaOptions,
): Promise<ImportResult> {
  const o = resolveImportOptions(options);
  const source = options.source ?? alibabaSourceName(options.podsPath);
  const fileName = basename(options.podsPath);
  // One reading of `start` for the pods' anchor and the inventory's time: without an offset it is UTC.
  const startS = parseInstant(options.start, 'start');
  const pods = await readAlibabaPods(options.podsPath, { start: startS, strict: o.strict, source });
  const inventory =
    options.nodesPath === undefined ? undefined : await readAlibabaNodes(options.nodesPath, { source });
  const contentSha256 = createHash('sha256')
    .update(
      [
        `pods ${await fileSha256(options.podsPath)}`,
        `nodes ${options.nodesPath === undefined ? '-' : await fileSha256(options.nodesPath)}`,
        `start ${pods.startS}`,
      ].join('\n'),
    )
    .digest('hex');
  const plan = await planImport(store, { source, contentSha256, path: options.podsPath, replace: o.replace });
  if (plan.kind === 'unchanged') {
    return unchanged(plan, contentSha256, await store.countJobs({ source: plan.manifest.source }));
  }
  await stagedImport(
    store,
    { source, contentSha256, fileName, importedAtS: o.clock.nowMs() / 1000 },
    plan.expectedContentSha256,
    async (writer) => {
      for (let i = 0; i < pods.records.length; i += o.batchSize) {
        await writer.put(pods.records.slice(i, i + o.batchSize));
        o.logger.info(
          { source, staged: Math.min(i + o.batchSize, pods.records.length) },
          'import: batch staged',
        );
      }
      // Before publishing: once the jobs are visible, so is the inventory they need.
      if (inventory !== undefined)
        await store.putNodeSnapshot(inventorySnapshot(inventory, source, pods.startS));
    },
  );
  return logOutcome(o.logger, {
    source,
    outcome: plan.kind,
    contentSha256,
    imported: pods.records.length,
    skipped: pods.skipped,
    duplicates: pods.duplicates,
    skips: pods.skips,
    jobsInStore: await store.countJobs({ source }),
    ...(inventory === undefined ? {} : { inventoryNodes: inventory.nodes.length }),
  });
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
