import { resolveParam } from '../config/params.js';
import type { Decision, Observation, PoolObservation, ProvisioningPolicy } from '../plan/types.js';
import { seededRng, type Rng } from '../shared/rng.js';
import { EventHeap, RunDeque } from './heap.js';
import { computeMetrics } from './metrics.js';
import type { Backfill, ClusterSpec, ReservationSpec, SimResult, SimWorkload } from './types.js';

/** Options of {@link simulate}; defaults are applied once by {@link resolveSimulateConfig}. */
export interface SimulateOptions {
  policy: ProvisioningPolicy;
  /** Seconds from power-up until a node can run a job; default `Params.bootS` (300). */
  bootS?: number;
  /** Slurm's SuspendTime: idle seconds before a node powers down; default `Params.idleS` (600). */
  idleS?: number;
  /** Default `easy`. */
  backfill?: Backfill;
  /** Queued jobs the backfill pass looks at, after the head (Slurm's `bf_max_job_test`); default 500. */
  backfillMaxJobs?: number;
  /** Uniform extra boot time in [0, bootJitterS), drawn from the seeded Rng; default 0. */
  bootJitterS?: number;
  seed?: number;
  /** Called every few thousand arrivals with (jobs arrived, jobs in total). */
  onProgress?: (arrived: number, total: number) => void;
}

export interface ResolvedSimulateConfig {
  policy: ProvisioningPolicy;
  bootS: number;
  idleS: number;
  backfill: Backfill;
  backfillMaxJobs: number;
  bootJitterS: number;
  seed: number;
  onProgress: ((arrived: number, total: number) => void) | null;
}

/**
 * Applies the defaults once (from `Params`).
 * @throws {ParameterRangeError} for a time, seed or count outside its range.
 * @throws {RangeError} for an unknown backfill.
 */
export function resolveSimulateConfig(options: SimulateOptions): ResolvedSimulateConfig {
  const config: ResolvedSimulateConfig = {
    policy: options.policy,
    bootS: resolveParam('bootS', options.bootS),
    idleS: resolveParam('idleS', options.idleS),
    backfill: options.backfill ?? 'easy',
    backfillMaxJobs: resolveParam('backfillMaxJobs', options.backfillMaxJobs),
    bootJitterS: resolveParam('bootJitterS', options.bootJitterS),
    seed: resolveParam('seed', options.seed),
    onProgress: options.onProgress ?? null,
  };
  if (config.backfill !== 'easy' && config.backfill !== 'none')
    throw new RangeError(`unknown backfill "${String(config.backfill)}"`);
  return config;
}

// Event types, in the low 3 bits of an event code.
const T_START = 0;
const T_END = 1;
const T_READY = 2;
const T_SUSPEND = 3;
const T_RESV_START = 4;
const T_RESV_END = 5;

/** Run-time state of one pool (or of one reservation, which is a pool carved out of its parent). */
class PoolState {
  readonly name: string;
  readonly gpusPerNode: number;
  total: number;
  off = 0;
  busy = 0;
  /** Nodes allocated to a job that has not started yet (booting, or waiting for its other nodes). */
  waitingBoot = 0;
  readonly idle = new RunDeque();
  readonly freeBoot = new RunDeque();
  floor = 0;
  suspendPending = false;
  queue: number[] = [];
  qHead = 0;
  pendingNodes = 0;
  runKey = new Float64Array(64);
  runNodes = new Float64Array(64);
  runJob = new Int32Array(64);
  runCount = 0;
  dirty = false;
  // Reservation bookkeeping.
  readonly parent: number;
  readonly reservation: number;
  closed = false;
  owedCount = 0;
  readonly owed: number[] = [];
  // Accounting (node-seconds).
  lastS: number;
  idleNodeS = 0;
  poweredNodeS = 0;
  heldGpuS = 0;

  constructor(
    name: string,
    total: number,
    gpusPerNode: number,
    startS: number,
    parent: number,
    reservation: number,
  ) {
    this.name = name;
    this.total = total;
    this.gpusPerNode = gpusPerNode;
    this.lastS = startS;
    this.parent = parent;
    this.reservation = reservation;
  }

  get queued(): number {
    return this.queue.length - this.qHead;
  }
}

