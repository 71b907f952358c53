import type { HistoryStore } from '../store/types.js';
import { mayMeanWholeQueue, PoolSeriesBuilder, resolvePoolRequest } from './build.js';
import type { PoolInfo } from './build.js';
import { SeriesError } from './errors.js';
import type { PoolSeries } from './types.js';

/** Options for {@link seriesFromStore}. */
export interface StoreSeriesOptions {
  stepS: number;
  /** IANA zone for calendar features (the cluster's). */
  timeZone: string;
  /** Only jobs of this source (`swf:KTH-SP2-1996-2.1-cln`, `slurm:lab`); default every source. */
  source?: string;
  /**
   * Only this pool's series (all pools are still listed); unknown names are an error. `*` (or `all`,
   * when no pool has that name) is the whole queue.
   */
  pool?: string;
  startS?: number;
  endS?: number;
}

/** Series built from the jobs of a history store. */
export interface StoreSeries {
  readonly jobs: number;
  readonly pools: readonly PoolInfo[];
  readonly series: readonly PoolSeries[];
}

/**
 * Streams a store's jobs (batch by batch; only compact columns are kept) and builds their series.
 * Jobs submitted before `startS` are read too, because they can still be running inside the range.
 *
 * @throws {StoreError} when the store cannot be read.
 * @throws {SeriesError} for a bad step, zone or range, or an unknown pool.
 * @example
 * const { series } = await seriesFromStore(store, { stepS: 3600, timeZone: 'Europe/Paris', source: 'swf:CEA-Curie-2011-2.1-cln' });
 */
export async function seriesFromStore(
  store: HistoryStore,
  options: StoreSeriesOptions,
): Promise<StoreSeries> {
  const builder = new PoolSeriesBuilder({
    stepS: options.stepS,
    timeZone: options.timeZone,
    wholeQueue: mayMeanWholeQueue(options.pool),
    ...(options.startS === undefined ? {} : { startS: options.startS }),
    ...(options.endS === undefined ? {} : { endS: options.endS }),
  });
  let jobs = 0;
  const query = {
    ...(options.source === undefined ? {} : { source: options.source }),
    ...(options.endS === undefined ? {} : { submittedBeforeS: options.endS }),
  };
  for await (const batch of store.jobs(query)) {
    for (const job of batch) builder.add(job);
    jobs += batch.length;
  }
  const pools = builder.pools();
  const wanted = options.pool === undefined ? undefined : resolvePoolRequest(options.pool, pools);
  if (wanted !== undefined && !pools.some((p) => p.pool === wanted)) {
    throw new SeriesError(
      'unknown-pool',
      `no pool ${JSON.stringify(options.pool)} in ${store.description}; pools: ${pools.map((p) => p.pool).join(', ') || 'none'}`,
    );
  }
  const all = builder.build();
  return {
    jobs,
    pools,
    series: wanted === undefined ? all : all.filter((s) => s.pool === wanted),
  };
}
