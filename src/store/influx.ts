import { randomBytes } from 'node:crypto';
import { InfluxDB, ResultError, escape, type IPoint } from 'influx';
import type { JobRecord } from '../shared/job-record.js';
import {
  StoreClosedError,
  StoreConflictError,
  StoreError,
  StoreQueryError,
  StoreUnreachableError,
  StoreWriteRefusedError,
} from './errors.js';
import {
  GENERATION_TAG,
  Measurements,
  gpuUseFromRow,
  gpuUsePoint,
  jobFromRow,
  manifestFromRow,
  manifestPoint,
  stagingPoint,
  jobPoint,
  jobTags,
  jobTimeNs,
  nodeFromRow,
  nodePoint,
  queueEntryFromRow,
  queuePoint,
  secondsToNs,
  snapshotMarkerPoint,
  snapshotTimeNs,
  watermarkPoint,
  type InfluxRow,
} from './influx-points.js';
import {
  DEFAULT_JOB_BATCH,
  compareGpuUse,
  gpuUseMatches,
  wholeSecondBounds,
  type BeginImportOptions,
  type GpuUseQuery,
  type GpuUseRecord,
  type HistoryStore,
  type ImportManifest,
  type ImportWriter,
  type JobQuery,
  type SourceManifest,
  type NodeSnapshot,
  type NodeStatus,
  type QueueSnapshot,
  type SnapshotQuery,
  type UpsertResult,
} from './types.js';
import { currentOwner, isAbandoned, ownerText, parseOwner } from './staging.js';

/** Connection and behaviour of the InfluxDB store. */
export interface InfluxStoreOptions {
  host: string;
  port: number;
  database: string;
  username?: string;
  /** Never logged and never part of an error message. */
  password?: string;
  /** Per-request timeout, seconds; default 10. */
  timeoutS?: number;
  /**
   * How far before a batch's earliest submit time to look for an older point of the same job whose
   * tags or submit time have since changed (a pending job moved to another partition, a requeue);
   * such a point is deleted so the job stays one point. Seconds; default 14 days.
   */
  movedJobLookbackS?: number;
  /** Points per HTTP write; default 5,000. */
  writeBatch?: number;
}

type ResolvedInfluxOptions = Required<Omit<InfluxStoreOptions, 'username' | 'password'>> &
  Pick<InfluxStoreOptions, 'username' | 'password'>;

function resolveInfluxOptions(options: InfluxStoreOptions): ResolvedInfluxOptions {
  return {
    ...options,
    timeoutS: options.timeoutS ?? 10,
    movedJobLookbackS: options.movedJobLookbackS ?? 14 * 86_400,
    writeBatch: options.writeBatch ?? 5_000,
  };
}

/** How many job ids one moved-point lookup names in its regular expression. */
const LOOKUP_IDS = 1_000;

/**
 * The InfluxDB 1.x `HistoryStore` (through the `influx` package). The schema is in
 * `influx-points.ts` and docs/store.md. The database is created on first use if it does not exist.
 * @example const store = openInfluxStore({ host: '127.0.0.1', port: 8086, database: 'slurmcast' });
 */
export function openInfluxStore(options: InfluxStoreOptions): InfluxStore {
  return new InfluxStore(resolveInfluxOptions(options));
}

/** See `openInfluxStore`. */
export class InfluxStore implements HistoryStore {
  readonly description: string;
  readonly #options: ResolvedInfluxOptions;
  readonly #client: InfluxDB;
  #ready: Promise<void> | undefined;
  #closed = false;