/**
 * Runs a workload through a Slurm-like scheduler on a virtual clock: FCFS with EASY backfill (or
 * none) per pool using the jobs' time limits, reservations, node power states (off → booting →
 * idle ↔ busy, idle → off after the idle time), and a provisioning policy called every
 * `policy.intervalS` with the state it may see. Deterministic for a given workload, cluster and seed.
 * See `docs/simulator.md` for the model.
 *
 * @throws {RangeError} for bad options or a workload that names a pool the cluster does not have.
 * @example
 * const result = simulate(workload, cluster, { policy: reactivePolicy(), bootS: 300, idleS: 600 });
 * result.metrics.meanWaitS;
 */
export function simulate(workload: SimWorkload, cluster: ClusterSpec, options: SimulateOptions): SimResult {
  const config = resolveSimulateConfig(options);
  return new Simulation(workload, cluster, config).run();
}

class Simulation {
  readonly w: SimWorkload;
  readonly cluster: ClusterSpec;
  readonly cfg: ResolvedSimulateConfig;
  readonly policy: ProvisioningPolicy;
  readonly rng: Rng;
  readonly heap = new EventHeap(4096);
  readonly pools: PoolState[] = [];
  readonly topPools: number;
  readonly reservations: ReservationSpec[] = [];
  readonly resvPool: number[] = [];
  readonly poolByName = new Map<string, number>();
  readonly jobPool: Int32Array;
  readonly allocS: Float64Array;
  readonly startS: Float64Array;
  readonly suspendAfterS: number;
  now: number;
  readonly t0: number;
  boots = 0;
  events = 0;
  decisions = 0;
  rejected: number;
  dirtyList: number[] = [];

  constructor(w: SimWorkload, cluster: ClusterSpec, cfg: ResolvedSimulateConfig) {
    this.w = w;
    this.cluster = cluster;
    this.cfg = cfg;
    this.policy = cfg.policy;
    this.rng = seededRng(cfg.seed);
    this.rejected = w.rejected;
    this.t0 = w.count > 0 ? (w.submitS[0] as number) : 0;
    this.now = this.t0;
    this.suspendAfterS = this.policy.powerSaving ? cfg.idleS : Number.POSITIVE_INFINITY;
    this.jobPool = new Int32Array(w.count).fill(-1);
    this.allocS = new Float64Array(w.count).fill(Number.NaN);
    this.startS = new Float64Array(w.count).fill(Number.NaN);
    cluster.pools.forEach((spec, i) => {
      const pool = new PoolState(spec.name, spec.nodeCount, spec.gpusPerNode, this.t0, -1, -1);
      if (this.policy.powerSaving || !Number.isFinite(spec.nodeCount)) pool.off = spec.nodeCount;
      else pool.idle.pushBack(this.t0, spec.nodeCount);
      this.pools.push(pool);
      this.poolByName.set(spec.name, i);
    });
    this.topPools = this.pools.length;
    for (const r of cluster.reservations ?? []) this.addReservation(r);
  }

  addReservation(r: ReservationSpec): number {
    const parent = this.poolByName.get(r.pool);
    if (parent === undefined) throw new RangeError(`reservation ${r.name} names unknown pool ${r.pool}`);
    const index = this.reservations.length;
    const spec = this.cluster.pools[parent];
    const pool = new PoolState(`${r.pool}@${r.name}`, 0, spec?.gpusPerNode ?? 0, this.now, parent, index);
    this.reservations.push(r);
    this.resvPool.push(this.pools.length);
    this.pools.push(pool);
    this.heap.push(Math.max(this.now, r.startS), (index << 3) | T_RESV_START);
    this.heap.push(Math.max(this.now, r.endS), (index << 3) | T_RESV_END);
    return index;
  }

