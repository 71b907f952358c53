import { DEFAULT_PARTITION, type JobRecord } from '../shared/job-record.js';
import type { ClusterSpec, PoolSpec, SimWorkload } from './types.js';

/**
 * Collects jobs column by column and returns them as a {@link SimWorkload} sorted by submit time
 * (stable, so equal submit times keep their order).
 */
export class WorkloadBuilder {
  #n = 0;
  #submit: Float64Array<ArrayBuffer> = new Float64Array(1024);
  #run = new Float64Array(1024);
  #limit = new Float64Array(1024);
  #wait = new Float64Array(1024);
  #nodes = new Int32Array(1024);
  #pool = new Int32Array(1024);
  #resv = new Int32Array(1024);
  rejected = 0;

  get count(): number {
    return this.#n;
  }

  /** Adds one job; `runS` is cut at `limitS` (Slurm ends a job at its time limit). */
  push(job: {
    submitS: number;
    runS: number;
    limitS: number;
    nodes: number;
    pool: number;
    reservation?: number;
    recordedWaitS?: number;
  }): void {
    if (this.#n === this.#submit.length) this.#grow();
    const i = this.#n++;
    const limit = job.limitS > 0 ? job.limitS : job.runS;
    this.#submit[i] = job.submitS;
    this.#run[i] = Math.max(0, Math.min(job.runS, limit));
    this.#limit[i] = Math.max(limit, 1);
    this.#nodes[i] = job.nodes;
    this.#pool[i] = job.pool;
    this.#resv[i] = job.reservation ?? -1;
    this.#wait[i] = job.recordedWaitS ?? Number.NaN;
  }

  #grow(): void {
    const cap = this.#submit.length * 2;
    const f = (a: Float64Array): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    const g = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.#submit = f(this.#submit);
    this.#run = f(this.#run);
    this.#limit = f(this.#limit);
    this.#wait = f(this.#wait);
    this.#nodes = g(this.#nodes);
    this.#pool = g(this.#pool);
    this.#resv = g(this.#resv);
  }

