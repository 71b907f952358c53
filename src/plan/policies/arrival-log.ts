import type { ArrivalColumns } from '../types.js';

/**
 * The arrivals a policy has seen, per pool, in submit order: a growable column store fed only by
 * observations (and the training history), so that whatever a policy computes from it uses the past only.
 */
export class ArrivalLog {
  readonly #times: Float64Array[];
  readonly #nodes: Float64Array[];
  readonly #counts: number[];

  constructor(poolCount: number) {
    this.#times = Array.from({ length: poolCount }, () => new Float64Array(256));
    this.#nodes = Array.from({ length: poolCount }, () => new Float64Array(256));
    this.#counts = new Array<number>(poolCount).fill(0);
  }

  /** Appends a batch; arrivals of unknown pools are ignored. */
  add(batch: ArrivalColumns): void {
    for (let i = 0; i < batch.count; i++) {
      const p = batch.pool[i] ?? -1;
      if (p < 0 || p >= this.#counts.length) continue;
      this.#push(p, batch.submitS[i] ?? 0, batch.nodes[i] ?? 0);
    }
  }

  #push(pool: number, submitS: number, nodes: number): void {
    const n = this.#counts[pool] ?? 0;
    let times = this.#times[pool] as Float64Array;
    let sizes = this.#nodes[pool] as Float64Array;
    if (n === times.length) {
      const t2 = new Float64Array(n * 2);
      t2.set(times);
      const s2 = new Float64Array(n * 2);
      s2.set(sizes);
      this.#times[pool] = times = t2;
      this.#nodes[pool] = sizes = s2;
    }
    // Batches arrive in time order; an out-of-order arrival is moved into place.
    let i = n;
    while (i > 0 && (times[i - 1] ?? 0) > submitS) {
      times[i] = times[i - 1] ?? 0;
      sizes[i] = sizes[i - 1] ?? 0;
      i--;
    }
    times[i] = submitS;
    sizes[i] = nodes;
    this.#counts[pool] = n + 1;
  }

  /** Number of arrivals kept for `pool`. */
  count(pool: number): number {
    return this.#counts[pool] ?? 0;
  }

  /** Index of the first arrival of `pool` at or after `timeS`. */
  lowerBound(pool: number, timeS: number): number {
    const times = this.#times[pool] as Float64Array;
    let lo = 0;
    let hi = this.count(pool);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((times[mid] ?? 0) < timeS) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * The largest burst in each step of [startS, startS + steps·stepS): the most nodes asked for by
   * arrivals within any window of `windowS` seconds that starts in the step. Only arrivals before
   * `beforeS` count, so a step that is not over yet is never seen whole. Jobs of more than
   * `maxJobNodes` nodes (default: no limit) are left out.
   */
  burstSeries(
    pool: number,
    options: {
      startS: number;
      stepS: number;
      steps: number;
      windowS: number;
      beforeS: number;
      maxJobNodes?: number;
    },
  ): Float64Array {
    const { startS, stepS, steps, windowS, beforeS } = options;
    const out = new Float64Array(steps);
    const times = this.#times[pool] as Float64Array;
    const sizes = this.#nodes[pool] as Float64Array;
    const cap = options.maxJobNodes ?? Number.POSITIVE_INFINITY;
    const size = (k: number): number => {
      const v = sizes[k] ?? 0;
      return v <= cap ? v : 0;
    };
    const end = this.lowerBound(pool, beforeS);
    let i = this.lowerBound(pool, startS);
    let j = i;
    let sum = 0;
    for (; i < end; i++) {
      const t = times[i] ?? 0;
      const step = Math.floor((t - startS) / stepS);
      if (step >= steps) break;
      if (j < i) {
        j = i;
        sum = 0;
      }
      while (j < end && (times[j] ?? 0) < t + windowS) sum += size(j++);
      if (sum > (out[step] ?? 0)) out[step] = sum;
      sum -= size(i);
    }
    return out;
  }

  /** Submit time of the `index`-th arrival of `pool`. */
  lastTime(pool: number, index: number): number {
    return (this.#times[pool] as Float64Array)[index] ?? Number.NaN;
  }

  /** Total nodes asked for by arrivals of `pool` in [fromS, toS). */
  nodesBetween(pool: number, fromS: number, toS: number): number {
    const sizes = this.#nodes[pool] as Float64Array;
    let s = 0;
    for (let i = this.lowerBound(pool, fromS), end = this.lowerBound(pool, toS); i < end; i++)
      s += sizes[i] ?? 0;
    return s;
  }
}
