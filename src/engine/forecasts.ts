import type { JobRecord } from '../shared/job-record.js';
import type { NodeType, PoolKey } from '../plan/plan.js';
import type { ModelCacheEntry } from './state.js';

/**
 * The pure part of the engine's forecast step: reading pool names back into pool keys, deciding when
 * a cached model is reused or refitted, shifting a cached forecast's window to the current cut, and
 * turning a forecast in GPUs or CPUs into whole nodes of the pool's node type.
 */

/** The demand series the engine sizes pools by (config `engine.pools[].series`). */
export type EngineSeries = 'demand_gpu' | 'demand_cpu' | 'demand_nodes';

/**
 * The pool key of a pool name as `poolName` (src/series/build.ts) writes it: `standard`, `gpu/h100`,
 * `batch[bigmem,ib]`, `gpu/a100[nvlink]`. Null for a name that is not of that form.
 */
export function poolKeyOf(pool: string): PoolKey | null {
  const match = /^([^/[\]]+)(?:\/([^/[\]]+))?(?:\[([^[\]]*)\])?$/.exec(pool);
  if (match === null || match[1] === undefined) return null;
  const features = match[3] === undefined || match[3] === '' ? [] : match[3].split(',').sort();
  return { partition: match[1], gpuType: match[2] ?? null, features };
}

/** The series a pool is sized by: the configured one, else GPUs for a GPU pool and CPUs otherwise. */
export function seriesOfPool(key: PoolKey, configured: EngineSeries | undefined): EngineSeries {
  return configured ?? (key.gpuType === null ? 'demand_cpu' : 'demand_gpu');
}

/** Forecast steps a fit asks for: the horizon, plus the steps the window shifts by until the next refit. */
export function fitHorizonSteps(options: { horizonS: number; refitEveryS: number; stepS: number }): number {
  return Math.ceil((options.horizonS + options.refitEveryS) / options.stepS);
}

/** The cut of a cycle at `nowS`: the start of the current step. */
export function cutOf(nowS: number, stepS: number): number {
  return Math.floor(nowS / stepS) * stepS;
}

/** Whether a cached model serves this cycle. */
export type CacheVerdict =
  | { readonly use: 'cache'; readonly offsetSteps: number }
  | {
      readonly use: 'fit';
      readonly why: 'no cached model' | 'refit due' | 'settings changed' | 'window used up';
    };

/**
 * Reuse the cached forecast while it is younger than `refitEveryS` and its window still covers the
 * horizon from the current cut; otherwise fit again. A cache made for another series or step is stale.
 */
export function cacheVerdict(
  entry: ModelCacheEntry | null,
  options: { nowS: number; series: string; stepS: number; refitEveryS: number; horizonS: number },
): CacheVerdict {
  if (entry === null) return { use: 'fit', why: 'no cached model' };
  if (entry.series !== options.series || entry.stepS !== options.stepS)
    return { use: 'fit', why: 'settings changed' };
  // A clock that went back past the fit makes the entry unusable too: its cut may lie in the future.
  const ageS = options.nowS - entry.fittedAtS;
  if (ageS >= options.refitEveryS || ageS < 0) return { use: 'fit', why: 'refit due' };
  const offsetSteps = Math.max(0, (cutOf(options.nowS, options.stepS) - entry.cutS) / options.stepS);
  const needed = Math.ceil(options.horizonS / options.stepS);
  const length = Math.min(...Object.values(entry.quantiles).map((v) => v.length));
  if (!Number.isFinite(length) || length - offsetSteps < needed) return { use: 'fit', why: 'window used up' };
  return { use: 'cache', offsetSteps };
}

/** The entry's forecast from `offsetSteps` on, `steps` long: the window moved to the current cut. */
export function shiftedQuantiles(
  entry: ModelCacheEntry,
  offsetSteps: number,
  steps: number,
): Record<string, number[]> {
  return Object.fromEntries(
    Object.entries(entry.quantiles).map(([level, values]) => [
      level,
      values.slice(offsetSteps, offsetSteps + steps),
    ]),
  );
}

