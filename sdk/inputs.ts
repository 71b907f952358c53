import { z } from 'zod';
import { MAX_EPOCH_S } from './models.js';

/**
 * Input schemas of the commands. Strings that reach Slurm may hold anything printable (names and
 * accounts are data, not syntax: no transport ever interprets them), but never NUL, which cannot
 * travel in an argument, nor a newline where scontrol's one-line output could not return it.
 */

const noNul = (s: string): boolean => !s.includes('\u0000');
const oneLine = (s: string): boolean => noNul(s) && !/[\n\r]/.test(s);

/**
 * A Slurm name (account, user, partition, node, reservation). Shell metacharacters, quotes and
 * unicode are allowed — they are data, and no transport interprets them — but not NUL, line breaks
 * (scontrol's one-line output could not return them) or `,` (Slurm's list separator).
 */
export const SlurmName = z
  .string()
  .min(1)
  .max(256)
  .refine(oneLine, 'must be one line without NUL')
  .refine((s) => !s.includes(','), 'must not contain "," (Slurm separates lists with it)')
  .refine(
    (s) => !s.startsWith('-'),
    'must not start with "-" (Slurm reads a leading "-" as "all but": Users=-root means everyone except root)',
  );

/** A Slurm time given to the SDK: epoch seconds, up to the last second ISO 8601 can write. */
const EpochS = z
  .number()
  .int()
  .nonnegative()
  .max(MAX_EPOCH_S, `epoch seconds up to ${MAX_EPOCH_S} (9999-12-31T23:59:59Z)`);

/** A Slurm feature expression (`a100&ib`): one word, and not a negation Slurm would misread. */
const FeatureExpression = z
  .string()
  .min(1)
  .refine(oneLine, 'must be one line without NUL')
  .refine((s) => !/[ ,=]/.test(s), 'no spaces, "," or "="')
  .refine((s) => !s.startsWith('-'), 'must not start with "-"');

export const JobHistoryInputSchema = z.strictObject({
  /** Jobs running or ended at or after this instant. */
  startEpochS: EpochS,
  endEpochS: EpochS.optional(),
  users: z.array(SlurmName).optional(),
  accounts: z.array(SlurmName).optional(),
  partitions: z.array(SlurmName).optional(),
  jobIds: z.array(z.number().int().positive()).optional(),
  states: z.array(z.string().regex(/^[A-Z_]+$/, 'a Slurm job state such as COMPLETED')).optional(),
});
export type JobHistoryInput = z.infer<typeof JobHistoryInputSchema>;

export const QueueInputSchema = z.strictObject({
  users: z.array(SlurmName).optional(),
  partitions: z.array(SlurmName).optional(),
  /** Keep only jobs submitted into (or pulled by) these reservations, by name (`squeue -R`). */
  reservations: z.array(SlurmName).optional(),
  /** Keep only these states (PENDING, RUNNING…). */
  states: z.array(z.string().regex(/^[A-Z_]+$/)).optional(),
});
export type QueueInput = z.infer<typeof QueueInputSchema>;

export const EmptyInputSchema = z.strictObject({});

/** Reservation flags accepted by 22.05's scontrol (subset the SDK supports). */
export const ReservationFlag = z.enum([
  'ANY_NODES',
  'DAILY',
  'FLEX',
  'IGNORE_JOBS',
  'MAGNETIC',
  'MAINT',
  'NO_HOLD_JOBS_AFTER',
  'OVERLAP',
  'PART_NODES',
  'PURGE_COMP',
  'REPLACE',
  'REPLACE_DOWN',
  'SPEC_NODES',
  'STATIC_ALLOC',
  'TIME_FLOAT',
  'WEEKDAY',
  'WEEKEND',
  'WEEKLY',
]);
export type ReservationFlag = z.infer<typeof ReservationFlag>;

/** TRES requested for a reservation, by Slurm name (`cpu`, `node`, `license/x`…). */
const ReservationTres = z
  .record(z.string().regex(/^[a-z][a-z0-9/:_-]*$/), z.number().int().positive())
  .refine((t) => !Object.keys(t).some((k) => k.startsWith('gres/gpu') || k.startsWith('gres/')), {
    message:
      'Slurm 22.05 refuses GRES/GPU TRES in reservations ("not supported with reservations"): reserve whole GPU nodes with nodes, or nodeCount plus partition/features',
  });

const reservationWho = {
  users: z.array(SlurmName).optional(),
  accounts: z.array(SlurmName).optional(),
};

/**
 * A reservation name. slurmdbd 22.05 writes reservation names into SQL without escaping quotes: a
 * name with `'` or `"` makes every later accounting write fail and stalls job history for the whole
 * cluster (seen in the lab). So quotes are refused here, before anything reaches Slurm.
 */
