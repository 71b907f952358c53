import { resolveParam } from '../config/params.js';
import { seededRng, type Rng } from '../shared/rng.js';
import type { ClusterSpec, PoolSpec, SimWorkload } from './types.js';
import { WorkloadBuilder } from './workload.js';

/**
 * The synthetic workload: the Lublin–Feitelson model of rigid parallel batch jobs (U. Lublin and
 * D. G. Feitelson, "The workload on parallel supercomputers: modeling the characteristics of rigid
 * jobs", JPDC 63(11):1105–1122, 2003), batch-job parameters as published with the model, plus a weekly
 * cycle, a share of GPU jobs and user time limits. Parameters and their sources: `docs/simulator.md`.
 */

/** Published Lublin–Feitelson parameters for batch jobs (Lublin & Feitelson 2003, model code `m_lublin99`). */
export const LublinFeitelsonBatch = {
  /** Share of serial (one-node) jobs. */
  serialProb: 0.2927,
  /** Share of jobs whose size is a power of two. */
  pow2Prob: 0.6686,
  /** Two-stage uniform over log2(size): low, (high − medGap), high = log2(machine), share of the low stage. */
  uLow: 1.2,
  uMedBelowHigh: 2,
  uProb: 0.875,
  /** log(run time) is hyper-gamma: Gamma(a1, b1) with probability p = pa·nodes + pb, else Gamma(a2, b2). */
  a1: 6.57,
  b1: 0.823,
  a2: 639.1,
  b2: 0.0156,
  pa: -0.003,
  pb: 0.6986,
  /** The model's machine size that `pa` refers to (2^7 nodes). */
  modelNodes: 128,
  /** log(inter-arrival s) at rush hours is Gamma(aArr·arar, bArr). */
  aArr: 6.0415,
  bArr: 0.8531,
  arar: 1.0519,
  /** Jobs per half-hour of the day follow the Gamma(aNum, bNum) density over buckets, starting at bucket 11. */
  aNum: 6.1271,
  bNum: 5.274,
  cycleStartBucket: 11,
} as const;

/** Options of {@link generateSynthetic}; see `resolveSyntheticConfig` for the defaults. */
export interface SyntheticOptions {
  /** Days to generate; default 28. */
  days?: number;
  seed?: number;
  /** UTC Unix seconds of the first day's midnight (in `cluster.timeZone` = UTC by default); default 2024-01-01 (a Monday). */
  startS?: number;
  /** Offered load of the CPU pools (node-seconds asked / node-seconds there); default 0.6. */
  load?: number;
  /** Share of all jobs that ask for GPUs (spread over GPU pools by size); default 0.15. */
  gpuJobShare?: number;
  /** Arrival rate on Saturdays and Sundays relative to weekdays; default 0.6. */
  weekendFactor?: number;
  /** Longest run time and time limit; default 172,800 s (48 h). */
  maxRunS?: number;
  /** Share of jobs whose time limit is the maximum; default 0.15. */
  maxLimitShare?: number;
}

export type ResolvedSyntheticConfig = Required<SyntheticOptions>;

/**
 * Applies the defaults once. @throws {ParameterRangeError} for days or seed outside `Params`;
 * {@link RangeError} for an out-of-range share or load.
 */
export function resolveSyntheticConfig(options: SyntheticOptions): ResolvedSyntheticConfig {
  const c: ResolvedSyntheticConfig = {
    days: resolveParam('days', options.days),
    seed: resolveParam('seed', options.seed),
    startS: options.startS ?? 1_704_067_200,
    load: options.load ?? 0.6,
    gpuJobShare: options.gpuJobShare ?? 0.15,
    weekendFactor: options.weekendFactor ?? 0.6,
    maxRunS: options.maxRunS ?? 172_800,
    maxLimitShare: options.maxLimitShare ?? 0.15,
  };
  if (!(c.gpuJobShare >= 0 && c.gpuJobShare < 1))
    throw new RangeError(`gpuJobShare must be in [0, 1), got ${c.gpuJobShare}`);
  if (!(c.load > 0)) throw new RangeError(`load must be positive, got ${c.load}`);
  return c;
}

/**
 * The cluster the demo and `--synthetic` use unless told otherwise: 512 CPU nodes (64 cores,
 * 256 GiB) and 64 GPU nodes (4 × a100), in UTC.
 */
export function defaultSyntheticCluster(options: { cpuNodes?: number; gpuNodes?: number } = {}): ClusterSpec {
  return {
    timeZone: 'UTC',
    pools: [
      {
        name: 'cpu',
        partition: 'cpu',
        nodeCount: options.cpuNodes ?? 512,
        cpusPerNode: 64,
        memMiBPerNode: 262_144,
        gpusPerNode: 0,
        gpuType: null,
        features: [],
      },
      {
        name: 'gpu',
        partition: 'gpu',
        nodeCount: options.gpuNodes ?? 64,
        cpusPerNode: 64,
        memMiBPerNode: 524_288,
        gpusPerNode: 4,
        gpuType: 'a100',
        features: ['a100'],
      },
    ],
  };
}

