import { EngineNotWiredError } from './errors.js';
import type { EngineSeams } from './factory.js';

/**
 * The planner, the inventory mapping, the actuator and the reservation-use reads, as the engine calls
 * them (`EngineSeams`). This build has none of them yet, so the cycle refuses to run rather than run
 * without them; this module is the one place that binds them.
 * @throws {EngineNotWiredError} naming what is missing.
 */
export function loadEngineSeams(): Promise<EngineSeams> {
  return Promise.reject(
    new EngineNotWiredError([
      'planner (planCapacity, src/plan/planner.ts)',
      'inventory mapping (inventoryFromNodes, src/plan/inventory.ts)',
      'actuator (applyPlan, src/act/apply.ts)',
      'reservation-use reads (sacct and squeue by reservation)',
    ]),
  );
}
