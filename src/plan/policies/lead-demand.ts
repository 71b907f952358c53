import { DateTime } from 'luxon';
import { ArrivalLog } from './arrival-log.js';
import type { ArrivalColumns } from '../types.js';

/**
 * What the next lead window (one boot time plus one decision interval) will ask for, per pool, as a
 * distribution learnt online: at every decision the policy records the context it saw, and once the
 * window has passed, the nodes that really arrived in it are counted into that context's histogram.
 *
 * The context is what a forecast can know and Slurm's idle timer cannot:
 * - the nodes asked for in the last lead window (users submit in sessions: a submission raises the
 *   chance of the next within minutes),
 * - on how many of the last seven days something arrived in this same window of the day (jobs that
 *   recur at a time of day, such as cron-driven pipelines),
 * - the local hour of day and whether it is a weekend.
 * A context seen too rarely backs off to coarser ones (recent and daily only, then recent only), and
 * older windows weigh less (a half-life), so a drifting workload is followed. Nothing after the
 * decision time is ever read: an outcome is counted only once its window is over.
 */

/** Histogram bins: 0–32 nodes one by one, then eight bins per doubling up to the last bin. */
const EXACT_BINS = 32;
const BINS = 96;
const binOf = (nodes: number): number =>
  nodes <= EXACT_BINS
    ? Math.max(0, Math.round(nodes))
    : Math.min(BINS - 1, EXACT_BINS + Math.floor(Math.log2(nodes / EXACT_BINS) * 8));
/** The largest node count a bin holds (a quantile rounds up: warming one node too many beats one too few). */
const valueOf = (bin: number): number =>
  bin <= EXACT_BINS ? bin : Math.ceil(EXACT_BINS * 2 ** ((bin - EXACT_BINS + 1) / 8));

/** Windows are half-open on the left, (from, to]; arrival times are whole or fractional seconds. */
const EPS_S = 1e-6;
const RECENT_EDGES = [0, 1, 2, 4, 8, 16, 32] as const;
const DAILY_EDGES = [0, 1, 3] as const;
const binIndex = (v: number, edges: readonly number[]): number => {
  let i = 0;
  while (i < edges.length && v > (edges[i] as number)) i++;
  return i;
};
const RECENT_CLASSES = RECENT_EDGES.length + 1;
const DAILY_CLASSES = DAILY_EDGES.length + 1;
const CALENDAR_CLASSES = 48;

/** Options of {@link LeadDemandModel}. */
export interface LeadDemandOptions {
  pools: number;
  /** The window a decision looks ahead: boot time plus decision interval. */
  leadS: number;
  timeZone: string;
  /** Jobs of more nodes are not counted (warming for them costs more than the wait it saves). */
  maxJobNodes: number;
  /** Age at which an observed window counts half. */
  halfLifeS: number;
  /** Observations a context needs before its own histogram is used (each counts less with age: 1 when new). */
  minWeight: number;
}

interface Pending {
  readonly atS: number;
  readonly pool: number;
  readonly cells: readonly number[];
}

export class LeadDemandModel {
  readonly #o: LeadDemandOptions;
  readonly #log: ArrivalLog;
  /** Histogram per context cell: BINS weights then their total. */
  readonly #cells = new Map<number, Float64Array>();
  readonly #pending: Pending[] = [];
  #pendingHead = 0;
  /** Weights are stored scaled by 2^((t − #originS) / half-life), so that old ones never need rescaling one by one. */
  #originS = Number.NaN;
  #offsetHour = Number.NaN;
  #offsetS = 0;

  constructor(options: LeadDemandOptions) {
    this.#o = options;
    this.#log = new ArrivalLog(options.pools);
  }

