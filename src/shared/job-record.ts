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

export const JobRecordSchema = z.object({
  /** Where the record came from, e.g. `slurm:lab`, `swf:KTH-SP2-1996-2.1-cln`, `alibaba:gpuspec33`. */
  source: z.string().min(1),
  /** Unique within `source`; for Slurm the raw job id (`1234`, `1234_7`, `1234+1`). */
  jobId: z.string().min(1),
  name: z.string().nullable(),
  user: z.string(),
  account: z.string().nullable(),
  /** Partition (SWF: the partition/queue name from the header, or `default`). */
  partition: z.string(),
  qos: z.string().nullable(),
  state: JobStateSchema,
  exitCode: z.number().int().nullable(),
  submitS: z.number(),
  eligibleS: z.number().nullable(),
  startS: z.number().nullable(),
  endS: z.number().nullable(),
  /** The user's time limit; predictions never shorten it. */
  timeLimitS: z.number().nullable(),
  nodeCount: z.number().int().nonnegative(),
  cpuCount: z.number().nonnegative(),
  memMiB: z.number().nonnegative(),
  gpuCount: z.number().nonnegative(),
  /** `a100`, `T4`, … or null for untyped GPUs / no GPUs. */
  gpuType: z.string().nullable(),
  /** Node features the job asked for (constraint), sorted. */
  features: z.array(z.string()),
  reservation: z.string().nullable(),
  maxRssMiB: z.number().nullable(),
  totalCpuS: z.number().nullable(),
});
export type JobRecord = z.infer<typeof JobRecordSchema>;