  run(): SimResult {
    const w = this.w;
    const n = w.count;
    const interval = this.policy.intervalS;
    let nextTick = Number.isFinite(interval) && interval > 0 ? this.t0 : Number.POSITIVE_INFINITY;
    let ai = 0;
    let lastTickArrival = 0;
    let live = 0; // jobs arrived and not ended
    const progressEvery = 1 << 13;
    // At the start (a caller can tell the run has begun), every 8,192 arrivals and at each policy tick:
    // a forecasting policy spends its time in ticks, between arrivals.
    this.cfg.onProgress?.(0, n);
    for (;;) {
      const tHeap = this.heap.peekTime();
      const tArr = ai < n ? (w.submitS[ai] as number) : Number.POSITIVE_INFINITY;
      const tTick = ai < n || live > 0 ? nextTick : Number.POSITIVE_INFINITY;
      const now = Math.min(tHeap, tArr, tTick);
      if (now === Number.POSITIVE_INFINITY) break;
      this.now = now;
      while (this.heap.size > 0 && this.heap.peekTime() <= now) {
        const code = this.heap.pop();
        this.events++;
        const id = code >>> 3;
        switch (code & 7) {
          case T_START:
            this.onStart(id);
            break;
          case T_END:
            this.onEnd(id);
            live--;
            break;
          case T_READY:
            this.onReady(id);
            break;
          case T_SUSPEND:
            this.onSuspend(id);
            break;
          case T_RESV_START:
            this.onResvStart(id);
            break;
          case T_RESV_END:
            this.onResvEnd(id);
            break;
        }
      }
      while (ai < n && (w.submitS[ai] as number) <= now) {
        if (this.arrive(ai)) live++;
        this.events++;
        ai++;
        if (this.cfg.onProgress !== null && (ai & (progressEvery - 1)) === 0) this.cfg.onProgress(ai, n);
      }
      if (nextTick <= now) {
        this.cfg.onProgress?.(ai, n);
        this.tick(lastTickArrival, ai);
        lastTickArrival = ai;
        nextTick += interval;
        if (nextTick <= now) nextTick = now + interval;
      }
      for (let k = 0; k < this.dirtyList.length; k++) this.schedule(this.dirtyList[k] as number);
      this.dirtyList.length = 0;
    }
    for (const pool of this.pools) this.touch(pool);
    this.cfg.onProgress?.(n, n);
    const metrics = computeMetrics({
      workload: w,
      allocS: this.allocS,
      startS: this.startS,
      rejected: this.rejected,
      spanS: this.now - this.t0,
      capacityNodes: this.cluster.pools.reduce((s, p) => s + p.nodeCount, 0),
      idleNodeS: this.pools.reduce((s, p) => s + p.idleNodeS, 0),
      poweredNodeS: this.pools.reduce((s, p) => s + p.poweredNodeS, 0),
      heldGpuS: this.pools.reduce((s, p) => s + p.heldGpuS, 0),
      boots: this.boots,
    });
    return {
      policy: this.policy.name,
      metrics,
      outcomes: { allocS: this.allocS, startS: this.startS },
      decisions: this.decisions,
      events: this.events,
    };
  }

  /** Brings a pool's node-second integrals up to now; call before changing its counts. */
  touch(p: PoolState): void {
    const dt = this.now - p.lastS;
    if (dt <= 0) return;
    const free = p.idle.total + p.freeBoot.total;
    p.idleNodeS += (free + p.waitingBoot) * dt;
    p.poweredNodeS += (free + p.busy) * dt;
    const held = p.reservation >= 0 ? free + p.waitingBoot : Math.min(p.floor, free);
    p.heldGpuS += held * p.gpusPerNode * dt;
    p.lastS = this.now;
  }

  markDirty(index: number): void {
    const p = this.pools[index] as PoolState;
    if (p.dirty) return;
    p.dirty = true;
    this.dirtyList.push(index);
  }

  arrive(j: number): boolean {
    const w = this.w;
    let target = w.pool[j] as number;
    const r = w.reservation[j] as number;
    if (r >= 0 && r < this.resvPool.length) {
      const rp = this.resvPool[r] as number;
      if (!(this.pools[rp] as PoolState).closed) target = rp;
    }
    const pool = this.pools[target];
    const nodes = w.nodes[j] as number;
    const capacity =
      pool === undefined
        ? 0
        : pool.reservation >= 0
          ? (this.reservations[pool.reservation]?.nodeCount ?? 0)
          : (this.cluster.pools[target]?.nodeCount ?? 0);
    if (pool === undefined || nodes > capacity || nodes <= 0) {
      this.rejected++;
      return false;
    }
    this.jobPool[j] = target;
    pool.queue.push(j);
    pool.pendingNodes += nodes;
    this.markDirty(target);
    return true;
  }

