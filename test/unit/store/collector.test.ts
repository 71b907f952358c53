import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Node, QueueJob, JobRecord as SlurmJob, Tres } from '../../../sdk/index.js';
import { emptyTres } from '../../../sdk/parse/values.js';
import { CollectBusyError, collect, type ClusterReader } from '../../../src/collect/collector.js';
import {
  featuresOf,
  jobRecordFromSlurm,
  nodeStatusFromSlurm,
  queueSnapshotFromSlurm,
} from '../../../src/collect/slurm-mapping.js';
import { poolName } from '../../../src/series/build.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { StoreWriteRefusedError } from '../../../src/store/errors.js';
import type { JobRecord } from '../../../src/shared/job-record.js';

const T0 = 1_700_000_000;

function tres(overrides: Partial<Tres> = {}): Tres {
  return { ...emptyTres(), ...overrides };
}

function slurmJob(raw: number, overrides: Partial<SlurmJob> = {}): SlurmJob {
  return {
    id: {
      raw,
      display: String(raw),
      arrayJobId: null,
      arrayTaskId: null,
      hetJobId: null,
      hetJobOffset: null,
    },
    name: `job-${raw}`,
    user: 'labuser',
    account: 'research',
    partition: 'cpu',
    qos: 'normal',
    state: 'COMPLETED',
    exitCode: 0,
    exitSignal: 0,
    submitEpochS: T0 + raw,
    eligibleEpochS: T0 + raw,
    startEpochS: T0 + raw + 1,
    endEpochS: T0 + raw + 61,
    timeLimitMin: 10,
    elapsedS: 60,
    reqTres: tres({ cpu: 2, memMiB: 512, nodeCount: 1 }),
    allocTres: tres({ cpu: 2, memMiB: 512, nodeCount: 1 }),
    nodes: 'c3',
    reservation: null,
    comment: null,
    constraints: null,
    maxRssBytes: 10 * 1024 * 1024,
    totalCpuS: 1.5,
    ...overrides,
  };
}

function queueJob(raw: number, overrides: Partial<QueueJob> = {}): QueueJob {
  return {
    id: {
      raw,
      display: String(raw),
      arrayJobId: null,
      arrayTaskId: null,
      hetJobId: null,
      hetJobOffset: null,
    },
    name: 'q',
    user: 'labuser',
    account: 'research',
    partition: 'gpu',
    qos: 'normal',
    state: 'PENDING',
    reason: 'Resources',
    priority: 1,
    submitEpochS: T0,
    startEpochS: null,
    timeLimitMin: 10,
    reqTres: tres({ cpu: 4, memMiB: 1024, nodeCount: 1, gpuCount: 2, gpuByType: { a100: 2 } }),
    nodes: null,
    reservation: null,
    features: 'ib&nvme',
    ...overrides,
  };
}

function node(name: string, overrides: Partial<Node> = {}): Node {
  return {
    name,
    state: 'IDLE',
    stateFlags: [],
    power: { cloud: false, poweredDown: false, poweringUp: false, poweringDown: false },
    cpus: 8,
    cpusAllocated: 0,
    realMemoryMiB: 4000,
    allocatedMemoryMiB: 0,
    gres: [],
    availableFeatures: [],
    activeFeatures: [],
    partitions: ['cpu'],
    reason: null,
    ...overrides,
  };
}

/** A cluster whose accounting can change between runs; records the start times asked for. */
class FakeCluster implements ClusterReader {
  history: SlurmJob[] = [];
  queued: QueueJob[] = [];
  nodeList: Node[] = [node('c1')];
  asked: number[] = [];
  jobHistory(fromS: number): Promise<SlurmJob[]> {
    this.asked.push(fromS);
    return Promise.resolve(this.history.filter((j) => (j.endEpochS ?? Infinity) >= fromS));
  }
  queue(): Promise<QueueJob[]> {
    return Promise.resolve(this.queued);
  }
  nodes(): Promise<Node[]> {
    return Promise.resolve(this.nodeList);
  }
}

async function allJobs(store: MemoryStore): Promise<JobRecord[]> {
  const out: JobRecord[] = [];
  for await (const batch of store.jobs()) out.push(...batch);
  return out;
}