export const ReservationName = SlurmName.refine((s) => !/['"\\]/.test(s), {
  message:
    'must not contain quotes or backslashes: slurmdbd 22.05 does not escape them in reservation names and its accounting stalls',
});

export const CreateReservationInputSchema = z
  .strictObject({
    name: ReservationName,
    /** Epoch seconds, or `now`. */
    start: z.union([EpochS, z.literal('now')]),
    durationMin: z.number().int().positive().optional(),
    endEpochS: EpochS.optional(),
    nodes: z.array(SlurmName).min(1).optional(),
    nodeCount: z.number().int().positive().optional(),
    partition: SlurmName.optional(),
    /** Slurm feature expression, e.g. `a100&ib`. */
    features: FeatureExpression.optional(),
    flags: z.array(ReservationFlag).optional(),
    tres: ReservationTres.optional(),
    ...reservationWho,
  })
  .refine((r) => (r.durationMin === undefined) !== (r.endEpochS === undefined), {
    message: 'give exactly one of durationMin or endEpochS',
    path: ['durationMin'],
  })
  .refine((r) => r.nodes !== undefined || r.nodeCount !== undefined || r.tres !== undefined, {
    message: 'give nodes, nodeCount or tres',
    path: ['nodes'],
  })
  .refine((r) => (r.users?.length ?? 0) + (r.accounts?.length ?? 0) > 0, {
    message: 'Slurm needs users or accounts for a reservation',
    path: ['users'],
  });
export type CreateReservationInput = z.infer<typeof CreateReservationInputSchema>;

export const UpdateReservationInputSchema = z
  .strictObject({
    name: ReservationName,
    start: z.union([EpochS, z.literal('now')]).optional(),
    durationMin: z.number().int().positive().optional(),
    endEpochS: EpochS.optional(),
    /** The full new node list (22.05 has no Nodes+=/Nodes-=). */
    nodes: z.array(SlurmName).min(1).optional(),
    nodeCount: z.number().int().positive().optional(),
    features: FeatureExpression.optional(),
    flagsAdd: z.array(ReservationFlag).optional(),
    flagsRemove: z.array(ReservationFlag).optional(),
    tres: ReservationTres.optional(),
    ...reservationWho,
  })
  .refine((r) => Object.keys(r).length > 1, { message: 'nothing to change', path: ['name'] })
  .refine((r) => r.nodes === undefined || r.nodeCount === undefined, {
    message: 'give nodes or nodeCount, not both',
    path: ['nodes'],
  });
export type UpdateReservationInput = z.infer<typeof UpdateReservationInputSchema>;

export const DeleteReservationInputSchema = z.strictObject({ name: SlurmName });
export type DeleteReservationInput = z.infer<typeof DeleteReservationInputSchema>;

export const PowerMode = z.enum(['up', 'down', 'down-force', 'down-asap']);
export const PowerNodesInputSchema = z.strictObject({
  nodes: z.array(SlurmName).min(1),
  mode: PowerMode,
});
export type PowerNodesInput = z.infer<typeof PowerNodesInputSchema>;

const Feature = z
  .string()
  .min(1)
  .max(128)
  .regex(
    /^[A-Za-z0-9_.:][A-Za-z0-9_.:-]*$/,
    'a feature name (letters, digits, _ . : -, not starting with -)',
  );
export const SetNodeFeaturesInputSchema = z.strictObject({
  nodes: z.array(SlurmName).min(1),
  /** Must be a subset of the available features. */
  active: z.array(Feature),
  /** Replace the available features too. */
  available: z.array(Feature).optional(),
});
export type SetNodeFeaturesInput = z.infer<typeof SetNodeFeaturesInputSchema>;

/** Reads of reservation use cover a time window, like job history. */
const timeWindow = {
  /** Jobs running or ended at or after this instant (reservations overlapping it). */
  startEpochS: EpochS,
  endEpochS: EpochS.optional(),
};

export const ReservationJobsInputSchema = z.strictObject({
  ...timeWindow,
  /** Keep jobs of these reservations (numeric ids, as `ListAccountingReservations` returns them). */
  reservationIds: z.array(z.number().int().positive()).min(1),
});
export type ReservationJobsInput = z.infer<typeof ReservationJobsInputSchema>;

export const AccountingReservationsInputSchema = z.strictObject({
  ...timeWindow,
  /** Keep only reservations with these names (every id a name ever had in the window). */
  names: z.array(ReservationName).min(1).optional(),
});
export type AccountingReservationsInput = z.infer<typeof AccountingReservationsInputSchema>;

export { noNul };
