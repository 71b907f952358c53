import type { ArrivalColumns } from '../plan/types.js';

/**
 * One pool: a set of identical nodes in one partition. A partition with several node types is
 * several pools. `nodeCount: Infinity` is an unlimited (cloud) partition.
 */
export interface PoolSpec {
  readonly name: string;
  readonly partition: string;
  readonly nodeCount: number;
  readonly cpusPerNode: number;
  readonly memMiBPerNode: number;
  readonly gpusPerNode: number;
  /** `a100`, `T4`, … or null. */
  readonly gpuType: string | null;
  /** Node features (Slurm `Features=`), sorted. */
  readonly features: readonly string[];
}

/**
 * A Slurm reservation: `nodeCount` nodes of `pool` held over [startS, endS) for jobs that name it.
 * Jobs that name it run only there; nobody else runs there.
 */
export interface ReservationSpec {
  readonly name: string;
  readonly pool: string;
  readonly nodeCount: number;
  readonly startS: number;
  readonly endS: number;
}

export interface ClusterSpec {
  readonly pools: readonly PoolSpec[];
  readonly reservations?: readonly ReservationSpec[];
  /** IANA zone, for the policies' calendar. */
  readonly timeZone: string;
}

/**
 * Jobs as parallel columns, sorted by submit time, already routed to a pool and shaped to whole
 * nodes of it (see `docs/simulator.md`, "Allocation model"). Columns instead of objects keep a
 * million jobs in well under 100 MB.
 */
export interface SimWorkload extends ArrivalColumns {
  readonly count: number;
  readonly submitS: Float64Array;
  /** Run time the job will actually use (already cut at its time limit). */
  readonly runS: Float64Array;
  /** The user's time limit, which backfill plans with. */
  readonly limitS: Float64Array;
  readonly nodes: Int32Array;
  /** Index into `ClusterSpec.pools`. */
  readonly pool: Int32Array;
  /** Index into `ClusterSpec.reservations`, or −1. */
  readonly reservation: Int32Array;
  /** The wait the source recorded (for fidelity); NaN when unknown. */
  readonly recordedWaitS: Float64Array;
  /** Source jobs left out because no pool could ever run them (too large, no matching node type). */
  readonly rejected: number;
}

/** Scheduling algorithms. */
export const Backfills = { none: 'none', easy: 'easy' } as const;
export type Backfill = (typeof Backfills)[keyof typeof Backfills];

/** Per-job outcome columns of a run. */
export interface SimJobOutcomes {
  /** Time the job's nodes were allocated (NaN: never). */
  readonly allocS: Float64Array;
  /** Time it started running (after any boot). */
  readonly startS: Float64Array;
}

/** What one run measured; see `docs/simulator.md`, "Metrics". */
export interface SimMetrics {
  readonly jobs: number;
  /** Jobs that fit no pool (too large, no matching node type) and were not simulated. */
  readonly rejected: number;
  readonly meanWaitS: number;
  readonly p95WaitS: number;
  /** Mean over jobs of the part of their wait spent waiting for nodes to boot. */
  readonly bootWaitS: number;
  /** Mean of max(1, (wait + run) / max(run, 10 s)). */
  readonly boundedSlowdown: number;
  /** Node-seconds running jobs / node-seconds available (finite pools) or powered (unlimited pools). */
  readonly utilization: number;
  /** Node-hours powered (idle or booting) but not running a job. */
  readonly poweredIdleNodeH: number;
  /** GPU-hours of powered idle nodes held by a reservation or a keep-warm decision. */
  readonly reservedIdleGpuH: number;
  /** Node boots. */
  readonly boots: number;
}

export interface SimResult {
  readonly policy: string;
  readonly metrics: SimMetrics;
  readonly outcomes: SimJobOutcomes;
  /** Decisions the policy made (counted, not kept, to stay small). */
  readonly decisions: number;
  /** Events processed. */
  readonly events: number;
}
