import { readAlibabaNodes, readAlibabaPods } from '../collect/alibaba.js';
import type { NodeInventory } from '../collect/inventory.js';
import { readSwf, readSwfHeader, swfTimeZone } from '../collect/swf.js';
import type { SwfProgress } from '../collect/swf.js';
import { PoolSeriesBuilder } from './build.js';
import type { PoolInfo } from './build.js';
import { SeriesError } from './errors.js';
import type { PoolSeries } from './types.js';

/** A workload log to build series from. */
export type TraceSource =
  | { kind: 'swf'; path: string; strict?: boolean }
  | { kind: 'alibaba-gpu'; podsPath: string; nodesPath?: string; start: string | number };

/** Options for {@link seriesFromTrace}. */
export interface TraceSeriesOptions {
  stepS: number;
  /** Only this pool's series (all pools are still listed); unknown names are an error. */
  pool?: string;
  /** Time zone for calendar features; default the log's (SWF header) or UTC (Alibaba). */
  timeZone?: string;
  startS?: number;
  endS?: number;
  /** SWF read progress, once per chunk. */
  onProgress?: (progress: SwfProgress) => void;
}

/** Series built from one workload log. */
export interface TraceSeries {
  /** `JobRecord.source` of the jobs. */
  readonly source: string;
  readonly timeZone: string;
  readonly jobs: number;
  /** Malformed lines or rows skipped. */
  readonly skipped: number;
  /** Every pool of the log with its job count. */
  readonly pools: readonly PoolInfo[];
  /** The requested pool's series, or every pool's. */
  readonly series: readonly PoolSeries[];
  /** The node inventory, when the source has one (Alibaba with a node list). */
  readonly inventory: NodeInventory | null;
}

/**
 * Reads a workload log (streaming for SWF, so memory stays small) and builds its demand series.
 *
 * @throws {TraceReadError} / {TraceFormatError} from the readers.
 * @throws {SeriesError} for a bad step, zone or range, or an unknown pool.
 * @example
 * const { series } = await seriesFromTrace({ kind: 'swf', path: 'KTH-SP2-1996-2.1-cln.swf.gz' }, { stepS: 3600 });
 */
export async function seriesFromTrace(
  source: TraceSource,
  options: TraceSeriesOptions,
): Promise<TraceSeries> {
  let builder: PoolSeriesBuilder;
  let sourceName: string;
  let timeZone: string;
  let jobs: number;
  let skipped: number;
  let inventory: NodeInventory | null = null;
  const range = {
    ...(options.startS === undefined ? {} : { startS: options.startS }),
    ...(options.endS === undefined ? {} : { endS: options.endS }),
  };
  if (source.kind === 'swf') {
    timeZone = options.timeZone ?? swfTimeZone(await readSwfHeader(source.path));
    builder = new PoolSeriesBuilder({ stepS: options.stepS, timeZone, ...range });
    const read = readSwf(source.path, {
      strict: source.strict ?? false,
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    });
    for await (const batch of read) for (const job of batch) builder.add(job);
    sourceName = read.summary.source;
    jobs = read.summary.jobs;
    skipped = read.summary.skipped;
  } else {
    timeZone = options.timeZone ?? 'UTC';
    builder = new PoolSeriesBuilder({ stepS: options.stepS, timeZone, ...range });
    const pods = await readAlibabaPods(source.podsPath, { start: source.start });
    builder.addAll(pods.records);
    sourceName = pods.source;
    jobs = pods.records.length;
    skipped = pods.skipped;
    if (source.nodesPath !== undefined) inventory = await readAlibabaNodes(source.nodesPath);
  }
  const pools = builder.pools();
  if (options.pool !== undefined && !pools.some((p) => p.pool === options.pool)) {
    throw new SeriesError(
      'unknown-pool',
      `no pool ${JSON.stringify(options.pool)} in ${sourceName}; pools: ${pools.map((p) => p.pool).join(', ')}`,
    );
  }
  const all = builder.build();
  const series = options.pool === undefined ? all : all.filter((s) => s.pool === options.pool);
  return { source: sourceName, timeZone, jobs, skipped, pools, series, inventory };
}