describe('collect', () => {
  let lockDir: string;
  beforeEach(() => {
    lockDir = mkdtempSync(join(tmpdir(), 'slurmcast-collect-'));
  });
  afterEach(() => rmSync(lockDir, { recursive: true, force: true }));

  it('starts a week back on the first run, then from the watermark minus the overlap', async () => {
    const cluster = new FakeCluster();
    const store = new MemoryStore();
    const clock = new ManualClock((T0 + 10_000) * 1000);
    const options = { source: 'slurm:lab', clock, lockDir, overlapS: 600 };
    const first = await collect(cluster, store, options);
    expect(first.fromS).toBe(T0 + 10_000 - 7 * 86_400);
    expect(await store.watermark('slurm:lab')).toBe(T0 + 10_000);
    clock.advance(300_000);
    await collect(cluster, store, options);
    expect(cluster.asked).toEqual([T0 + 10_000 - 7 * 86_400, T0 + 10_000 - 600]);
  });

  it('keeps a job seen pending, then running, then completed as one record, and running twice changes nothing', async () => {
    const cluster = new FakeCluster();
    const store = new MemoryStore();
    const clock = new ManualClock((T0 + 1000) * 1000);
    const options = { source: 'slurm:lab', clock, lockDir };
    cluster.history = [
      slurmJob(1),
      slurmJob(2, {
        state: 'PENDING',
        startEpochS: null,
        endEpochS: null,
        allocTres: tres(),
        exitCode: null,
      }),
    ];
    await collect(cluster, store, options);
    cluster.history[1] = slurmJob(2, { state: 'RUNNING', endEpochS: null });
    clock.advance(60_000);
    await collect(cluster, store, options);
    cluster.history[1] = slurmJob(2, { state: 'FAILED', exitCode: 1 });
    clock.advance(60_000);
    await collect(cluster, store, options);
    await collect(cluster, store, options);
    const jobs = await allJobs(store);
    expect(jobs.map((j) => [j.jobId, j.state, j.exitCode])).toEqual([
      ['1', 'COMPLETED', 0],
      ['2', 'FAILED', 1],
    ]);
  });

  it('stores a queue snapshot and a node snapshot per run', async () => {
    const cluster = new FakeCluster();
    cluster.queued = [
      queueJob(5),
      queueJob(6),
      queueJob(7, {
        state: 'RUNNING',
        partition: 'cpu',
        features: null,
        reqTres: tres({ cpu: 1, nodeCount: 1 }),
      }),
    ];
    const store = new MemoryStore();
    const result = await collect(cluster, store, {
      source: 'slurm:lab',
      clock: new ManualClock(T0 * 1000),
      lockDir,
    });
    expect(result).toMatchObject({ queueEntries: 2, nodes: 1 });
    const [snapshot] = await store.queueSnapshots({ source: 'slurm:lab' });
    expect(snapshot?.atS).toBe(T0);
    expect(snapshot?.entries).toContainEqual({
      partition: 'gpu',
      gpuType: 'a100',
      features: ['ib', 'nvme'],
      state: 'PENDING',
      jobCount: 2,
      cpuCount: 8,
      gpuCount: 4,
      memMiB: 2048,
      nodeCount: 2,
    });
    expect(await store.nodeSnapshots({ source: 'slurm:lab' })).toHaveLength(1);
  });

  it('rejects sacct jobs whose record would be out of range, counting them with the reason', async () => {
    const cluster = new FakeCluster();
    const store = new MemoryStore();
    const clock = new ManualClock((T0 + 1000) * 1000);
    cluster.history = [
      slurmJob(1),
      slurmJob(2, { submitEpochS: 9e15, eligibleEpochS: null, startEpochS: null, endEpochS: null }),
      slurmJob(3, { allocTres: tres({ cpu: 4e21, memMiB: 512, nodeCount: 1 }) }),
      slurmJob(4, { startEpochS: T0 - 10 }),
    ];
    const result = await collect(cluster, store, { source: 'slurm:lab', clock, lockDir });
    expect(result).toMatchObject({ jobs: 1, rejected: 3 });
    expect(result.rejections.map((r) => r.jobId)).toEqual(['2', '3', '4']);
    expect(result.rejections[0]?.reason).toMatch(/submitS/);
    expect(result.rejections[1]?.reason).toMatch(/cpuCount/);
    expect(result.rejections[2]?.reason).toMatch(/before submit/);
    expect(await store.countJobs()).toBe(1);
  });

  it('does not move the watermark when the jobs could not be stored', async () => {
    const cluster = new FakeCluster();
    cluster.history = [slurmJob(1)];
    const store = new MemoryStore();
    store.upsertJobs = () => Promise.reject(new StoreWriteRefusedError('disk full', { target: 'memory' }));
    await expect(
      collect(cluster, store, { source: 'slurm:lab', clock: new ManualClock(T0 * 1000), lockDir }),
    ).rejects.toBeInstanceOf(StoreWriteRefusedError);
    expect(await store.watermark('slurm:lab')).toBeNull();
  });

  it('refuses a second run while one is in progress', async () => {
    const cluster = new FakeCluster();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    cluster.history = [slurmJob(1)];
    const store = new MemoryStore();
    const clock = new ManualClock(T0 * 1000);
    const slow = collect(cluster, store, { source: 'slurm:lab', clock, lockDir, onBatch: () => gate });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(collect(cluster, store, { source: 'slurm:lab', clock, lockDir })).rejects.toBeInstanceOf(
      CollectBusyError,
    );
    release();
    await slow;
  });
});

