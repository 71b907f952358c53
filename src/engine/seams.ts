import {
  ListQueue,
  ListReservations,
  listJobsInReservations,
  type Node,
  type SlurmClient,
} from '../../sdk/index.js';
import { applyPlan } from '../act/apply.js';
import { isOwnedReservation, type Ownership } from '../act/ownership.js';
import { loadOrCreateSecret } from '../act/state.js';
import type { Config } from '../config/schema.js';
import { inventoryFromNodes } from '../plan/inventory.js';
import { planCapacity } from '../plan/planner.js';
import type { EngineSeams } from './factory.js';
import { reservationUseOf } from './measure.js';

/**
 * The plan key an owned reservation's name stands for: the actuator names a reservation
 * `<prefix><key>-<tag>` (src/act/ownership.ts), so the key is what lies between the prefix and the tag.
 * Null for a name that does not verify as ours: such a reservation is never measured or resized.
 */
export function planKeyOfReservation(ownership: Ownership, name: string): string | null {
  if (!isOwnedReservation(ownership, name)) return null;
  return name.slice(ownership.prefix.length, name.lastIndexOf('-'));
}

/**
 * The planner, the inventory mapping, the actuator and the reservation-use reads, bound to a config:
 * the one place that binds them for the engine.
 * @throws {ActStateError} when the actuator's state directory (its ownership key) cannot be read.
 */
export async function loadEngineSeams(config: Config): Promise<EngineSeams> {
  const ownership: Ownership = {
    prefix: config.act.reservationPrefix,
    secret: await loadOrCreateSecret(config.act.stateDir),
  };
  return {
    planCapacity,
    inventoryFromNodes: (nodes: Node[], nowS: number) =>
      inventoryFromNodes(nodes, {
        atS: nowS,
        nodeTypes: config.plan.nodeTypes,
        defaultBootS: config.plan.defaultBootS,
        defaultPricePerNodeHour: config.plan.defaultPricePerNodeHour,
      }),
    applyPlan: (client, plan, options) => applyPlan(client, plan, { config: config.act, ...options }),
    reservationUse: async (client: SlurmClient, window, gpuBusy) => {
      const owned = (await client.send(new ListReservations())).filter((r) =>
        isOwnedReservation(ownership, r.name),
      );
      if (owned.length === 0) return [];
      const names = owned.map((r) => r.name);
      const [queue, recentJobs] = await Promise.all([
        client.send(new ListQueue({ reservations: names })),
        // With no previous cycle, the last hour stands for "recently".
        listJobsInReservations(client, { names, startEpochS: window.sinceS ?? window.nowS - 3_600 }),
      ]);
      return reservationUseOf({
        gpuBusy,
        reservations: owned,
        queue,
        recentJobs,
        keyOf: (name) => planKeyOfReservation(ownership, name),
      });
    },
  };
}