const BUCKET_S = 1800;
const BUCKETS = 48;
const POPULAR_LIMITS_S = [
  300, 900, 1800, 3600, 7200, 14_400, 28_800, 43_200, 64_800, 86_400, 129_600, 172_800,
];

/**
 * Generates a workload for `cluster` (pool sizes follow its pools; an unlimited pool is treated as
 * 1,024 nodes for job sizes). Deterministic for a given seed.
 * @throws {RangeError} for bad options.
 * @example const workload = generateSynthetic(defaultSyntheticCluster(), { days: 28, seed: 7 });
 */
export function generateSynthetic(cluster: ClusterSpec, options: SyntheticOptions = {}): SimWorkload {
  const c = resolveSyntheticConfig(options);
  const rng = seededRng(c.seed);
  const weights = dailyWeights();
  const endS = c.startS + c.days * 86_400;
  const builder = new WorkloadBuilder();
  const cpuPools = cluster.pools.map((p, i) => [p, i] as const).filter(([p]) => p.gpusPerNode === 0);
  const gpuPools = cluster.pools.map((p, i) => [p, i] as const).filter(([p]) => p.gpusPerNode > 0);
  // Arrival rates: CPU pools at the offered load; GPU pools share the GPU job share by size.
  const cpuRates = cpuPools.map(
    ([p]) => (c.load * capacityOf(p)) / meanWork(p, c, seededRng(c.seed ^ 0x5bd1e995)),
  );
  const cpuRate = cpuRates.reduce((s, r) => s + r, 0);
  const gpuTotal = gpuPools.reduce((s, [p]) => s + capacityOf(p), 0);
  const gpuRate = cpuRate === 0 ? 0 : (cpuRate * c.gpuJobShare) / Math.max(1e-9, 1 - c.gpuJobShare);
  const streams: { pool: PoolSpec; index: number; rate: number }[] = [
    ...cpuPools.map(([pool, index], k) => ({ pool, index, rate: cpuRates[k] ?? 0 })),
    ...gpuPools.map(([pool, index]) => ({
      pool,
      index,
      rate:
        cpuPools.length === 0
          ? (c.load * capacityOf(pool)) / meanWork(pool, c, seededRng(c.seed))
          : (gpuRate * capacityOf(pool)) / gpuTotal,
    })),
  ];
  // Mean rush-hour inter-arrival of the model, to rescale to each stream's rate.
  const baseMean = meanRushInterArrival(seededRng(c.seed ^ 0x27d4eb2f));
  for (const stream of streams) {
    if (!(stream.rate > 0)) continue;
    const scale = 1 / (stream.rate * baseMean * meanWeight(weights, c.weekendFactor));
    let t = c.startS;
    let pending = 0; // points left to spend
    for (;;) {
      pending += (rushInterArrival(rng) * scale) / BUCKET_S;
      // Spend points bucket by bucket: a bucket of weight w costs w points (busier buckets pass slower).
      while (pending > 0 && t < endS) {
        const bucketStart = Math.floor((t - c.startS) / BUCKET_S);
        const weekday = Math.floor((t - c.startS) / 86_400) % 7;
        const w = (weights[bucketStart % BUCKETS] ?? 1) * (weekday >= 5 ? c.weekendFactor : 1);
        const left = (c.startS + (bucketStart + 1) * BUCKET_S - t) / BUCKET_S;
        if (pending >= left * w) {
          pending -= left * w;
          t = c.startS + (bucketStart + 1) * BUCKET_S;
        } else {
          t += (pending / w) * BUCKET_S;
          pending = 0;
        }
      }
      if (t >= endS) break;
      const nodes = jobNodes(rng, sizeFor(stream.pool));
      const runS = jobRunS(rng, nodes, sizeFor(stream.pool), c.maxRunS);
      builder.push({
        submitS: Math.round(t),
        runS,
        limitS: jobLimitS(rng, runS, c),
        nodes,
        pool: stream.index,
      });
    }
  }
  return builder.build();
}

/** Nodes the offered load refers to; an unlimited pool counts as 1,024 nodes. */
function capacityOf(pool: PoolSpec): number {
  return Number.isFinite(pool.nodeCount) ? pool.nodeCount : 1024;
}

/**
 * The machine size job sizes are drawn for: the pool, but at most the model's own 128 nodes (UHi = 7),
 * so a larger pool gets more jobs of the published size mix rather than ever larger jobs.
 */
function sizeFor(pool: PoolSpec): number {
  return Math.min(
    LublinFeitelsonBatch.modelNodes,
    Number.isFinite(pool.nodeCount) ? pool.nodeCount : LublinFeitelsonBatch.modelNodes,
  );
}

