import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { JobRecord } from '../shared/job-record.js';
import {
  StoreBusyError,
  StoreClosedError,
  StoreConflictError,
  StoreCorruptError,
  StoreError,
  StoreWriteRefusedError,
  StoreQueryError,
} from './errors.js';
import { currentOwner, isAbandoned, ownerText, parseOwner } from './staging.js';
import {
  DEFAULT_JOB_BATCH,
  wholeSecondBounds,
  compareGpuUse,
  type BeginImportOptions,
  type GpuUseQuery,
  type GpuUseRecord,
  type HistoryStore,
  type ImportManifest,
  type ImportWriter,
  type JobQuery,
  type SourceManifest,
  type NodeSnapshot,
  type QueueSnapshot,
  type SnapshotQuery,
  type UpsertResult,
} from './types.js';

/** Bumped when the table layout changes; a file with another version is refused, not guessed at. */
const SCHEMA_VERSION = '2';
const APP_ID = 'slurmcast-history';
/** Features are kept as one text column; a node feature name never contains this control character. */
const FEATURE_SEPARATOR = '\u001f';
/** Rows per transaction: large enough that commit and fsync cost vanish, small enough to bound memory. */
const WRITE_CHUNK = 20_000;

/**
 * A staged import is a `sources` row of its own (named `STAGED_PREFIX` + a random id, `staged_for` the
 * source it will replace): its rows are written like any others but every reader skips sources with
 * `staged_for` set, and publishing is a rename of that row in one transaction — no rows are copied.
 */
const STAGING_COLUMNS = `, staged_for TEXT, owner TEXT, started_at_s REAL`;
const STAGED_PREFIX = '\u0000staged:';
const MANIFESTS_TABLE = `CREATE TABLE IF NOT EXISTS manifests (
  source TEXT PRIMARY KEY, content_sha256 TEXT NOT NULL, file_name TEXT NOT NULL,
  job_count INTEGER NOT NULL, imported_at_s REAL NOT NULL
);`;
/**
 * GPU use per job and node (docs/gpu-use.md). Added after schema 2 without a version bump: the
 * schema is applied with IF NOT EXISTS on every open, so an older store simply gains the table.
 */
