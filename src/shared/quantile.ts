/**
 * The project's one percentile definition, used by the forecasts' intervals and calibration, the
 * policies' warm-pool settings and the simulator's P95 wait alike.
 *
 * Type 7 of Hyndman and Fan ("Sample quantiles in statistical packages", 1996): linear interpolation
 * between the closest ranks, at position (n − 1) · level of the sorted values. It is the default of R,
 * NumPy and pandas, so a number can be checked against any of them; level 0 is the minimum, 1 the
 * maximum, and it moves continuously in between (a nearest-rank definition jumps from value to value).
 */

/**
 * The `level` quantile of values already sorted ascending; `level` is clamped to [0, 1]. NaN when
 * there are no values (the caller decides what an empty sample means).
 * @example quantileSorted([0, 100], 0.95) // 95
 */
export function quantileSorted(sorted: ArrayLike<number>, level: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = (n - 1) * Math.min(1, Math.max(0, level));
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[hi] ?? Number.NaN;
  return a + (b - a) * (pos - lo);
}

/**
 * The `level` quantile of unsorted values ({@link quantileSorted} after an ascending sort of a copy).
 * NaN when there are no values.
 * @example quantileOf([3, 1, 2], 0.5) // 2
 */
export function quantileOf(values: readonly number[], level: number): number {
  return quantileSorted(
    [...values].sort((a, b) => a - b),
    level,
  );
}