/** Node types that can run a pool's jobs: in its partition, with its GPU type and every feature it asks for. */
export function nodeTypesServing(key: PoolKey, nodeTypes: readonly NodeType[]): NodeType[] {
  return nodeTypes.filter(
    (t) =>
      t.partitions.includes(key.partition) &&
      (key.gpuType === null || t.gpuType === key.gpuType) &&
      key.features.every((f) => t.features.includes(f)),
  );
}

/**
 * How many of a series' units one node of the pool holds. With several serving types the smallest
 * counts: sizing by the smallest node never leaves demand without a node, and the planner chooses
 * between the types itself. Null when no node type serves the pool, or none has the unit (a GPU series
 * on nodes without GPUs).
 */
export function unitsPerNode(series: EngineSeries, serving: readonly NodeType[]): number | null {
  const per = serving.map((t) =>
    series === 'demand_gpu' ? t.gpuCount : series === 'demand_cpu' ? t.cpus : 1,
  );
  const positive = per.filter((n) => n > 0);
  return positive.length === 0 ? null : Math.min(...positive);
}

/**
 * Each account's share of a pool's demand over the jobs given (units × run time, ended or not at
 * `nowS`), largest first; shares sum to 1 when any demand was seen.
 */
export function accountShares(
  jobs: readonly JobRecord[],
  options: { pool: string; series: EngineSeries; nowS: number; poolOf: (job: JobRecord) => string },
): { account: string; share: number }[] {
  const byAccount = new Map<string, number>();
  let total = 0;
  for (const job of jobs) {
    if (job.account === null || job.startS === null || options.poolOf(job) !== options.pool) continue;
    const units =
      options.series === 'demand_gpu' ? job.gpuCount : options.series === 'demand_cpu' ? job.cpuCount : 1;
    const weight = units * Math.max(0, Math.min(job.endS ?? options.nowS, options.nowS) - job.startS);
    if (weight <= 0) continue;
    byAccount.set(job.account, (byAccount.get(job.account) ?? 0) + weight);
    total += weight;
  }
  if (total === 0) return [];
  return [...byAccount.entries()]
    .map(([account, w]) => ({ account, share: Math.round((w / total) * 1e6) / 1e6 }))
    .sort((a, b) => b.share - a.share || (a.account < b.account ? -1 : 1));
}

/**
 * Demand the queue already announces: jobs submitted before the cut that have not started by it and
 * become eligible only later (`sbatch --begin`), counted in the series' unit over [eligible, eligible +
 * time limit) — the limit, not a predicted runtime, because capacity is planned for what the job may
 * use. Per step of the forecast window from `cutS`, time-weighted like the demand series. Jobs waiting
 * on a dependency or held have no known eligible time and are not counted here.
 */
export function announcedDemand(
  jobs: Iterable<JobRecord>,
  options: {
    pool: string;
    series: EngineSeries;
    cutS: number;
    stepS: number;
    steps: number;
    poolOf: (job: JobRecord) => string;
  },
): number[] {
  const out = new Array<number>(options.steps).fill(0);
  const endOfWindow = options.cutS + options.steps * options.stepS;
  for (const job of jobs) {
    if (job.submitS >= options.cutS) continue;
    if (job.startS !== null && job.startS < options.cutS) continue;
    if (job.endS !== null && job.endS < options.cutS) continue;
    if (job.eligibleS === null || job.eligibleS <= options.cutS || job.eligibleS >= endOfWindow) continue;
    if (options.pool !== '*' && options.poolOf(job) !== options.pool) continue;
    const units =
      options.series === 'demand_gpu'
        ? job.gpuCount
        : options.series === 'demand_nodes'
          ? Math.max(1, job.nodeCount)
          : job.cpuCount;
    if (!(units > 0)) continue;
    const fromS = job.eligibleS;
    const toS = fromS + (job.timeLimitS ?? options.stepS);
    for (let k = Math.floor((fromS - options.cutS) / options.stepS); k < options.steps; k++) {
      const a = Math.max(fromS, options.cutS + k * options.stepS);
      const b = Math.min(toS, options.cutS + (k + 1) * options.stepS);
      if (b <= a) break;
      out[k] = (out[k] ?? 0) + (units * (b - a)) / options.stepS;
    }
  }
  return out;
}
