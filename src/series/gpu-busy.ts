import { resolveParam } from '../config/params.js';
import type { GpuUseRecord } from '../shared/gpu-use-record.js';

/** What the sampled jobs on one node did with their GPUs. */
export interface NodeGpuBusy {
  node: string;
  /** Jobs sampled on the node since the cut-off. */
  sampledJobs: number;
  /** GPUs of those jobs that were sampled (a GPU held by two jobs in turn counts twice). */
  gpusSampled: number;
  /** GPUs of jobs whose mean utilisation reached the busy share: reserved and busy. */
  busyGpus: number;
  /** GPUs of jobs that stayed below it: reserved but idle. */
  idleGpus: number;
  /** GPUs of jobs whose driver reported no utilisation (MIG mode): neither busy nor idle is known. */
  unknownGpus: number;
  /** Mean utilisation over the node's sampled GPUs, percent, GPU-weighted; null when none reported. */
  meanUtilPct: number | null;
}

/** Options of `gpuBusyByNode`. */
export interface GpuBusyOptions {
  /** Mean utilisation share (0–1) from which a job's GPUs count as busy; `Params.gpuBusyShare`. */
  busyShare?: number;
}

/**
 * Tells reserved-and-busy GPUs from reserved-but-idle ones, per node, from the GPU use of jobs whose
 * last sample is at or after `sinceS`. Pure: the caller reads the records (`store.gpuUse()`).
 * A job counts as busy on a node when its mean GPU utilisation there reached `busyShare`.
 *
 * @throws {ParameterRangeError} for a `busyShare` outside [0, 1].
 * @example
 * gpuBusyByNode(await store.gpuUse({ lastSampleFromS: nowS - 3600 }), nowS - 3600)
 * // [{ node: 'c2', sampledJobs: 1, gpusSampled: 2, busyGpus: 0, idleGpus: 2, … }]
 */
export function gpuBusyByNode(
  records: readonly GpuUseRecord[],
  sinceS: number,
  options: GpuBusyOptions = {},
): NodeGpuBusy[] {
  const busyPct = resolveParam('gpuBusyShare', options.busyShare) * 100;
  const nodes = new Map<string, NodeGpuBusy & { utilWeighted: number; gpusWithUtil: number }>();
  for (const r of records) {
    if (r.lastSampleS < sinceS) continue;
    const n = nodes.get(r.node) ?? {
      node: r.node,
      sampledJobs: 0,
      gpusSampled: 0,
      busyGpus: 0,
      idleGpus: 0,
      unknownGpus: 0,
      meanUtilPct: null,
      utilWeighted: 0,
      gpusWithUtil: 0,
    };
    n.sampledJobs += 1;
    n.gpusSampled += r.gpuCount;
    if (r.meanUtilPct === null) n.unknownGpus += r.gpuCount;
    else {
      if (r.meanUtilPct >= busyPct) n.busyGpus += r.gpuCount;
      else n.idleGpus += r.gpuCount;
      n.utilWeighted += r.meanUtilPct * r.gpuCount;
      n.gpusWithUtil += r.gpuCount;
    }
    nodes.set(r.node, n);
  }
  return [...nodes.values()]
    .sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0))
    .map(({ utilWeighted, gpusWithUtil, ...n }) => ({
      ...n,
      meanUtilPct: gpusWithUtil === 0 ? null : utilWeighted / gpusWithUtil,
    }));
}
