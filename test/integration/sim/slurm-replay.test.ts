/**
 * The simulator against Slurm itself, small: 30 jobs of a shared log, scaled down, replayed on the
 * lab's slurmctld as it is configured (sched_interval = bf_interval = 5 s) and through `simulate` on
 * the stream Slurm recorded. The full comparison, with the reasons for what differs, is
 * `test/bench/slurm-vs-sim.bench.ts` (docs/benchmarks.md).
 *
 * The slice is one whose queue moves in submission order: with the simulator's EASY backfill it
 * schedules as strict first come, first served to within a second (checked below), and such starts
 * are the ones slurmctld makes on the event itself (a job end or a submission), not at its next
 * backfill cycle. So the two must agree closely on who waited and for how long, on a busy machine
 * too; what backfill does differently is the benchmark's subject, not this test's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSwf, readSwfHeader } from '../../../src/collect/swf.js';
import type { JobRecord } from '../../../src/shared/job-record.js';
import { overtakers, scheduleAgreement } from '../../../src/sim/agreement.js';
import { alwaysOnPolicy } from '../../../src/sim/baselines.js';
import { simulate } from '../../../src/sim/simulator.js';
import type { Backfill } from '../../../src/sim/types.js';
import { replayCluster, replaySlice, replayWorkload, type ReplaySlice } from '../../lab/replay.js';
import { runSlurm } from '../lab.js';
import {
  ALWAYS_ON_NODES,
  LAB_CPUS_PER_NODE,
  createReplayPartition,
  deleteReplayPartition,
  labClient,
  readReplay,
  submitReplay,
  waitForIdleNodes,
  waitForReplayEnd,
  type ReplayedJob,
  type SubmittedReplay,
} from './slurm-replay.js';

const LOG = '/work/shared/traces/CTC-SP2-1996-3.1-cln.swf.gz';
const FROM_DAY = 46;
const JOBS = 30;
const FACTOR = 1800;
const PARTITION = 'replaytest';
/** A job "waited" when its wait is over this (scaled) many seconds. */
const WAITED_ABOVE_S = 5;
const CPUS = ALWAYS_ON_NODES.length * LAB_CPUS_PER_NODE;

async function ctcSlice(): Promise<ReplaySlice> {
  const header = await readSwfHeader(LOG);
  const records: JobRecord[] = [];
  for await (const batch of readSwf(LOG)) for (const r of batch) records.push(r);
  return replaySlice(records, {
    fromS: (header.unixStartTime ?? 0) + FROM_DAY * 86_400,
    jobs: JOBS,
    timeFactor: FACTOR,
    logCpus: header.maxProcs ?? 338,
    cpus: CPUS,
  });
}

function simulatedStarts(
  slice: ReplaySlice,
  backfill: Backfill,
  times?: { submitS: number[]; runS: number[] },
) {
  return simulate(replayWorkload(slice.jobs, times), replayCluster(CPUS), {
    policy: alwaysOnPolicy(),
    backfill,
  }).outcomes.startS;
}

describe('the simulator against Slurm itself', () => {
  const client = labClient();
  let slice: ReplaySlice;
  let replay: SubmittedReplay | undefined;
  let jobs: ReplayedJob[];

  beforeAll(async () => {
    slice = await ctcSlice();
    await waitForIdleNodes(60_000);
    await createReplayPartition(client, PARTITION);
  });

  afterAll(async () => {
    // A failed run leaves nothing behind for the next test: its jobs, then the partition.
    if (replay !== undefined) await runSlurm('scancel', replay.jobIds.map(String)).catch(() => undefined);
    await waitForIdleNodes(30_000).catch(() => undefined);
    await deleteReplayPartition(PARTITION);
    await client.close();
  });

  it('replays a slice whose queue moves in submission order', () => {
    // Backfill moves no job ahead by more than a second: EASY schedules as first come, first served.
    const easy = simulatedStarts(slice, 'easy');
    expect(overtakers(easy, 1).filter(Boolean)).toEqual([]);
    const fcfs = simulatedStarts(slice, 'none');
    expect(Array.from(easy, (s, i) => Math.abs(s - (fcfs[i] as number))).every((d) => d <= 1)).toBe(true);
    // Every job starts at once or waits well over WAITED_ABOVE_S: a few seconds of Slurm's latency
    // cannot carry a job across the line.
    const waits = Array.from(easy, (s, i) => s - (slice.jobs[i]?.submitS ?? 0));
    expect(waits.filter((w) => w > 1 && w <= WAITED_ABOVE_S + 0.5)).toEqual([]);
    expect(waits.filter((w) => w > WAITED_ABOVE_S).length).toBeGreaterThanOrEqual(10);
  });

  it('agrees with Slurm on who waited and for how long', { timeout: 150_000 }, async () => {
    replay = await submitReplay(slice.jobs, { partition: PARTITION });
    await waitForReplayEnd(client, replay, { partition: PARTITION, timeoutMs: 90_000 });
    jobs = await readReplay(client, replay);
    const t0 = jobs[0]?.submitS ?? 0;
    const slurm = { submitS: jobs.map((j) => j.submitS - t0), startS: jobs.map((j) => j.startS - t0) };
    const observed = { submitS: slurm.submitS, runS: jobs.map((j) => j.endS - j.startS) };
    const sim = { submitS: slurm.submitS, startS: Array.from(simulatedStarts(slice, 'easy', observed)) };
    const a = scheduleAgreement(slurm, sim, { waitedAboveS: WAITED_ABOVE_S, withinS: [5] });
    const detail = JSON.stringify({ slurm: slurm.startS, sim: sim.startS, agreement: a });
    // Slurm starts these jobs on the event, but up to batch_sched_delay (3 s) late after a burst of
    // submissions, and sacct's times are whole seconds. Seen on the lab in 10 runs (3 on a lab just
    // started; in one the opening burst was scheduled 3 s late): every start within 5 s, mean
    // |Δwait| 0.3–2.5 s, at most one job waited on one side only, Spearman ρ of the starts
    // 0.94–0.99 and of the waits 0.93–0.97.
    expect(a.startWithin[0]?.share, detail).toBeGreaterThanOrEqual(0.9);
    expect(a.meanAbsWaitDiffS, detail).toBeLessThanOrEqual(4);
    expect(a.waited.onlyReference + a.waited.onlyCandidate, detail).toBeLessThanOrEqual(2);
    expect(a.startSpearman, detail).toBeGreaterThanOrEqual(0.85);
    expect(a.waitSpearman, detail).toBeGreaterThanOrEqual(0.8);
  });
});
