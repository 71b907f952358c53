/**
 * A slice of a public workload log, scaled down to replay on the lab's real Slurm and, job for job, in
 * the simulator: the same jobs, the same machine, so the two schedules can be compared
 * (`src/sim/agreement.ts`). Pure: no Slurm, no clock; `test/integration/sim/slurm-replay.ts` submits
 * the jobs, `test/bench/slurm-vs-sim.bench.ts` and `test/integration/sim/slurm-replay.test.ts` use both.
 *
 * Scaling, and why:
 * - Submit times, run times and time limits are divided by one factor, so queueing has the log's shape
 *   in minutes instead of days.
 * - Slurm keeps time limits in whole minutes (`--time=0:30` becomes 1 minute), so a scaled limit is
 *   rounded up to whole minutes, and the simulator gets that same rounded limit: backfill plans with
 *   the limits, and both sides must plan with the same ones.
 * - A job sleeps for its scaled run time in whole seconds (sacct's resolution), at least 1 s, and ends
 *   a margin before its limit: Slurm would otherwise kill it at the limit, a few seconds late
 *   (it checks limits periodically), which the simulator does not model.
 * - Job sizes are CPUs, scaled from the log's machine to the replay machine and rounded up (a 1-CPU job
 *   stays one CPU). The lab's jobs ask for `--ntasks=N` (one CPU each) and cons_tres places the tasks on
 *   any free cores of the partition's nodes, so the lab's 4 × 8 CPUs are 32 interchangeable CPUs: in
 *   the simulator, a pool of 32 one-CPU nodes (its allocation model is whole nodes).
 *
 * @example
 * const jobs = replaySlice(records, { fromS, jobs: 300, timeFactor: 180, logCpus: 338, cpus: 32 });
 * const workload = replayWorkload(jobs);
 * const result = simulate(workload, replayCluster(32), { policy: alwaysOnPolicy() });
 */
import { z } from 'zod';
import type { JobRecord } from '../../src/shared/job-record.js';
import type { ClusterSpec, SimWorkload } from '../../src/sim/types.js';
import { WorkloadBuilder, onePoolCluster } from '../../src/sim/workload.js';

/** Options of {@link replaySlice}, checked by {@link ReplaySliceOptionsSchema}. */
export const ReplaySliceOptionsSchema = z.strictObject({
  /** The slice starts with the first replayable job submitted at or after this Unix second. */
  fromS: z.number().finite(),
  /** How many jobs the slice has. */
  jobs: z.number().int().min(1).max(100_000),
  /** Submit times, run times and time limits are divided by this. */
  timeFactor: z.number().finite().min(1).max(1_000_000),
  /** CPUs of the machine the log was recorded on (the SWF header's MaxProcs). */
  logCpus: z.number().int().min(1),
  /** CPUs of the replay machine. */
  cpus: z.number().int().min(1).max(100_000),
  /** A job's sleep ends at least this long before its time limit; default 5 s. */
  limitMarginS: z.number().int().min(0).max(30).default(5),
});
export type ReplaySliceOptions = z.input<typeof ReplaySliceOptionsSchema>;

/** One job of a replay, in scaled seconds from the slice's first submission. */
export interface ReplayJob {
  /** The job's id in the log. */
  readonly logJobId: string;
  /** Scaled submit time, seconds after the first job of the slice (fractional). */
  readonly submitS: number;
  /** Scaled run time: what the job sleeps, whole seconds. */
  readonly sleepS: number;
  /** Scaled time limit, whole minutes (Slurm's unit). */
  readonly limitMin: number;
  /** CPUs on the replay machine. */
  readonly cpus: number;
}

/** A slice of a log as replay jobs, with where it came from. */
export interface ReplaySlice {
  readonly jobs: readonly ReplayJob[];
  /** Unix seconds of the slice's first and last submission in the log. */
  readonly firstSubmitS: number;
  readonly lastSubmitS: number;
  /** Records before the slice's end that could not be replayed (no start, end or time limit). */
  readonly skipped: number;
}

/**
 * Cuts `jobs` replayable jobs out of a log from `fromS` on and scales them (see the module comment).
 * A record is replayable when it ran (start and end known) and has a time limit and CPUs.
 * @throws {z.ZodError} for options out of range.
 * @throws {RangeError} when the log has fewer replayable jobs than asked for from `fromS` on.
 */