describe('Slurm → history mapping', () => {
  it('takes GPU type and count from the allocated TRES (gres/gpu:<type>)', () => {
    const record = jobRecordFromSlurm(
      slurmJob(9, {
        allocTres: tres({ cpu: 4, memMiB: 2048, nodeCount: 1, gpuCount: 2, gpuByType: { a100: 2 } }),
      }),
      'slurm:lab',
    );
    expect(record).toMatchObject({
      jobId: '9',
      gpuCount: 2,
      gpuType: 'a100',
      cpuCount: 4,
      memMiB: 2048,
      maxRssMiB: 10,
      timeLimitS: 600,
    });
  });

  it('uses the requested TRES for a job that never started, and maps states', () => {
    const record = jobRecordFromSlurm(
      slurmJob(10, {
        state: 'CANCELLED',
        startEpochS: null,
        allocTres: tres(),
        reqTres: tres({ cpu: 1, memMiB: 256, nodeCount: 1, gpuByType: { h100: 1 } }),
      }),
      'slurm:lab',
    );
    expect(record).toMatchObject({
      state: 'CANCELLED',
      cpuCount: 1,
      gpuCount: 1,
      gpuType: 'h100',
      startS: null,
    });
  });

  it('reports a signal the way a shell does (128 + signal)', () => {
    expect(
      jobRecordFromSlurm(slurmJob(11, { state: 'CANCELLED', exitCode: 0, exitSignal: 9 }), 's').exitCode,
    ).toBe(137);
  });

  it("turns the job's constraint expression into sorted, unique features and its pool name", () => {
    const record = jobRecordFromSlurm(slurmJob(12, { constraints: 'nvme&[ib|a100*2]&ib' }), 's');
    expect(record.features).toEqual(['a100', 'ib', 'nvme']);
    expect(poolName(record)).toBe('cpu[a100,ib,nvme]');
    const bigmem = jobRecordFromSlurm(slurmJob(13, { constraints: 'bigmem' }), 's');
    expect(bigmem.features).toEqual(['bigmem']);
    expect(poolName(bigmem)).toBe('cpu[bigmem]');
    const plain = jobRecordFromSlurm(slurmJob(14, { constraints: null }), 's');
    expect(plain.features).toEqual([]);
    expect(poolName(plain)).toBe('cpu');
  });

  it('reads feature names out of constraint expressions', () => {
    expect(featuresOf('nvme&ib')).toEqual(['ib', 'nvme']);
    expect(featuresOf('[a100*2|h100]')).toEqual(['a100', 'h100']);
    expect(featuresOf(null)).toEqual([]);
  });

  it('separates power states from the other node flags', () => {
    const status = nodeStatusFromSlurm(
      node('c5', {
        stateFlags: ['CLOUD', 'POWERED_DOWN'],
        power: { cloud: true, poweredDown: true, poweringUp: false, poweringDown: false },
        gres: [{ name: 'gpu', type: 'h100', count: 2 }],
      }),
    );
    expect(status).toMatchObject({
      flags: ['CLOUD'],
      powerState: 'POWERED_DOWN',
      gpuCount: 2,
      gpuType: 'h100',
    });
  });

  it('counts completing jobs as running and skips finished ones', () => {
    expect(queueSnapshotFromSlurm([queueJob(1, { state: 'COMPLETING' })], 's', 0).entries).toHaveLength(1);
    expect(queueSnapshotFromSlurm([queueJob(1, { state: 'CANCELLED' })], 's', 0).entries).toHaveLength(0);
  });
});
