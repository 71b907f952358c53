import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { IANAZone } from 'luxon';
import { z } from 'zod';
import { TraceFormatError, TraceReadError } from './errors.js';
import { DEFAULT_PARTITION, jobRecordProblem, type JobRecord, type JobState } from '../shared/job-record.js';

/**
 * Reader for the Standard Workload Format (SWF) of the Parallel Workloads Archive: header comments
 * (`; Key: value`) followed by one job per line with 18 whitespace-separated numeric fields, `-1`
 * meaning "not recorded". Plain or gzip input (detected from the magic bytes, not the file name).
 *
 * The job-line hot path does not use zod: numbers are scanned by hand and records are built directly,
 * which is what lets an import sustain hundreds of thousands of jobs per second. The header (a few
 * dozen lines) goes through a zod schema.
 */

/** What the header of an SWF file says. Missing keys are null. */
export interface SwfHeader {
  /** Every `Key: value` line, last one wins (`Note`, `Queue`, `Partition` are kept separately). */
  readonly fields: Readonly<Record<string, string>>;
  readonly version: string | null;
  readonly computer: string | null;
  readonly installation: string | null;
  readonly maxJobs: number | null;
  readonly maxRecords: number | null;
  readonly maxNodes: number | null;
  readonly maxProcs: number | null;
  /** Unix seconds that job submit times (field 2) count from. */
  readonly unixStartTime: number | null;
  /** `TimeZoneString`, e.g. `Europe/Stockholm`. */
  readonly timeZoneString: string | null;
  /** The old numeric `TimeZone` key (seconds), kept for logs without `TimeZoneString`. */
  readonly timeZoneOffsetS: number | null;
  /** Queue number → name (`Queue:` lines). */
  readonly queues: ReadonlyMap<number, string>;
  /** Partition number → name (`Partition:` lines). */
  readonly partitions: ReadonlyMap<number, string>;
  /** `Note:` lines with their continuation lines, in order. */
  readonly notes: readonly string[];
}

/** A malformed job line that was skipped. */
export interface SwfSkip {
  /** 1-based line number in the decompressed file. */
  readonly line: number;
  readonly reason: string;
}

/** Progress of a read, reported once per chunk. */
export interface SwfProgress {
  /** Bytes of the file (compressed bytes for .gz) consumed so far. */
  readonly bytesRead: number;
  readonly totalBytes: number;
  readonly lines: number;
  readonly jobs: number;
}

/** Options for {@link readSwf}. */
export interface SwfReadOptions {
  /** Reject the whole file at the first malformed job line (a {@link TraceFormatError}); default false: skip and count. */
  strict?: boolean;
  /** Called for every skipped line (non-strict mode). */
  onSkip?: (skip: SwfSkip) => void;
  /** Called after each chunk of input. */
  onProgress?: (progress: SwfProgress) => void;
  /** `JobRecord.source`; default `swf:<file name without .swf/.gz>`. */
  source?: string;
  /** Overrides the header's `UnixStartTime` (or supplies it when absent; the default then is 0). */
  unixStartS?: number;
  /** How many skipped lines the summary lists (all are counted); default 100. */
  maxSkipsListed?: number;
}

interface ResolvedSwfReadOptions {
  strict: boolean;
  onSkip: ((skip: SwfSkip) => void) | null;
  onProgress: ((progress: SwfProgress) => void) | null;
  source: string;
  unixStartS: number | null;
  maxSkipsListed: number;
}

function resolveSwfReadOptions(path: string, options: SwfReadOptions): ResolvedSwfReadOptions {
  return {
    strict: options.strict ?? false,
    onSkip: options.onSkip ?? null,
    onProgress: options.onProgress ?? null,
    source: options.source ?? swfSourceName(path),
    unixStartS: options.unixStartS ?? null,
    maxSkipsListed: options.maxSkipsListed ?? 100,
  };
}

