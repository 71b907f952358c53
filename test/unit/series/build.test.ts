import { describe, expect, it } from 'vitest';
import { ParameterRangeError } from '../../../src/config/params.js';
import { readAlibabaPods } from '../../../src/collect/alibaba.js';
import type { JobRecord } from '../../../src/shared/job-record.js';
import { readSwf } from '../../../src/collect/swf.js';
import {
  buildPoolSeries,
  PoolSeriesBuilder,
  poolName,
  resolvePoolRequest,
  WholeQueuePool,
} from '../../../src/series/build.js';
import { seriesFromJobs } from '../../../src/series/from-jobs.js';
import { SeriesError } from '../../../src/series/errors.js';

const T0 = 1704067200; // UnixStartTime of hand-20.swf
const hand = new URL('../../fixtures/swf/hand-20.swf', import.meta.url).pathname;

async function handJobs(): Promise<JobRecord[]> {
  const records: JobRecord[] = [];
  for await (const batch of readSwf(hand)) records.push(...batch);
  return records;
}

function rounded(values: Float64Array | undefined): number[] {
  return Array.from(values ?? [], (v) => Math.round(v * 1e4) / 1e4);
}

describe('buildPoolSeries on the hand-made SWF file', () => {
  it('splits pools by partition, all on one hourly range', async () => {
    const series = buildPoolSeries(await handJobs(), { stepS: 3600, timeZone: 'Europe/Stockholm' });
    expect(series.map((s) => s.pool)).toEqual(['batch', 'debug', 'default', 'partition3']);
    // Earliest submit is T0 (aligned); latest instant is job 6's end, T0 + 19800 → 6 buckets.
    expect(
      series.every((s) => s.startS === T0 && s.stepS === 3600 && s.values['arrivals']?.length === 6),
    ).toBe(true);
  });

  it('gives the values worked out by hand for the batch partition', async () => {
    const [batch] = buildPoolSeries(await handJobs(), {
      stepS: 3600,
      timeZone: 'Europe/Stockholm',
      pool: 'batch',
    });
    const v = batch?.values ?? {};
    // Batch jobs (seconds from T0; cpus):
    //   1: submit 0,     start 0,     end 3600,  4 cpus
    //   2: submit 1800,  start 3600,  end 7200,  8 cpus
    //   3: submit 3600,  start 3600,  end 4500,  2 cpus
    //   4: submit 7200,  start 10800, end 12600, 16 cpus
    //   5: submit 5400,  never started, cancelled at 7200, 4 cpus requested
    //   6: submit 9000,  start 9000,  end 19800, 1 cpu
    //   8: submit 10800, start 11400, end 12600, 4 cpus, 1024 KB/proc requested → 4 MiB
    // Buckets: b0 [0,3600) b1 [3600,7200) b2 [7200,10800) b3 [10800,14400) b4 [14400,18000) b5 [18000,21600).
    //
    // running = Σ cpus over [start, end), time-weighted:
    //   b0: job1 4·1                            = 4
    //   b1: job2 8·1 + job3 2·(900/3600)        = 8.5
    //   b2: job6 1·(1800/3600)                  = 0.5
    //   b3: job4 16·(1800/3600) + job6 1 + job8 4·(1200/3600) = 8 + 1 + 1.3333 = 10.3333
    //   b4: job6 1                              = 1
    //   b5: job6 1·(1800/3600)                  = 0.5
    expect(rounded(v['running_cpu'])).toEqual([4, 8.5, 0.5, 10.3333, 1, 0.5]);
    // demand = Σ cpus over [submit, submit + runtime):
    //   job1 [0,3600) 4; job2 [1800,5400) 8; job3 [3600,4500) 2; job4 [7200,9000) 16;
    //   job5 none (never ran); job6 [9000,19800) 1; job8 [10800,12000) 4
    //   b0: 4 + 8·0.5 = 8;  b1: 8·0.5 + 2·0.25 = 4.5;  b2: 16·0.5 + 1·0.5 = 8.5
    //   b3: 1 + 4·(1200/3600) = 2.3333;  b4: 1;  b5: 0.5
    expect(rounded(v['demand_cpu'])).toEqual([8, 4.5, 8.5, 2.3333, 1, 0.5]);
    // pending = Σ cpus over [submit, start), or [submit, end) when never started:
    //   job2 [1800,3600) 8; job4 [7200,10800) 16; job5 [5400,7200) 4; job8 [10800,11400) 4
    //   b0: 8·0.5 = 4;  b1: 4·0.5 = 2;  b2: 16;  b3: 4·(600/3600) = 0.6667;  b4, b5: 0
    expect(rounded(v['pending_cpu'])).toEqual([4, 2, 16, 0.6667, 0, 0]);
    // arrivals by submit: b0 jobs 1,2; b1 jobs 3,5; b2 jobs 4,6; b3 job 8.
    expect(Array.from(v['arrivals'] ?? [])).toEqual([2, 2, 2, 1, 0, 0]);
    // Nodes (4 procs per node: MaxProcs 32 / MaxNodes 8): job1 1, job2 2, job3 1, job4 4, job6 1, job8 1.
    //   b0: 1 + 2·0.5 = 2;  b1: 2·0.5 + 1·0.25 = 1.25;  b2: 4·0.5 + 0.5 = 2.5;  b3: 1 + 1/3;  b4: 1;  b5: 0.5
    expect(rounded(v['demand_nodes'])).toEqual([2, 1.25, 2.5, 1.3333, 1, 0.5]);
    // Memory only from job 8 (4 MiB): demand [10800,12000), running [11400,12600), pending [10800,11400).
    expect(rounded(v['demand_mem_mib'])).toEqual([0, 0, 0, 1.3333, 0, 0]);
    expect(rounded(v['running_mem_mib'])).toEqual([0, 0, 0, 1.3333, 0, 0]);
    expect(rounded(v['pending_mem_mib'])).toEqual([0, 0, 0, 0.6667, 0, 0]);
    // No GPUs in an SWF log: no GPU series.
    expect(v['demand_gpu']).toBeUndefined();
  });

  it('keeps the same values when the range is given explicitly and cut', async () => {
    const [batch] = buildPoolSeries(await handJobs(), {
      stepS: 1800,
      timeZone: 'UTC',
      pool: 'batch',
      startS: T0 + 3600,
      endS: T0 + 7200,
    });
    // Half-hour buckets [3600,5400) and [5400,7200): job2 runs 8 in both, job3 2·(900/1800) in the first.
    expect(rounded(batch?.values['running_cpu'])).toEqual([9, 8]);
    // Pending: job5 [5400,7200) 4 in the second only.
    expect(rounded(batch?.values['pending_cpu'])).toEqual([0, 4]);
  });
});

