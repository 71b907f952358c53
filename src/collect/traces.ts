import type { JobRecord } from '../shared/job-record.js';
import { readAlibabaNodes, readAlibabaPods } from './alibaba.js';
import type { NodeInventory } from './inventory.js';
import { readSwf, readSwfHeader, swfTimeZone, type SwfHeader, type SwfProgress } from './swf.js';

/** A workload log on disk. */
export type TraceSource =
  | { kind: 'swf'; path: string; strict?: boolean }
  | { kind: 'alibaba-gpu'; podsPath: string; nodesPath?: string; start: string | number };

/** What a trace read saw, once its jobs were read. */
export interface TraceSummary {
  /** `JobRecord.source` of the jobs. */
  readonly source: string;
  readonly jobs: number;
  /** Malformed lines or rows skipped. */
  readonly skipped: number;
}

/** A workload log opened for reading: its own time zone, its jobs in batches, and a summary after. */
export interface OpenedTrace {
  /** The zone the log states (SWF header), or UTC when it states none (Alibaba). */
  readonly timeZone: string;
  /** The SWF header; null for other formats. */
  readonly swfHeader: SwfHeader | null;
  /** The node inventory, when the source has one (Alibaba with a node list). */
  readonly inventory: NodeInventory | null;
  /** The jobs, batch by batch (SWF streams, so memory stays small). Read once. */
  readonly jobs: AsyncIterable<readonly JobRecord[]>;
  /** @throws {Error} when called before `jobs` was read to the end. */
  summary(): TraceSummary;
}

/**
 * Opens a workload log: reads what must be known before its jobs (the SWF header, the Alibaba pods
 * and node list) and hands out the jobs as batches, so that a stage downstream receives records and
 * never a path.
 *
 * @throws {TraceReadError} / {TraceFormatError} from the readers.
 * @example
 * const trace = await openTrace({ kind: 'swf', path: 'KTH-SP2-1996-2.1-cln.swf.gz' });
 * for await (const batch of trace.jobs) count += batch.length;
 * trace.summary().skipped;
 */
export async function openTrace(
  source: TraceSource,
  options: { onProgress?: (progress: SwfProgress) => void } = {},
): Promise<OpenedTrace> {
  if (source.kind === 'swf') {
    const header = await readSwfHeader(source.path);
    const read = readSwf(source.path, {
      strict: source.strict ?? false,
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    });
    return {
      timeZone: swfTimeZone(header),
      swfHeader: header,
      inventory: null,
      jobs: read,
      summary: () => ({
        source: read.summary.source,
        jobs: read.summary.jobs,
        skipped: read.summary.skipped,
      }),
    };
  }
  const pods = await readAlibabaPods(source.podsPath, { start: source.start });
  const inventory = source.nodesPath === undefined ? null : await readAlibabaNodes(source.nodesPath);
  return {
    timeZone: 'UTC',
    swfHeader: null,
    inventory,
    jobs: (async function* () {
      yield pods.records;
    })(),
    summary: () => ({ source: pods.source, jobs: pods.records.length, skipped: pods.skipped }),
  };
}