const GPU_USE_TABLE = `CREATE TABLE IF NOT EXISTS gpu_use (
  source TEXT NOT NULL, job_id TEXT NOT NULL, node TEXT NOT NULL, "user" TEXT NOT NULL,
  gpu_count INTEGER NOT NULL, sample_count INTEGER NOT NULL, mean_util_pct REAL, max_util_pct REAL,
  max_mem_used_mib REAL NOT NULL, first_sample_s REAL NOT NULL, last_sample_s REAL NOT NULL,
  PRIMARY KEY (source, job_id, node)
);
CREATE INDEX IF NOT EXISTS gpu_use_by_user ON gpu_use ("user", last_sample_s);`;
/** Schema 1 → 2: staged imports and manifests. */
const MIGRATE_1_TO_2 = `
ALTER TABLE sources ADD COLUMN staged_for TEXT;
ALTER TABLE sources ADD COLUMN owner TEXT;
ALTER TABLE sources ADD COLUMN started_at_s REAL;
${MANIFESTS_TABLE}
UPDATE meta SET value = '2' WHERE key = 'schema_version';
`;
/** Only published sources are visible to readers. */
const LIVE = 's.staged_for IS NULL';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE${STAGING_COLUMNS});
CREATE TABLE IF NOT EXISTS jobs (
  source_id INTEGER NOT NULL REFERENCES sources(id),
  job_id TEXT NOT NULL,
  name TEXT, "user" TEXT NOT NULL, account TEXT, partition TEXT NOT NULL, qos TEXT,
  state TEXT NOT NULL, exit_code INTEGER,
  submit_s REAL NOT NULL, eligible_s REAL, start_s REAL, end_s REAL, time_limit_s REAL,
  node_count INTEGER NOT NULL, cpu_count REAL NOT NULL, mem_mib REAL NOT NULL,
  gpu_count REAL NOT NULL, gpu_type TEXT, features TEXT NOT NULL, reservation TEXT,
  max_rss_mib REAL, total_cpu_s REAL,
  PRIMARY KEY (source_id, job_id)
);
CREATE INDEX IF NOT EXISTS jobs_by_submit ON jobs (source_id, submit_s);
CREATE TABLE IF NOT EXISTS snapshots (
  kind TEXT NOT NULL, source TEXT NOT NULL, at_s REAL NOT NULL, body TEXT NOT NULL,
  PRIMARY KEY (kind, source, at_s)
);
CREATE TABLE IF NOT EXISTS watermarks (source TEXT PRIMARY KEY, at_s REAL NOT NULL);
${MANIFESTS_TABLE}
${GPU_USE_TABLE}
`;

const JOB_INSERT_COLUMNS = `source_id, job_id, name, "user", account, partition, qos, state, exit_code,
  submit_s, eligible_s, start_s, end_s, time_limit_s, node_count, cpu_count, mem_mib, gpu_count,
  gpu_type, features, reservation, max_rss_mib, total_cpu_s`;
const JOB_COLUMN_COUNT = 23;
const JOB_PLACEHOLDERS = `(${Array.from({ length: JOB_COLUMN_COUNT }, () => '?').join(', ')})`;
const JOB_UPDATES = JOB_INSERT_COLUMNS.split(',')
  .map((c) => c.trim())
  .filter((c) => c !== 'source_id' && c !== 'job_id')
  .map((c) => `${c} = excluded.${c}`)
  .join(', ');
/** Ids per lookup statement in `jobsByIds` (far below SQLite's 32,766 parameters). */
const IDS_PER_LOOKUP = 500;
/** Rows per INSERT statement (SQLite allows 32,766 parameters; 32 × 23 stays far below). */
const ROWS_PER_STATEMENT = 32;

/** Writes one record's 23 column values into `params` at `at`, in JOB_INSERT_COLUMNS order. */
function bindJob(params: unknown[], at: number, sourceId: number, r: JobRecord): void {
  params[at] = sourceId;
  params[at + 1] = r.jobId;
  params[at + 2] = r.name;
  params[at + 3] = r.user;
  params[at + 4] = r.account;
  params[at + 5] = r.partition;
  params[at + 6] = r.qos;
  params[at + 7] = r.state;
  params[at + 8] = r.exitCode;
  params[at + 9] = r.submitS;
  params[at + 10] = r.eligibleS;
  params[at + 11] = r.startS;
  params[at + 12] = r.endS;
  params[at + 13] = r.timeLimitS;
  params[at + 14] = r.nodeCount;
  params[at + 15] = r.cpuCount;
  params[at + 16] = r.memMiB;
  params[at + 17] = r.gpuCount;
  params[at + 18] = r.gpuType;
  params[at + 19] = r.features.length === 0 ? '' : r.features.join(FEATURE_SEPARATOR);
  params[at + 20] = r.reservation;
  params[at + 21] = r.maxRssMiB;
  params[at + 22] = r.totalCpuS;
}

const JOB_COLUMNS = `s.name AS source, j.job_id AS jobId, j.name AS name, j."user" AS user,
  j.account AS account, j.partition AS partition, j.qos AS qos, j.state AS state,
  j.exit_code AS exitCode, j.submit_s AS submitS, j.eligible_s AS eligibleS, j.start_s AS startS,
  j.end_s AS endS, j.time_limit_s AS timeLimitS, j.node_count AS nodeCount, j.cpu_count AS cpuCount,
  j.mem_mib AS memMiB, j.gpu_count AS gpuCount, j.gpu_type AS gpuType, j.features AS features,
  j.reservation AS reservation, j.max_rss_mib AS maxRssMiB, j.total_cpu_s AS totalCpuS`;

/** Options of the embedded store. */
export interface EmbeddedStoreOptions {
  /** How long a write waits for another process holding the file, in ms; default 10,000. */
  busyTimeoutMs?: number;
}

/**
 * The embedded `HistoryStore`: one SQLite file (better-sqlite3) in WAL mode. Writes go through
 * prepared statements in large transactions. Commits go to the write-ahead log in order and the
 * watermark is committed after the data it covers, so after any crash the watermark never runs ahead
 * of the data (`synchronous=NORMAL`: a power cut may undo the latest commits, never an earlier one alone).
 * @throws {StoreCorruptError} when the file is not a Slurmcast store.
 * @example const store = openEmbeddedStore('.slurmcast/history.db');
 */
export function openEmbeddedStore(path: string, options: EmbeddedStoreOptions = {}): EmbeddedStore {
  return new EmbeddedStore(path, options.busyTimeoutMs ?? 10_000);
}

/** See `openEmbeddedStore`. */
export class EmbeddedStore implements HistoryStore {
  readonly description: string;
  readonly #path: string;
  readonly #db: Database.Database;
  readonly #sourceIds = new Map<string, number>();
  readonly #insertSource: Database.Statement<[string]>;
  readonly #selectSource: Database.Statement<[string], { id: number }>;
  readonly #writeBatch: (records: readonly JobRecord[], stagedId?: number) => void;
  #closed = false;

  constructor(path: string, busyTimeoutMs: number) {
    this.#path = path;
    this.description = `embedded ${path}`;
    if (path !== ':memory:') {
      try {
        mkdirSync(dirname(path), { recursive: true });
      } catch (cause) {
        throw new StoreWriteRefusedError(
          `cannot create the directory of the embedded store ${path}: check store.path and permissions`,
          { target: this.description, cause },
        );
      }
    }
    this.#db = this.#guard('open', () => new Database(path, { timeout: busyTimeoutMs }));
    this.#guard('open', () =>
      retryWhileBusy(busyTimeoutMs, () => {
        this.#db.pragma('journal_mode = WAL');
        // NORMAL in WAL mode syncs at checkpoints, not at each commit: a power cut can lose the last
        // commits, but only together with everything after them, in order. The watermark is written
        // after the jobs in the same log, so it can never survive without the data it covers.
        this.#db.pragma('synchronous = NORMAL');
        this.#db.pragma('wal_autocheckpoint = 10000');
        this.#db.pragma('cache_size = -65536');
        // One immediate transaction: two processes creating the same new file take turns, and neither
        // sees the other's half-made schema (that was a false StoreCorruptError).
        this.#db.transaction(() => this.#initialise()).immediate();
      }),
    );
    this.#insertSource = this.#db.prepare('INSERT OR IGNORE INTO sources (name) VALUES (?)');
    this.#selectSource = this.#db.prepare('SELECT id FROM sources WHERE name = ? AND staged_for IS NULL');
    const upsertSql = (rows: number): string =>
      `INSERT INTO jobs (${JOB_INSERT_COLUMNS}) VALUES ${Array.from({ length: rows }, () => JOB_PLACEHOLDERS).join(', ')}
       ON CONFLICT (source_id, job_id) DO UPDATE SET ${JOB_UPDATES}`;
    // Many rows per statement: binding is cheap, each statement execution is not, so this is the
    // difference between ~130k and well over 200k jobs/s on an SWF import.
    const multi = this.#db.prepare(upsertSql(ROWS_PER_STATEMENT));
    const single = this.#db.prepare(upsertSql(1));
    const params: unknown[] = new Array<unknown>(JOB_COLUMN_COUNT * ROWS_PER_STATEMENT);
    const one: unknown[] = new Array<unknown>(JOB_COLUMN_COUNT);
    this.#writeBatch = this.#db.transaction((records: readonly JobRecord[], stagedId?: number) => {
      // Another process may have published an import since the last batch, which gives the source a
      // new id: ids are looked up afresh in every transaction.
      this.#sourceIds.clear();
      let lastSource = '';
      let sourceId = stagedId ?? 0;
      const idOf = (source: string): number => {
        if (stagedId === undefined && source !== lastSource) {
          sourceId = this.#sourceId(source);
          lastSource = source;
        }
        return sourceId;
      };
      let i = 0;
      for (; i + ROWS_PER_STATEMENT <= records.length; i += ROWS_PER_STATEMENT) {
        for (let k = 0; k < ROWS_PER_STATEMENT; k += 1) {
          const r = records[i + k] as JobRecord;
          bindJob(params, k * JOB_COLUMN_COUNT, idOf(r.source), r);
        }
        multi.run(params);
      }
      for (; i < records.length; i += 1) {
        const r = records[i] as JobRecord;
        bindJob(one, 0, idOf(r.source), r);
        single.run(one);
      }
    });
  }

  upsertJobs(records: readonly JobRecord[]): Promise<UpsertResult> {
    this.#check();
    this.#guard('write', () => {
      for (let i = 0; i < records.length; i += WRITE_CHUNK) {
        this.#writeBatch(records.length <= WRITE_CHUNK ? records : records.slice(i, i + WRITE_CHUNK));
      }
    });
    return Promise.resolve({ written: records.length });
  }

  beginImport(manifest: ImportManifest, options: BeginImportOptions = {}): Promise<ImportWriter> {
    this.#check();
    const owner = currentOwner(manifest.importedAtS);
    const stagedId = this.#guard('write', () => {
      this.#removeAbandonedImports();
      const row = this.#db
        .prepare(
          'INSERT INTO sources (name, staged_for, owner, started_at_s) VALUES (?, ?, ?, ?) RETURNING id',
        )
        .get(
          `${STAGED_PREFIX}${randomBytes(8).toString('hex')}`,
          manifest.source,
          ownerText(owner),
          owner.startedAtS,
        ) as { id: number };
      return row.id;
    });
    return Promise.resolve(new EmbeddedImportWriter(this, manifest, stagedId, options));
  }

  manifests(): Promise<SourceManifest[]> {
    this.#check();
    const rows = this.#guard('read', () =>
      this.#db
        .prepare(
          `SELECT source, content_sha256 AS contentSha256, file_name AS fileName, job_count AS jobCount,
           imported_at_s AS importedAtS FROM manifests ORDER BY source`,
        )
        .all(),
    ) as SourceManifest[];
    return Promise.resolve(rows);
  }

  /** Stages records under the staged source row `stagedId` (see `EmbeddedImportWriter`). */
  stage(stagedId: number, source: string, records: readonly JobRecord[]): void {
    this.#check();
    for (const r of records) {
      if (r.source !== source)
        throw new StoreWriteRefusedError(
          `an import of ${source} was handed a job of ${r.source}: a program error, the import is not published`,
          { target: this.description },
        );
    }
    this.#guard('write', () => {
      for (let i = 0; i < records.length; i += WRITE_CHUNK) {
        this.#writeBatch(
          records.length <= WRITE_CHUNK ? records : records.slice(i, i + WRITE_CHUNK),
          stagedId,
        );
      }
    });
  }

  /** Replaces the source's jobs and manifest by the staged ones, in one transaction. */
  publishStaged(stagedId: number, manifest: ImportManifest, options: BeginImportOptions): SourceManifest {
    this.#check();
    return this.#guard('write', () =>
      this.#db
        .transaction((): SourceManifest => {
          const staged = this.#db
            .prepare('SELECT staged_for AS source FROM sources WHERE id = ?')
            .get(stagedId) as { source: string | null } | undefined;
          if (staged?.source !== manifest.source)
            throw new StoreWriteRefusedError(
              `the staged import of ${manifest.source} is gone (removed as abandoned by another process?): import again`,
              { target: this.description },
            );
          if (options.expectedContentSha256 !== undefined) {
            const current =
              (this.#db
                .prepare('SELECT content_sha256 FROM manifests WHERE source = ?')
                .pluck()
                .get(manifest.source) as string | undefined) ?? null;
            if (current !== options.expectedContentSha256)
              throw new StoreConflictError(
                `another import of ${manifest.source} was published while this one ran (it now holds ${current ?? 'no import'}): nothing of this import was published; run the import again`,
                {
                  target: this.description,
                },
              );
          }
          const old = this.#selectSource.get(manifest.source);
          if (old !== undefined) {
            this.#db.prepare('DELETE FROM jobs WHERE source_id = ?').run(old.id);
            this.#db.prepare('DELETE FROM sources WHERE id = ?').run(old.id);
          }
          this.#db
            .prepare(
              'UPDATE sources SET name = ?, staged_for = NULL, owner = NULL, started_at_s = NULL WHERE id = ?',
            )
            .run(manifest.source, stagedId);
          const { n } = this.#db
            .prepare('SELECT count(*) AS n FROM jobs WHERE source_id = ?')
            .get(stagedId) as { n: number };
          const published: SourceManifest = { ...manifest, jobCount: n };
          this.#db
            .prepare(
              `INSERT OR REPLACE INTO manifests (source, content_sha256, file_name, job_count, imported_at_s)
               VALUES (?, ?, ?, ?, ?)`,
            )
            .run(published.source, published.contentSha256, published.fileName, n, published.importedAtS);
          this.#sourceIds.clear();
          return published;
        })
        .immediate(),
    );
  }

  /** Drops a staged import's rows. */
  dropStaged(stagedId: number): void {
    if (this.#closed) return;
    this.#guard('write', () => this.#dropStaged(stagedId));
  }

  #dropStaged(stagedId: number): void {
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM jobs WHERE source_id = ?').run(stagedId);
      this.#db.prepare('DELETE FROM sources WHERE id = ? AND staged_for IS NOT NULL').run(stagedId);
    })();
  }

  /** Removes the staged rows of imports whose process is gone (killed mid-import). */
  #removeAbandonedImports(): void {
    const staged = this.#db
      .prepare('SELECT id, owner, started_at_s AS startedAtS FROM sources WHERE staged_for IS NOT NULL')
      .all() as { id: number; owner: string | null; startedAtS: number | null }[];
    const nowS = Date.now() / 1000;
    for (const row of staged) {
      if (isAbandoned(parseOwner(row.owner ?? '', row.startedAtS ?? 0), nowS)) this.#dropStaged(row.id);
    }
  }

  async *jobs(query: JobQuery = {}): AsyncIterable<readonly JobRecord[]> {
    this.#check();
    const size = query.batchSize ?? DEFAULT_JOB_BATCH;
    const { sql, params } = jobFilter(query);
    // A second, read-only connection: its iterator stays open between batches without blocking writes
    // on the main connection (WAL lets readers and a writer work at once).
    const reader =
      this.#path === ':memory:'
        ? this.#db
        : this.#guard('read', () => new Database(this.#path, { readonly: true }));
    try {
      const statement = reader.prepare(
        `SELECT ${JOB_COLUMNS} FROM jobs j JOIN sources s ON s.id = j.source_id WHERE ${sql}
         ORDER BY j.submit_s, j.source_id, j.job_id`,
      );
      let batch: JobRecord[] = [];
      const rows = this.#guard('read', () => statement.iterate(...params)) as IterableIterator<RawJobRow>;
      for (const row of rows) {
        batch.push(toJob(row));
        if (batch.length >= size) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    } finally {
      if (reader !== this.#db) reader.close();
    }
  }

  jobsByIds(jobIds: readonly string[], query: Pick<JobQuery, 'source'> = {}): Promise<JobRecord[]> {
    this.#check();
    const { sql, params } = jobFilter(query);
    const unique = [...new Set(jobIds)];
    const found: JobRecord[] = [];
    // CROSS JOIN keeps sources as the outer loop, so each source's rows are found through the primary
    // key (source_id, job_id): a few index lookups per id, whatever the number of jobs stored (the
    // planner would otherwise scan the whole key index).
    for (let at = 0; at < unique.length; at += IDS_PER_LOOKUP) {
      const ids = unique.slice(at, at + IDS_PER_LOOKUP);
      const rows = this.#guard('read', () =>
        this.#db
          .prepare(
            `SELECT ${JOB_COLUMNS} FROM sources s CROSS JOIN jobs j ON j.source_id = s.id
             WHERE ${sql} AND j.job_id IN (${ids.map(() => '?').join(', ')})`,
          )
          .all(...params, ...ids),
      ) as RawJobRow[];
      for (const row of rows) found.push(toJob(row));
    }
    return Promise.resolve(
      found.sort(
        (a, b) =>
          Math.floor(a.submitS) - Math.floor(b.submitS) ||
          (a.source < b.source ? -1 : a.source > b.source ? 1 : 0) ||
          (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0),
      ),
    );
  }

  countJobs(query: JobQuery = {}): Promise<number> {
    this.#check();
    const { sql, params } = jobFilter(query);
    const row = this.#guard('read', () =>
      this.#db
        .prepare(`SELECT count(*) AS n FROM jobs j JOIN sources s ON s.id = j.source_id WHERE ${sql}`)
        .get(...params),
    ) as { n: number };
    return Promise.resolve(row.n);
  }

  putQueueSnapshot(snapshot: QueueSnapshot): Promise<void> {
    return this.#putSnapshot('queue', snapshot);
  }

  queueSnapshots(query: SnapshotQuery): Promise<QueueSnapshot[]> {
    return this.#snapshots<QueueSnapshot>('queue', query);
  }

  putNodeSnapshot(snapshot: NodeSnapshot): Promise<void> {
    return this.#putSnapshot('node', snapshot);
  }

  nodeSnapshots(query: SnapshotQuery): Promise<NodeSnapshot[]> {
    return this.#snapshots<NodeSnapshot>('node', query);
  }

  upsertGpuUse(records: readonly GpuUseRecord[]): Promise<void> {
    this.#check();
    this.#guard('write', () => {
      const insert = this.#db.prepare(
        `INSERT OR REPLACE INTO gpu_use (source, job_id, node, "user", gpu_count, sample_count,
          mean_util_pct, max_util_pct, max_mem_used_mib, first_sample_s, last_sample_s)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      this.#db.transaction(() => {
        for (const r of records) {
          insert.run(
            r.source,
            r.jobId,
            r.node,
            r.user,
            r.gpuCount,
            r.sampleCount,
            r.meanUtilPct,
            r.maxUtilPct,
            r.maxMemUsedMiB,
            r.firstSampleS,
            r.lastSampleS,
          );
        }
      })();
    });
    return Promise.resolve();
  }

  gpuUse(query: GpuUseQuery = {}): Promise<GpuUseRecord[]> {
    this.#check();
    const filters: [string, string | number | undefined][] = [
      ['source = ?', query.source],
      ['"user" = ?', query.user],
      ['last_sample_s >= ?', query.lastSampleFromS],
      ['last_sample_s < ?', query.lastSampleBeforeS],
    ];
    const used = filters.filter(([, value]) => value !== undefined);
    const where = used.map(([clause]) => clause);
    const params = used.map(([, value]) => value);
    const rows = this.#guard('read', () =>
      this.#db
        .prepare(
          `SELECT source, job_id AS jobId, node, "user" AS user, gpu_count AS gpuCount,
            sample_count AS sampleCount, mean_util_pct AS meanUtilPct, max_util_pct AS maxUtilPct,
            max_mem_used_mib AS maxMemUsedMiB, first_sample_s AS firstSampleS,
            last_sample_s AS lastSampleS
          FROM gpu_use ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}`,
        )
        .all(...params),
    ) as GpuUseRecord[];
    return Promise.resolve(rows.map((r) => ({ ...r })).sort(compareGpuUse));
  }

  watermark(source: string): Promise<number | null> {
    this.#check();
    const row = this.#guard('read', () =>
      this.#db.prepare('SELECT at_s AS atS FROM watermarks WHERE source = ?').get(source),
    ) as { atS: number } | undefined;
    return Promise.resolve(row?.atS ?? null);
  }

  setWatermark(source: string, atS: number): Promise<void> {
    this.#check();
    this.#guard('write', () =>
      this.#db
        .prepare(
          'INSERT INTO watermarks (source, at_s) VALUES (?, ?) ON CONFLICT (source) DO UPDATE SET at_s = excluded.at_s',
        )
        .run(source, atS),
    );
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#db.close();
    }
    return Promise.resolve();
  }

  #putSnapshot(kind: 'queue' | 'node', snapshot: QueueSnapshot | NodeSnapshot): Promise<void> {
    this.#check();
    this.#guard('write', () =>
      this.#db
        .prepare('INSERT OR REPLACE INTO snapshots (kind, source, at_s, body) VALUES (?, ?, ?, ?)')
        .run(kind, snapshot.source, snapshot.atS, JSON.stringify(snapshot)),
    );
    return Promise.resolve();
  }

  #snapshots<T>(kind: 'queue' | 'node', query: SnapshotQuery): Promise<T[]> {
    this.#check();
    const rows = this.#guard('read', () =>
      this.#db
        .prepare(
          `SELECT body FROM snapshots WHERE kind = ? AND source = ? AND at_s >= ? AND at_s < ? ORDER BY at_s`,
        )
        .all(kind, query.source, query.fromS ?? -1e300, query.beforeS ?? 1e300),
    ) as { body: string }[];
    return Promise.resolve(rows.map((row) => JSON.parse(row.body) as T));
  }

  #sourceId(name: string): number {
    const known = this.#sourceIds.get(name);
    if (known !== undefined) return known;
    this.#insertSource.run(name);
    const row = this.#selectSource.get(name);
    if (row === undefined) throw new Error(`source ${name} vanished after insert`);
    this.#sourceIds.set(name, row.id);
    return row.id;
  }

  #initialise(): void {
    const tables = this.#db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
      .pluck()
      .all() as string[];
    if (tables.length > 0 && !tables.includes('meta')) {
      throw new StoreCorruptError(
        `${this.#path} is an SQLite database but not a Slurmcast store: check store.path, or move the file aside to start a new store`,
        { target: this.description },
      );
    }
    if (tables.includes('meta')) {
      const old = this.#db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
      if (old.get('app') === APP_ID && old.get('schema_version') === '1') this.#db.exec(MIGRATE_1_TO_2);
    }
    this.#db.exec(SCHEMA);
    const get = this.#db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
    const app = get.get('app') as string | undefined;
    const version = get.get('schema_version') as string | undefined;
    if (app === undefined) {
      const put = this.#db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
      put.run('app', APP_ID);
      put.run('schema_version', SCHEMA_VERSION);
    } else if (app !== APP_ID || version !== SCHEMA_VERSION) {
      throw new StoreCorruptError(
        `${this.#path} holds ${app} schema ${version ?? '?'}, not ${APP_ID} schema ${SCHEMA_VERSION}: use a matching Slurmcast version or move the file aside`,
        { target: this.description },
      );
    }
    this.#removeAbandonedImports();
  }

  #check(): void {
    if (this.#closed)
      throw new StoreClosedError(`the embedded store ${this.#path} is closed`, { target: this.description });
  }

  /** Runs one SQLite call and turns its failure into the matching `StoreError`. */
  #guard<T>(action: 'open' | 'read' | 'write', work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw toStoreError(error, action, this.#path, this.description);
    }
  }
}

