import { basename } from 'node:path';
import { parse } from 'csv-parse';
import { z } from 'zod';
import { parseInstant } from '../shared/time.js';
import { TraceFormatError } from './errors.js';
import type { TraceFormat } from './errors.js';
import type { NodeInventory } from './inventory.js';
import { DEFAULT_PARTITION, jobRecordProblem, type JobRecord, type JobState } from '../shared/job-record.js';
import { openTraceInput } from './swf.js';

/**
 * Reader for the Alibaba GPU cluster trace v2023 (`cluster-trace-gpu-v2023`, "openb"): a pod list
 * (tasks) and a node list, CSV, plain or gzip. The trace counts time in seconds from its own start, so
 * every read takes the absolute instant that second 0 stands for.
 *
 * GPU-type mapping: `gpu_spec` lists the models a task accepts, `|` meaning "any of". The record's
 * `gpuType` is that set made canonical (duplicates dropped, sorted, joined by `|`): `T4` stays `T4`,
 * `V100M32|V100M16|V100M32` becomes `V100M16|V100M32`. A task that accepts several models is demand on
 * their union, not on the first one listed, so it gets a pool of its own; an empty spec is an untyped
 * GPU request (`gpuType` null).
 */

const PodPhases = ['Pending', 'Running', 'Succeeded', 'Failed'] as const;

const EXACT = `an exact integer (at most ${Number.MAX_SAFE_INTEGER})`;
const intCell = z
  .string()
  .trim()
  .regex(/^\d+$/, 'expected a non-negative integer')
  .transform(Number)
  .refine(Number.isSafeInteger, `expected ${EXACT}`);
const optionalIntCell = z
  .string()
  .trim()
  .regex(/^(\d+)?$/, 'expected a non-negative integer or nothing')
  .transform((s) => (s === '' ? null : Number(s)))
  .refine((v) => v === null || Number.isSafeInteger(v), `expected ${EXACT} or nothing`);

/** One row of a pod list, as the CSV has it. */
export const AlibabaPodRowSchema = z
  .object({
    name: z.string().trim().min(1),
    cpu_milli: intCell,
    memory_mib: intCell,
    num_gpu: intCell,
    gpu_milli: intCell.refine((v) => v <= 1000, 'gpu_milli is a share of one GPU (0–1000)'),
    gpu_spec: z.string().trim(),
    qos: z.string().trim(),
    pod_phase: z.enum(PodPhases),
    creation_time: intCell,
    deletion_time: optionalIntCell,
    scheduled_time: optionalIntCell,
  })
  .refine((r) => r.scheduled_time === null || r.scheduled_time >= r.creation_time, {
    message: 'scheduled before it was created',
    path: ['scheduled_time'],
  })
  .refine((r) => r.deletion_time === null || r.deletion_time >= (r.scheduled_time ?? r.creation_time), {
    message: 'deleted before it was created or scheduled',
    path: ['deletion_time'],
  });
export type AlibabaPodRow = z.infer<typeof AlibabaPodRowSchema>;

const POD_COLUMNS = Object.keys(AlibabaPodRowSchema.shape);

/** One row of a node list, as the CSV has it. */
export const AlibabaNodeRowSchema = z.object({
  sn: z.string().trim().min(1),
  cpu_milli: intCell,
  memory_mib: intCell,
  gpu: intCell,
  model: z.string().trim(),
});
export type AlibabaNodeRow = z.infer<typeof AlibabaNodeRowSchema>;

/** A row that was skipped (non-strict mode). */
export interface AlibabaSkip {
  /** 1-based line number in the decompressed file (the header is line 1). */
  readonly line: number;
  readonly reason: string;
}

/** Options for {@link readAlibabaPods}. */
export interface AlibabaPodsOptions {
  /** The instant trace second 0 stands for: ISO 8601 (`2023-01-01T00:00:00Z`) or Unix seconds. Required. */
  start: string | number;
  /** Reject the file at the first bad row; default false: skip and count. */
  strict?: boolean;
  onSkip?: (skip: AlibabaSkip) => void;
  /** `JobRecord.source`; default `alibaba:<suffix>` (`alibaba:gpuspec33` for `openb_pod_list_gpuspec33.csv`). */
  source?: string;
  /**
   * The trace's last second. A Running or Pending pod deleted at (or after) it was cut off by the end of
   * the trace, not ended: its end is unknown. Default: the largest `deletion_time` in the file.
   */
  traceEndS?: number;
}

interface ResolvedAlibabaPodsOptions {
  startS: number;
  strict: boolean;
  onSkip: ((skip: AlibabaSkip) => void) | null;
  source: string;
  traceEndS: number | null;
}

function resolveAlibabaPodsOptions(path: string, options: AlibabaPodsOptions): ResolvedAlibabaPodsOptions {
  return {
    startS: anchorSeconds(path, options.start),
    strict: options.strict ?? false,
    onSkip: options.onSkip ?? null,
    source: options.source ?? alibabaSourceName(path),
    traceEndS: options.traceEndS ?? null,
  };
}