/** What a finished read saw. */
export interface SwfSummary {
  readonly path: string;
  readonly source: string;
  readonly header: SwfHeader;
  /** Every line of the file, header included. */
  readonly lines: number;
  /** Job records produced. */
  readonly jobs: number;
  /** Job lines skipped (all counted): malformed, out of range, or repeating a job id. */
  readonly skipped: number;
  /** Of the skipped, the lines whose job id an earlier line already had (the first is kept). */
  readonly duplicates: number;
  /** The first `maxSkipsListed` skipped lines. */
  readonly skips: readonly SwfSkip[];
}

/**
 * Everything a job line needs from the header, resolved once. Build it with {@link swfContext}.
 */
export interface SwfContext {
  readonly source: string;
  readonly unixStartS: number;
  readonly partitions: ReadonlyMap<number, string>;
  readonly queues: ReadonlyMap<number, string>;
  /** Processors per node when the header makes it exact (MaxProcs a multiple of MaxNodes), else null. */
  readonly procsPerNode: number | null;
}

/** A job line parsed, or why it could not be. */
export type SwfLineResult = { ok: true; record: JobRecord } | { ok: false; reason: string };

/** `swf:<name>` from a path: `/x/KTH-SP2-1996-2.1-cln.swf.gz` → `swf:KTH-SP2-1996-2.1-cln`. */
export function swfSourceName(path: string): string {
  return `swf:${basename(path)
    .replace(/\.gz$/i, '')
    .replace(/\.swf$/i, '')}`;
}

/** Resolves the per-line context from a header; `overrides` win over the header. */
export function swfContext(
  header: SwfHeader,
  overrides: { source: string; unixStartS?: number | null },
): SwfContext {
  const { maxProcs, maxNodes } = header;
  const procsPerNode =
    maxProcs !== null && maxNodes !== null && maxNodes > 0 && maxProcs % maxNodes === 0
      ? maxProcs / maxNodes
      : null;
  return {
    source: overrides.source,
    unixStartS: overrides.unixStartS ?? header.unixStartTime ?? 0,
    partitions: header.partitions,
    queues: header.queues,
    procsPerNode,
  };
}

/**
 * The IANA time zone of an SWF log: `TimeZoneString` when it is a valid zone, else a fixed offset from
 * the numeric `TimeZone` key, else `UTC`.
 */
export function swfTimeZone(header: SwfHeader): string {
  if (header.timeZoneString !== null && IANAZone.isValidZone(header.timeZoneString))
    return header.timeZoneString;
  if (header.timeZoneOffsetS !== null && header.timeZoneOffsetS % 60 === 0) {
    const minutes = header.timeZoneOffsetS / 60;
    const sign = minutes < 0 ? '-' : '+';
    const abs = Math.abs(minutes);
    return `UTC${sign}${Math.floor(abs / 60)}${abs % 60 === 0 ? '' : `:${String(abs % 60).padStart(2, '0')}`}`;
  }
  return 'UTC';
}

// ---------------------------------------------------------------------------------------------
// Header

const intString = z
  .string()
  .trim()
  .regex(/^-?\d+$/)
  .transform(Number);

/** The numeric header keys and how they must look; values that do not fit are treated as absent. */
const HeaderNumbersSchema = z.object({
  MaxJobs: intString.optional().catch(undefined),
  MaxRecords: intString.optional().catch(undefined),
  MaxNodes: intString.optional().catch(undefined),
  MaxProcs: intString.optional().catch(undefined),
  UnixStartTime: intString.optional().catch(undefined),
  TimeZone: intString.optional().catch(undefined),
});

const HEADER_KEY = /^;\s*([A-Za-z][A-Za-z0-9_ ]*?)\s*:(?:\s+(.*))?$/;
const NUMBERED_NAME = /^\s*(\d+)\s*(.*?)\s*$/;

/** Collects header lines into an {@link SwfHeader}; pure, so tests can feed lines directly. */
export class SwfHeaderBuilder {
  readonly #fields: Record<string, string> = {};
  readonly #queues = new Map<number, string>();
  readonly #partitions = new Map<number, string>();
  readonly #notes: string[] = [];
  #lastKey: string | null = null;