describe('buildPoolSeries on GPU tasks', () => {
  it('builds GPU series per GPU type and keeps open jobs until now', async () => {
    const pods = new URL('../../fixtures/alibaba/pods.csv', import.meta.url).pathname;
    const { records } = await readAlibabaPods(pods, { start: 0 });
    const series = buildPoolSeries(records, { stepS: 3600, timeZone: 'UTC', nowS: 10800 });
    expect(series.map((s) => s.pool)).toEqual(['default', 'default/t4', 'default/v100m16|v100m32']);
    const t4 = series.find((s) => s.pool === 'default/t4');
    // pod-b: 0.5 GPU running [1200,4200); pod-f: 2 GPUs running [7300, now=10800).
    //   b0: 0.5·2400/3600 = 0.3333; b1: 0.5·600/3600 = 0.0833; b2: 2·3500/3600 = 1.9444
    expect(rounded(t4?.values['running_gpu'])).toEqual([0.3333, 0.0833, 1.9444]);
    // demand = [submit, submit + runtime): pod-b [600, 3600) 0.5 → b0 0.5·3000/3600 = 0.4167;
    //   pod-f [7200, 10700) 2 → b2 2·3500/3600 = 1.9444
    expect(rounded(t4?.values['demand_gpu'])).toEqual([0.4167, 0, 1.9444]);
  });
});

