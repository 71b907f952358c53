import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../src/shared/job-record.js';
import { StoreConflictError } from '../../src/store/errors.js';
import type {
  GpuUseRecord,
  HistoryStore,
  JobQuery,
  NodeSnapshot,
  QueueSnapshot,
} from '../../src/store/types.js';

/** Makes a fresh, empty store for one test; `dispose` removes whatever it created. */
export interface StoreHarness {
  store: HistoryStore;
  dispose(): Promise<void>;
}

/** A harness for a store that keeps its data (a file, a server): it can close and open it again. */
export interface PersistentStoreHarness extends StoreHarness {
  /** Closes the store and opens the same data again. */
  reopen(): Promise<HistoryStore>;
}

/** A complete job record with every field set; tests override what they look at. */
export function job(overrides: Partial<JobRecord> & Pick<JobRecord, 'jobId'>): JobRecord {
  return {
    source: 'slurm:test',
    name: 'train',
    user: 'alice',
    account: 'physics',
    partition: 'gpu',
    qos: 'normal',
    state: 'COMPLETED',
    exitCode: 0,
    submitS: 1_700_000_000,
    eligibleS: 1_700_000_000,
    startS: 1_700_000_010,
    endS: 1_700_000_310,
    timeLimitS: 3600,
    nodeCount: 1,
    cpuCount: 8,
    memMiB: 16_384,
    gpuCount: 2,
    gpuType: 'a100',
    features: ['ib', 'nvme'],
    reservation: null,
    maxRssMiB: 1024.5,
    totalCpuS: 1200,
    ...overrides,
  };
}

/** A complete GPU-use record; tests override what they look at. */
export function gpuUse(overrides: Partial<GpuUseRecord> & Pick<GpuUseRecord, 'jobId'>): GpuUseRecord {
  return {
    source: 'slurm:test',
    node: 'c2',
    user: 'alice',
    gpuCount: 1,
    sampleCount: 2,
    meanUtilPct: 87.5,
    maxUtilPct: 95,
    maxMemUsedMiB: 40_960,
    firstSampleS: 1_700_000_010.25,
    lastSampleS: 1_700_000_310.5,
    ...overrides,
  };
}

async function all(store: HistoryStore, query?: JobQuery): Promise<JobRecord[]> {
  const out: JobRecord[] = [];
  for await (const batch of store.jobs(query)) out.push(...batch);
  return out;
}

function byKey(records: readonly JobRecord[]): JobRecord[] {
  return [...records].sort((a, b) => (a.source + a.jobId < b.source + b.jobId ? -1 : 1));
}

/**
 * The behaviour every `HistoryStore` must have. Run from a unit or integration test file:
 * `describeStoreContract('memory fake', async () => ({ store: …, dispose: … }))`. A store that keeps
 * its data registers with {@link describePersistentStoreContract} instead, which adds the reopen test.
 */
export function describeStoreContract(name: string, makeHarness: () => Promise<StoreHarness>): void {
  defineStoreContract(name, makeHarness, { persistent: false });
}

/**
 * The contract plus what a persistent store must also do: keep everything across a close and reopen.
 * `describePersistentStoreContract('embedded', async () => ({ store: …, reopen: …, dispose: … }))`.
 */
export function describePersistentStoreContract(
  name: string,
  makeHarness: () => Promise<PersistentStoreHarness>,
): void {
  defineStoreContract(name, makeHarness, { persistent: true });
}