/** What a pod-list read produced. */
export interface AlibabaPodsResult {
  readonly source: string;
  readonly records: JobRecord[];
  /** Data rows in the file (header excluded). */
  readonly rows: number;
  /** Rows skipped: malformed, out of range, or repeating a task name. */
  readonly skipped: number;
  /** Of the skipped, rows whose name (the job id) an earlier row already had (the first is kept). */
  readonly duplicates: number;
  readonly skips: readonly AlibabaSkip[];
  /** The instant trace second 0 stands for, Unix seconds. */
  readonly startS: number;
  /** The trace end used to tell cut-off pods from ended ones (trace seconds). */
  readonly traceEndS: number;
}

/** `alibaba:<name>` from a path: `…openb_pod_list_gpuspec33.csv.gz` → `alibaba:gpuspec33`. */
export function alibabaSourceName(path: string): string {
  const name = basename(path)
    .replace(/\.gz$/i, '')
    .replace(/\.csv$/i, '');
  const suffix = /(?:pod|node)_list_(.+)$/.exec(name)?.[1];
  return `alibaba:${suffix ?? name}`;
}

/**
 * The canonical GPU type for a `gpu_spec`: models deduplicated, sorted and joined by `|`; null when empty.
 *
 * @example
 * canonicalGpuSpec('V100M32|V100M16|V100M32') // 'V100M16|V100M32'
 */
export function canonicalGpuSpec(spec: string): string | null {
  const models = [...new Set(spec.split('|').map((m) => m.trim()))].filter((m) => m !== '').sort();
  return models.length === 0 ? null : models.join('|');
}

function anchorSeconds(path: string, start: string | number): number {
  if (typeof start === 'number') {
    if (Number.isFinite(start)) return start;
  } else {
    try {
      return parseInstant(start, 'start');
    } catch (cause) {
      throw new TraceFormatError({
        format: 'alibaba-pods',
        path,
        line: null,
        reason: `${cause instanceof Error ? cause.message : String(cause)}; the trace's times are relative and need an anchor`,
        cause,
      });
    }
  }
  throw new TraceFormatError({
    format: 'alibaba-pods',
    path,
    line: null,
    reason: `start ${JSON.stringify(start)} is not an ISO 8601 date-time or Unix seconds; the trace's times are relative and need an anchor`,
  });
}

/**
 * Turns one validated pod row into a job record. Exported for tests.
 *
 * Mapping: submit = creation, start = scheduled (null if never scheduled), end = deletion, unless the
 * pod was still Running/Pending at the trace end (end unknown). Phase → state: Succeeded → COMPLETED
 * (exit 0), Failed → FAILED, Running → COMPLETED once deleted (the trace records no exit status; the
 * pod ran until removed) or RUNNING at the cut, Pending → CANCELLED once deleted or PENDING at the cut.
 * GPUs: `num_gpu`, except a shared GPU (`num_gpu` 1, `gpu_milli` < 1000) counts `gpu_milli / 1000`.
 */
export function podToJobRecord(
  row: AlibabaPodRow,
  context: { source: string; startS: number; traceEndS: number },
): JobRecord {
  const { startS: t0, traceEndS } = context;
  const cutOff = row.deletion_time === null || row.deletion_time >= traceEndS;
  let state: JobState;
  switch (row.pod_phase) {
    case 'Succeeded':
      state = 'COMPLETED';
      break;
    case 'Failed':
      state = 'FAILED';
      break;
    case 'Running':
      state = cutOff ? 'RUNNING' : 'COMPLETED';
      break;
    case 'Pending':
      state = cutOff ? 'PENDING' : 'CANCELLED';
      break;
  }
  const stillOpen = cutOff && (state === 'RUNNING' || state === 'PENDING');
  const gpuCount =
    row.num_gpu === 1 && row.gpu_milli > 0 && row.gpu_milli < 1000 ? row.gpu_milli / 1000 : row.num_gpu;
  return {
    source: context.source,
    jobId: row.name,
    name: row.name,
    user: '',
    account: null,
    partition: DEFAULT_PARTITION,
    qos: row.qos === '' ? null : row.qos,
    state,
    exitCode: row.pod_phase === 'Succeeded' ? 0 : null,
    submitS: t0 + row.creation_time,
    eligibleS: null,
    startS: row.scheduled_time === null ? null : t0 + row.scheduled_time,
    endS: stillOpen || row.deletion_time === null ? null : t0 + row.deletion_time,
    timeLimitS: null,
    nodeCount: 1,
    cpuCount: row.cpu_milli / 1000,
    memMiB: row.memory_mib,
    gpuCount,
    gpuType: gpuCount > 0 ? canonicalGpuSpec(row.gpu_spec) : null,
    features: [],
    reservation: null,
    maxRssMiB: null,
    totalCpuS: null,
  };
}

