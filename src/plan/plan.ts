import { z } from 'zod';

/**
 * The planner's input and output types: the contract between the planner (`src/plan/`), the
 * actuator (`src/act/`), the adjust engine (`src/engine/`) and the simulator. A plan is plain data:
 * the desired capacity over a window, as actions with stable ids, each saying why in words and which
 * forecast it came from. The actuator turns a plan into the minimal Slurm operations against fresh
 * state; it never reads forecasts itself.
 */

const Seconds = z.number().finite();
const Count = z.number().int().nonnegative();

/** A pool: what a job asks for, as the series stage keys demand (partition × GPU type × features). */
export const PoolKeySchema = z.strictObject({
  partition: z.string().min(1),
  /** `a100`, `h100`, … or null for a pool without GPUs. */
  gpuType: z.string().min(1).nullable(),
  /** Node features the jobs ask for, sorted. */
  features: z.array(z.string().min(1)),
});
export type PoolKey = z.infer<typeof PoolKeySchema>;

/** The forecast an action came from, so that an admin can check it (`slurmcast forecast` with these). */
export const ForecastRefSchema = z.strictObject({
  /** The pool's name as `slurmcast series` prints it. */
  pool: z.string().min(1),
  /** The demand series, e.g. `demand_gpu`, `demand_nodes`. */
  series: z.string().min(1),
  /** The model the backtest selected. */
  model: z.string().min(1),
  /** The quantile level the capacity is sized at, in (0, 1). */
  quantile: z.number().gt(0).lt(1),
  /** The step of the forecast (0 = the first step after the cut) whose value set the size. */
  horizonStep: Count,
  /** The cut of the forecast (nothing at or after it was used), Unix s. */
  issuedAtS: Seconds,
});
export type ForecastRef = z.infer<typeof ForecastRefSchema>;

/** One pool's demand forecast per step, in the unit of its series (GPUs, CPUs, MiB or nodes). */
export const PoolForecastSchema = z.strictObject({
  key: PoolKeySchema,
  /** The pool's name as `slurmcast series` prints it. */
  pool: z.string().min(1),
  series: z.string().min(1),
  model: z.string().min(1),
  /** Start of the first forecast step, Unix s (the forecast's cut). */
  startS: Seconds,
  stepS: z.number().int().positive(),
  /** Quantile level (as a decimal string, e.g. `"0.9"`) → forecast per step. */
  quantiles: z.record(z.string(), z.array(z.number().finite().nonnegative())),
  /**
   * Share of the pool's demand per account, from the same history (sums to ≤ 1); a reservation is
   * planned for an account whose share and confidence pass the config's thresholds.
   */
  accounts: z.array(z.strictObject({ account: z.string().min(1), share: z.number().min(0).max(1) })),
});
export type PoolForecast = z.infer<typeof PoolForecastSchema>;

/** Power states as the planner sees them. */
export const NodePowerStates = ['on', 'powered-down', 'powering-up', 'powering-down'] as const;
export type NodePowerState = (typeof NodePowerStates)[number];

/** Nodes that are interchangeable for planning: same resources, features and partitions. */
export const NodeTypeSchema = z.strictObject({
  /** Stable name, e.g. `gpu-h100x2`; used in action ids and reservation names. */
  name: z.string().min(1),
  cpus: Count,
  memMiB: Count,
  gpuType: z.string().min(1).nullable(),
  gpuCount: Count,
  /** Features the nodes can have (Slurm's AvailableFeatures), sorted. */
  features: z.array(z.string().min(1)),
  partitions: z.array(z.string().min(1)),
  /** Seconds from a power-up request to the node taking jobs (Slurm's ResumeTimeout is the bound). */
  bootS: Count,
  /** Cost of one node-hour of this type, powered (config `nodeTypes.<name>.pricePerNodeHour`). */
  pricePerNodeHour: z.number().finite().nonnegative(),
});
export type NodeType = z.infer<typeof NodeTypeSchema>;

/** One node now, as the planner needs it. */
export const InventoryNodeSchema = z.strictObject({
  name: z.string().min(1),
  type: z.string().min(1),
  power: z.enum(NodePowerStates),
  /** Whether Slurm may run jobs on it at all (not DOWN, DRAIN, FAIL …); the planner never counts others. */
  usable: z.boolean(),
  /** CPUs allocated to jobs now. */
  cpusAllocated: Count,
  activeFeatures: z.array(z.string().min(1)),
});
export type InventoryNode = z.infer<typeof InventoryNodeSchema>;

/** What the cluster has at `atS`. */
export const InventorySchema = z.strictObject({
  atS: Seconds,
  nodeTypes: z.array(NodeTypeSchema),
  nodes: z.array(InventoryNodeSchema),
});
export type Inventory = z.infer<typeof InventorySchema>;

/** Per-account limits and priority: the planner never reserves past `maxNodes` for an account. */
export const AccountPolicySchema = z.strictObject({
  account: z.string().min(1),
  maxNodes: Count,
  /** Higher wins when accounts compete for the same nodes. */
  priority: z.number().int(),
});
export type AccountPolicy = z.infer<typeof AccountPolicySchema>;