  constructor(options: ResolvedInfluxOptions) {
    this.#options = options;
    this.description = `influx ${options.host}:${options.port}/${options.database}`;
    this.#client = new InfluxDB({
      host: options.host,
      port: options.port,
      database: options.database,
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
      pool: { maxRetries: 1, requestTimeout: options.timeoutS * 1000 },
    });
  }

  async upsertJobs(records: readonly JobRecord[]): Promise<UpsertResult> {
    await this.#ensureReady();
    for (let i = 0; i < records.length; i += this.#options.writeBatch) {
      const chunk = records.slice(i, i + this.#options.writeBatch);
      await this.#deleteMovedPoints(chunk);
      await this.#write(chunk.map((r) => jobPoint(r)));
    }
    return { written: records.length };
  }

  async beginImport(manifest: ImportManifest, options: BeginImportOptions = {}): Promise<ImportWriter> {
    await this.#ensureReady();
    await this.#removeAbandonedImports();
    const generation = randomBytes(8).toString('hex');
    const owner = currentOwner(manifest.importedAtS);
    // The marker goes first: from here on a crash leaves points that the next import can tell apart.
    await this.#write([stagingPoint(generation, manifest.source, ownerText(owner), owner.startedAtS)]);
    return new InfluxImportWriter(this, manifest, generation, options);
  }

  async manifests(): Promise<SourceManifest[]> {
    await this.#ensureReady();
    return [...(await this.#liveImports()).values()]
      .map(({ manifest }) => manifest)
      .sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  }

  /** Writes staged points of `generation`. */
  async stage(generation: string, source: string, records: readonly JobRecord[]): Promise<void> {
    await this.#ensureReady();
    for (const r of records) {
      if (r.source !== source)
        throw new StoreWriteRefusedError(
          `an import of ${source} was handed a job of ${r.source}: a program error, the import is not published`,
          { target: this.description },
        );
    }
    for (let i = 0; i < records.length; i += this.#options.writeBatch) {
      await this.#write(records.slice(i, i + this.#options.writeBatch).map((r) => jobPoint(r, generation)));
    }
  }

  /**
   * Publishes `generation`: one manifest point names it, which switches every reader over at once;
   * the source's previous generation is dropped afterwards.
   */
  async publishStaged(
    generation: string,
    manifest: ImportManifest,
    options: BeginImportOptions,
    onPublished: () => void,
  ): Promise<SourceManifest> {
    await this.#ensureReady();
    const gen = escape.stringLit(generation);
    const published: SourceManifest = { ...manifest, jobCount: await this.#countGeneration(generation) };
    const live = (await this.#liveImports()).get(manifest.source);
    const previous = live?.generation;
    // InfluxDB has no transaction: two imports publishing in the same instant can both pass this
    // check; one publish is one point, so the last one wins whole, never a mix.
    const current = live?.manifest.contentSha256 ?? null;
    if (options.expectedContentSha256 !== undefined && current !== options.expectedContentSha256) {
      throw new StoreConflictError(
        `another import of ${manifest.source} was published while this one ran (it now holds ${current ?? 'no import'}): nothing of this import was published; run the import again`,
        {
          target: this.description,
        },
      );
    }
    await this.#write([manifestPoint(published, generation)]);
    onPublished();
    // Only the previous generation is dropped, by its own value. Points of the source without a
    // generation (collected before it was imported) stay but no reader sees them (`#liveClause`):
    // InfluxDB 1.6 matched series of the new generation too when a DROP asked for an empty tag.
    if (previous !== undefined) {
      await this.#query(
        `DROP SERIES FROM ${Measurements.job} WHERE source = ${escape.stringLit(manifest.source)} AND ${GENERATION_TAG} = ${escape.stringLit(previous)}`,
      );
    }
    await this.#query(`DROP SERIES FROM ${Measurements.staging} WHERE ${GENERATION_TAG} = ${gen}`);
    if (previous !== undefined && (await this.#countGeneration(generation)) !== published.jobCount) {
      throw new StoreWriteRefusedError(
        `InfluxDB lost points of the new import of ${manifest.source} while dropping the one it replaced: the inmem index of InfluxDB 1.6 does this; set index-version = "tsi1" in the [data] section of influxdb.conf (see docs/store.md), then import again with --replace`,
        { target: this.description },
      );
    }
    return published;
  }

  async #countGeneration(generation: string): Promise<number> {
    const counted = await this.#query(
      `SELECT count(job_id) AS n FROM ${Measurements.job} WHERE ${GENERATION_TAG} = ${escape.stringLit(generation)}`,
    );
    const n = counted[0]?.['n'];
    return typeof n === 'number' ? n : 0;
  }

  /** Drops a staged generation's points and its marker. */
  async dropStaged(generation: string): Promise<void> {
    if (this.#closed) return;
    const gen = escape.stringLit(generation);
    await this.#query(`DROP SERIES FROM ${Measurements.job} WHERE ${GENERATION_TAG} = ${gen}`);
    await this.#query(`DROP SERIES FROM ${Measurements.staging} WHERE ${GENERATION_TAG} = ${gen}`);
  }

  /** Source → its manifest and live generation. */
  async #liveImports(): Promise<Map<string, { manifest: SourceManifest; generation: string }>> {
    const rows = await this.#query(`SELECT * FROM ${Measurements.manifest}`);
    return new Map(rows.map((row) => manifestFromRow(row)).map((m) => [m.manifest.source, m]));
  }

  /**
   * Drops generations no reader sees and no running import stages: those of imports whose process is
   * gone, and those left behind by a publish cut short. Staging markers are read before manifests, so
   * an import published in between is seen as live, never as left behind.
   */
  async #removeAbandonedImports(): Promise<void> {
    const nowS = Date.now() / 1000;
    const markers = await this.#query(`SELECT * FROM ${Measurements.staging}`);
    const running = new Set<string>();
    for (const marker of markers) {
      const generation = tagText(marker[GENERATION_TAG]);
      const owner = parseOwner(tagText(marker['owner']), num(marker['started_at_s']));
      if (isAbandoned(owner, nowS)) await this.dropStaged(generation);
      else running.add(generation);
    }
    const live = new Set([...(await this.#liveImports()).values()].map((m) => m.generation));
    const present = await this.#query(
      `SHOW TAG VALUES FROM ${Measurements.job} WITH KEY = ${escape.quoted(GENERATION_TAG)}`,
    );
    for (const row of present) {
      const generation = tagText(row['value']);
      if (generation !== '' && !live.has(generation) && !running.has(generation)) {
        await this.#query(
          `DROP SERIES FROM ${Measurements.job} WHERE ${GENERATION_TAG} = ${escape.stringLit(generation)}`,
        );
      }
    }
  }

  /**
   * The clause that shows readers only published jobs: an imported source's live generation, and
   * collected (untagged) points of sources that were never imported.
   */
  async #liveClause(source: string | undefined): Promise<string> {
    const live = await this.#liveImports();
    if (source !== undefined) {
      return `${GENERATION_TAG} = ${escape.stringLit(live.get(source)?.generation ?? '')} AND `;
    }
    const others = [...live.keys()].map((s) => ` AND source != ${escape.stringLit(s)}`).join('');
    const imported = [...live.values()]
      .map(({ generation }) => ` OR ${GENERATION_TAG} = ${escape.stringLit(generation)}`)
      .join('');
    return `((${GENERATION_TAG} = ''${others})${imported}) AND `;
  }

  async *jobs(query: JobQuery = {}): AsyncIterable<readonly JobRecord[]> {
    await this.#ensureReady();
    const size = query.batchSize ?? DEFAULT_JOB_BATCH;
    const where = `${jobWhere(query)}${await this.#liveClause(query.source)}`;
    const { beforeS } = wholeSecondBounds(query);
    let cursor = jobTimeLowerBound(query);
    const end = Number.isFinite(beforeS) ? ` AND time < ${secondsToNs(beforeS)}` : '';
    // Pages by time: several jobs (of different sources) can share a timestamp, so the keys already
    // returned at the cursor's instant are remembered and skipped when the next page starts there.
    let seenAtCursor = new Set<string>();
    for (;;) {
      const limit = size + seenAtCursor.size;
      const rows = await this.#query(
        `SELECT * FROM ${Measurements.job} WHERE ${where}time >= ${cursor}${end} ORDER BY time LIMIT ${limit}`,
      );
      const batch: JobRecord[] = [];
      let last = cursor;
      let seenAtLast = new Set<string>();
      for (const row of rows) {
        const time = rowTimeNs(row);
        const record = jobFromRow(row);
        const key = `${record.source}\u0000${record.jobId}`;
        if (time === cursor && seenAtCursor.has(key)) continue;
        if (time !== last) {
          last = time;
          seenAtLast = new Set();
        }
        seenAtLast.add(key);
        batch.push(record);
      }
      if (batch.length > 0) yield batch;
      if (rows.length < limit) return;
      seenAtCursor = last === cursor ? new Set([...seenAtCursor, ...seenAtLast]) : seenAtLast;
      cursor = last;
    }
  }

  async jobsByIds(jobIds: readonly string[], query: Pick<JobQuery, 'source'> = {}): Promise<JobRecord[]> {
    await this.#ensureReady();
    const where = `${jobWhere(query)}${await this.#liveClause(query.source)}`;
    const unique = [...new Set(jobIds)];
    const found: JobRecord[] = [];
    // job_id is a field: the same regular-expression match `#deleteMovedPoints` uses, LOOKUP_IDS at a time.
    for (let i = 0; i < unique.length; i += LOOKUP_IDS) {
      const ids = unique
        .slice(i, i + LOOKUP_IDS)
        .map(escapeRegex)
        .join('|');
      const rows = await this.#query(
        `SELECT * FROM ${Measurements.job} WHERE ${where}job_id =~ /^(?:${ids})$/ AND time >= 0 ORDER BY time`,
      );
      for (const row of rows) found.push(jobFromRow(row));
    }
    return found.sort(
      (a, b) =>
        Math.floor(a.submitS) - Math.floor(b.submitS) ||
        (a.source < b.source ? -1 : a.source > b.source ? 1 : 0) ||
        (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0),
    );
  }

  async countJobs(query: JobQuery = {}): Promise<number> {
    await this.#ensureReady();
    const { beforeS } = wholeSecondBounds(query);
    const end = Number.isFinite(beforeS) ? ` AND time < ${secondsToNs(beforeS)}` : '';
    const rows = await this.#query(
      `SELECT count(job_id) AS n FROM ${Measurements.job} WHERE ${jobWhere(query)}${await this.#liveClause(query.source)}time >= ${jobTimeLowerBound(query)}${end}`,
    );
    const n = rows[0]?.['n'];
    return typeof n === 'number' ? n : 0;
  }

  async putQueueSnapshot(snapshot: QueueSnapshot): Promise<void> {
    await this.#ensureReady();
    await this.#write([
      ...snapshot.entries.map((entry) => queuePoint(snapshot.source, snapshot.atS, entry)),
      snapshotMarkerPoint('queue', snapshot.source, snapshot.atS, snapshot.entries.length),
    ]);
  }

  async queueSnapshots(query: SnapshotQuery): Promise<QueueSnapshot[]> {
    const grouped = await this.#snapshots('queue', Measurements.queue, query, queueEntryFromRow);
    return grouped.map(({ atS, entries }) => ({ source: query.source, atS, entries }));
  }

  async putNodeSnapshot(snapshot: NodeSnapshot): Promise<void> {
    await this.#ensureReady();
    await this.#write([
      ...snapshot.nodes.map((node) => nodePoint(snapshot.source, snapshot.atS, node)),
      snapshotMarkerPoint('node', snapshot.source, snapshot.atS, snapshot.nodes.length),
    ]);
  }

  async nodeSnapshots(query: SnapshotQuery): Promise<NodeSnapshot[]> {
    const grouped = await this.#snapshots<NodeStatus>('node', Measurements.node, query, nodeFromRow);
    return grouped.map(({ atS, entries }) => ({ source: query.source, atS, nodes: entries }));
  }

  async upsertGpuUse(records: readonly GpuUseRecord[]): Promise<void> {
    await this.#ensureReady();
    for (let i = 0; i < records.length; i += this.#options.writeBatch) {
      await this.#write(records.slice(i, i + this.#options.writeBatch).map(gpuUsePoint));
    }
  }

  async gpuUse(query: GpuUseQuery = {}): Promise<GpuUseRecord[]> {
    await this.#ensureReady();
    const where = [
      query.source === undefined ? undefined : `source = ${escape.stringLit(query.source)}`,
      query.lastSampleFromS === undefined ? undefined : `last_sample_s >= ${query.lastSampleFromS}`,
      query.lastSampleBeforeS === undefined ? undefined : `last_sample_s < ${query.lastSampleBeforeS}`,
    ].filter((clause) => clause !== undefined);
    const rows = await this.#query(
      `SELECT * FROM ${Measurements.gpuUse}${where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`}`,
    );
    // The user is matched here, not in InfluxQL: InfluxDB 1.6 cannot parse the escaped backslash
    // that a string literal of a name holding one needs.
    return rows
      .map(gpuUseFromRow)
      .filter((r) => gpuUseMatches(r, query))
      .sort(compareGpuUse);
  }

  async watermark(source: string): Promise<number | null> {
    await this.#ensureReady();
    const rows = await this.#query(
      `SELECT at_s FROM ${Measurements.watermark} WHERE source = ${escape.stringLit(source)} ORDER BY time DESC LIMIT 1`,
    );
    const atS = rows[0]?.['at_s'];
    return typeof atS === 'number' ? atS : null;
  }

  async setWatermark(source: string, atS: number): Promise<void> {
    await this.#ensureReady();
    await this.#write([watermarkPoint(source, atS)]);
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  /** Deletes earlier points of these jobs whose identity (tags or submit second) is not the new one. */
  async #deleteMovedPoints(records: readonly JobRecord[]): Promise<void> {
    const bySource = new Map<string, JobRecord[]>();
    for (const record of records) {
      const list = bySource.get(record.source);
      if (list === undefined) bySource.set(record.source, [record]);
      else list.push(record);
    }
    for (const [source, list] of bySource) {
      for (let i = 0; i < list.length; i += LOOKUP_IDS) {
        const part = list.slice(i, i + LOOKUP_IDS);
        const wanted = new Map(part.map((r) => [r.jobId, identityOf(r)]));
        let minS = Infinity;
        let maxS = -Infinity;
        for (const r of part) {
          minS = Math.min(minS, r.submitS);
          maxS = Math.max(maxS, r.submitS);
        }
        const ids = [...wanted.keys()].map(escapeRegex).join('|');
        const rows = await this.#query(
          `SELECT job_id, "partition", account, gpu_type FROM ${Measurements.job}
           WHERE source = ${escape.stringLit(source)} AND ${GENERATION_TAG} = '' AND job_id =~ /^(?:${ids})$/
           AND time >= ${secondsToNs(minS - this.#options.movedJobLookbackS)} AND time < ${secondsToNs(maxS + 1)}`,
        );
        for (const row of rows) {
          const jobId = String(row['job_id']);
          const current = identityOf({
            source,
            partition: tagText(row['partition']),
            account: tagText(row['account']),
            gpuType: tagText(row['gpu_type']),
            timeNs: rowTimeNs(row),
          });
          if (wanted.get(jobId) !== current) await this.#deletePoint(source, row);
        }
      }
    }
  }

  async #deletePoint(source: string, row: InfluxRow): Promise<void> {
    const time = rowTimeNs(row);
    const tag = (key: string): string => `${escape.quoted(key)} = ${escape.stringLit(tagText(row[key]))}`;
    await this.#query(
      `DELETE FROM ${Measurements.job} WHERE source = ${escape.stringLit(source)} AND ${tag('partition')}
       AND ${tag('account')} AND ${tag('gpu_type')} AND time >= ${time} AND time <= ${time}`,
    );
  }

  async #snapshots<T>(
    kind: 'queue' | 'node',
    measurement: string,
    query: SnapshotQuery,
    fromRow: (row: InfluxRow) => T,
  ): Promise<{ atS: number; entries: T[] }[]> {
    await this.#ensureReady();
    const range = [
      query.fromS === undefined ? '' : ` AND time >= ${snapshotTimeNs(query.fromS)}`,
      query.beforeS === undefined ? '' : ` AND time < ${snapshotTimeNs(query.beforeS)}`,
    ].join('');
    const source = escape.stringLit(query.source);
    const markers = await this.#query(
      `SELECT at_s FROM ${Measurements.snapshot} WHERE source = ${source} AND kind = ${escape.stringLit(kind)}${range} ORDER BY time`,
    );
    const byTime = new Map<string, { atS: number; entries: T[] }>();
    for (const marker of markers) {
      byTime.set(rowTimeNs(marker).toString(), { atS: Number(marker['at_s']), entries: [] });
    }
    if (byTime.size === 0) return [];
    const rows = await this.#query(
      `SELECT * FROM ${measurement} WHERE source = ${source}${range} ORDER BY time`,
    );
    for (const row of rows) byTime.get(rowTimeNs(row).toString())?.entries.push(fromRow(row));
    return [...byTime.values()];
  }

  #ensureReady(): Promise<void> {
    if (this.#closed) {
      return Promise.reject(
        new StoreClosedError(`the store ${this.description} is closed`, { target: this.description }),
      );
    }
    if (this.#ready === undefined) {
      this.#ready = this.#client
        .query(`CREATE DATABASE ${escape.quoted(this.#options.database)}`)
        .then(() => undefined)
        .catch((error: unknown) => {
          // Without admin rights CREATE DATABASE is refused; the database may well exist, and the
          // first write will say clearly if it does not.
          if (statusOf(error) === 401 || statusOf(error) === 403 || isResultError(error)) return;
          this.#ready = undefined;
          throw this.#translate(error, 'read');
        });
    }
    return this.#ready;
  }

  async #write(points: IPoint[]): Promise<void> {
    try {
      await this.#client.writePoints(points, { precision: 'n' });
    } catch (error) {
      throw this.#translate(error, 'write');
    }
  }

  async #query(influxQl: string): Promise<InfluxRow[]> {
    try {
      const results = await this.#client.query<InfluxRow>(influxQl, { method: 'POST' });
      return [...results];
    } catch (error) {
      throw this.#translate(error, 'read');
    }
  }

  /** Maps a client failure to a `StoreError` whose message names what to check and never the password. */
  #translate(error: unknown, action: 'read' | 'write'): StoreError {
    if (error instanceof StoreError) return error;
    const where = `${this.#options.host}:${this.#options.port}`;
    const detail = redact(error instanceof Error ? error.message : String(error), this.#options.password);
    const status = statusOf(error);
    if (status === undefined && !isResultError(error)) {
      return new StoreUnreachableError(
        `cannot reach InfluxDB at ${where} (${detail}): check that influxd is running and store.influx.host/port`,
        { target: this.description, cause: error },
      );
    }
    const hint =
      status === 401 || status === 403
        ? 'check store.influx.username and the password in the environment variable named by store.influx.passwordEnv'
        : status === 404
          ? `check that database ${this.#options.database} exists (store.influx.database)`
          : 'check the InfluxDB log; a field type conflict means another writer used these measurement names';
    const details =
      status === undefined
        ? { target: this.description, cause: error }
        : { target: this.description, status, cause: error };
    return action === 'write'
      ? new StoreWriteRefusedError(`InfluxDB at ${where} refused the write (${detail}): ${hint}`, details)
      : new StoreQueryError(`InfluxDB at ${where} refused a query (${detail}): ${hint}`, details);
  }
}