  /** Adds one header line (starting with `;`). */
  add(line: string): void {
    const match = HEADER_KEY.exec(line);
    if (match === null) {
      // A continuation line (`;       more text`) belongs to the key above it; only notes keep it.
      const text = line.replace(/^;\s*/, '').trimEnd();
      if (text !== '' && this.#lastKey === 'Note' && this.#notes.length > 0) {
        this.#notes[this.#notes.length - 1] += `\n${text}`;
      }
      return;
    }
    const key = match[1] ?? '';
    const value = (match[2] ?? '').trim();
    this.#lastKey = key;
    if (key === 'Note') {
      this.#notes.push(value);
    } else if (key === 'Queue' || key === 'Partition') {
      const numbered = NUMBERED_NAME.exec(value);
      if (numbered !== null) {
        (key === 'Queue' ? this.#queues : this.#partitions).set(Number(numbered[1]), numbered[2] ?? '');
      }
    } else {
      this.#fields[key] = value;
    }
  }

  /** The header as read so far. */
  build(): SwfHeader {
    const numbers = HeaderNumbersSchema.parse(this.#fields);
    const text = (key: string): string | null => {
      const value = this.#fields[key];
      return value === undefined || value === '' ? null : value;
    };
    return {
      fields: { ...this.#fields },
      version: text('Version'),
      computer: text('Computer'),
      installation: text('Installation'),
      maxJobs: numbers.MaxJobs ?? null,
      maxRecords: numbers.MaxRecords ?? null,
      maxNodes: numbers.MaxNodes ?? null,
      maxProcs: numbers.MaxProcs ?? null,
      unixStartTime: numbers.UnixStartTime ?? null,
      timeZoneString: text('TimeZoneString'),
      timeZoneOffsetS: numbers.TimeZone ?? null,
      queues: new Map(this.#queues),
      partitions: new Map(this.#partitions),
      notes: [...this.#notes],
    };
  }
}

/** Parses header lines (those starting with `;`) into an {@link SwfHeader}. */
export function parseSwfHeader(lines: Iterable<string>): SwfHeader {
  const builder = new SwfHeaderBuilder();
  for (const line of lines) if (line.startsWith(';')) builder.add(line);
  return builder.build();
}

// ---------------------------------------------------------------------------------------------
// Job lines

const FIELD_COUNT = 18;
const F_JOB = 0;
const F_SUBMIT = 1;
const F_WAIT = 2;
const F_RUN = 3;
const F_ALLOC = 4;
const F_CPU_TIME = 5;
const F_USED_MEM = 6;
const F_REQ_PROCS = 7;
const F_REQ_TIME = 8;
const F_REQ_MEM = 9;
const F_STATUS = 10;
const F_USER = 11;
const F_GROUP = 12;
const F_APP = 13;
const F_QUEUE = 14;
const F_PARTITION = 15;

const KIB_PER_MIB = 1024;

/** SWF status (field 11) → job state. 2/3/4 are parts of a checkpointed job. */
function swfState(status: number): JobState {
  switch (status) {
    case 1:
    case 3:
      return 'COMPLETED';
    case 0:
    case 4:
      return 'FAILED';
    case 5:
      return 'CANCELLED';
    case 2:
      return 'PREEMPTED';
    default:
      return 'UNKNOWN';
  }
}

/**
 * Scans up to 18 numbers from `bytes[from, to)` into `out`. Returns the field count, or -1 with the
 * offending field index in `out[FIELD_COUNT]` when a field is not a number. Bytes, not a string: the
 * reader scans job lines straight from the decompressed file buffers (job lines are ASCII digits and
 * blanks), which spares decoding every chunk to a string.
 */
function scanFields(bytes: Uint8Array, from: number, to: number, out: Float64Array): number {
  let count = 0;
  let i = from;
  while (i < to) {
    let c = bytes[i] as number;
    // Skip blanks: space, tab, CR.
    while (c === 32 || c === 9 || c === 13) {
      i++;
      if (i >= to) return count;
      c = bytes[i] as number;
    }
    if (count === FIELD_COUNT) return FIELD_COUNT + 1;
    let negative = false;
    if (c === 45) {
      negative = true;
      i++;
      c = i < to ? (bytes[i] as number) : 32;
    }
    let value = 0;
    let digits = 0;
    while (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      digits++;
      i++;
      c = i < to ? (bytes[i] as number) : 32;
    }
    if (c === 46) {
      // A fraction (some logs record average CPU time or memory with decimals).
      i++;
      c = i < to ? (bytes[i] as number) : 32;
      let scale = 0.1;
      while (c >= 48 && c <= 57) {
        value += (c - 48) * scale;
        scale /= 10;
        digits++;
        i++;
        c = i < to ? (bytes[i] as number) : 32;
      }
    }
    if (digits === 0 || !(c === 32 || c === 9 || c === 13)) {
      out[FIELD_COUNT] = count;
      return -1;
    }
    out[count++] = negative ? -value : value;
  }
  return count;
}

/**
 * Interned id strings: a log has a few hundred users, groups and applications, so the hot path rarely
 * allocates one. Indexed by id (a dense array lookup, not a hash) below ID_CACHE_LIMIT.
 */
const ID_CACHE_LIMIT = 100_000;
const userNames: string[] = [];
const appNames: string[] = [];

function idString(cache: string[], id: number, prefix: string): string {
  if (id < ID_CACHE_LIMIT && Number.isInteger(id)) {
    const known = cache[id];
    if (known !== undefined) return known;
    const text = `${prefix}${id}`;
    cache[id] = text;
    return text;
  }
  return `${prefix}${id}`;
}

/**
 * Builds a record from scanned fields, or returns why the line is unusable. `partSeen` tracks
 * checkpointed jobs (status 2/3/4 lines share a job number) so that each part gets a unique id.
 */
function recordFromFields(
  f: Float64Array,
  ctx: SwfContext,
  partSeen: Map<number, number>,
): JobRecord | string {
  const jobNumber = f[F_JOB] ?? -1;
  const submit = f[F_SUBMIT] ?? -1;
  if (jobNumber < 0 || !Number.isInteger(jobNumber))
    return 'field 1 (job number) must be a non-negative integer';
  // Beyond 2^53 a number loses digits, and two jobs would get the same id.
  if (!Number.isSafeInteger(jobNumber))
    return `field 1 (job number) has more digits than an exact integer holds (at most ${Number.MAX_SAFE_INTEGER})`;
  if (submit < 0) return 'field 2 (submit time) is missing';
  for (let k = 1; k < FIELD_COUNT; k++) {
    const v = f[k] ?? -1;
    if (v < 0 && v !== -1) return `field ${k + 1} is negative (${v}); only -1 may mark a missing value`;
  }
  const wait = f[F_WAIT] ?? -1;
  const run = f[F_RUN] ?? -1;
  const alloc = f[F_ALLOC] ?? -1;
  const reqProcs = f[F_REQ_PROCS] ?? -1;
  const status = f[F_STATUS] ?? -1;
  const cpuCount = alloc > 0 ? alloc : reqProcs > 0 ? reqProcs : 0;
  const submitS = ctx.unixStartS + submit;
  // A cancelled job with no allocation never started (its "wait" is the time until cancellation).
  const neverStarted = run < 0 || (status === 5 && alloc < 0) || (wait < 0 && alloc < 0);
  // A job that ran (run time and processors known) with no recorded wait, as in every job of
  // LLNL-Thunder: it is taken to start when submitted, rather than dropped with its run.
  const startS = neverStarted ? null : submitS + Math.max(0, wait);
  const endS = startS === null ? (wait >= 0 && status === 5 ? submitS + wait : null) : startS + run;
  const usedMem = f[F_USED_MEM] ?? -1;
  const reqMem = f[F_REQ_MEM] ?? -1;
  const memPerProcKiB = reqMem > 0 ? reqMem : usedMem > 0 ? usedMem : 0;
  const cpuTime = f[F_CPU_TIME] ?? -1;
  const reqTime = f[F_REQ_TIME] ?? -1;
  const user = f[F_USER] ?? -1;
  const group = f[F_GROUP] ?? -1;
  const app = f[F_APP] ?? -1;
  const queue = f[F_QUEUE] ?? -1;
  const partitionNo = f[F_PARTITION] ?? -1;

  let partition = DEFAULT_PARTITION;
  let qos: string | null = null;
  if (partitionNo >= 0) {
    partition = ctx.partitions.get(partitionNo) || `partition${partitionNo}`;
    if (queue >= 0) qos = ctx.queues.get(queue) || `queue${queue}`;
  } else if (queue >= 0) {
    partition = ctx.queues.get(queue) || `queue${queue}`;
  }

  let jobId = String(jobNumber);
  if (status === 2 || status === 3 || status === 4) {
    const part = (partSeen.get(jobNumber) ?? 0) + 1;
    if (status === 2) partSeen.set(jobNumber, part);
    else partSeen.delete(jobNumber);
    jobId = `${jobNumber}.${part}`;
  }

  return {
    source: ctx.source,
    jobId,
    name: app >= 0 ? idString(appNames, app, 'app') : null,
    user: user >= 0 ? idString(userNames, user, '') : '',
    account: group >= 0 ? idString(userNames, group, '') : null,
    partition,
    qos,
    state: startS === null && status === -1 ? 'UNKNOWN' : swfState(status),
    exitCode: status === 1 || status === 3 ? 0 : null,
    submitS,
    eligibleS: null,
    startS,
    endS,
    timeLimitS: reqTime >= 0 ? reqTime : null,
    nodeCount: ctx.procsPerNode === null ? 0 : Math.ceil(cpuCount / ctx.procsPerNode),
    cpuCount,
    memMiB: (memPerProcKiB * cpuCount) / KIB_PER_MIB,
    gpuCount: 0,
    gpuType: null,
    features: [],
    reservation: null,
    maxRssMiB: usedMem > 0 ? (usedMem * cpuCount) / KIB_PER_MIB : null,
    totalCpuS: cpuTime >= 0 && alloc > 0 ? cpuTime * alloc : null,
  };
}

/**
 * Parses one SWF job line (not a header line). For tests and tools; {@link readSwf} uses the same
 * code on whole chunks.
 *
 * @example
 * parseSwfLine('1 0 10 100 4 -1 -1 4 3600 -1 1 7 3 -1 -1 -1 -1 -1', swfContext(parseSwfHeader([]), { source: 'swf:x' }))
 */
export function parseSwfLine(line: string, context: SwfContext): SwfLineResult {
  const fields = new Float64Array(FIELD_COUNT + 1);
  const bytes = Buffer.from(line, 'utf8');
  const result = recordFromScan(scanFields(bytes, 0, bytes.length, fields), fields, context, new Map());
  return typeof result === 'string' ? { ok: false, reason: result } : { ok: true, record: result };
}

function recordFromScan(
  count: number,
  fields: Float64Array,
  ctx: SwfContext,
  partSeen: Map<number, number>,
): JobRecord | string {
  if (count === -1) return `field ${(fields[FIELD_COUNT] ?? 0) + 1} is not a number`;
  if (count !== FIELD_COUNT) {
    return count > FIELD_COUNT
      ? `more than ${FIELD_COUNT} fields`
      : `${count} fields, expected ${FIELD_COUNT}`;
  }
  const record = recordFromFields(fields, ctx, partSeen);
  if (typeof record === 'string') return record;
  return jobRecordProblem(record) ?? record;
}

/** Job numbers below this are tracked in a flat array (4 bytes each, grown as needed); others in a map. */
const DENSE_ID_LIMIT = 1 << 24;

/**
 * The first line of each job id in a file, to report a repeated id instead of letting the later
 * line overwrite the earlier job. Plain job numbers (almost every line) cost 4 bytes each.
 */
class FirstLines {
  #dense = new Uint32Array(1 << 16);
  readonly #other = new Map<string, number>();

  /** Records `line` for the id unless it has a line already; returns that earlier line, or 0. */
  check(jobId: string, jobNumber: number, line: number): number {
    if (jobNumber < DENSE_ID_LIMIT && jobId.indexOf('.') === -1) {
      if (jobNumber >= this.#dense.length) {
        const grown = new Uint32Array(
          Math.min(DENSE_ID_LIMIT, Math.max(jobNumber + 1, this.#dense.length * 2)),
        );
        grown.set(this.#dense);
        this.#dense = grown;
      }
      const first = this.#dense[jobNumber] ?? 0;
      if (first === 0) this.#dense[jobNumber] = line;
      return first;
    }
    const first = this.#other.get(jobId);
    if (first !== undefined) return first;
    this.#other.set(jobId, line);
    return 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Files

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;
const CHUNK_BYTES = 1 << 20;

/** An opened trace file: decompressed byte chunks plus how far the file itself has been read. */
export interface TraceInput {
  readonly stream: Readable;
  readonly totalBytes: number;
  bytesRead(): number;
  close(): void;
}

/**
 * Opens a plain or gzip file (detected from its first bytes) as a stream of decompressed chunks.
 *
 * @throws {TraceReadError} when the file cannot be opened.
 */
export async function openTraceInput(path: string): Promise<TraceInput> {
  let totalBytes: number;
  let gzip: boolean;
  try {
    totalBytes = (await stat(path)).size;
    const handle = await open(path, 'r');
    try {
      const magic = Buffer.alloc(2);
      const { bytesRead } = await handle.read(magic, 0, 2, 0);
      gzip = bytesRead === 2 && magic[0] === GZIP_MAGIC_0 && magic[1] === GZIP_MAGIC_1;
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new TraceReadError(path, { cause: error });
  }
  const file = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  const stream = gzip ? file.pipe(createGunzip({ chunkSize: CHUNK_BYTES })) : file;
  if (gzip) file.on('error', (error) => stream.destroy(error));
  return {
    stream,
    totalBytes,
    bytesRead: () => file.bytesRead,
    close: () => {
      file.destroy();
      stream.destroy();
    },
  };
}

/** Yields the lines of a decoded text stream, with their 1-based numbers, in chunk-sized batches. */
async function* textChunks(input: TraceInput, path: string): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  try {
    for await (const chunk of input.stream) yield decoder.write(chunk as Buffer);
    yield decoder.end();
  } catch (error) {
    throw new TraceReadError(path, { cause: error });
  } finally {
    input.close();
  }
}

/** The decompressed chunks of a trace input as buffers. */
async function* byteChunks(input: TraceInput, path: string): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of input.stream) yield chunk as Buffer;
  } catch (error) {
    throw new TraceReadError(path, { cause: error });
  } finally {
    input.close();
  }
}

const utf8 = new TextDecoder('utf-8');
function decodeUtf8(bytes: Uint8Array, from: number, to: number): string {
  return utf8.decode(bytes.subarray(from, to));
}

/**
 * Reads only the header of an SWF file (stops at the first job line).
 *
 * @throws {TraceReadError} when the file cannot be read.
 * @example
 * const header = await readSwfHeader('KTH-SP2-1996-2.1-cln.swf.gz'); // header.maxProcs === 100
 */
export async function readSwfHeader(path: string): Promise<SwfHeader> {
  const builder = new SwfHeaderBuilder();
  let rest = '';
  for await (const text of textChunks(await openTraceInput(path), path)) {
    const chunk = rest + text;
    let from = 0;
    let nl = chunk.indexOf('\n', from);
    while (nl !== -1) {
      const line = chunk.slice(from, nl);
      if (line.startsWith(';')) builder.add(line.trimEnd());
      else if (line.trim() !== '') return builder.build();
      from = nl + 1;
      nl = chunk.indexOf('\n', from);
    }
    rest = chunk.slice(from);
  }
  if (rest.startsWith(';')) builder.add(rest.trimEnd());
  return builder.build();
}

/**
 * A streaming read of one SWF file: iterate it for batches of records (one batch per input chunk,
 * a few thousand records each); after the iteration, {@link SwfRead.summary} says what was read.
 * Memory stays constant whatever the file size.
 */
export interface SwfRead extends AsyncIterable<JobRecord[]> {
  /** Available once the iteration has finished. @throws {Error} before that. */
  readonly summary: SwfSummary;
}

/**
 * Reads an SWF file (plain or .gz) as batches of {@link JobRecord}s.
 *
 * Header lines are read as they come; job lines use the header seen before them (archive logs put the
 * whole header first). A malformed job line is skipped and counted, or, with `strict`, ends the read
 * with a {@link TraceFormatError} naming the line.
 *
 * @throws {TraceReadError} when the file cannot be read (raised during iteration).
 * @throws {TraceFormatError} in strict mode, at the first malformed job line (raised during iteration).
 * @example
 * const read = readSwf('CEA-Curie-2011-2.1-cln.swf.gz', { onSkip: (s) => console.warn(s.line, s.reason) });
 * for await (const batch of read) await store.write(batch);
 * console.log(read.summary.jobs, read.summary.skipped);
 */
export function readSwf(path: string, options: SwfReadOptions = {}): SwfRead {
  const resolved = resolveSwfReadOptions(path, options);
  let summary: SwfSummary | null = null;
  return {
    get summary(): SwfSummary {
      if (summary === null)
        throw new Error('readSwf: the summary is available once the iteration has finished');
      return summary;
    },
    async *[Symbol.asyncIterator](): AsyncGenerator<JobRecord[]> {
      const input = await openTraceInput(path);
      const headerBuilder = new SwfHeaderBuilder();
      let header: SwfHeader | null = null;
      let ctx: SwfContext | null = null;
      const fields = new Float64Array(FIELD_COUNT + 1);
      const partSeen = new Map<number, number>();
      const skips: SwfSkip[] = [];
      const firstLines = new FirstLines();
      let skipped = 0;
      let duplicates = 0;
      let lines = 0;
      let jobs = 0;

      const handle = (bytes: Uint8Array, from: number, to: number, batch: JobRecord[]): void => {
        lines++;
        // Skip leading blanks to classify the line.
        let i = from;
        while (i < to && (bytes[i] === 32 || bytes[i] === 9)) i++;
        if (i >= to || (to - i === 1 && bytes[i] === 13)) return;
        if (bytes[i] === 59 /* ; */) {
          headerBuilder.add(decodeUtf8(bytes, i, to).trimEnd());
          header = null;
          ctx = null;
          return;
        }
        if (ctx === null) {
          header = headerBuilder.build();
          ctx = swfContext(header, { source: resolved.source, unixStartS: resolved.unixStartS });
        }
        let result = recordFromScan(scanFields(bytes, i, to, fields), fields, ctx, partSeen);
        if (typeof result !== 'string') {
          const first = firstLines.check(result.jobId, fields[F_JOB] ?? -1, lines);
          if (first === 0) {
            batch.push(result);
            jobs++;
            return;
          }
          duplicates++;
          result = `job id ${result.jobId} repeats line ${first}; the first is kept`;
        }
        if (resolved.strict) {
          throw new TraceFormatError({ format: 'swf', path, line: lines, reason: result });
        }
        skipped++;
        const skip = { line: lines, reason: result };
        if (skips.length < resolved.maxSkipsListed) skips.push(skip);
        resolved.onSkip?.(skip);
      };

      // Lines are cut from the byte chunks as they come; a line split across two chunks is joined
      // (only that line is copied).
      let rest: Buffer | null = null;
      for await (const chunk of byteChunks(input, path)) {
        const batch: JobRecord[] = [];
        let from = 0;
        let nl = chunk.indexOf(10, from);
        if (rest !== null) {
          if (nl === -1) {
            rest = Buffer.concat([rest, chunk]);
            continue;
          }
          const joined: Buffer = Buffer.concat([rest, chunk.subarray(0, nl)]);
          rest = null;
          handle(joined, 0, joined.length, batch);
          from = nl + 1;
          nl = chunk.indexOf(10, from);
        }
        while (nl !== -1) {
          handle(chunk, from, nl, batch);
          from = nl + 1;
          nl = chunk.indexOf(10, from);
        }
        if (from < chunk.length) rest = Buffer.from(chunk.subarray(from));
        resolved.onProgress?.({ bytesRead: input.bytesRead(), totalBytes: input.totalBytes, lines, jobs });
        if (batch.length > 0) yield batch;
      }
      if (rest !== null && rest.length > 0) {
        const batch: JobRecord[] = [];
        handle(rest, 0, rest.length, batch);
        if (batch.length > 0) yield batch;
      }
      summary = {
        path,
        source: resolved.source,
        header: header ?? headerBuilder.build(),
        lines,
        jobs,
        skipped,
        duplicates,
        skips,
      };
    },
  };
}