describe('pools and errors', () => {
  const job: JobRecord = {
    source: 's',
    jobId: '1',
    name: null,
    user: 'u',
    account: null,
    partition: 'gpu',
    qos: null,
    state: 'COMPLETED',
    exitCode: 0,
    submitS: 0,
    eligibleS: null,
    startS: 0,
    endS: 60,
    timeLimitS: null,
    nodeCount: 1,
    cpuCount: 1,
    memMiB: 0,
    gpuCount: 2,
    gpuType: 'A100',
    features: ['ib', 'nvlink'],
    reservation: null,
    maxRssMiB: null,
    totalCpuS: null,
  };

  it('names pools partition/gputype[features]', () => {
    expect(poolName(job)).toBe('gpu/a100[ib,nvlink]');
    expect(poolName({ ...job, gpuCount: 0, features: [] })).toBe('gpu');
  });

  it('rejects bad steps, zones and ranges, and empty input gives no series', () => {
    expect(() => buildPoolSeries([job], { stepS: 0, timeZone: 'UTC' })).toThrow(ParameterRangeError);
    expect(() => buildPoolSeries([job], { stepS: 60, timeZone: 'Mars/Olympus' })).toThrow(SeriesError);
    expect(() => buildPoolSeries([job], { stepS: 60, timeZone: 'UTC', startS: 10, endS: 10 })).toThrow(
      SeriesError,
    );
    expect(() =>
      buildPoolSeries([job], { stepS: 1, timeZone: 'UTC', startS: 0, endS: 1e9, maxBuckets: 1000 }),
    ).toThrow(SeriesError);
    expect(new PoolSeriesBuilder({ stepS: 60, timeZone: 'UTC' }).build()).toEqual([]);
  });
});

describe('the whole queue as one pool', () => {
  it('is the sum of every pool, bucket by bucket, for every series', async () => {
    const jobs = await handJobs();
    const perPool = buildPoolSeries(jobs, { stepS: 3600, timeZone: 'UTC' });
    const [whole] = buildPoolSeries(jobs, {
      stepS: 3600,
      timeZone: 'UTC',
      pool: WholeQueuePool,
      wholeQueue: true,
    });
    expect(whole?.pool).toBe('*');
    for (const name of ['demand_cpu', 'running_cpu', 'pending_cpu', 'arrivals'] as const) {
      const sum = (whole?.values[name] ?? new Float64Array()).map((_, i) =>
        perPool.reduce((s, p) => s + (p.values[name]?.[i] ?? 0), 0),
      );
      expect(rounded(whole?.values[name])).toEqual(rounded(sum));
      expect(sum.some((v) => v > 0)).toBe(true);
    }
  });

  it('is what `all` means, unless a pool is called `all`', async () => {
    const jobs = await handJobs();
    const { series } = await seriesFromJobs(batches(jobs), { stepS: 3600, timeZone: 'UTC', pool: 'all' });
    expect(series.map((s) => s.pool)).toEqual(['*']);
    const named = jobs.map((j) => (j.partition === 'debug' ? { ...j, partition: 'all' } : j));
    const own = await seriesFromJobs(batches(named), { stepS: 3600, timeZone: 'UTC', pool: 'all' });
    expect(own.series.map((s) => s.pool)).toEqual(['all']);
    const star = await seriesFromJobs(batches(named), { stepS: 3600, timeZone: 'UTC', pool: '*' });
    expect(star.series.map((s) => s.pool)).toEqual(['*']);
    expect(resolvePoolRequest('batch', [{ pool: 'batch', jobs: 1 }])).toBe('batch');
  });
});

async function* batches(jobs: readonly JobRecord[]): AsyncIterable<readonly JobRecord[]> {
  yield jobs;
}