interface RawJobRow extends Omit<JobRecord, 'features'> {
  features: string;
}

function toJob(row: RawJobRow): JobRecord {
  const record = row as unknown as JobRecord;
  record.features = row.features === '' ? [] : row.features.split(FEATURE_SEPARATOR);
  return record;
}

function jobFilter(query: JobQuery): { sql: string; params: (string | number)[] } {
  const clauses: string[] = [LIVE];
  const params: (string | number)[] = [];
  if (query.source !== undefined) {
    clauses.push('s.name = ?');
    params.push(query.source);
  }
  if (query.partition !== undefined) {
    clauses.push('j.partition = ?');
    params.push(query.partition);
  }
  const { fromS, beforeS } = wholeSecondBounds(query);
  if (Number.isFinite(fromS)) {
    clauses.push('j.submit_s >= ?');
    params.push(fromS);
  }
  if (Number.isFinite(beforeS)) {
    clauses.push('j.submit_s < ?');
    params.push(beforeS);
  }
  return { sql: clauses.join(' AND '), params };
}

/**
 * Runs `work` again while SQLite answers busy, for up to `timeoutMs`. Some busy answers come at once,
 * without SQLite's own busy wait (switching a new file to WAL while another connection does), so
 * opening waits here instead of failing.
 */
function retryWhileBusy(timeoutMs: number, work: () => void): void {
  const deadline = Date.now() + timeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 1; ; attempt += 1) {
    try {
      work();
      return;
    } catch (error) {
      const code = error instanceof Database.SqliteError ? error.code : '';
      if (!code.startsWith('SQLITE_BUSY') && !code.startsWith('SQLITE_LOCKED')) throw error;
      if (Date.now() >= deadline) throw error;
      // A short, growing pause; the pid spreads two processes that collided apart.
      Atomics.wait(pause, 0, 0, Math.min(100, 5 * attempt + (process.pid % 7)));
    }
  }
}

