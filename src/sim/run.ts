import type { JobRecord } from '../shared/job-record.js';
import {
  newsvendorQuantile,
  noArrivals,
  type ArrivalColumns,
  type PredictiveOptions,
} from '../plan/index.js';
import { resolveParam, resolveRunParams, resolveScenarioParams } from '../config/params.js';
import type { Clock } from '../shared/clock.js';
import { formatInstant } from '../shared/time.js';
import { createPolicy } from './policies.js';
import { simulate } from './simulator.js';
import { defaultSyntheticCluster, generateSynthetic } from './synthetic.js';
import type { Backfill, ClusterSpec, SimResult, SimWorkload } from './types.js';
import { sliceWorkload, workloadFromRecords } from './workload.js';

/** Where a scenario's pools came from, so that a report can say which machine it replayed on. */
export interface MachineOrigin {
  /** `inventory`: a node list or node snapshot; `size`: sizes given by the caller; `swf-header`; `synthetic`. */
  readonly from: 'inventory' | 'size' | 'swf-header' | 'synthetic';
  /** The inventory's source name or file; null when the pools did not come from one. */
  readonly inventory: string | null;
  /** When the inventory's snapshot was taken, Unix s; null when not from a stored snapshot. */
  readonly atS: number | null;
  /** Nodes of the inventory listed in more than one partition: each partition's pools count them. */
  readonly nodesInSeveralPartitions: number;
}

/** A cluster, the jobs to simulate and the arrivals before them that policies may learn from. */
export interface Scenario {
  readonly label: string;
  readonly cluster: ClusterSpec;
  readonly workload: SimWorkload;
  readonly history: ArrivalColumns;
  /** Where the pools came from; absent for scenarios built by hand. */
  readonly machine?: MachineOrigin;
}

/**
 * A scenario from job records in batches (a log reader, or the history store), on the given cluster,
 * optionally only the first `days` days.
 */
export async function scenarioFromJobs(
  label: string,
  jobs: AsyncIterable<readonly JobRecord[]>,
  cluster: ClusterSpec,
  options: { days?: number } = {},
): Promise<Scenario> {
  resolveScenarioParams(options); // before reading: a bad --days reads nothing
  const records: JobRecord[] = [];
  for await (const batch of jobs) for (const r of batch) records.push(r);
  return scenarioFromRecords(label, records, cluster, options);
}

/**
 * A scenario from job records already read, on the given cluster, optionally only the first `days`
 * days (counted from the first job that can be replayed).
 * @throws {ParameterRangeError} for `days` outside `Params.days`.
 */
export function scenarioFromRecords(
  label: string,
  records: readonly JobRecord[],
  cluster: ClusterSpec,
  options: { days?: number } = {},
): Scenario {
  resolveScenarioParams(options);
  let workload = workloadFromRecords(records, cluster);
  if (options.days !== undefined && workload.count > 0) {
    // Rebuilt from the window's records, so that `rejected` counts the jobs of the window only.
    const fromS = workload.submitS[0] as number;
    const toS = fromS + options.days * 86_400;
    workload = workloadFromRecords(
      records.filter((r) => r.submitS >= fromS && r.submitS < toS),
      cluster,
    );
  }
  return { label, cluster, workload, history: noArrivals };
}

/**
 * A synthetic scenario on the default synthetic cluster (every pool unlimited when `nodes` is 0,
 * the CPU pool resized when `nodes` is positive).
 */
export function syntheticScenario(options: { days?: number; seed?: number; nodes?: number } = {}): Scenario {
  resolveScenarioParams(options);
  let cluster = defaultSyntheticCluster(
    options.nodes !== undefined && options.nodes > 0 ? { cpuNodes: options.nodes } : {},
  );
  const workload = generateSynthetic(cluster, {
    days: resolveParam('days', options.days),
    seed: resolveParam('seed', options.seed),
  });
  if (options.nodes === 0)
    cluster = {
      ...cluster,
      pools: cluster.pools.map((p) => ({ ...p, nodeCount: Number.POSITIVE_INFINITY })),
    };
  return {
    label: 'synthetic',
    cluster,
    workload,
    history: noArrivals,
    machine: { from: 'synthetic', inventory: null, atS: null, nodesInSeveralPartitions: 0 },
  };
}

/** Options of {@link runPolicy}. */
export interface RunPolicyOptions {
  bootS?: number;
  idleS?: number;
  backfill?: Backfill;
  /** `predictive`: forecast quantile; `seasonal-warm-pool`: setting. Default: the newsvendor level of `costs`. */
  quantile?: number;
  costs?: { idleNodeHour: number; waitingJobHour: number };
  predictive?: Omit<PredictiveOptions, 'quantile'>;
  seed?: number;
  onProgress?: (arrived: number, total: number) => void;
}

/**
 * Simulates one policy on a scenario.
 * @throws {ParameterRangeError} for a time, seed, cost or quantile outside its range (`Params`).
 * @throws {RangeError} for an unknown policy name.
 * @example const result = runPolicy(syntheticScenario({ days: 7 }), 'reactive');
 */
