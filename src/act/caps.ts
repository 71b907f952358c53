import type { Node } from '../../sdk/index.js';
import type { Operation } from './diff.js';

/** How much one cycle may take (config `act.*`; the defaults live in src/config/schema.ts only). */
export interface Caps {
  maxNodesPoweredPerCycle: number;
  maxReservationChangesPerCycle: number;
  /** Largest share of a partition's nodes that Slurmcast's reservations may hold, in [0, 1]. */
  maxPartitionShareReserved: number;
}

/** An operation and, when a cap stops it, which one. */
export interface CappedOperation {
  operation: Operation;
  /** Set when the operation must not be sent this cycle. */
  cappedBy?: string;
}

/**
 * Applies the per-cycle caps in operation order. Releases (deletes, power-downs, feature restores) are
 * never capped: a cap bounds how much Slurmcast takes in one cycle, not how fast it gives back. What
 * a release frees counts for what the same cycle then takes.
 * @param ownedReserved nodes held now by Slurmcast's reservations, per partition.
 */
export function enforceCaps(
  operations: readonly Operation[],
  nodes: readonly Node[],
  ownedReserved: ReadonlyMap<string, number>,
  caps: Caps,
): CappedOperation[] {
  const partitionSize = new Map<string, number>();
  for (const n of nodes) for (const p of n.partitions) partitionSize.set(p, (partitionSize.get(p) ?? 0) + 1);
  const reserved = new Map(ownedReserved);
  let powered = 0;
  let reservationChanges = 0;
  return operations.map((operation) => {
    const delta = operation.reservedDelta;
    if (operation.kind === 'power-up') {
      if (powered >= caps.maxNodesPoweredPerCycle) {
        return { operation, cappedBy: `act.maxNodesPoweredPerCycle (${caps.maxNodesPoweredPerCycle})` };
      }
      powered += 1;
    }
    if (operation.kind === 'create-reservation' || operation.kind === 'update-reservation') {
      if (reservationChanges >= caps.maxReservationChangesPerCycle) {
        return {
          operation,
          cappedBy: `act.maxReservationChangesPerCycle (${caps.maxReservationChangesPerCycle})`,
        };
      }
      if (delta !== undefined && delta.nodes > 0) {
        const size = partitionSize.get(delta.partition) ?? 0;
        const after = (reserved.get(delta.partition) ?? 0) + delta.nodes;
        if (after > caps.maxPartitionShareReserved * size) {
          return {
            operation,
            cappedBy: `act.maxPartitionShareReserved (${caps.maxPartitionShareReserved}): ${after} of ${size} nodes of partition ${delta.partition} would be reserved`,
          };
        }
      }
      reservationChanges += 1;
    }
    if (delta !== undefined)
      reserved.set(delta.partition, (reserved.get(delta.partition) ?? 0) + delta.nodes);
    return { operation };
  });
}