function defineStoreContract<H extends StoreHarness>(
  name: string,
  makeHarness: () => Promise<H>,
  options: H extends PersistentStoreHarness ? { persistent: true } : { persistent: false },
): void {
  describe(`HistoryStore contract: ${name}`, () => {
    let harness: H;
    let store: HistoryStore;
    beforeEach(async () => {
      harness = await makeHarness();
      store = harness.store;
    });
    afterEach(async () => {
      await harness.dispose();
    });

    it('reads back exactly what was written, nulls and lists included', async () => {
      const full = job({ jobId: '101' });
      const sparse = job({
        jobId: '102',
        name: null,
        account: null,
        qos: null,
        state: 'PENDING',
        exitCode: null,
        eligibleS: null,
        startS: null,
        endS: null,
        timeLimitS: null,
        gpuCount: 0,
        gpuType: null,
        features: [],
        maxRssMiB: null,
        totalCpuS: null,
        cpuCount: 0.5,
        memMiB: 300.25,
      });
      const odd = job({
        jobId: '103',
        name: 'evil;$(touch /tmp/pwned) "quoted" \\ back, comma=eq',
        partition: 'z+i5U=:',
        account: 'with space',
        reservation: 'maint window',
        exitCode: -9,
        state: 'FAILED',
      });
      await store.upsertJobs([full, sparse, odd]);
      expect(byKey(await all(store))).toEqual([full, sparse, odd]);
    });

    it('keeps a job that moves pending → running → completed as one record with its latest values', async () => {
      const pending = job({
        jobId: '7',
        state: 'PENDING',
        startS: null,
        endS: null,
        exitCode: null,
        maxRssMiB: null,
      });
      const running = { ...pending, state: 'RUNNING' as const, startS: 1_700_000_050 };
      const done = {
        ...running,
        state: 'COMPLETED' as const,
        endS: 1_700_000_900,
        exitCode: 0,
        maxRssMiB: 77,
      };
      await store.upsertJobs([pending]);
      await store.upsertJobs([running]);
      await store.upsertJobs([done]);
      expect(await all(store)).toEqual([done]);
      expect(await store.countJobs()).toBe(1);
    });

    it('clears a field that went back to null (a requeued job loses its start time)', async () => {
      const running = job({ jobId: '8', state: 'RUNNING', endS: null });
      const requeued = { ...running, state: 'PENDING' as const, startS: null };
      await store.upsertJobs([running]);
      await store.upsertJobs([requeued]);
      expect(await all(store)).toEqual([requeued]);
    });

    it('keeps one record when a pending job changes partition, account or GPU type, or its submit time', async () => {
      const first = job({ jobId: '9', state: 'PENDING', startS: null, endS: null });
      const moved = { ...first, partition: 'cpu', account: null, gpuType: null, gpuCount: 0 };
      const resubmitted = { ...moved, submitS: first.submitS + 3600, state: 'COMPLETED' as const };
      await store.upsertJobs([first]);
      await store.upsertJobs([moved]);
      expect(await all(store)).toEqual([moved]);
      await store.upsertJobs([resubmitted]);
      expect(await all(store)).toEqual([resubmitted]);
      expect(await store.countJobs()).toBe(1);
    });

    it('is idempotent: writing the same batch twice stores each job once', async () => {
      const records = Array.from({ length: 50 }, (_, i) =>
        job({ jobId: String(i + 1), submitS: 1_700_000_000 + i }),
      );
      await store.upsertJobs(records);
      await store.upsertJobs(records);
      expect(await store.countJobs()).toBe(50);
      expect(byKey(await all(store))).toEqual(byKey(records));
    });

    it('keys jobs by source and id: the same id in two sources is two jobs', async () => {
      await store.upsertJobs([job({ jobId: '1', source: 'a' }), job({ jobId: '1', source: 'b' })]);
      expect(await store.countJobs()).toBe(2);
      expect((await all(store, { source: 'b' })).map((r) => r.source)).toEqual(['b']);
    });

    it('finds jobs by id, in every source or one, without the ids it does not hold', async () => {
      await store.upsertJobs([
        job({ jobId: '7', source: 'a', submitS: 1_700_000_050 }),
        job({ jobId: '7', source: 'b', submitS: 1_700_000_020 }),
        job({ jobId: '8', source: 'a', submitS: 1_700_000_010, partition: 'cpu' }),
        job({ jobId: 'x.1', source: 'a', submitS: 1_700_000_030 }),
        job({ jobId: '9', source: 'a', submitS: 1_700_000_040 }),
      ]);
      const key = (r: JobRecord): string => `${r.source}/${r.jobId}`;
      expect((await store.jobsByIds(['7', '8', 'nope', '7'])).map(key)).toEqual(['a/8', 'b/7', 'a/7']);
      expect((await store.jobsByIds(['7'], { source: 'b' })).map(key)).toEqual(['b/7']);
      // An id with a regular-expression or SQL character is looked up as it is written.
      expect((await store.jobsByIds(['x.1', 'x?1', "9' OR '1'='1"])).map(key)).toEqual(['a/x.1']);
      expect(await store.jobsByIds([])).toEqual([]);
      const [eight] = await store.jobsByIds(['8']);
      expect(eight).toEqual(job({ jobId: '8', source: 'a', submitS: 1_700_000_010, partition: 'cpu' }));
    });

    it('filters by source, partition and a half-open submit-time range', async () => {
      const t0 = 1_600_000_000;
      await store.upsertJobs([
        job({ jobId: '1', submitS: t0, partition: 'cpu' }),
        job({ jobId: '2', submitS: t0 + 10, partition: 'gpu' }),
        job({ jobId: '3', submitS: t0 + 20, partition: 'cpu' }),
        job({ jobId: '4', submitS: t0 + 30, partition: 'cpu', source: 'other' }),
      ]);
      const ids = async (query: JobQuery): Promise<string[]> =>
        (await all(store, query)).map((r) => r.jobId).sort();
      expect(await ids({ partition: 'cpu' })).toEqual(['1', '3', '4']);
      expect(await ids({ source: 'slurm:test', partition: 'cpu' })).toEqual(['1', '3']);
      expect(await ids({ submittedFromS: t0 + 10, submittedBeforeS: t0 + 30 })).toEqual(['2', '3']);
      expect(await ids({ submittedFromS: t0 + 10.5 })).toEqual(['3', '4']);
      expect(await store.countJobs({ submittedFromS: t0 + 10, submittedBeforeS: t0 + 30 })).toBe(2);
      expect(await store.countJobs({ source: 'nobody' })).toBe(0);
    });

    it('streams in batches of the asked size, in submit order, every job once (ties across sources included)', async () => {
      const records: JobRecord[] = [];
      for (let i = 0; i < 120; i += 1) {
        // Groups of jobs share a submit second, in two sources with the same ids, to test paging at ties.
        const submitS = 1_650_000_000 + Math.floor(i / 7);
        records.push(job({ jobId: String(i), submitS }), job({ jobId: String(i), submitS, source: 'twin' }));
      }
      await store.upsertJobs(records);
      const sizes: number[] = [];
      const seen: JobRecord[] = [];
      for await (const batch of store.jobs({ batchSize: 25 })) {
        sizes.push(batch.length);
        seen.push(...batch);
      }
      expect(sizes.every((n) => n <= 25)).toBe(true);
      expect(seen).toHaveLength(240);
      expect(byKey(seen)).toEqual(byKey(records));
      const seconds = seen.map((r) => Math.floor(r.submitS));
      expect(seconds).toEqual([...seconds].sort((a, b) => a - b));
    });

    it('stores queue snapshots, empty ones included, and reads them back by time range', async () => {
      const snapshot: QueueSnapshot = {
        source: 'slurm:test',
        atS: 1_700_000_100.25,
        entries: [
          {
            partition: 'gpu',
            gpuType: 'a100',
            features: ['ib'],
            state: 'PENDING',
            jobCount: 3,
            cpuCount: 24,
            gpuCount: 6,
            memMiB: 4096,
            nodeCount: 3,
          },
          {
            partition: 'gpu',
            gpuType: 'a100',
            features: ['ib'],
            state: 'RUNNING',
            jobCount: 1,
            cpuCount: 8,
            gpuCount: 2,
            memMiB: 1024,
            nodeCount: 1,
          },
          {
            partition: 'cpu',
            gpuType: null,
            features: [],
            state: 'PENDING',
            jobCount: 2,
            cpuCount: 4,
            gpuCount: 0,
            memMiB: 512,
            nodeCount: 2,
          },
        ],
      };
      const empty: QueueSnapshot = { source: 'slurm:test', atS: 1_700_000_200, entries: [] };
      await store.putQueueSnapshot(snapshot);
      await store.putQueueSnapshot(snapshot);
      await store.putQueueSnapshot(empty);
      const read = await store.queueSnapshots({ source: 'slurm:test' });
      expect(read).toHaveLength(2);
      const sortEntries = (s: QueueSnapshot): QueueSnapshot => ({
        ...s,
        entries: [...s.entries].sort((a, b) => (a.partition + a.state < b.partition + b.state ? -1 : 1)),
      });
      expect(read.map(sortEntries)).toEqual([sortEntries(snapshot), empty]);
      expect(await store.queueSnapshots({ source: 'slurm:test', fromS: 1_700_000_150 })).toEqual([empty]);
      expect(await store.queueSnapshots({ source: 'slurm:test', beforeS: 1_700_000_150 })).toHaveLength(1);
      expect(await store.queueSnapshots({ source: 'elsewhere' })).toEqual([]);
    });

    it('stores node snapshots with states and power states', async () => {
      const snapshot: NodeSnapshot = {
        source: 'slurm:test',
        atS: 1_700_000_300,
        nodes: [
          {
            name: 'c1',
            state: 'MIXED',
            flags: [],
            powerState: 'ON',
            partitions: ['gpu'],
            cpuCount: 16,
            allocCpuCount: 8,
            memMiB: 64_000,
            allocMemMiB: 2048,
            gpuCount: 4,
            gpuType: 'a100',
            features: ['ib', 'nvme'],
          },
          {
            name: 'c5',
            state: 'IDLE',
            flags: ['CLOUD'],
            powerState: 'POWERED_DOWN',
            partitions: ['cpu', 'gpu'],
            cpuCount: 4,
            allocCpuCount: 0,
            memMiB: 8000,
            allocMemMiB: 0,
            gpuCount: 0,
            gpuType: null,
            features: [],
          },
        ],
      };
      await store.putNodeSnapshot(snapshot);
      const [read] = await store.nodeSnapshots({ source: 'slurm:test' });
      expect({ ...read, nodes: [...(read?.nodes ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1)) }).toEqual(
        snapshot,
      );
    });

    it('keeps one watermark per source, null until set', async () => {
      expect(await store.watermark('slurm:test')).toBeNull();
      await store.setWatermark('slurm:test', 1_700_000_000);
      await store.setWatermark('slurm:test', 1_700_003_600);
      await store.setWatermark('other', 5);
      expect(await store.watermark('slurm:test')).toBe(1_700_003_600);
      expect(await store.watermark('other')).toBe(5);
    });

    it('stores GPU use per job and node and reads it back, null readings included', async () => {
      const busy = gpuUse({ jobId: '501' });
      const otherNode = gpuUse({ jobId: '501', node: 'c1', gpuCount: 4, maxMemUsedMiB: 0 });
      const mig = gpuUse({ jobId: '502', meanUtilPct: null, maxUtilPct: null, lastSampleS: 1_700_000_400 });
      await store.upsertGpuUse([mig, busy, otherNode]);
      // Ordered by last sample, then source, job id and node.
      expect(await store.gpuUse()).toEqual([otherNode, busy, mig]);
    });

    it('replaces the GPU use of a job and node when it is stored again (a later sample arrived)', async () => {
      await store.upsertGpuUse([gpuUse({ jobId: '601', sampleCount: 1, meanUtilPct: 50, maxUtilPct: 50 })]);
      const later = gpuUse({ jobId: '601', sampleCount: 2, meanUtilPct: null, maxUtilPct: null });
      await store.upsertGpuUse([later]);
      expect(await store.gpuUse()).toEqual([later]);
    });

    it('filters GPU use by source, user and a half-open last-sample range', async () => {
      const a = gpuUse({ jobId: '1', user: 'alice', lastSampleS: 100 });
      const b = gpuUse({ jobId: '2', user: 'bob', lastSampleS: 200 });
      const c = gpuUse({ jobId: '3', user: 'alice', lastSampleS: 300, source: 'other' });
      await store.upsertGpuUse([a, b, c]);
      expect(await store.gpuUse({ user: 'alice' })).toEqual([a, c]);
      expect(await store.gpuUse({ source: 'slurm:test' })).toEqual([a, b]);
      expect(await store.gpuUse({ lastSampleFromS: 200, lastSampleBeforeS: 300 })).toEqual([b]);
      expect(await store.gpuUse({ user: "o'brien \\ x" })).toEqual([]);
    });

    describe('imports: all or nothing', () => {
      const manifest = (contentSha256: string) => ({
        source: 'swf:log',
        contentSha256,
        fileName: 'log.swf',
        importedAtS: 1_700_000_000,
      });
      const ofLog = (ids: readonly number[]): JobRecord[] =>
        ids.map((i) => job({ jobId: String(i), source: 'swf:log', submitS: 1_600_000_000 + i }));
      const importLog = async (sha: string, records: readonly JobRecord[]) => {
        const writer = await store.beginImport(manifest(sha));
        await writer.put(records);
        return writer.publish();
      };

      it('shows an import to no reader until it is published, then all of it at once', async () => {
        await store.upsertJobs([job({ jobId: '1' })]);
        const writer = await store.beginImport(manifest('aa'));
        await writer.put(ofLog([1, 2, 3]));
        await writer.put(ofLog([4]));
        expect(await store.countJobs({ source: 'swf:log' })).toBe(0);
        expect(await store.countJobs()).toBe(1);
        expect((await all(store)).map((r) => r.source)).toEqual(['slurm:test']);
        expect((await store.jobsByIds(['1', '2'])).map((r) => r.source)).toEqual(['slurm:test']);
        expect(await store.manifests()).toEqual([]);
        const published = await writer.publish();
        expect(published).toEqual({ ...manifest('aa'), jobCount: 4 });
        expect(await store.manifests()).toEqual([published]);
        expect(byKey(await all(store, { source: 'swf:log' }))).toEqual(byKey(ofLog([1, 2, 3, 4])));
        expect(await store.countJobs()).toBe(5);
      });

      it('replaces the source as a whole when it is imported again', async () => {
        await importLog('aa', ofLog([1, 2, 3]));
        const writer = await store.beginImport(manifest('bb'));
        await writer.put(ofLog([3, 4]));
        expect(byKey(await all(store, { source: 'swf:log' }))).toEqual(byKey(ofLog([1, 2, 3])));
        expect((await store.manifests()).map((m) => m.contentSha256)).toEqual(['aa']);
        await writer.publish();
        expect(byKey(await all(store, { source: 'swf:log' }))).toEqual(byKey(ofLog([3, 4])));
        expect(await store.manifests()).toEqual([{ ...manifest('bb'), jobCount: 2 }]);
      });

      it('leaves the source as it was when an import is aborted', async () => {
        await importLog('aa', ofLog([1, 2]));
        const writer = await store.beginImport(manifest('bb'));
        await writer.put(ofLog([7, 8, 9]));
        await writer.abort();
        expect(byKey(await all(store, { source: 'swf:log' }))).toEqual(byKey(ofLog([1, 2])));
        expect(await store.manifests()).toEqual([{ ...manifest('aa'), jobCount: 2 }]);
        const again = await importLog('cc', ofLog([5]));
        expect(again.jobCount).toBe(1);
        expect(await store.countJobs()).toBe(1);
      });

      it('never counts the rows of an import left unpublished into a later one', async () => {
        const left = await store.beginImport(manifest('aa'));
        await left.put(ofLog([1, 2, 3]));
        const published = await importLog('bb', ofLog([10, 11]));
        expect(published.jobCount).toBe(2);
        expect(byKey(await all(store))).toEqual(byKey(ofLog([10, 11])));
        await left.abort();
        expect(await store.countJobs()).toBe(2);
      });

      it('publishes nothing over an import of the same source published meanwhile', async () => {
        const slow = await store.beginImport(manifest('aa'), { expectedContentSha256: null });
        await slow.put(ofLog([1, 2, 3]));
        const fast = await store.beginImport(manifest('bb'), { expectedContentSha256: null });
        await fast.put(ofLog([7]));
        await fast.publish();
        await expect(slow.publish()).rejects.toBeInstanceOf(StoreConflictError);
        await slow.abort();
        expect(byKey(await all(store))).toEqual(byKey(ofLog([7])));
        expect((await store.manifests()).map((m) => m.contentSha256)).toEqual(['bb']);
        const replacing = await store.beginImport(manifest('cc'), { expectedContentSha256: 'bb' });
        await replacing.put(ofLog([8, 9]));
        expect((await replacing.publish()).jobCount).toBe(2);
        expect(await store.countJobs()).toBe(2);
      });

      it('refuses a record of another source in an import', async () => {
        const writer = await store.beginImport(manifest('aa'));
        await expect(writer.put([job({ jobId: '1', source: 'elsewhere' })])).rejects.toThrow(
          /import of swf:log was handed a job of elsewhere/,
        );
        await writer.abort();
        expect(await store.countJobs()).toBe(0);
      });

      if (options.persistent) {
        it('keeps an unpublished import invisible across a close and reopen', async () => {
          await importLog('aa', ofLog([1]));
          const writer = await store.beginImport(manifest('bb'));
          await writer.put(ofLog([2, 3]));
          store = await (harness as StoreHarness as PersistentStoreHarness).reopen();
          expect(byKey(await all(store))).toEqual(byKey(ofLog([1])));
          expect(await store.countJobs({ source: 'swf:log' })).toBe(1);
        });
      }
    });

    // Registered only for persistent stores (their harness has `reopen`), so it never passes
    // without running; an in-memory store simply does not list it.
    if (options.persistent) {
      it('keeps everything across a close and reopen', async () => {
        await store.upsertJobs([job({ jobId: '1' })]);
        await store.setWatermark('slurm:test', 42);
        await store.upsertGpuUse([gpuUse({ jobId: '1' })]);
        const again = await (harness as StoreHarness as PersistentStoreHarness).reopen();
        store = again;
        expect(await again.countJobs()).toBe(1);
        expect(await again.watermark('slurm:test')).toBe(42);
        expect(await again.gpuUse()).toEqual([gpuUse({ jobId: '1' })]);
      });
    }
  });
}
