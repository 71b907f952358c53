import { quantileOf as sharedQuantileOf } from '../../shared/quantile.js';

/**
 * The newsvendor quantile: keep warm capacity up to the level where one more idle node-hour costs as
 * much as the waiting it is expected to save, i.e. waitingJobHour / (waitingJobHour + idleNodeHour).
 * @throws {RangeError} when both costs are zero.
 * @example newsvendorQuantile({ idleNodeHour: 1, waitingJobHour: 4 }) // 0.8
 */
export function newsvendorQuantile(costs: { idleNodeHour: number; waitingJobHour: number }): number {
  const total = costs.idleNodeHour + costs.waitingJobHour;
  if (!(total > 0)) throw new RangeError('costs.idleNodeHour and costs.waitingJobHour cannot both be 0');
  return Math.min(0.999, Math.max(0.001, costs.waitingJobHour / total));
}

/**
 * The `level` quantile of `values` by the project's one definition (`src/shared/quantile.ts`: 0 the
 * minimum, 1 the maximum, linear in between); 0 when there are none (no history: nothing to keep warm).
 */
export function quantileOf(values: readonly number[], level: number): number {
  return values.length === 0 ? 0 : sharedQuantileOf(values, level);
}