  /** FCFS, then EASY backfill behind the head job's reservation (shadow time and extra nodes). */
  schedule(index: number): void {
    const p = this.pools[index] as PoolState;
    p.dirty = false;
    const w = this.w;
    const nodes = w.nodes;
    let avail = p.idle.total + p.freeBoot.total + p.off;
    const q = p.queue;
    while (p.qHead < q.length) {
      const j = q[p.qHead] as number;
      const need = nodes[j] as number;
      if (need > avail) break;
      this.allocate(p, j);
      avail -= need;
      p.qHead++;
    }
    if (p.qHead < q.length && this.cfg.backfill === 'easy' && avail > 0) {
      const head = q[p.qHead] as number;
      const need = nodes[head] as number;
      let acc = avail;
      let shadow = Number.POSITIVE_INFINITY;
      let extra = 0;
      for (let k = 0; k < p.runCount; k++) {
        acc += p.runNodes[k] as number;
        if (acc >= need) {
          shadow = p.runKey[k] as number;
          extra = acc - need;
          break;
        }
      }
      const limitS = w.limitS;
      const end = Math.min(q.length, p.qHead + 1 + this.cfg.backfillMaxJobs);
      let removed = 0;
      for (let i = p.qHead + 1; i < end && avail > 0; i++) {
        const j = q[i] as number;
        const k = nodes[j] as number;
        if (k > avail) continue;
        const boot = k > p.idle.total ? this.cfg.bootS : 0;
        if (this.now + boot + (limitS[j] as number) <= shadow) {
          // ends before the head job needs the nodes
        } else if (k <= extra) {
          extra -= k;
        } else {
          continue;
        }
        this.allocate(p, j);
        avail -= k;
        q[i] = -1;
        removed++;
      }
      if (removed > 0) {
        let o = p.qHead + 1;
        for (let i = p.qHead + 1; i < q.length; i++) {
          const j = q[i] as number;
          if (j >= 0) q[o++] = j;
        }
        q.length = o;
      }
    }
    if (p.qHead > 1024 && p.qHead * 2 > q.length) {
      p.queue = q.slice(p.qHead);
      p.qHead = 0;
    }
    this.topUp(p);
  }

  allocate(p: PoolState, j: number): void {
    this.touch(p);
    const w = this.w;
    const n = w.nodes[j] as number;
    const now = this.now;
    let rem = n - p.idle.takeBack(n);
    let ready = now;
    while (rem > 0 && !p.freeBoot.empty) {
      const before = p.freeBoot.total;
      const t = p.freeBoot.takeFront(rem);
      rem -= before - p.freeBoot.total;
      if (t > ready) ready = t;
    }
    if (rem > 0) {
      p.off -= rem;
      this.boots += rem;
      const boot = this.cfg.bootS + (this.cfg.bootJitterS > 0 ? this.rng.next() * this.cfg.bootJitterS : 0);
      if (now + boot > ready) ready = now + boot;
    }
    p.busy += n;
    p.pendingNodes -= n;
    this.allocS[j] = now;
    this.startS[j] = ready;
    if (ready > now) {
      p.waitingBoot += n;
      this.heap.push(ready, (j << 3) | T_START);
    }
    this.heap.push(ready + (w.runS[j] as number), (j << 3) | T_END);
    this.insertRunning(p, ready + (w.limitS[j] as number), n, j);
  }

