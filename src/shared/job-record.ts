import { z } from 'zod';

/**
 * One job as Slurmcast keeps it in history, whatever it came from (sacct, an SWF log, the Alibaba GPU
 * trace). Times are Unix seconds (UTC); `null` means "not known / not yet". Resources are totals for the
 * whole job, not per node. Every downstream stage (series, forecast, sim) reads only this shape.
 */
export const JobStates = [
  'PENDING',
  'RUNNING',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMEOUT',
  'OUT_OF_MEMORY',
  'NODE_FAIL',
  'PREEMPTED',
  'UNKNOWN',
] as const;
export const JobStateSchema = z.enum(JobStates);
export type JobState = z.infer<typeof JobStateSchema>;

/**
 * The ranges a job record must be in: every reader (SWF, Alibaba, sacct) rejects a record outside
 * them, so nothing downstream meets an infinite time, a count that is not exact, or an id that lost
 * digits. The zod schema below and the fast check `jobRecordProblem` (for the SWF hot path) are both
 * built from these numbers; a unit test holds them to the same verdicts.
 */
export const JobRecordLimits = {
  /** Times are Unix seconds from 1970-01-01 … */
  minEpochS: 0,
  /** … to 2100-01-01T00:00:00Z: later is a wrong anchor or a garbled number, not a job. */
  maxEpochS: 4_102_444_800,
  /** A time limit or CPU time per core up to 100 years. */
  maxDurationS: 100 * 365 * 86_400,
  /** Larger than any machine built (the largest have a few million cores). */
  maxNodeCount: 10_000_000,
  maxCpuCount: 1_000_000_000,
  maxGpuCount: 100_000_000,
  /** 2^40 MiB = 1 EiB for one job. */
  maxMemMiB: 2 ** 40,
  /** Exit codes are 32-bit integers (negative for some schedulers' signals). */
  maxAbsExitCode: 2 ** 31,
  /** Ids are exact strings, at most this long. */
  maxIdLength: 128,
} as const;

const L = JobRecordLimits;
const epochS = z.number().min(L.minEpochS).max(L.maxEpochS);
const durationS = z.number().min(0).max(L.maxDurationS);
const amount = (max: number) => z.number().min(0).max(max);

/**
 * The partition of a job or node whose source names none (an SWF log without partition numbers, the
 * Alibaba trace): one name, so that jobs and the nodes imported with them meet in the same partition.
 */
export const DEFAULT_PARTITION = 'default';

export const JobRecordSchema = z
  .object({
    /** Where the record came from, e.g. `slurm:lab`, `swf:KTH-SP2-1996-2.1-cln`, `alibaba:gpuspec33`. */
    source: z.string().min(1),
    /** Unique within `source`; for Slurm the raw job id (`1234`, `1234_7`, `1234+1`). */
    jobId: z.string().min(1).max(L.maxIdLength),
    name: z.string().nullable(),
    user: z.string(),
    account: z.string().nullable(),
    /** Partition (SWF: the partition/queue name from the header, or `default`). */
    partition: z.string(),
    qos: z.string().nullable(),
    state: JobStateSchema,
    exitCode: z.number().int().min(-L.maxAbsExitCode).max(L.maxAbsExitCode).nullable(),
    submitS: epochS,
    eligibleS: epochS.nullable(),
    startS: epochS.nullable(),
    endS: epochS.nullable(),
    /** The user's time limit; predictions never shorten it. */
    timeLimitS: durationS.nullable(),
    nodeCount: z.number().int().min(0).max(L.maxNodeCount),
    /** Fractional for shared CPUs (the Alibaba trace counts millicores). */
    cpuCount: amount(L.maxCpuCount),
    memMiB: amount(L.maxMemMiB),
    /** Fractional for a shared GPU. */
    gpuCount: amount(L.maxGpuCount),
    /** `a100`, `T4`, … or null for untyped GPUs / no GPUs. */
    gpuType: z.string().nullable(),
    /** Node features the job asked for (constraint), sorted. */
    features: z.array(z.string()),
    reservation: z.string().nullable(),
    maxRssMiB: amount(L.maxMemMiB).nullable(),
    /** CPU time summed over the job's cores. */
    totalCpuS: amount(L.maxDurationS * L.maxCpuCount).nullable(),
  })
  .superRefine((r, ctx) => {
    const order = orderProblem(r);
    if (order !== null) ctx.addIssue({ code: 'custom', message: order, path: ['startS'] });
  });
export type JobRecord = z.infer<typeof JobRecordSchema>;

/** A job cannot start before it was submitted nor end before it started. */
function orderProblem(r: Pick<JobRecord, 'submitS' | 'startS' | 'endS'>): string | null {
  if (r.startS !== null && r.startS < r.submitS) return `start ${r.startS} is before submit ${r.submitS}`;
  if (r.endS !== null && r.endS < (r.startS ?? r.submitS))
    return `end ${r.endS} is before ${r.startS === null ? 'submit' : 'start'} ${r.startS ?? r.submitS}`;
  return null;
}

function outside(value: number | null, min: number, max: number): boolean {
  // NaN fails both comparisons, so it is outside too.
  return value !== null && !(value >= min && value <= max);
}

/**
 * Why a record is outside `JobRecordLimits`, or null when it is inside: the same verdict as
 * `JobRecordSchema.safeParse` on the numeric fields and the id, without zod's per-record cost, for
 * readers that build records by the hundred thousand (the SWF reader).
 */
export function jobRecordProblem(r: JobRecord): string | null {
  if (r.jobId.length === 0 || r.jobId.length > L.maxIdLength)
    return `job id must be 1 to ${L.maxIdLength} characters`;
  const times = [
    ['submit time', r.submitS],
    ['eligible time', r.eligibleS],
    ['start time', r.startS],
    ['end time', r.endS],
  ] as const;
  for (const [what, value] of times) {
    if (outside(value, L.minEpochS, L.maxEpochS))
      return `${what} ${value} is outside ${L.minEpochS}–${L.maxEpochS} (1970–2100)`;
  }
  if (outside(r.timeLimitS, 0, L.maxDurationS))
    return `time limit ${r.timeLimitS} s is outside 0–${L.maxDurationS}`;
  if (!Number.isInteger(r.nodeCount) || outside(r.nodeCount, 0, L.maxNodeCount))
    return `node count ${r.nodeCount} is not an integer in 0–${L.maxNodeCount}`;
  if (outside(r.cpuCount, 0, L.maxCpuCount)) return `CPU count ${r.cpuCount} is outside 0–${L.maxCpuCount}`;
  if (outside(r.memMiB, 0, L.maxMemMiB)) return `memory ${r.memMiB} MiB is outside 0–${L.maxMemMiB}`;
  if (outside(r.gpuCount, 0, L.maxGpuCount)) return `GPU count ${r.gpuCount} is outside 0–${L.maxGpuCount}`;
  if (outside(r.maxRssMiB, 0, L.maxMemMiB)) return `max RSS ${r.maxRssMiB} MiB is outside 0–${L.maxMemMiB}`;
  if (outside(r.totalCpuS, 0, L.maxDurationS * L.maxCpuCount))
    return `total CPU time ${r.totalCpuS} s is outside 0–${L.maxDurationS * L.maxCpuCount}`;
  if (
    r.exitCode !== null &&
    (!Number.isInteger(r.exitCode) || outside(r.exitCode, -L.maxAbsExitCode, L.maxAbsExitCode))
  )
    return `exit code ${r.exitCode} is not a 32-bit integer`;
  return orderProblem(r);
}