interface JobIdentity {
  source: string;
  partition: string;
  account: string;
  gpuType: string;
  timeNs: bigint;
}

function identityOf(record: JobRecord | JobIdentity): string {
  if ('timeNs' in record) {
    return [record.source, record.partition, record.account, record.gpuType, record.timeNs].join('\u0000');
  }
  const tags = jobTags(record);
  return [
    tags['source'],
    tags['partition'] ?? '',
    tags['account'] ?? '',
    tags['gpu_type'] ?? '',
    jobTimeNs(record),
  ].join('\u0000');
}

function jobWhere(query: JobQuery): string {
  const clauses: string[] = [];
  if (query.source !== undefined) clauses.push(`source = ${escape.stringLit(query.source)}`);
  if (query.partition !== undefined) clauses.push(`"partition" = ${escape.stringLit(query.partition)}`);
  return clauses.map((c) => `${c} AND `).join('');
}

function jobTimeLowerBound(query: JobQuery): bigint {
  const { fromS } = wholeSecondBounds(query);
  // InfluxDB 1.x cannot store times before 1677-09-21; a query without a lower bound starts at 0
  // for jobs (no job was submitted before 1970).
  return Number.isFinite(fromS) ? secondsToNs(Math.max(fromS, 0)) : 0n;
}

