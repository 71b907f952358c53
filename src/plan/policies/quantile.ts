import { quantileSorted } from 'simple-statistics';

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

/** The `level` quantile (0: minimum, 1: maximum, linear in between) of `values`; 0 when empty. */
export function quantileOf(values: readonly number[], level: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return quantileSorted(sorted, Math.min(1, Math.max(0, level)));
}
