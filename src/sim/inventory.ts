import { z } from 'zod';
import { DEFAULT_PARTITION } from '../shared/job-record.js';
import { ClusterInventoryError } from './errors.js';
import type { PoolSpec } from './types.js';

/**
 * What building pools reads of one node. A node snapshot's `NodeStatus` has these fields, whether
 * `collect` took it from Slurm or `import --nodes` from the Alibaba node list, so both become pools the
 * same way. Snapshots come back from a store as parsed JSON, hence the schema.
 */
export const PoolNodeSchema = z.object({
  name: z.string().min(1),
  /** Partitions the node is in; none (an imported node list) means the default partition. */
  partitions: z.array(z.string().min(1)),
  /** At least one CPU: a node without CPUs would hold any job and hide a broken inventory. */
  cpuCount: z.number().positive(),
  memMiB: z.number().nonnegative(),
  gpuCount: z.number().int().nonnegative(),
  /** GPU model; null for no GPUs or GPUs of unknown model. */
  gpuType: z.string().min(1).nullable(),
  /** Node features (Slurm `Features=`). */
  features: z.array(z.string().min(1)),
});
export type PoolNode = z.infer<typeof PoolNodeSchema>;

/** An inventory to build a machine from: every node, and where they were read (for messages). */
export interface InventoryInput {
  /** A source name (`alibaba:gpuspec33`) or a file path. */
  readonly label: string;
  readonly nodes: readonly unknown[];
}

/** One node type within one partition: the identity of a pool. */
interface NodeShape {
  readonly partition: string;
  readonly cpus: number;
  readonly memMiB: number;
  readonly gpuCount: number;
  readonly gpuType: string | null;
  readonly features: readonly string[];
}

/** The shape of a node in each of its partitions; a node in two partitions is capacity of both. */
export function nodeShapes(node: PoolNode): NodeShape[] {
  const partitions = node.partitions.length === 0 ? [DEFAULT_PARTITION] : [...new Set(node.partitions)];
  const features = [...new Set(node.features)].sort();
  return partitions.map((partition) => ({
    partition,
    cpus: node.cpuCount,
    memMiB: node.memMiB,
    gpuCount: node.gpuCount,
    // A model without GPUs is no GPU type: such a node serves only jobs that ask for none.
    gpuType: node.gpuCount > 0 ? node.gpuType : null,
    features,
  }));
}

function shapeKey(s: NodeShape): string {
  return JSON.stringify([s.partition, s.cpus, s.memMiB, s.gpuCount, s.gpuType, s.features]);
}

/**
 * The pool name a job would give (`series` pool names: partition, lower-cased GPU type, features), so
 * that `simulate` pools read as the pools of `series` and `forecast`. GPUs of no known model are `gpu`.
 */
export function poolBaseName(s: Pick<NodeShape, 'partition' | 'gpuCount' | 'gpuType' | 'features'>): string {
  let name = s.partition;
  if (s.gpuCount > 0) name += `/${(s.gpuType ?? 'gpu').toLowerCase()}`;
  if (s.features.length > 0) name += `[${s.features.join(',')}]`;
  return name;
}

function memText(memMiB: number): string {
  return memMiB % 1024 === 0 ? `${memMiB / 1024}GiB` : `${memMiB}MiB`;
}

/** `104cpu-512GiB-2gpu`: what tells node types of one base name apart. */
export function shapeSuffix(s: Pick<NodeShape, 'cpus' | 'memMiB' | 'gpuCount'>): string {
  return [`${s.cpus}cpu`, memText(s.memMiB), ...(s.gpuCount > 0 ? [`${s.gpuCount}gpu`] : [])].join('-');
}

/**
 * Names every shape: its base name when no other shape has it, else the base name and the node size
 * (`default/t4:104cpu-512GiB-2gpu`), and a counter for whatever still collides. A name depends only on
 * the shapes present, never on the order of the nodes.
 */
