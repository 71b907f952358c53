import { z } from 'zod';

/**
 * The typed models every transport normalises to. Times are Unix epoch seconds (`…EpochS`), durations
 * carry their unit in the name, memory is MiB unless the name says bytes. `null` means Slurm did not
 * report a value (e.g. a pending job has no start time), never "zero".
 */

/**
 * The last second that ISO 8601 (and so `sacct --starttime`) can write: 9999-12-31T23:59:59Z. A
 * larger "epoch" is no time at all; inputs and outputs beyond it are refused by name.
 */
export const MAX_EPOCH_S = 253_402_300_799;

const count = z.number().int().nonnegative();
const epochS = z.number().int().nonnegative().max(MAX_EPOCH_S).nullable();

/** Trackable resources (TRES) of a job, reservation or node, with GPUs broken out by type. */
export const TresSchema = z.object({
  cpu: count.nullable(),
  memMiB: z.number().nonnegative().nullable(),
  nodeCount: count.nullable(),
  billing: count.nullable(),
  /** `gres/gpu`: GPUs of any type. */
  gpuCount: count.nullable(),
  /** `gres/gpu:<type>`, e.g. `{ a100: 2 }`. */
  gpuByType: z.record(z.string(), count),
  /** Every other TRES by its Slurm name (`energy`, `fs/disk`, `license/x`, `gres/mps`…). */
  other: z.record(z.string(), z.number()),
});
export type Tres = z.infer<typeof TresSchema>;

/** A job's identity: the raw id plus its array and heterogeneous-job components. */
export const JobIdSchema = z.object({
  /** The unique numeric id Slurm stores (`JobIDRaw`). */
  raw: count,
  /** The id as users see it: `123`, `120_3`, `200+1`. */
  display: z.string().min(1),
  arrayJobId: count.nullable(),
  arrayTaskId: count.nullable(),
  hetJobId: count.nullable(),
  hetJobOffset: count.nullable(),
});
export type JobId = z.infer<typeof JobIdSchema>;

/** Who and where: the fields accounting and the queue both report for a job. */
const jobIdentityFields = {
  id: JobIdSchema,
  name: z.string(),
  user: z.string(),
  account: z.string().nullable(),
  partition: z.string().nullable(),
  qos: z.string().nullable(),
};

/** One finished or running job from accounting (sacct / slurmdb). */
export const JobRecordSchema = z.object({
  ...jobIdentityFields,
  /** Base state without the "by <uid>" suffix: COMPLETED, FAILED, CANCELLED, RUNNING, PENDING, TIMEOUT… */
  state: z.string().min(1),
  exitCode: count.nullable(),
  exitSignal: count.nullable(),
  submitEpochS: epochS,
  eligibleEpochS: epochS,
  startEpochS: epochS,
  endEpochS: epochS,
  /** null: no limit (UNLIMITED / Partition_Limit). */
  timeLimitMin: count.nullable(),
  elapsedS: count,
  reqTres: TresSchema,
  allocTres: TresSchema,
  /** Hostlist expression, e.g. `c[1-2]`; null before the job ran. */
  nodes: z.string().nullable(),
  reservation: z.string().nullable(),
  comment: z.string().nullable(),
  /**
   * The constraint expression the job was submitted with (`--constraint`), e.g. `bigmem` or
   * `[a100*2|h100]&ib`, as Slurm stored it; null without one.
   */
  constraints: z.string().nullable(),
  /** Largest MaxRSS over the job's steps. */
  maxRssBytes: count.nullable(),
  /** User+system CPU time summed over the job's steps, millisecond precision. */
  totalCpuS: z.number().nonnegative(),
});
export type JobRecord = z.infer<typeof JobRecordSchema>;

/** A job still in the queue (pending or running). */
export const QueueJobSchema = z.object({
  ...jobIdentityFields,
  state: z.string().min(1),
  /** Why a pending job waits (`Priority`, `Resources`, `ReqNodeNotAvail…`); `None` when running. */
  reason: z.string(),
  priority: count,
  submitEpochS: epochS,
  startEpochS: epochS,
  timeLimitMin: count.nullable(),
  reqTres: TresSchema,
  nodes: z.string().nullable(),
  reservation: z.string().nullable(),
  features: z.string().nullable(),
});
export type QueueJob = z.infer<typeof QueueJobSchema>;

