import {
  closeSync,
  createReadStream,
  existsSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { JobRecord } from '../shared/job-record.js';
import {
  SpoolCorruptError,
  StoreUnreachableError,
  StoreWriteRefusedError,
  type StoreError,
} from './errors.js';
import { withLock } from './lock.js';
import type {
  BeginImportOptions,
  GpuUseQuery,
  GpuUseRecord,
  HistoryStore,
  ImportManifest,
  ImportWriter,
  JobQuery,
  SourceManifest,
  NodeSnapshot,
  QueueSnapshot,
  SnapshotQuery,
  UpsertResult,
} from './types.js';

/** One write that the server did not take, kept in the spool until it does. */
export type SpoolEntry =
  | { op: 'jobs'; records: JobRecord[] }
  | { op: 'queue'; snapshot: QueueSnapshot }
  | { op: 'node'; snapshot: NodeSnapshot }
  | { op: 'watermark'; source: string; atS: number }
  | { op: 'gpu-use'; records: GpuUseRecord[] };

const SPOOL_FILE = 'spool.jsonl';
const WATERMARK_FILE = 'watermarks.json';

/**
 * A durable, append-only spool of writes: one JSON line per entry. `append` returns only once the
 * line is written and fsync'd (and, for a new file, its directory entry too), so a crash or power
 * loss afterwards cannot lose it. A last line without its newline is an append that never completed
 * (and was never acknowledged), and is ignored on reading.
 */
export class Spool {
  readonly dir: string;
  readonly path: string;

  constructor(dir: string) {
    this.dir = dir;
    this.path = join(dir, SPOOL_FILE);
  }

  /** Appends one entry durably. @throws {StoreWriteRefusedError} when the spool cannot be written. */
  append(entry: SpoolEntry): void {
    const created = !existsSync(this.path);
    try {
      mkdirSync(this.dir, { recursive: true });
      const fd = openSync(this.path, 'a');
      try {
        writeSync(fd, `${JSON.stringify(entry)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      if (created) fsyncDir(this.dir);
    } catch (cause) {
      throw new StoreWriteRefusedError(
        `cannot write the spool ${this.path}: check store.spoolDir, its permissions and free disk space`,
        { target: this.path, cause },
      );
    }
  }

  /** Whether the spool holds entries waiting for replay. */
  isEmpty(): boolean {
    return !existsSync(this.path);
  }

  /**
   * Reads the entries in the order they were appended.
   * @throws {SpoolCorruptError} at a damaged line (not the unfinished last one).
   */
  async *entries(): AsyncIterable<SpoolEntry> {
    if (!existsSync(this.path)) return;
    const lines = createInterface({ input: createReadStream(this.path, 'utf8'), crlfDelay: Infinity });
    let pending: { text: string; line: number } | undefined;
    let lineNumber = 0;
    for await (const text of lines) {
      lineNumber += 1;
      if (pending !== undefined) yield this.#parse(pending.text, pending.line);
      pending = { text, line: lineNumber };
    }
    // readline cannot tell whether the last line ended with a newline; the file's last byte can.
    if (pending !== undefined && endsWithNewline(this.path)) yield this.#parse(pending.text, pending.line);
  }

  /** Removes every entry (after a complete replay), durably. */
  clear(): void {
    if (!existsSync(this.path)) return;
    rmSync(this.path);
    fsyncDir(this.dir);
  }

  #parse(text: string, line: number): SpoolEntry {
    try {
      const entry = JSON.parse(text) as SpoolEntry;
      if (typeof entry !== 'object' || entry === null || !('op' in entry))
        throw new Error('not a spool entry');
      return entry;
    } catch (cause) {
      throw new SpoolCorruptError(
        `spool ${this.path} line ${line} cannot be read: check the disk; move the file aside to go on without it (collect again from an earlier watermark to recover its jobs)`,
        { target: this.path, line, cause },
      );
    }
  }
}

/** What the spooled store did with the server in this process. */
export interface SpoolStatus {
  /** Entries replayed into the server when the store was opened. */
  replayed: number;
  /** Writes that went to the spool in this process. */
  spooled: number;
  /** True when the spool still holds entries (the server has not taken them yet). */
  pending: boolean;
  /** Why the server did not take a write, if it did not. */
  lastError: StoreError | undefined;
}

/**
 * A `HistoryStore` that never loses a write: writes go to `inner` (the InfluxDB store); when it is
 * unreachable or refuses a write, the write is appended to a durable `Spool` instead, and every later
 * write of this process follows it there, to keep their order. `replay()` (called by `createStore`
 * on every open) sends the spool to the server and clears it once all of it was accepted; writes are
 * idempotent, so a replay cut short is simply repeated.
 *
 * Watermarks are also mirrored to a small local file, so the collector knows where it stopped even
 * when the server is down; a watermark is read as the later of the server's and the mirror's.
 * Reads (jobs, snapshots) see only what the server holds.
 */
export class SpooledStore implements HistoryStore {
  readonly description: string;
  readonly #inner: HistoryStore;
  readonly #spool: Spool;
  readonly #status: SpoolStatus = { replayed: 0, spooled: 0, pending: false, lastError: undefined };
  #degraded = false;

  constructor(inner: HistoryStore, spoolDir: string) {
    this.#inner = inner;
    this.#spool = new Spool(spoolDir);
    this.description = `${inner.description} (spool ${spoolDir})`;
    this.#status.pending = !this.#spool.isEmpty();
  }

  /** What happened with the server so far. */
  status(): Readonly<SpoolStatus> {
    return { ...this.#status };
  }

  /**
   * Sends the spooled writes to the server, in order, and clears the spool when all were taken.
   * If the server fails again, the rest stays spooled and this process keeps spooling.
   * @throws {SpoolCorruptError} when a spool line cannot be read.
   */
  async replay(): Promise<void> {
    if (this.#spool.isEmpty()) return;
    await withLock(this.#spool.dir, 'spool', async () => {
      let replayed = 0;
      try {
        for await (const entry of this.#spool.entries()) {
          await this.#apply(entry);
          replayed += 1;
        }
      } catch (error) {
        if (!isServerFailure(error)) throw error;
        this.#degraded = true;
        this.#status.lastError = error;
        this.#status.replayed = replayed;
        return;
      }
      this.#spool.clear();
      this.#status.replayed = replayed;
      this.#status.pending = false;
    });
  }

  async upsertJobs(records: readonly JobRecord[]): Promise<UpsertResult> {
    await this.#writeOrSpool({ op: 'jobs', records: [...records] });
    return { written: records.length };
  }

  /**
   * Imports go straight to the server, never to the spool: a staged import is all or nothing, so
   * when the server is down the import fails, leaves the source as it was, and can simply be repeated.
   */
  beginImport(manifest: ImportManifest, options?: BeginImportOptions): Promise<ImportWriter> {
    return this.#inner.beginImport(manifest, options);
  }

  manifests(): Promise<SourceManifest[]> {
    return this.#inner.manifests();
  }

  jobs(query?: JobQuery): AsyncIterable<readonly JobRecord[]> {
    return this.#inner.jobs(query);
  }

  jobsByIds(jobIds: readonly string[], query?: Pick<JobQuery, 'source'>): Promise<JobRecord[]> {
    return this.#inner.jobsByIds(jobIds, query);
  }

  countJobs(query?: JobQuery): Promise<number> {
    return this.#inner.countJobs(query);
  }

  putQueueSnapshot(snapshot: QueueSnapshot): Promise<void> {
    return this.#writeOrSpool({ op: 'queue', snapshot });
  }

  queueSnapshots(query: SnapshotQuery): Promise<QueueSnapshot[]> {
    return this.#inner.queueSnapshots(query);
  }

  putNodeSnapshot(snapshot: NodeSnapshot): Promise<void> {
    return this.#writeOrSpool({ op: 'node', snapshot });
  }

  nodeSnapshots(query: SnapshotQuery): Promise<NodeSnapshot[]> {
    return this.#inner.nodeSnapshots(query);
  }

  upsertGpuUse(records: readonly GpuUseRecord[]): Promise<void> {
    return this.#writeOrSpool({ op: 'gpu-use', records: [...records] });
  }

  gpuUse(query?: GpuUseQuery): Promise<GpuUseRecord[]> {
    return this.#inner.gpuUse(query);
  }

  async watermark(source: string): Promise<number | null> {
    const local = this.#readMirror()[source] ?? null;
    let remote: number | null = null;
    try {
      remote = this.#degraded ? null : await this.#inner.watermark(source);
    } catch (error) {
      if (!(error instanceof StoreUnreachableError)) throw error;
    }
    if (local === null) return remote;
    return remote === null ? local : Math.max(local, remote);
  }

  async setWatermark(source: string, atS: number): Promise<void> {
    await this.#writeOrSpool({ op: 'watermark', source, atS });
    this.#writeMirror({ ...this.#readMirror(), [source]: atS });
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  async #writeOrSpool(entry: SpoolEntry): Promise<void> {
    if (!this.#degraded) {
      try {
        await this.#apply(entry);
        return;
      } catch (error) {
        if (!isServerFailure(error)) throw error;
        this.#degraded = true;
        this.#status.lastError = error;
      }
    }
    await withLock(this.#spool.dir, 'spool', () => {
      this.#spool.append(entry);
      return Promise.resolve();
    });
    this.#status.spooled += 1;
    this.#status.pending = true;
  }

  async #apply(entry: SpoolEntry): Promise<void> {
    switch (entry.op) {
      case 'jobs':
        await this.#inner.upsertJobs(entry.records);
        return;
      case 'queue':
        await this.#inner.putQueueSnapshot(entry.snapshot);
        return;
      case 'node':
        await this.#inner.putNodeSnapshot(entry.snapshot);
        return;
      case 'watermark':
        await this.#inner.setWatermark(entry.source, entry.atS);
        return;
      case 'gpu-use':
        await this.#inner.upsertGpuUse(entry.records);
        return;
    }
  }

  #readMirror(): Record<string, number> {
    const path = join(this.#spool.dir, WATERMARK_FILE);
    if (!existsSync(path)) return {};
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as Record<string, number>;
    } catch (cause) {
      throw new SpoolCorruptError(
        `watermark file ${path} cannot be read: check the disk, or remove it (the server's watermarks are then used)`,
        { target: path, line: 1, cause },
      );
    }
  }

  /** Replaces the mirror atomically: write a temporary file, fsync it, rename it, fsync the directory. */
  #writeMirror(watermarks: Record<string, number>): void {
    const path = join(this.#spool.dir, WATERMARK_FILE);
    const temporary = `${path}.tmp`;
    try {
      mkdirSync(this.#spool.dir, { recursive: true });
      const fd = openSync(temporary, 'w');
      try {
        writeSync(fd, JSON.stringify(watermarks));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temporary, path);
      fsyncDir(this.#spool.dir);
    } catch (cause) {
      throw new StoreWriteRefusedError(
        `cannot write the watermark file ${path}: check store.spoolDir, its permissions and free disk space`,
        { target: path, cause },
      );
    }
  }
}

/** Failures the spool absorbs: the server is down, or it refused the write. */
function isServerFailure(error: unknown): error is StoreError {
  return error instanceof StoreUnreachableError || error instanceof StoreWriteRefusedError;
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function endsWithNewline(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const { size } = fstatSync(fd);
    if (size === 0) return false;
    const buffer = Buffer.alloc(1);
    readSync(fd, buffer, 0, 1, size - 1);
    return buffer[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}
