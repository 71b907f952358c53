import type { JobRecord } from '../shared/job-record.js';
import {
  newsvendorQuantile,
  noArrivals,
  type ArrivalColumns,
  type PredictiveOptions,
} from '../plan/index.js';
import { resolveParam, resolveRunParams, resolveScenarioParams } from '../config/params.js';
import type { Clock } from '../shared/clock.js';
import { createPolicy } from './policies.js';
import { simulate } from './simulator.js';
import { defaultSyntheticCluster, generateSynthetic } from './synthetic.js';
import type { Backfill, ClusterSpec, SimResult, SimWorkload } from './types.js';
import { sliceWorkload, workloadFromRecords } from './workload.js';

/** A cluster, the jobs to simulate and the arrivals before them that policies may learn from. */
export interface Scenario {
  readonly label: string;
  readonly cluster: ClusterSpec;
  readonly workload: SimWorkload;
  readonly history: ArrivalColumns;
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
  resolveScenarioParams(options);
  const records: JobRecord[] = [];
  for await (const batch of jobs) for (const r of batch) records.push(r);
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
  return { label: 'synthetic', cluster, workload, history: noArrivals };
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