function nameShapes(shapes: readonly NodeShape[]): Map<string, string> {
  const perBase = new Map<string, number>();
  for (const s of shapes) perBase.set(poolBaseName(s), (perBase.get(poolBaseName(s)) ?? 0) + 1);
  const named = shapes
    .map((s) => {
      const base = poolBaseName(s);
      return { key: shapeKey(s), name: (perBase.get(base) ?? 0) > 1 ? `${base}:${shapeSuffix(s)}` : base };
    })
    .sort((a, b) => compareText(a.name, b.name) || compareText(a.key, b.key));
  const seen = new Map<string, number>();
  const names = new Map<string, string>();
  for (const { key, name } of named) {
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    names.set(key, n === 1 ? name : `${name}#${n}`);
  }
  return names;
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * One pool per node type and partition (same partition, CPUs, memory, GPU count and model, features),
 * with its node count. Pools are listed by partition, then most nodes first: a job goes to the first
 * pool that holds it in the fewest nodes (`routeJob`), so among node types that fit a job equally well
 * the common type takes it, as most jobs of a kind land on the nodes most of the kind are.
 *
 * @example
 * poolsFromNodes([{ name: 'n1', partitions: [], cpuCount: 104, memMiB: 524288, gpuCount: 2, gpuType: 'T4', features: [] }])
 * // [{ name: 'default/t4', partition: 'default', nodeCount: 1, cpusPerNode: 104, gpusPerNode: 2, … }]
 */
export function poolsFromNodes(nodes: readonly PoolNode[]): PoolSpec[] {
  const counts = new Map<string, { shape: NodeShape; nodes: number }>();
  for (const node of nodes) {
    for (const shape of nodeShapes(node)) {
      const key = shapeKey(shape);
      const entry = counts.get(key) ?? { shape, nodes: 0 };
      entry.nodes += 1;
      counts.set(key, entry);
    }
  }
  const names = nameShapes([...counts.values()].map((c) => c.shape));
  return [...counts.entries()]
    .map(([key, { shape, nodes: nodeCount }]) => ({
      name: names.get(key) ?? key,
      partition: shape.partition,
      nodeCount,
      cpusPerNode: shape.cpus,
      memMiBPerNode: shape.memMiB,
      gpusPerNode: shape.gpuCount,
      gpuType: shape.gpuType,
      features: shape.features,
    }))
    .sort(
      (a, b) =>
        compareText(a.partition, b.partition) || b.nodeCount - a.nodeCount || compareText(a.name, b.name),
    );
}

/** Nodes listed in more than one partition: the simulator's partitions share no nodes, so these count twice. */
export function nodesInSeveralPartitions(nodes: readonly PoolNode[]): number {
  return nodes.filter((n) => new Set(n.partitions).size > 1).length;
}

/** What to do when the store has no usable inventory: the ways to give the machine. */
export const INVENTORY_HINT =
  'give --nodes N and --cpus-per-node C for a one-pool machine, --inventory NODES for a node list, or import the node list with the jobs (slurmcast import --alibaba-gpu PODS --nodes NODES --start T --replace)';

/**
 * Checks every node of an inventory against {@link PoolNodeSchema}.
 * @throws {ClusterInventoryError} `no-nodes` for an empty inventory, `bad-node` naming the first node
 * that is not one (its name or position, and what is wrong).
 */
export function checkedInventoryNodes(inventory: InventoryInput): PoolNode[] {
  if (inventory.nodes.length === 0) {
    throw new ClusterInventoryError({
      code: 'no-nodes',
      inventory: inventory.label,
      reason: 'it lists no nodes, so no job could run',
      hint: INVENTORY_HINT,
    });
  }
  return inventory.nodes.map((raw, i) => {
    const parsed = PoolNodeSchema.safeParse(raw);
    if (parsed.success) return parsed.data;
    const name = (raw as { name?: unknown } | null)?.name;
    const which = typeof name === 'string' && name !== '' ? `node ${name}` : `node #${i + 1}`;
    throw new ClusterInventoryError({
      code: 'bad-node',
      inventory: inventory.label,
      reason: `${which}: ${parsed.error.issues.map((x) => `${x.path.join('.') || 'node'}: ${x.message}`).join('; ')}`,
      hint: 'check the node list it came from',
      cause: parsed.error,
    });
  });
}