/** Everything the planner reads. It reads nothing else: no clock, no files, no Slurm. */
export const PlanInputSchema = z.strictObject({
  /** The planning instant, Unix s (from the injected clock). */
  nowS: Seconds,
  /** How far ahead to plan, s; at least the longest boot time. */
  horizonS: z.number().int().positive(),
  forecasts: z.array(PoolForecastSchema),
  inventory: InventorySchema,
  accounts: z.array(AccountPolicySchema),
  /**
   * GPU types whose jobs may also run on nodes of other GPU types (`{ gpuType: 'a100', canRunOn:
   * ['h100'] }`); the planner then splits such a pool's nodes between the types with the LP.
   */
  substitutes: z
    .array(z.strictObject({ gpuType: z.string().min(1), canRunOn: z.array(z.string().min(1)) }))
    .optional(),
  costs: z.strictObject({
    /** Cost of one powered, idle node-hour (before the node type's price). */
    idleNodeHour: z.number().finite().nonnegative(),
    /** Cost of one job-hour spent waiting. */
    waitingJobHour: z.number().finite().nonnegative(),
  }),
});
export type PlanInput = z.infer<typeof PlanInputSchema>;

const ActionBase = {
  /**
   * Stable id: the same intent in the next cycle gets the same id (kind, pool or account, node type,
   * window start), so the actuator and the audit log can follow an action across cycles.
   */
  id: z.string().min(1),
  /** Why, in words an admin reads in `slurmcast plan`. */
  reason: z.string().min(1),
  forecast: ForecastRefSchema,
  fromS: Seconds,
  toS: Seconds,
};

/** Keep `count` nodes of `nodeType` powered from `fromS` to `toS`; power up at `powerUpAtS` (≤ fromS − boot). */
export const KeepPoweredActionSchema = z.strictObject({
  kind: z.literal('keep-powered'),
  ...ActionBase,
  nodeType: z.string().min(1),
  count: Count,
  powerUpAtS: Seconds,
});

/** A reservation of whole nodes (22.05 cannot reserve GPU TRES) for accounts or users, with features. */
export const ReservationActionSchema = z.strictObject({
  kind: z.literal('reservation'),
  ...ActionBase,
  /** Stable key the actuator derives the reservation's name from, e.g. `gpu-h100x2.research`. */
  key: z.string().min(1),
  nodeType: z.string().min(1),
  nodeCount: z.number().int().positive(),
  partition: z.string().min(1),
  accounts: z.array(z.string().min(1)),
  users: z.array(z.string().min(1)),
  /** Slurm feature expression the reserved nodes must have, or null. */
  features: z.string().min(1).nullable(),
  /** Set on a shadow reservation (`plan.shadow`): whose forecast session it is for, and its warm-up job. */
  shadow: z
    .strictObject({
      kind: z.enum(['user', 'account']),
      entity: z.string().min(1),
      /** Forecast probability of a submission in the window that opened it. */
      probability: z.number().min(0).max(1),
      /** The entity's forecast confidence (Brier skill on the weeks before the cut). */
      confidence: z.number().finite(),
      /** Batch script submitted into the reservation when it is created, or null. */
      warmupScript: z.string().min(1).nullable(),
    })
    .optional(),
});

/** Have `count` nodes of `nodeType` carry `activeFeatures` from `fromS` (ActiveFeatures ⊆ AvailableFeatures). */
export const SetFeaturesActionSchema = z.strictObject({
  kind: z.literal('set-features'),
  ...ActionBase,
  nodeType: z.string().min(1),
  count: Count,
  activeFeatures: z.array(z.string().min(1)),
});

export const PlanActionSchema = z.discriminatedUnion('kind', [
  KeepPoweredActionSchema,
  ReservationActionSchema,
  SetFeaturesActionSchema,
]);
export type PlanAction = z.infer<typeof PlanActionSchema>;
export type KeepPoweredAction = z.infer<typeof KeepPoweredActionSchema>;
export type ReservationAction = z.infer<typeof ReservationActionSchema>;
export type SetFeaturesAction = z.infer<typeof SetFeaturesActionSchema>;

/** Why the plan is what it is: the optimisation's objective and the constraints that bound it. */
export const PlanExplanationSchema = z.strictObject({
  /** The objective in words, e.g. "minimise idle node-hours × price + waiting job-hours × cost". */
  objective: z.string().min(1),
  objectiveValue: z.number().finite(),
  /** Constraints at their bound, in words ("h100 nodes: 2 of 2 used"). */
  binding: z.array(z.string().min(1)),
  /** The solver that found it, e.g. `highs 1.x`, for a split between node types. */
  solver: z.string().min(1),
});

/**
 * The planner's output. Desired state, not a script: an owned reservation or powered node that the
 * plan no longer mentions is released by the actuator (subject to the engine's hysteresis).
 */
export const PlanSchema = z.strictObject({
  createdAtS: Seconds,
  horizonEndS: Seconds,
  actions: z.array(PlanActionSchema),
  explanation: PlanExplanationSchema,
});
export type Plan = z.infer<typeof PlanSchema>;