export function replaySlice(records: readonly JobRecord[], options: ReplaySliceOptions): ReplaySlice {
  const o = ReplaySliceOptionsSchema.parse(options);
  const sorted = records
    .filter((r) => r.submitS >= o.fromS)
    .sort((a, b) => a.submitS - b.submitS || a.jobId.localeCompare(b.jobId, 'en', { numeric: true }));
  const picked: JobRecord[] = [];
  let skipped = 0;
  for (const r of sorted) {
    if (picked.length === o.jobs) break;
    if (replayable(r)) picked.push(r);
    else skipped++;
  }
  const first = picked[0];
  if (first === undefined || picked.length < o.jobs)
    throw new RangeError(
      `the log has ${picked.length} replayable jobs from ${o.fromS} on, fewer than ${o.jobs}`,
    );
  const jobs = picked.map((r) => scaleJob(r, first.submitS, o));
  return { jobs, firstSubmitS: first.submitS, lastSubmitS: picked.at(-1)?.submitS ?? first.submitS, skipped };
}

function replayable(r: JobRecord): boolean {
  return r.startS !== null && r.endS !== null && r.timeLimitS !== null && r.timeLimitS > 0 && r.cpuCount > 0;
}

function scaleJob(r: JobRecord, originS: number, o: z.output<typeof ReplaySliceOptionsSchema>): ReplayJob {
  const limitMin = Math.max(1, Math.ceil((r.timeLimitS ?? 0) / o.timeFactor / 60));
  const runS = ((r.endS ?? 0) - (r.startS ?? 0)) / o.timeFactor;
  const sleepS = Math.max(1, Math.min(Math.round(runS), limitMin * 60 - o.limitMarginS));
  return {
    logJobId: r.jobId,
    submitS: (r.submitS - originS) / o.timeFactor,
    sleepS,
    limitMin,
    cpus: Math.min(o.cpus, Math.max(1, Math.ceil((r.cpuCount * o.cpus) / o.logCpus))),
  };
}

/** The replay machine in the simulator: one pool of `cpus` one-CPU nodes, always on. */
export function replayCluster(cpus: number): ClusterSpec {
  return onePoolCluster({ nodeCount: cpus, cpusPerNode: 1, timeZone: 'UTC' });
}

/**
 * The replay jobs as a simulator workload, in their order. By default with the planned submit and
 * run times; `times` gives the ones Slurm recorded instead (the stream it actually saw: submissions a
 * little late, run times with launch overhead), so that only the scheduling differs.
 * @throws {RangeError} when `times` does not list one submit and run time per job, or submit times
 *   decrease.
 */
export function replayWorkload(
  jobs: readonly ReplayJob[],
  times?: { readonly submitS: readonly number[]; readonly runS: readonly number[] },
): SimWorkload {
  if (times !== undefined && (times.submitS.length !== jobs.length || times.runS.length !== jobs.length))
    throw new RangeError(
      `${jobs.length} jobs but ${times.submitS.length} submit and ${times.runS.length} run times`,
    );
  const submitS = jobs.map((job, i) => times?.submitS[i] ?? job.submitS);
  // The simulator sorts its jobs by submit time; in order already, its outcomes line up with `jobs`.
  if (submitS.some((s, i) => i > 0 && s < (submitS[i - 1] as number)))
    throw new RangeError('submit times must not decrease: the jobs are listed in submission order');
  const builder = new WorkloadBuilder();
  jobs.forEach((job, i) => {
    builder.push({
      submitS: submitS[i] as number,
      runS: times?.runS[i] ?? job.sleepS,
      limitS: job.limitMin * 60,
      nodes: job.cpus,
      pool: 0,
    });
  });
  return builder.build();
}

/**
 * The sbatch arguments and script of a replay job: N one-CPU tasks anywhere in the partition, the
 * scaled limit, a sleep; no output file (the job prints nothing worth keeping).
 */
export function replaySbatch(job: ReplayJob, partition: string): { args: string[]; script: string } {
  return {
    args: [
      `--partition=${partition}`,
      `--ntasks=${job.cpus}`,
      `--time=${job.limitMin}`,
      `--job-name=replay-${job.logJobId}`,
      '--output=/dev/null',
    ],
    script: `#!/bin/sh\nexec sleep ${job.sleepS}\n`,
  };
}

/** Offered load of a replay: CPU-seconds asked for over the CPU-seconds between first and last submission. */
export function offeredLoad(jobs: readonly ReplayJob[], cpus: number): number {
  const span = (jobs.at(-1)?.submitS ?? 0) - (jobs[0]?.submitS ?? 0);
  const work = jobs.reduce((s, j) => s + j.sleepS * j.cpus, 0);
  return span > 0 ? work / (cpus * span) : Number.NaN;
}