function rowTimeNs(row: InfluxRow): bigint {
  const time = row['time'] as { getNanoTime?: () => string } | undefined;
  if (time?.getNanoTime === undefined) return 0n;
  return BigInt(time.getNanoTime());
}

/** The writer `InfluxStore.beginImport` returns: points under a fresh generation tag. */
class InfluxImportWriter implements ImportWriter {
  readonly source: string;
  readonly #store: InfluxStore;
  readonly #manifest: ImportManifest;
  readonly #generation: string;
  readonly #options: BeginImportOptions;
  #done = false;

  constructor(store: InfluxStore, manifest: ImportManifest, generation: string, options: BeginImportOptions) {
    this.#store = store;
    this.#manifest = manifest;
    this.#generation = generation;
    this.#options = options;
    this.source = manifest.source;
  }

  put(records: readonly JobRecord[]): Promise<void> {
    this.#open();
    return this.#store.stage(this.#generation, this.source, records);
  }

  async publish(): Promise<SourceManifest> {
    this.#open();
    // Until the manifest point is written the import can still be aborted; after it, it is live.
    return this.#store.publishStaged(this.#generation, this.#manifest, this.#options, () => {
      this.#done = true;
    });
  }

  async abort(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    await this.#store.dropStaged(this.#generation);
  }

  #open(): void {
    if (this.#done)
      throw new StoreClosedError(`the import of ${this.source} was already published or aborted`, {
        target: this.#store.description,
      });
  }
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value ?? 0);
}

function tagText(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, (c) => `\\${c}`);
}

function statusOf(error: unknown): number | undefined {
  const res = (error as { res?: { statusCode?: unknown } } | null)?.res;
  return typeof res?.statusCode === 'number' ? res.statusCode : undefined;
}

/** InfluxDB answered 200 with an error inside the result (an invalid query, a missing database). */
function isResultError(error: unknown): boolean {
  return error instanceof ResultError;
}

function redact(message: string, secret: string | undefined): string {
  return secret === undefined || secret === '' ? message : message.split(secret).join('***');
}