  build(): SimWorkload {
    const n = this.#n;
    const submit = this.#submit;
    let sorted = true;
    for (let i = 1; i < n && sorted; i++)
      if ((submit[i] as number) < (submit[i - 1] as number)) sorted = false;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    if (!sorted) {
      const idx = Array.from(order).sort((a, b) => (submit[a] as number) - (submit[b] as number) || a - b);
      order.set(idx);
    }
    const pickF = (a: Float64Array): Float64Array => {
      const b = new Float64Array(n);
      for (let i = 0; i < n; i++) b[i] = a[order[i] as number] as number;
      return b;
    };
    const pickI = (a: Int32Array): Int32Array => {
      const b = new Int32Array(n);
      for (let i = 0; i < n; i++) b[i] = a[order[i] as number] as number;
      return b;
    };
    return {
      count: n,
      submitS: pickF(submit),
      runS: pickF(this.#run),
      limitS: pickF(this.#limit),
      recordedWaitS: pickF(this.#wait),
      nodes: pickI(this.#nodes),
      pool: pickI(this.#pool),
      reservation: pickI(this.#resv),
      rejected: this.rejected,
    };
  }
}

/** Whole nodes of `pool` a job needs: enough for its CPUs, GPUs and memory, and at least its node count. */
export function nodesNeeded(
  job: Pick<JobRecord, 'nodeCount' | 'cpuCount' | 'gpuCount' | 'memMiB'>,
  pool: PoolSpec,
): number {
  let n = Math.max(1, job.nodeCount);
  if (pool.cpusPerNode > 0) n = Math.max(n, Math.ceil(job.cpuCount / pool.cpusPerNode));
  if (job.gpuCount > 0)
    n =
      pool.gpusPerNode > 0
        ? Math.max(n, Math.ceil(job.gpuCount / pool.gpusPerNode))
        : Number.POSITIVE_INFINITY;
  if (pool.memMiBPerNode > 0 && job.memMiB > 0) n = Math.max(n, Math.ceil(job.memMiB / pool.memMiBPerNode));
  return n;
}

/**
 * Picks the pool a job runs in, Slurm-style: its partition (any pool when the cluster has no pool of
 * that partition, as for SWF logs), node features it asks for, its GPU type, and a pool without GPUs
 * for a job without GPUs when there is one; among the pools left, the one that holds it in the fewest
 * nodes, then the first listed. Returns −1 when no pool can ever run it.
 */
export function routeJob(
  job: Pick<
    JobRecord,
    'partition' | 'features' | 'gpuType' | 'gpuCount' | 'nodeCount' | 'cpuCount' | 'memMiB'
  >,
  cluster: ClusterSpec,
): { pool: number; nodes: number } {
  const pools = cluster.pools;
  const inPartition = pools.some((p) => p.partition === job.partition);
  let best = -1;
  let bestNodes = 0;
  let bestScore = -1;
  for (let i = 0; i < pools.length; i++) {
    const p = pools[i] as PoolSpec;
    if (inPartition && p.partition !== job.partition) continue;
    if (!job.features.every((f) => p.features.includes(f))) continue;
    if (job.gpuType !== null && job.gpuCount > 0) {
      const wanted = job.gpuType.toLowerCase().split('|');
      if (p.gpuType === null || !wanted.includes(p.gpuType.toLowerCase())) continue;
    }
    const nodes = nodesNeeded(job, p);
    if (!(nodes <= p.nodeCount)) continue;
    const score = job.gpuCount > 0 === p.gpusPerNode > 0 ? 1 : 0;
    // Fewest nodes: a job that one node of a large type holds is not spread over several nodes of a
    // small type listed first, as Slurm places it on a node it fits.
    if (score > bestScore || (score === bestScore && nodes < bestNodes)) {
      best = i;
      bestNodes = nodes;
      bestScore = score;
    }
  }
  return { pool: best, nodes: bestNodes };
}

/**
 * Turns job records (SWF, Alibaba, sacct history) into a workload for `cluster`. Jobs that never
 * started are left out (there is no run time to replay); jobs no pool can run count as `rejected`.
 * Jobs naming a reservation of the cluster are routed into it.
 */
export function workloadFromRecords(records: Iterable<JobRecord>, cluster: ClusterSpec): SimWorkload {
  const builder = new WorkloadBuilder();
  const resvIndex = new Map((cluster.reservations ?? []).map((r, i) => [r.name, i] as const));
  for (const r of records) {
    if (r.startS === null || r.endS === null) continue;
    const route = routeJob(r, cluster);
    if (route.pool < 0) {
      builder.rejected++;
      continue;
    }
    builder.push({
      submitS: r.submitS,
      runS: Math.max(0, r.endS - r.startS),
      limitS: r.timeLimitS ?? 0,
      nodes: route.nodes,
      pool: route.pool,
      reservation: r.reservation === null ? -1 : (resvIndex.get(r.reservation) ?? -1),
      recordedWaitS: r.startS - r.submitS,
    });
  }
  return builder.build();
}

/** The jobs submitted in [fromS, toS), as a new workload. */
export function sliceWorkload(w: SimWorkload, fromS: number, toS: number): SimWorkload {
  let a = 0;
  while (a < w.count && (w.submitS[a] as number) < fromS) a++;
  let b = a;
  while (b < w.count && (w.submitS[b] as number) < toS) b++;
  return {
    count: b - a,
    submitS: w.submitS.slice(a, b),
    runS: w.runS.slice(a, b),
    limitS: w.limitS.slice(a, b),
    recordedWaitS: w.recordedWaitS.slice(a, b),
    nodes: w.nodes.slice(a, b),
    pool: w.pool.slice(a, b),
    reservation: w.reservation.slice(a, b),
    rejected: 0,
  };
}

/**
 * A one-pool cluster of identical CPU nodes; `nodeCount` 0 means unlimited (a cloud partition).
 */
export function onePoolCluster(options: {
  nodeCount: number;
  cpusPerNode: number;
  timeZone: string;
}): ClusterSpec {
  return {
    timeZone: options.timeZone,
    pools: [
      {
        name: DEFAULT_PARTITION,
        partition: DEFAULT_PARTITION,
        nodeCount: options.nodeCount === 0 ? Number.POSITIVE_INFINITY : options.nodeCount,
        cpusPerNode: Math.max(1, Math.floor(options.cpusPerNode)),
        memMiBPerNode: 0,
        gpusPerNode: 0,
        gpuType: null,
        features: [],
      },
    ],
  };
}

/**
 * A one-pool cluster sized from an SWF header (`MaxNodes`/`MaxProcs`), or `nodes` when given
 * (0 = unlimited). CPUs per node = floor(MaxProcs / MaxNodes), at least 1.
 * @throws {RangeError} when the header gives no size and `nodes` is not given.
 */
export function clusterFromSwfHeader(
  header: { maxNodes: number | null; maxProcs: number | null; timeZoneString: string | null },
  options: { nodes?: number; timeZone?: string } = {},
): ClusterSpec {
  const maxNodes = header.maxNodes ?? header.maxProcs;
  const maxProcs = header.maxProcs ?? header.maxNodes;
  if (maxNodes === null || maxProcs === null || !(maxNodes > 0)) {
    throw new RangeError('the SWF header has neither MaxNodes nor MaxProcs: give --nodes');
  }
  return onePoolCluster({
    nodeCount: options.nodes ?? maxNodes,
    cpusPerNode: maxProcs / maxNodes,
    timeZone: options.timeZone ?? header.timeZoneString ?? 'UTC',
  });
}