/** One generic resource on a node, e.g. `gpu:a100:4`. */
export const GresSchema = z.object({ name: z.string().min(1), type: z.string().nullable(), count });
export type Gres = z.infer<typeof GresSchema>;

/** A node's power-saving situation, from the state flags. */
export const NodePowerSchema = z.object({
  cloud: z.boolean(),
  poweredDown: z.boolean(),
  poweringUp: z.boolean(),
  poweringDown: z.boolean(),
});
export type NodePower = z.infer<typeof NodePowerSchema>;

export const NodeSchema = z.object({
  name: z.string().min(1),
  /** Base state: IDLE, ALLOCATED, MIXED, DOWN, DRAINED… (upper case). */
  state: z.string().min(1),
  /** Every flag after the base state: CLOUD, POWERED_DOWN, DRAIN, NOT_RESPONDING… (upper case, sorted). */
  stateFlags: z.array(z.string()),
  power: NodePowerSchema,
  cpus: count,
  cpusAllocated: count,
  realMemoryMiB: count,
  allocatedMemoryMiB: count,
  gres: z.array(GresSchema),
  availableFeatures: z.array(z.string()),
  activeFeatures: z.array(z.string()),
  partitions: z.array(z.string()),
  reason: z.string().nullable(),
});
export type Node = z.infer<typeof NodeSchema>;

export const PartitionSchema = z.object({
  name: z.string().min(1),
  /** Hostlist expression as Slurm reports it. */
  nodes: z.string(),
  nodeNames: z.array(z.string()),
  state: z.string(),
  isDefault: z.boolean(),
  totalCpus: count,
  totalNodes: count,
  maxTimeMin: count.nullable(),
});
export type Partition = z.infer<typeof PartitionSchema>;

export const ReservationSchema = z.object({
  name: z.string().min(1),
  startEpochS: epochS,
  endEpochS: epochS,
  nodes: z.string(),
  nodeNames: z.array(z.string()),
  nodeCount: count,
  coreCount: count,
  partition: z.string().nullable(),
  features: z.string().nullable(),
  /** Upper-case flag names, sorted. */
  flags: z.array(z.string()),
  users: z.array(z.string()),
  accounts: z.array(z.string()),
  tres: TresSchema,
});
export type Reservation = z.infer<typeof ReservationSchema>;

/**
 * A job's use of a reservation, from accounting: what the engine measures a reservation by. sacct 22.05
 * often leaves a started job's `Reservation` column empty and slurmrestd v0.0.38 returns no usable
 * name, but the numeric `ReservationId` is always set, so jobs are matched by id.
 */
export const ReservationJobSchema = z.object({
  /** `JobIDRaw`. */
  jobId: count,
  /** Slurm's numeric reservation id (`ReservationId`), stable across renames, new on re-creation. */
  reservationId: count,
  /** The reservation's name: from accounting when it has it, else resolved from the id; null if unknown. */
  reservation: z.string().nullable(),
  user: z.string(),
  account: z.string().nullable(),
  partition: z.string().nullable(),
  /** Base state: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED… */
  state: z.string().min(1),
  startEpochS: epochS,
  endEpochS: epochS,
  elapsedS: count,
  allocTres: TresSchema,
  /** Hostlist expression; null before the job ran. */
  nodes: z.string().nullable(),
});
export type ReservationJob = z.infer<typeof ReservationJobSchema>;

/** A reservation as accounting (slurmdbd) keeps it: deleted and past ones too, each with its id. */
export const AccountingReservationSchema = z.object({
  id: count,
  name: z.string().min(1),
  startEpochS: epochS,
  endEpochS: epochS,
});
export type AccountingReservation = z.infer<typeof AccountingReservationSchema>;

/** Result of a controller ping. */
export const PingResultSchema = z.object({
  controllers: z.array(z.object({ host: z.string(), up: z.boolean(), role: z.string() })),
});
export type PingResult = z.infer<typeof PingResultSchema>;

/** Result of a write: what was asked, for audit logs; `dryRun` when the middleware stopped it. */
export const WriteResultSchema = z.object({ operation: z.string(), target: z.string(), dryRun: z.boolean() });
export type WriteResult = z.infer<typeof WriteResultSchema>;