/** The writer `EmbeddedStore.beginImport` returns: a staged source row and its rows. */
class EmbeddedImportWriter implements ImportWriter {
  readonly source: string;
  readonly #store: EmbeddedStore;
  readonly #manifest: ImportManifest;
  readonly #stagedId: number;
  readonly #options: BeginImportOptions;
  #done = false;

  constructor(store: EmbeddedStore, manifest: ImportManifest, stagedId: number, options: BeginImportOptions) {
    this.#store = store;
    this.#manifest = manifest;
    this.#stagedId = stagedId;
    this.#options = options;
    this.source = manifest.source;
  }

  // async: a refusal is a rejected promise, as from every other store, never a synchronous throw.
  async put(records: readonly JobRecord[]): Promise<void> {
    this.#open();
    this.#store.stage(this.#stagedId, this.source, records);
  }

  async publish(): Promise<SourceManifest> {
    this.#open();
    const manifest = this.#store.publishStaged(this.#stagedId, this.#manifest, this.#options);
    this.#done = true;
    return manifest;
  }

  async abort(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    this.#store.dropStaged(this.#stagedId);
  }

  #open(): void {
    if (this.#done)
      throw new StoreClosedError(`the import of ${this.source} was already published or aborted`, {
        target: this.#store.description,
      });
  }
}

function toStoreError(
  error: unknown,
  action: 'open' | 'read' | 'write',
  path: string,
  target: string,
): StoreError {
  if (error instanceof StoreError) return error;
  const code = error instanceof Database.SqliteError ? error.code : undefined;
  const detail = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return new StoreCorruptError(
        `${path} is not a readable SQLite file (${detail}): check store.path, or move the file aside and re-import`,
        { target, cause: error },
      );
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return new StoreBusyError(
        `${path} is locked by another process (${detail}): check for another slurmcast run using the same store`,
        { target, cause: error },
      );
    default:
      if (action === 'read') {
        return new StoreQueryError(`cannot read the embedded store ${path}: ${detail}`, {
          target,
          cause: error,
        });
      }
      return new StoreWriteRefusedError(
        `cannot ${action === 'open' ? 'open' : 'write'} the embedded store ${path} (${detail}): check permissions and free disk space`,
        { target, cause: error },
      );
  }
}