/** Streams the data rows of a CSV file with their line numbers, checked against `columns`. */
async function* csvRows(
  path: string,
  format: TraceFormat,
  columns: readonly string[],
): AsyncGenerator<{ line: number; row: Record<string, string> }> {
  const input = await openTraceInput(path);
  const parser = input.stream.pipe(
    parse({ columns: true, info: true, skip_empty_lines: true, relax_column_count: true, bom: true }),
  );
  input.stream.on('error', (error) => parser.destroy(error));
  let checked = false;
  try {
    for await (const item of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number };
    }>) {
      if (!checked) {
        const missing = columns.filter((c) => !(c in item.record));
        if (missing.length > 0) {
          throw new TraceFormatError({
            format,
            path,
            line: 1,
            reason: `missing column(s) ${missing.join(', ')}; expected ${columns.join(',')}`,
          });
        }
        checked = true;
      }
      yield { line: item.info.lines, row: item.record };
    }
  } catch (error) {
    if (error instanceof TraceFormatError) throw error;
    throw new TraceFormatError({ format, path, line: null, reason: 'not a readable CSV file', cause: error });
  } finally {
    input.close();
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'row'}: ${i.message}`).join('; ');
}

/**
 * Reads an Alibaba v2023 pod list (plain or .gz) into job records. The whole file is held in memory
 * (the published lists have ~8,000 rows) because the trace end, which tells cut-off pods from ended
 * ones, is only known after the last row.
 *
 * @throws {TraceFormatError} when `start` is not a date, a column is missing, or (strict) a row is bad.
 * @throws {TraceReadError} when the file cannot be opened.
 * @example
 * const { records } = await readAlibabaPods('openb_pod_list_gpuspec33.csv.gz', { start: '2023-01-01T00:00:00Z' });
 */
export async function readAlibabaPods(path: string, options: AlibabaPodsOptions): Promise<AlibabaPodsResult> {
  const resolved = resolveAlibabaPodsOptions(path, options);
  const rows: { line: number; row: AlibabaPodRow }[] = [];
  const skips: AlibabaSkip[] = [];
  const firstLines = new Map<string, number>();
  let duplicates = 0;
  let total = 0;
  let maxDeletion = 0;
  const reject = (line: number, reason: string): void => {
    if (resolved.strict) throw new TraceFormatError({ format: 'alibaba-pods', path, line, reason });
    const skip = { line, reason };
    skips.push(skip);
    resolved.onSkip?.(skip);
  };
  for await (const { line, row } of csvRows(path, 'alibaba-pods', POD_COLUMNS)) {
    total++;
    const parsed = AlibabaPodRowSchema.safeParse(row);
    if (!parsed.success) {
      reject(line, describeIssues(parsed.error));
      continue;
    }
    const first = firstLines.get(parsed.data.name);
    if (first !== undefined) {
      duplicates++;
      reject(line, `name ${parsed.data.name} repeats line ${first}; the first is kept`);
      continue;
    }
    firstLines.set(parsed.data.name, line);
    rows.push({ line, row: parsed.data });
    if (parsed.data.deletion_time !== null) maxDeletion = Math.max(maxDeletion, parsed.data.deletion_time);
  }
  const traceEndS = resolved.traceEndS ?? maxDeletion;
  const context = { source: resolved.source, startS: resolved.startS, traceEndS };
  const records: JobRecord[] = [];
  for (const { line, row } of rows) {
    const record = podToJobRecord(row, context);
    const problem = jobRecordProblem(record);
    if (problem === null) records.push(record);
    else reject(line, problem);
  }
  skips.sort((a, b) => a.line - b.line);
  return {
    source: resolved.source,
    records,
    rows: total,
    skipped: skips.length,
    duplicates,
    skips,
    startS: resolved.startS,
    traceEndS,
  };
}

/**
 * Reads an Alibaba v2023 node list (plain or .gz) into a {@link NodeInventory}: CPUs from
 * `cpu_milli / 1000`, memory in MiB, GPU count and model (null for nodes without GPUs).
 *
 * @throws {TraceFormatError} when a column is missing or a row is malformed (node lists are always strict:
 * a silently missing node would understate capacity).
 * @throws {TraceReadError} when the file cannot be opened.
 * @example
 * const inventory = await readAlibabaNodes('openb_node_list_all_node.csv.gz'); // 1,523 nodes
 */
export async function readAlibabaNodes(
  path: string,
  options: { source?: string } = {},
): Promise<NodeInventory> {
  const nodes: NodeInventory['nodes'] = [];
  for await (const { line, row } of csvRows(path, 'alibaba-nodes', Object.keys(AlibabaNodeRowSchema.shape))) {
    const parsed = AlibabaNodeRowSchema.safeParse(row);
    if (!parsed.success) {
      throw new TraceFormatError({
        format: 'alibaba-nodes',
        path,
        line,
        reason: describeIssues(parsed.error),
      });
    }
    const r = parsed.data;
    nodes.push({
      name: r.sn,
      cpus: r.cpu_milli / 1000,
      memMiB: r.memory_mib,
      gpuCount: r.gpu,
      gpuType: r.gpu > 0 && r.model !== '' ? r.model : null,
    });
  }
  return { source: options.source ?? alibabaSourceName(path), nodes };
}