  insertRunning(p: PoolState, key: number, n: number, j: number): void {
    if (p.runCount === p.runKey.length) {
      const cap = p.runKey.length * 2;
      const k2 = new Float64Array(cap);
      k2.set(p.runKey);
      const n2 = new Float64Array(cap);
      n2.set(p.runNodes);
      const j2 = new Int32Array(cap);
      j2.set(p.runJob);
      p.runKey = k2;
      p.runNodes = n2;
      p.runJob = j2;
    }
    let lo = 0;
    let hi = p.runCount;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((p.runKey[mid] as number) <= key) lo = mid + 1;
      else hi = mid;
    }
    p.runKey.copyWithin(lo + 1, lo, p.runCount);
    p.runNodes.copyWithin(lo + 1, lo, p.runCount);
    p.runJob.copyWithin(lo + 1, lo, p.runCount);
    p.runKey[lo] = key;
    p.runNodes[lo] = n;
    p.runJob[lo] = j;
    p.runCount++;
  }

  removeRunning(p: PoolState, j: number): void {
    const key = (this.startS[j] as number) + (this.w.limitS[j] as number);
    let lo = 0;
    let hi = p.runCount;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((p.runKey[mid] as number) < key) lo = mid + 1;
      else hi = mid;
    }
    let i = lo;
    while (i < p.runCount && p.runJob[i] !== j) i++;
    if (i === p.runCount) return;
    p.runKey.copyWithin(i, i + 1, p.runCount);
    p.runNodes.copyWithin(i, i + 1, p.runCount);
    p.runJob.copyWithin(i, i + 1, p.runCount);
    p.runCount--;
  }

  onStart(j: number): void {
    const p = this.pools[this.jobPool[j] as number] as PoolState;
    this.touch(p);
    p.waitingBoot -= this.w.nodes[j] as number;
  }

  onEnd(j: number): void {
    const index = this.jobPool[j] as number;
    const p = this.pools[index] as PoolState;
    this.touch(p);
    const n = this.w.nodes[j] as number;
    p.busy -= n;
    this.removeRunning(p, j);
    this.markDirty(index);
    if (p.closed) {
      // A reservation that has ended hands its nodes back as their jobs finish.
      const parent = this.pools[p.parent] as PoolState;
      this.touch(parent);
      p.total -= n;
      parent.idle.pushBack(this.now, n);
      this.ensureSuspendCheck(p.parent);
      this.markDirty(p.parent);
      return;
    }
    let left = n;
    while (left > 0 && p.owed.length > 0) {
      const childIndex = p.owed[0] as number;
      const child = this.pools[childIndex] as PoolState;
      this.touch(child);
      const give = Math.min(left, child.owedCount);
      child.idle.pushBack(this.now, give);
      child.owedCount -= give;
      p.total -= give;
      left -= give;
      if (child.owedCount === 0) p.owed.shift();
      this.ensureSuspendCheck(childIndex);
      this.markDirty(childIndex);
    }
    p.idle.pushBack(this.now, left);
    this.ensureSuspendCheck(index);
  }

  onReady(index: number): void {
    const p = this.pools[index] as PoolState;
    this.touch(p);
    while (!p.freeBoot.empty && p.freeBoot.frontTime() <= this.now) {
      const c = p.freeBoot.frontCount();
      p.freeBoot.takeFront(c);
      p.idle.pushBack(this.now, c);
    }
    this.ensureSuspendCheck(index);
  }

  ensureSuspendCheck(index: number): void {
    const p = this.pools[index] as PoolState;
    if (p.suspendPending || p.idle.total <= p.floor || !Number.isFinite(this.suspendAfterS)) return;
    p.suspendPending = true;
    this.heap.push(Math.max(this.now, p.idle.frontTime() + this.suspendAfterS), (index << 3) | T_SUSPEND);
  }

  onSuspend(index: number): void {
    const p = this.pools[index] as PoolState;
    p.suspendPending = false;
    this.touch(p);
    while (p.idle.total > p.floor && p.idle.frontTime() + this.suspendAfterS <= this.now) {
      const k = Math.min(p.idle.frontCount(), p.idle.total - p.floor);
      p.idle.takeFront(k);
      p.off += k;
    }
    this.ensureSuspendCheck(index);
  }

  powerUp(index: number, count: number): void {
    const p = this.pools[index] as PoolState;
    const k = Math.min(Math.max(0, Math.floor(count)), p.off);
    if (!(k > 0)) return;
    this.touch(p);
    p.off -= k;
    this.boots += k;
    const readyS = this.now + this.cfg.bootS;
    p.freeBoot.pushBack(readyS, k);
    this.heap.push(readyS, (index << 3) | T_READY);
  }

  powerDown(index: number, count: number): void {
    const p = this.pools[index] as PoolState;
    const k = Math.min(Math.max(0, Math.floor(count)), p.idle.total);
    if (!(k > 0)) return;
    this.touch(p);
    p.idle.takeFront(k);
    p.off += k;
  }

  topUp(p: PoolState): void {
    if (!this.policy.powerSaving || p.floor <= 0) return;
    const deficit = p.floor - p.idle.total - p.freeBoot.total;
    if (deficit > 0) this.powerUp(this.pools.indexOf(p), deficit);
  }

  onResvStart(r: number): void {
    const childIndex = this.resvPool[r] as number;
    const child = this.pools[childIndex] as PoolState;
    const parentIndex = child.parent;
    const parent = this.pools[parentIndex] as PoolState;
    const spec = this.reservations[r] as ReservationSpec;
    if (child.closed) return;
    this.touch(parent);
    this.touch(child);
    let want = spec.nodeCount;
    const fromIdle = Math.min(want, parent.idle.total);
    parent.idle.takeFront(fromIdle);
    child.idle.pushBack(this.now, fromIdle);
    want -= fromIdle;
    const fromOff = Math.min(want, parent.off);
    parent.off -= fromOff;
    child.off += fromOff;
    want -= fromOff;
    if (Number.isFinite(parent.total)) parent.total -= fromIdle + fromOff;
    child.total = spec.nodeCount;
    if (want > 0) {
      child.owedCount = want;
      parent.owed.push(childIndex);
    }
    this.ensureSuspendCheck(childIndex);
    this.markDirty(childIndex);
  }

  onResvEnd(r: number): void {
    const childIndex = this.resvPool[r] as number;
    const child = this.pools[childIndex] as PoolState;
    const parentIndex = child.parent;
    const parent = this.pools[parentIndex] as PoolState;
    this.touch(parent);
    this.touch(child);
    child.closed = true;
    const back = child.idle.total + child.freeBoot.total + child.off;
    parent.idle.pushBack(this.now, child.idle.takeBack(child.idle.total));
    parent.off += child.freeBoot.takeBack(child.freeBoot.total) + child.off;
    child.off = 0;
    child.total -= back;
    if (Number.isFinite(parent.total)) parent.total += back;
    const owedAt = parent.owed.indexOf(childIndex);
    if (owedAt >= 0) parent.owed.splice(owedAt, 1);
    child.owedCount = 0;
    // Jobs still waiting for the reservation fall back to the partition.
    for (let i = child.qHead; i < child.queue.length; i++) {
      const j = child.queue[i] as number;
      this.jobPool[j] = parentIndex;
      parent.queue.push(j);
      parent.pendingNodes += this.w.nodes[j] as number;
    }
    child.queue = [];
    child.qHead = 0;
    child.pendingNodes = 0;
    this.ensureSuspendCheck(parentIndex);
    this.markDirty(parentIndex);
  }

  tick(fromArrival: number, toArrival: number): void {
    const w = this.w;
    const pools: PoolObservation[] = [];
    for (let i = 0; i < this.topPools; i++) {
      const p = this.pools[i] as PoolState;
      pools.push({
        pool: p.name,
        totalNodes: p.total,
        offNodes: p.off,
        bootingNodes: p.freeBoot.total,
        idleNodes: p.idle.total,
        busyNodes: p.busy,
        pendingJobs: p.queued,
        pendingNodes: p.pendingNodes,
        gpusPerNode: p.gpusPerNode,
      });
    }
    const observation: Observation = {
      nowS: this.now,
      pools,
      arrivals: {
        count: toArrival - fromArrival,
        submitS: w.submitS.subarray(fromArrival, toArrival),
        pool: w.pool.subarray(fromArrival, toArrival),
        nodes: w.nodes.subarray(fromArrival, toArrival),
      },
    };
    const plan = this.policy.decide(observation);
    for (const d of plan.decisions) this.apply(d);
  }

  apply(d: Decision): void {
    const index = this.poolByName.get(d.pool);
    if (index === undefined) return;
    this.decisions++;
    switch (d.kind) {
      case 'power-up':
        this.powerUp(index, d.nodes);
        break;
      case 'power-down':
        this.powerDown(index, d.nodes);
        break;
      case 'keep-warm': {
        const p = this.pools[index] as PoolState;
        this.touch(p);
        p.floor = Math.max(0, d.nodes);
        this.topUp(p);
        this.ensureSuspendCheck(index);
        break;
      }
      case 'reserve':
        this.addReservation({
          name: d.name,
          pool: d.pool,
          nodeCount: d.nodes,
          startS: d.startS,
          endS: d.endS,
        });
        break;
    }
  }
}