/** Half-hour weights of the daily cycle, mean 1 (Gamma(aNum, bNum) mass per bucket, cyclically shifted). */
function dailyWeights(): Float64Array {
  const m = LublinFeitelsonBatch;
  const w = new Float64Array(BUCKETS);
  for (let i = m.cycleStartBucket; i < BUCKETS + m.cycleStartBucket; i++) {
    // Simpson's rule over [i − 0.5, i + 0.5] of the Gamma density.
    const f = (x: number): number => gammaPdf(x, m.aNum, m.bNum);
    w[(i - 1) % BUCKETS] = (f(i - 0.5) + 4 * f(i) + f(i + 0.5)) / 6;
  }
  const mean = w.reduce((s, v) => s + v, 0) / BUCKETS;
  for (let i = 0; i < BUCKETS; i++) w[i] = (w[i] as number) / mean;
  return w;
}

/** Buckets per week over the week's total weight: rescales the model's rate to a target rate. */
function meanWeight(weights: Float64Array, weekendFactor: number): number {
  // A bucket of weight w costs w points, so arrivals there come w times as often as at weight 1;
  // a week brings ∑w · 1800 s / (mean inter-arrival) jobs.
  let sw = 0;
  for (let d = 0; d < 7; d++)
    for (let b = 0; b < BUCKETS; b++) sw += (weights[b] as number) * (d >= 5 ? weekendFactor : 1);
  return (7 * BUCKETS) / sw;
}

function rushInterArrival(rng: Rng): number {
  const m = LublinFeitelsonBatch;
  for (;;) {
    const x = Math.exp(gammaSample(rng, m.aArr * m.arar, m.bArr));
    if (x < 86_400) return x;
  }
}

function meanRushInterArrival(rng: Rng): number {
  let s = 0;
  const n = 20_000;
  for (let i = 0; i < n; i++) s += rushInterArrival(rng);
  return s / n;
}

function meanWork(pool: PoolSpec, c: ResolvedSyntheticConfig, rng: Rng): number {
  let s = 0;
  const n = 20_000;
  const size = sizeFor(pool);
  for (let i = 0; i < n; i++) {
    const nodes = jobNodes(rng, size);
    s += nodes * jobRunS(rng, nodes, size, c.maxRunS);
  }
  return s / n;
}

/** Job size: serial, power of two, or any, from the two-stage uniform over log2(size). */
function jobNodes(rng: Rng, poolNodes: number): number {
  const m = LublinFeitelsonBatch;
  const u = rng.next();
  if (u <= m.serialProb || poolNodes < 2) return 1;
  const hi = Math.log2(poolNodes);
  const low = Math.min(m.uLow, hi);
  const med = Math.max(low, hi - m.uMedBelowHigh);
  const stage = rng.next() <= m.uProb;
  let par = stage ? low + rng.next() * (med - low) : med + rng.next() * (hi - med);
  if (u <= m.serialProb + m.pow2Prob) par = Math.round(par);
  return Math.max(1, Math.min(poolNodes, Math.round(2 ** par)));
}

/** Run time: log is hyper-gamma, the mix depending on the size (scaled to the model's 128 nodes). */
function jobRunS(rng: Rng, nodes: number, poolNodes: number, maxRunS: number): number {
  const m = LublinFeitelsonBatch;
  const modelNodes = (nodes * m.modelNodes) / poolNodes;
  const p = Math.min(1, Math.max(0, m.pa * modelNodes + m.pb));
  for (;;) {
    const first = rng.next() <= p;
    const x = Math.exp(first ? gammaSample(rng, m.a1, m.b1) : gammaSample(rng, m.a2, m.b2));
    if (x <= maxRunS) return Math.max(1, Math.round(x));
  }
}

/**
 * Time limit: a share of users ask for the maximum; the others ask for the run time over a uniform
 * accuracy in (0.05, 1], rounded up to a popular value (Tsafrir, Etsion & Feitelson 2005 observe that
 * limits cluster on a few round values).
 */
function jobLimitS(rng: Rng, runS: number, c: ResolvedSyntheticConfig): number {
  if (rng.next() < c.maxLimitShare) return c.maxRunS;
  const wanted = runS / (0.05 + 0.95 * rng.next());
  for (const v of POPULAR_LIMITS_S) if (v >= wanted && v <= c.maxRunS) return v;
  return Math.max(c.maxRunS, runS);
}

/** Gamma(shape, scale) by Marsaglia & Tsang (2000), with the shape < 1 boost. */
export function gammaSample(rng: Rng, shape: number, scale: number): number {
  if (shape < 1)
    return gammaSample(rng, shape + 1, scale) * Math.pow(Math.max(rng.next(), 1e-300), 1 / shape);
  const d = shape - 1 / 3;
  const cc = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normalSample(rng);
      v = 1 + cc * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v * scale;
    if (Math.log(Math.max(u, 1e-300)) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
  }
}

function normalSample(rng: Rng): number {
  const u1 = Math.max(rng.next(), 1e-300);
  const u2 = rng.next();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

function gammaPdf(x: number, shape: number, scale: number): number {
  if (x <= 0) return 0;
  return Math.exp((shape - 1) * Math.log(x) - x / scale - logGamma(shape) - shape * Math.log(scale));
}

/** log Γ(x) by the Lanczos approximation (g = 7, n = 9). */
function logGamma(x: number): number {
  const g = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = g[0] as number;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += (g[i] as number) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}
