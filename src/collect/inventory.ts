import { z } from 'zod';

/**
 * What a cluster has: one entry per node with its CPUs, memory and GPUs. Imported from traces (the
 * Alibaba node list) or, later, observed from Slurm; the planner and the simulator size pools from it.
 */
export const InventoryNodeSchema = z.object({
  /** Node name as the source spells it (`openb-node-0001`, `gpu017`). */
  name: z.string().min(1),
  /** CPUs (may be fractional for traces that count milli-cores). */
  cpus: z.number().nonnegative(),
  memMiB: z.number().nonnegative(),
  gpuCount: z.number().int().nonnegative(),
  /** GPU model (`T4`, `V100M32`, `a100`); null when the node has no GPUs or the model is unknown. */
  gpuType: z.string().nullable(),
});
export type InventoryNode = z.infer<typeof InventoryNodeSchema>;

export const NodeInventorySchema = z.object({
  /** Where the inventory came from, e.g. `alibaba:all_node`. */
  source: z.string().min(1),
  nodes: z.array(InventoryNodeSchema),
});
export type NodeInventory = z.infer<typeof NodeInventorySchema>;

/** Totals for the nodes of one GPU type. */
export interface GpuTypeCapacity {
  /** The GPU model, or null for nodes without (known) GPUs. */
  readonly gpuType: string | null;
  readonly nodes: number;
  readonly gpus: number;
  readonly cpus: number;
  readonly memMiB: number;
}

/**
 * Sums an inventory per GPU type, largest GPU count first (nodes without GPUs last).
 *
 * @example
 * capacityByGpuType(inventory).find((c) => c.gpuType === 'T4')?.gpus
 */
export function capacityByGpuType(inventory: NodeInventory): GpuTypeCapacity[] {
  const totals = new Map<string | null, { nodes: number; gpus: number; cpus: number; memMiB: number }>();
  for (const node of inventory.nodes) {
    const key = node.gpuCount > 0 ? node.gpuType : null;
    const t = totals.get(key) ?? { nodes: 0, gpus: 0, cpus: 0, memMiB: 0 };
    t.nodes += 1;
    t.gpus += node.gpuCount;
    t.cpus += node.cpus;
    t.memMiB += node.memMiB;
    totals.set(key, t);
  }
  return [...totals.entries()]
    .map(([gpuType, t]) => ({ gpuType, ...t }))
    .sort((a, b) => (a.gpuType === null ? 1 : 0) - (b.gpuType === null ? 1 : 0) || b.gpus - a.gpus);
}
