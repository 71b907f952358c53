import { quantileSorted } from '../shared/quantile.js';
import type { SimMetrics, SimWorkload } from './types.js';

/** Bound of the bounded slowdown, in seconds (the usual 10 s of Feitelson et al. 1997). */
export const SLOWDOWN_BOUND_S = 10;

/** Inputs of {@link computeMetrics}: per-job outcomes and the node-second integrals of a run. */
export interface MetricInputs {
  workload: SimWorkload;
  allocS: Float64Array;
  startS: Float64Array;
  rejected: number;
  spanS: number;
  /** Sum of pool sizes (Infinity when any pool is unlimited). */
  capacityNodes: number;
  idleNodeS: number;
  poweredNodeS: number;
  heldGpuS: number;
  boots: number;
}

/**
 * The metrics of one run over the jobs that ran. Waits are submit → start; the boot part of a wait
 * is allocation → start (the job had its nodes but they were still booting).
 */
export function computeMetrics(input: MetricInputs): SimMetrics {
  const w = input.workload;
  const waits = new Float64Array(w.count);
  let jobs = 0;
  let waitSum = 0;
  let bootSum = 0;
  let slowSum = 0;
  let runNodeS = 0;
  for (let j = 0; j < w.count; j++) {
    const start = input.startS[j] as number;
    if (Number.isNaN(start)) continue;
    const wait = start - (w.submitS[j] as number);
    const run = w.runS[j] as number;
    waits[jobs++] = wait;
    waitSum += wait;
    bootSum += start - (input.allocS[j] as number);
    slowSum += Math.max(1, (wait + run) / Math.max(run, SLOWDOWN_BOUND_S));
    runNodeS += run * (w.nodes[j] as number);
  }
  const sorted = waits.subarray(0, jobs).sort();
  const capacityNodeS = Number.isFinite(input.capacityNodes)
    ? input.capacityNodes * input.spanS
    : input.poweredNodeS;
  return {
    jobs,
    rejected: input.rejected,
    meanWaitS: jobs === 0 ? 0 : waitSum / jobs,
    p95WaitS: jobs === 0 ? 0 : quantileSorted(sorted, 0.95),
    bootWaitS: jobs === 0 ? 0 : bootSum / jobs,
    boundedSlowdown: jobs === 0 ? 0 : slowSum / jobs,
    utilization: capacityNodeS > 0 ? runNodeS / capacityNodeS : 0,
    poweredIdleNodeH: input.idleNodeS / 3600,
    reservedIdleGpuH: input.heldGpuS / 3600,
    boots: input.boots,
  };
}

/**
 * oracle_share = (reactive wait − policy wait) / (reactive wait − oracle wait): the share of the wait
 * that perfect foresight removes which this policy removes too. NaN when the oracle removes nothing.
 */
export function oracleShare(waits: { reactive: number; policy: number; oracle: number }): number {
  const gap = waits.reactive - waits.oracle;
  return gap > 0 ? (waits.reactive - waits.policy) / gap : Number.NaN;
}
