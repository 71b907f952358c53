import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../../../src/shared/job-record.js';
import { alwaysOnPolicy } from '../../../src/sim/baselines.js';
import { simulate } from '../../../src/sim/simulator.js';
import {
  offeredLoad,
  replayCluster,
  replaySbatch,
  replaySlice,
  replayWorkload,
  type ReplayJob,
} from '../../lab/replay.js';

const T0 = 800_000_000;

function record(id: number, over: Partial<JobRecord>): JobRecord {
  return {
    source: 'swf:x',
    jobId: String(id),
    name: null,
    user: '1',
    account: null,
    partition: 'default',
    qos: null,
    state: 'COMPLETED',
    exitCode: 0,
    submitS: T0,
    eligibleS: null,
    startS: T0,
    endS: T0 + 3600,
    timeLimitS: 7200,
    nodeCount: 1,
    cpuCount: 1,
    memMiB: 0,
    gpuCount: 0,
    gpuType: null,
    features: [],
    reservation: null,
    maxRssMiB: null,
    totalCpuS: null,
    ...over,
  };
}

const log: JobRecord[] = [
  record(1, { submitS: T0 - 100 }), // before the slice
  record(2, { submitS: T0, startS: T0 + 50, endS: T0 + 50 + 9000, timeLimitS: 10_800, cpuCount: 100 }),
  record(3, { submitS: T0 + 90, startS: null, endS: null, state: 'CANCELLED' }), // never ran
  record(4, { submitS: T0 + 180, startS: T0 + 200, endS: T0 + 200, timeLimitS: 60, cpuCount: 1 }),
  record(5, {
    submitS: T0 + 360,
    startS: T0 + 400,
    endS: T0 + 400 + 50_000,
    timeLimitS: 36_000,
    cpuCount: 338,
  }),
  record(6, { submitS: T0 + 400, timeLimitS: null }),
];

describe('replaySlice', () => {
  const slice = replaySlice(log, { fromS: T0, jobs: 3, timeFactor: 180, logCpus: 338, cpus: 32 });

  it('takes the jobs that ran, in submission order, from the slice start on', () => {
    expect(slice.jobs.map((j) => j.logJobId)).toEqual(['2', '4', '5']);
    expect(slice.skipped).toBe(1);
    expect(slice.firstSubmitS).toBe(T0);
    expect(slice.lastSubmitS).toBe(T0 + 360);
  });

  it('divides submit times by the factor, from the first job on', () => {
    expect(slice.jobs.map((j) => j.submitS)).toEqual([0, 1, 2]);
  });

  it('rounds scaled limits up to whole minutes and keeps each sleep below its limit', () => {
    const [a, b, c] = slice.jobs as [ReplayJob, ReplayJob, ReplayJob];
    // 10,800 s / 180 = 60 s: one minute; 9,000 s of run is 50 s.
    expect([a.limitMin, a.sleepS]).toEqual([1, 50]);
    // A limit of 60 s scales below a minute: still one; a run of 0 s sleeps 1 s.
    expect([b.limitMin, b.sleepS]).toEqual([1, 1]);
    // 36,000 s / 180 = 200 s: 4 minutes; a run past the limit is cut 5 s before it.
    expect([c.limitMin, c.sleepS]).toEqual([4, 235]);
  });

  it('scales sizes from the log machine to the replay machine, rounding up', () => {
    expect(slice.jobs.map((j) => j.cpus)).toEqual([10, 1, 32]);
  });

  it('refuses a slice longer than what the log has, and options out of range', () => {
    expect(() => replaySlice(log, { fromS: T0, jobs: 5, timeFactor: 180, logCpus: 338, cpus: 32 })).toThrow(
      /fewer than 5/,
    );
    expect(() => replaySlice(log, { fromS: T0, jobs: 1, timeFactor: 0, logCpus: 338, cpus: 32 })).toThrow();
  });
});

describe('replayWorkload', () => {
  const jobs: ReplayJob[] = [
    { logJobId: '1', submitS: 0, sleepS: 10, limitMin: 1, cpus: 32 },
    { logJobId: '2', submitS: 1, sleepS: 30, limitMin: 1, cpus: 16 },
    { logJobId: '3', submitS: 2, sleepS: 5, limitMin: 1, cpus: 16 },
  ];

  it('is the jobs on a pool of one-CPU nodes, limits in seconds, in their order', () => {
    const w = replayWorkload(jobs);
    expect(Array.from(w.submitS)).toEqual([0, 1, 2]);
    expect(Array.from(w.runS)).toEqual([10, 30, 5]);
    expect(Array.from(w.limitS)).toEqual([60, 60, 60]);
    expect(Array.from(w.nodes)).toEqual([32, 16, 16]);
    const r = simulate(w, replayCluster(32), { policy: alwaysOnPolicy() });
    expect(Array.from(r.outcomes.startS)).toEqual([0, 10, 10]);
  });

  it('takes the submit and run times Slurm recorded when given', () => {
    const w = replayWorkload(jobs, { submitS: [0, 1, 3], runS: [11, 30, 6] });
    expect(Array.from(w.submitS)).toEqual([0, 1, 3]);
    expect(Array.from(w.runS)).toEqual([11, 30, 6]);
  });

  it('refuses times that do not line up with the jobs', () => {
    expect(() => replayWorkload(jobs, { submitS: [0, 1], runS: [1, 2, 3] })).toThrow(RangeError);
    expect(() => replayWorkload(jobs, { submitS: [0, 2, 1], runS: [1, 2, 3] })).toThrow(/decrease/);
  });

  it('offers the CPU-seconds asked for over the submission span', () => {
    expect(offeredLoad(jobs, 32)).toBeCloseTo((320 + 480 + 80) / (32 * 2), 12);
  });
});

describe('replaySbatch', () => {
  it('asks for one-CPU tasks, the scaled limit in minutes and a sleep, with no output file', () => {
    const { args, script } = replaySbatch(
      { logJobId: '42', submitS: 0, sleepS: 7, limitMin: 3, cpus: 5 },
      'replay',
    );
    expect(args).toEqual([
      '--partition=replay',
      '--ntasks=5',
      '--time=3',
      '--job-name=replay-42',
      '--output=/dev/null',
    ]);
    expect(script).toBe('#!/bin/sh\nexec sleep 7\n');
  });
});