export function runPolicy(scenario: Scenario, name: string, options: RunPolicyOptions = {}): SimResult {
  const { bootS, idleS, seed, costs, ...resolved } = resolveRunParams(name, options);
  // seasonal-warm-pool applies its own default setting; the others size at the newsvendor level.
  const quantile =
    resolved.quantile ?? (name === 'seasonal-warm-pool' ? undefined : newsvendorQuantile(costs));
  const policy = createPolicy(
    name,
    {
      pools: scenario.cluster.pools.map((p) => p.name),
      bootS,
      idleS,
      timeZone: scenario.cluster.timeZone,
      history: scenario.history,
    },
    {
      ...(quantile === undefined ? {} : { quantile }),
      future: scenario.workload,
      // The planner inside `predictive` trades the same two costs the quantile came from.
      predictive: { costs, ...options.predictive },
    },
  );
  return simulate(scenario.workload, scenario.cluster, {
    policy,
    bootS,
    idleS,
    ...(options.backfill === undefined ? {} : { backfill: options.backfill }),
    seed,
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
}

/** The JSON that `slurmcast simulate --json` prints (keys as documented in the CLI reference). */
export interface SimulateReport {
  policy: string;
  /** Jobs simulated. */
  jobs: number;
  /** Jobs of the source that no pool of the machine can ever run (wider than it, or no matching node type): not simulated. */
  rejected: number;
  mean_wait_s: number;
  p95_wait_s: number;
  boot_wait_s: number;
  bounded_slowdown: number;
  utilization: number;
  powered_idle_node_h: number;
  reserved_idle_gpu_h: number;
  sim_wall_s: number;
}

const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

/** Renders a result as the `simulate --json` report. */
export function simulateReport(result: SimResult, simWallS: number): SimulateReport {
  const m = result.metrics;
  return {
    policy: result.policy,
    jobs: m.jobs,
    rejected: m.rejected,
    mean_wait_s: round(m.meanWaitS, 1),
    p95_wait_s: round(m.p95WaitS, 1),
    boot_wait_s: round(m.bootWaitS, 1),
    bounded_slowdown: round(m.boundedSlowdown),
    utilization: round(m.utilization, 4),
    powered_idle_node_h: round(m.poweredIdleNodeH, 1),
    reserved_idle_gpu_h: round(m.reservedIdleGpuH, 1),
    sim_wall_s: round(simWallS),
  };
}

/** One pool of a `simulate --json` report: the node type, and the jobs it ran and how long they waited. */
export interface SimulatePoolReport {
  pool: string;
  partition: string;
  /** Null for an unlimited (cloud) pool. */
  nodes: number | null;
  cpus_per_node: number;
  mem_mib_per_node: number;
  gpus_per_node: number;
  gpu_type: string | null;
  features: readonly string[];
  /** Jobs routed to this pool and simulated. */
  jobs: number;
  /** Mean submit → start of those jobs that started; null when none did. */
  mean_wait_s: number | null;
}

/** The machine a `simulate --json` report replayed on (see {@link MachineOrigin}). */
export interface SimulateMachineReport {
  from: MachineOrigin['from'];
  inventory: string | null;
  /** ISO 8601 instant of the inventory's snapshot; null when not from a stored snapshot. */
  at: string | null;
  nodes_in_several_partitions: number;
}

/**
 * Per pool, what a run did: which jobs went where is what tells a replay on a mixed GPU machine
 * apart from one that sent every job to one pool.
 */
export function simulatePoolReports(scenario: Scenario, result: SimResult): SimulatePoolReport[] {
  const pools = scenario.cluster.pools;
  const jobs = new Array<number>(pools.length).fill(0);
  const started = new Array<number>(pools.length).fill(0);
  const waitS = new Array<number>(pools.length).fill(0);
  const w = scenario.workload;
  for (let i = 0; i < w.count; i++) {
    const p = w.pool[i] as number;
    const start = result.outcomes.startS[i] as number;
    jobs[p] = (jobs[p] ?? 0) + 1;
    // A job still waiting when the run ended has no start, so no known wait: it is left out of the mean.
    if (Number.isFinite(start)) {
      started[p] = (started[p] ?? 0) + 1;
      waitS[p] = (waitS[p] ?? 0) + (start - (w.submitS[i] as number));
    }
  }
  return pools.map((p, i) => {
    const n = jobs[i] ?? 0;
    const s = started[i] ?? 0;
    return {
      pool: p.name,
      partition: p.partition,
      nodes: Number.isFinite(p.nodeCount) ? p.nodeCount : null,
      cpus_per_node: p.cpusPerNode,
      mem_mib_per_node: p.memMiBPerNode,
      gpus_per_node: p.gpusPerNode,
      gpu_type: p.gpuType,
      features: p.features,
      jobs: n,
      mean_wait_s: s === 0 ? null : round((waitS[i] ?? 0) / s, 1),
    };
  });
}

/** The machine of a scenario, for the report; scenarios built by hand say `size`. */
export function simulateMachineReport(scenario: Scenario): SimulateMachineReport {
  const m = scenario.machine ?? { from: 'size', inventory: null, atS: null, nodesInSeveralPartitions: 0 };
  return {
    from: m.from,
    inventory: m.inventory,
    at: m.atS === null ? null : formatInstant(m.atS),
    nodes_in_several_partitions: m.nodesInSeveralPartitions,
  };
}

/** Splits a scenario at `atS`: arrivals before become history, jobs from `atS` on are simulated. */
export function splitScenario(scenario: Scenario, atS: number, untilS = Number.POSITIVE_INFINITY): Scenario {
  const w = scenario.workload;
  const past = sliceWorkload(w, Number.NEGATIVE_INFINITY, atS);
  return { ...scenario, workload: sliceWorkload(w, atS, untilS), history: past };
}

/** Times a function with an injected clock; returns its result and the seconds it took. */
export function timed<T>(clock: Clock, f: () => T): { value: T; seconds: number } {
  const t0 = clock.nowMs();
  const value = f();
  return { value, seconds: (clock.nowMs() - t0) / 1000 };
}
