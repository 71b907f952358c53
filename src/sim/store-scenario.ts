import type { JobRecord } from '../shared/job-record.js';
import { nodeSnapshotBefore } from '../store/snapshots.js';
import type { HistoryStore, JobQuery } from '../store/types.js';
import { ClusterInventoryError } from './errors.js';
import {
  checkedInventoryNodes,
  INVENTORY_HINT,
  nodesInSeveralPartitions,
  poolsFromNodes,
  type InventoryInput,
} from './inventory.js';
import { scenarioFromRecords, type MachineOrigin, type Scenario } from './run.js';
import type { ClusterSpec } from './types.js';
import { onePoolCluster } from './workload.js';

/** Options of {@link scenarioFromStore}. */
export interface StoreScenarioOptions {
  /** Only the jobs of this source, and its inventory. Default: every job, and the inventory of their one source. */
  readonly source?: string;
  /** Replay only the first `days` days. */
  readonly days?: number;
  /** IANA zone for the policies' calendar. */
  readonly timeZone: string;
  /** A one-pool machine of this size instead of an inventory (`nodeCount` 0 = unlimited). */
  readonly onePool?: { readonly nodeCount: number; readonly cpusPerNode: number };
  /** Replay on this inventory (a node list the caller read) instead of the one the store holds. */
  readonly inventory?: InventoryInput;
}

/** The one source of the jobs read, or why there is none to take an inventory from. */
export function soleSource(records: readonly JobRecord[], storeLabel: string): string {
  const sources = [...new Set(records.map((r) => r.source))].sort();
  if (sources.length === 1) return sources[0] as string;
  if (sources.length === 0) {
    throw new ClusterInventoryError({
      code: 'no-inventory',
      inventory: storeLabel,
      reason: 'the store holds no jobs, so no source whose node inventory to replay on',
      hint: 'import or collect jobs first, or check --store and --source',
    });
  }
  throw new ClusterInventoryError({
    code: 'several-sources',
    inventory: storeLabel,
    reason: `the jobs come from ${sources.length} sources (${sources.join(', ')}), each with its own machine`,
    hint: 'give --source NAME to replay the jobs of one of them on its inventory',
  });
}

/** The machine from an inventory, and what the report says about where it came from. */
function inventoryMachine(
  inventory: InventoryInput,
  atS: number | null,
  timeZone: string,
): { cluster: ClusterSpec; machine: MachineOrigin } {
  const nodes = checkedInventoryNodes(inventory);
  return {
    cluster: { timeZone, pools: poolsFromNodes(nodes) },
    machine: {
      from: 'inventory',
      inventory: inventory.label,
      atS,
      nodesInSeveralPartitions: nodesInSeveralPartitions(nodes),
    },
  };
}

/**
 * The stored inventory the jobs ran on: the node snapshot of their source in force at the last job's
 * submission, i.e. the machine as it stands at the end of the history. An imported Alibaba node list
 * is one snapshot at the trace's start; a collected source has one per collect run.
 * @throws {ClusterInventoryError} when the source has no snapshot, or the jobs come from several sources.
 */
async function storedMachine(
  store: Pick<HistoryStore, 'nodeSnapshots' | 'description'>,
  records: readonly JobRecord[],
  options: StoreScenarioOptions,
): Promise<{ cluster: ClusterSpec; machine: MachineOrigin }> {
  const source = options.source ?? soleSource(records, store.description);
  const lastSubmitS = records.reduce((m, r) => Math.max(m, r.submitS), Number.NEGATIVE_INFINITY);
  // No jobs (a source given that holds none): any snapshot of the source will do, so the latest.
  const beforeS = Number.isFinite(lastSubmitS) ? Math.floor(lastSubmitS) + 1 : Number.POSITIVE_INFINITY;
  const snapshot = await nodeSnapshotBefore(store, source, beforeS);
  if (snapshot === null) {
    throw new ClusterInventoryError({
      code: 'no-inventory',
      inventory: source,
      reason: `${store.description} holds no node inventory for ${source} (an SWF log has none; an Alibaba pod list has one only when imported with --nodes)`,
      hint: INVENTORY_HINT,
    });
  }
  return inventoryMachine({ label: source, nodes: snapshot.nodes }, snapshot.atS, options.timeZone);
}

/**
 * A scenario from the history store: its jobs (of `source`, or all) replayed on the machine they
 * ran on. The machine is, in this order of precedence: the one-pool size given, the inventory given,
 * or the inventory the store holds for the jobs' source, one pool per node type and partition, so
 * that GPU jobs run on the nodes of their GPU type.
 *
 * @throws {ClusterInventoryError} when there is no inventory to use, it lists no nodes or a node that
 * is not one, or the jobs come from several sources and none was named.
 * @throws {ParameterRangeError} for `days` outside `Params.days`.
 * @throws {StoreError} when the store cannot be read.
 * @example
 * const scenario = await scenarioFromStore(store, { source: 'alibaba:gpuspec33', timeZone: 'UTC' });
 */
export async function scenarioFromStore(
  store: Pick<HistoryStore, 'jobs' | 'nodeSnapshots' | 'description'>,
  options: StoreScenarioOptions,
): Promise<Scenario> {
  const query: JobQuery = options.source === undefined ? {} : { source: options.source };
  const records: JobRecord[] = [];
  for await (const batch of store.jobs(query)) for (const r of batch) records.push(r);
  const { cluster, machine } =
    options.onePool !== undefined
      ? {
          cluster: onePoolCluster({ ...options.onePool, timeZone: options.timeZone }),
          machine: { from: 'size', inventory: null, atS: null, nodesInSeveralPartitions: 0 } as const,
        }
      : options.inventory !== undefined
        ? inventoryMachine(options.inventory, null, options.timeZone)
        : await storedMachine(store, records, options);
  const days = options.days === undefined ? {} : { days: options.days };
  return { ...scenarioFromRecords(store.description, records, cluster, days), machine };
}
