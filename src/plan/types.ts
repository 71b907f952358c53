/**
 * The one interface every provisioning policy implements, in the simulator and (later) in the real
 * adjustment engine: observe the state of each pool, return decisions as plain data. A policy never
 * reads a clock, never acts, and sees only what happened up to the observation's time.
 */

/** State of one pool of identical nodes at the observation time. */
export interface PoolObservation {
  /** Pool name (partition, or partition:node-type). */
  readonly pool: string;
  /** Nodes the pool may use; `Infinity` for an unlimited (cloud) partition. */
  readonly totalNodes: number;
  readonly offNodes: number;
  /** Nodes booting that no job has claimed yet. */
  readonly bootingNodes: number;
  /** Powered, free nodes. */
  readonly idleNodes: number;
  /** Nodes allocated to jobs (running, or booting for a job). */
  readonly busyNodes: number;
  readonly pendingJobs: number;
  readonly pendingNodes: number;
  readonly gpusPerNode: number;
}

/**
 * Jobs submitted since the previous observation, as parallel columns (no per-job objects, so the
 * simulator can hand out views of its own arrays). `pool[i]` indexes `Observation.pools`.
 */
export interface ArrivalColumns {
  readonly count: number;
  readonly submitS: ArrayLike<number>;
  readonly pool: ArrayLike<number>;
  readonly nodes: ArrayLike<number>;
}

/** What a policy sees at one decision time. */
export interface Observation {
  /** Unix seconds (virtual in the simulator). */
  readonly nowS: number;
  readonly pools: readonly PoolObservation[];
  /** Jobs submitted in (previous observation, nowS]; never anything later. */
  readonly arrivals: ArrivalColumns;
}

/** Kinds of decision, as a const object with a derived union. */
export const DecisionKinds = {
  powerUp: 'power-up',
  powerDown: 'power-down',
  keepWarm: 'keep-warm',
  reserve: 'reserve',
} as const;
export type DecisionKind = (typeof DecisionKinds)[keyof typeof DecisionKinds];

interface DecisionBase {
  /** Stable id: the same decision at the same time for the same pool has the same id. */
  readonly id: string;
  readonly pool: string;
  readonly nodes: number;
  /** Why, in words an operator can check. */
  readonly reason: string;
}

/** Boot `nodes` powered-down nodes now. */
export interface PowerUpDecision extends DecisionBase {
  readonly kind: 'power-up';
}
/** Power down `nodes` idle nodes now (the ones idle longest). */
export interface PowerDownDecision extends DecisionBase {
  readonly kind: 'power-down';
}
/**
 * Keep at least `nodes` powered, free nodes (idle or booting) from now until the next decision:
 * boot the difference, and do not suspend idle nodes below it.
 */
export interface KeepWarmDecision extends DecisionBase {
  readonly kind: 'keep-warm';
}
/** Hold `nodes` nodes of the pool for jobs that name `name`, over [startS, endS). */
export interface ReserveDecision extends DecisionBase {
  readonly kind: 'reserve';
  readonly name: string;
  readonly startS: number;
  readonly endS: number;
}
export type Decision = PowerUpDecision | PowerDownDecision | KeepWarmDecision | ReserveDecision;

/**
 * The decisions a policy made at one observation, with the time they were made at. Not a plan: the
 * planner's output (actions with ids, reasons and the forecast they came from) is its own type.
 */
export interface PolicyDecisions {
  readonly atS: number;
  readonly policy: string;
  readonly decisions: readonly Decision[];
}

/**
 * A provisioning policy. `decide` is called every `intervalS` seconds (never if `intervalS` is
 * `Infinity`); it may keep state between calls (its history of arrivals), fed only by observations.
 */
export interface ProvisioningPolicy {
  readonly name: string;
  /** False: nodes are never powered down (the always-on baseline). */
  readonly powerSaving: boolean;
  readonly intervalS: number;
  decide(observation: Observation): PolicyDecisions;
}

/** Everything a policy may know when it is created. */
export interface PolicyContext {
  /** Pool names, in the order of `Observation.pools`. */
  readonly pools: readonly string[];
  readonly bootS: number;
  /** Slurm's SuspendTime: idle seconds before a node powers down. */
  readonly idleS: number;
  /** IANA zone of the cluster, for hour-of-day and weekday. */
  readonly timeZone: string;
  /** Arrivals before the simulated window (training history); only the past. */
  readonly history: ArrivalColumns;
}

/** An empty arrival batch. */
export const noArrivals: ArrivalColumns = { count: 0, submitS: [], pool: [], nodes: [] };