  /** Adds arrivals (in submit order, never from after the next decision time). */
  observe(arrivals: ArrivalColumns): void {
    // Most decisions see no arrival: nothing to copy.
    if (arrivals.count === 0) return;
    const cap = this.#o.maxJobNodes;
    const keep: number[] = [];
    for (let i = 0; i < arrivals.count; i++) if ((arrivals.nodes[i] ?? 0) <= cap) keep.push(i);
    this.#log.add({
      count: keep.length,
      submitS: keep.map((i) => arrivals.submitS[i] ?? 0),
      pool: keep.map((i) => arrivals.pool[i] ?? -1),
      nodes: keep.map((i) => arrivals.nodes[i] ?? 0),
    });
  }

  /**
   * Counts every window that has ended by `nowS` into its contexts, then returns the `levels`
   * quantiles (in nodes) of what the window starting now will ask for in `pool`, and remembers this
   * decision's context so that its outcome is learnt later.
   */
  decide(pool: number, nowS: number, levels: readonly number[]): number[] {
    this.#learnUntil(nowS);
    const cells = this.#contextCells(pool, nowS);
    this.#pending.push({ atS: nowS, pool, cells });
    return levels.map((level) => this.#quantile(cells, level, nowS));
  }

  #learnUntil(nowS: number): void {
    const lead = this.#o.leadS;
    while (this.#pendingHead < this.#pending.length) {
      const p = this.#pending[this.#pendingHead] as Pending;
      if (p.atS + lead > nowS) break;
      this.#pendingHead++;
      // (atS, atS + lead]: an arrival at the decision time itself was seen by it, as "recent".
      const bin = binOf(this.#log.nodesBetween(p.pool, p.atS + EPS_S, p.atS + lead + EPS_S));
      const w = this.#weightAt(p.atS);
      for (const cell of p.cells) {
        let h = this.#cells.get(cell);
        if (h === undefined) this.#cells.set(cell, (h = new Float64Array(BINS + 1)));
        h[bin] = (h[bin] ?? 0) + w;
        h[BINS] = (h[BINS] ?? 0) + w;
      }
    }
    if (this.#pendingHead > 4096 && this.#pendingHead * 2 > this.#pending.length) {
      this.#pending.splice(0, this.#pendingHead);
      this.#pendingHead = 0;
    }
  }

  #weightAt(tS: number): number {
    if (Number.isNaN(this.#originS)) this.#originS = tS;
    let w = 2 ** ((tS - this.#originS) / this.#o.halfLifeS);
    if (w > 1e150) {
      // Rebase every weight to the present: the same ratios, small numbers again.
      for (const h of this.#cells.values()) for (let b = 0; b <= BINS; b++) h[b] = (h[b] ?? 0) / w;
      this.#originS = tS;
      w = 1;
    }
    return w;
  }

  /** The context cells of a decision, most specific first. */
  #contextCells(pool: number, nowS: number): number[] {
    const lead = this.#o.leadS;
    const recent = binIndex(this.#log.nodesBetween(pool, nowS - lead + EPS_S, nowS + EPS_S), RECENT_EDGES);
    let days = 0;
    for (let k = 1; k <= 7; k++)
      if (this.#log.nodesBetween(pool, nowS - k * 86_400 + EPS_S, nowS - k * 86_400 + lead + EPS_S) > 0)
        days++;
    const daily = binIndex(days, DAILY_EDGES);
    const local = nowS + this.#localOffsetS(nowS);
    const hour = Math.floor((((local % 86_400) + 86_400) % 86_400) / 3600);
    const weekday = (((Math.floor(local / 86_400) + 3) % 7) + 7) % 7; // 0 = Monday … 6 = Sunday
    const calendar = hour * 2 + (weekday >= 5 ? 1 : 0);
    const coarse = pool * RECENT_CLASSES + recent;
    const middle = coarse * DAILY_CLASSES + daily;
    const fine = middle * CALENDAR_CLASSES + calendar;
    // Three disjoint key ranges, one per level of detail.
    const span = this.#o.pools * RECENT_CLASSES * DAILY_CLASSES * CALENDAR_CLASSES;
    return [fine, span + middle, 2 * span + coarse];
  }

  /** The zone's UTC offset, looked up once per hour (DST changes on the hour). */
  #localOffsetS(nowS: number): number {
    const hour = Math.floor(nowS / 3600);
    if (hour !== this.#offsetHour) {
      this.#offsetHour = hour;
      this.#offsetS = DateTime.fromSeconds(nowS, { zone: this.#o.timeZone }).offset * 60;
    }
    return this.#offsetS;
  }

  #quantile(cells: readonly number[], level: number, nowS: number): number {
    const scale = this.#weightAt(nowS);
    for (const cell of cells) {
      const h = this.#cells.get(cell);
      const total = h?.[BINS] ?? 0;
      if (h === undefined || total / scale < this.#o.minWeight) continue;
      const target = level * total;
      let sum = 0;
      for (let b = 0; b < BINS; b++) {
        sum += h[b] ?? 0;
        if (sum >= target) return valueOf(b);
      }
      return valueOf(BINS - 1);
    }
    // Not even the coarsest context has been seen often enough: nothing to go on, keep nothing warm.
    return 0;
  }
}
