import { quantileSorted } from '../shared/quantile.js';

/**
 * How closely two schedules of the same jobs agree: a reference (Slurm itself, replaying a log slice)
 * and a candidate (the simulator, on the same jobs and machine). Both sides list the jobs in the same
 * order, the order they were submitted in, with times on one clock. Pure and allocation-light; the
 * pairwise statistics are O(n²), meant for replays of hundreds to a few thousand jobs.
 */

/** One side's schedule: submit and start time of every job, in submission order, on a shared clock. */
export interface Schedule {
  readonly submitS: ArrayLike<number>;
  readonly startS: ArrayLike<number>;
}

/** Options of {@link scheduleAgreement}; {@link resolveAgreementOptions} applies the defaults. */
export interface AgreementOptions {
  /** Start-time differences to report the share of jobs within (seconds); default 1, 5, 15, 60. */
  withinS?: readonly number[];
  /** A job counts as having waited when its wait is longer than this; default 0 s. */
  waitedAboveS?: number;
  /**
   * A job counts as having overtaken when it started more than this before a job submitted earlier
   * had started; default 0 s. Above 0, start jitter of a scheduling cycle (and whole-second
   * timestamps) is not taken for backfill.
   */
  overtookByS?: number;
}

/** {@link AgreementOptions} with every field set. */
export interface ResolvedAgreementOptions {
  readonly withinS: readonly number[];
  readonly waitedAboveS: number;
  readonly overtookByS: number;
}

/**
 * Applies the defaults once.
 * @throws {RangeError} for a negative or non-finite threshold.
 */
export function resolveAgreementOptions(options: AgreementOptions = {}): ResolvedAgreementOptions {
  const withinS = options.withinS ?? [1, 5, 15, 60];
  const waitedAboveS = options.waitedAboveS ?? 0;
  const overtookByS = options.overtookByS ?? 0;
  for (const s of [...withinS, waitedAboveS, overtookByS]) {
    if (!Number.isFinite(s) || s < 0)
      throw new RangeError(`a threshold must be a finite number ≥ 0, got ${s}`);
  }
  return { withinS: [...withinS], waitedAboveS, overtookByS };
}

/** Wait statistics of one side. */
export interface ScheduleSummary {
  readonly meanWaitS: number;
  readonly medianWaitS: number;
  readonly p95WaitS: number;
  /** Jobs whose wait is above `waitedAboveS`. */
  readonly waited: number;
  /**
   * Jobs that started (more than `overtookByS`) before a job submitted earlier had started: the jobs
   * backfill moved ahead (with strict first come, first served there are none).
   */
  readonly overtook: number;
}

/** A 2×2 count of a yes/no property of each job on both sides. */
export interface BothSides {
  readonly both: number;
  readonly onlyReference: number;
  readonly onlyCandidate: number;
  readonly neither: number;
}

/** What {@link scheduleAgreement} measures. */
export interface ScheduleAgreement {
  readonly jobs: number;
  readonly reference: ScheduleSummary;
  readonly candidate: ScheduleSummary;
  /** Kendall's τ-b between the two sides' start times: 1 = the same start order. */
  readonly startKendallTau: number;
  /** Spearman's ρ between the two sides' start times. */
  readonly startSpearman: number;
  /**
   * Spearman's ρ between the two sides' waits. Start order follows submit order on both sides, which
   * lifts the start-order figures whatever the scheduler did; the waits have no such common trend.
   */
  readonly waitSpearman: number;
  /** Candidate mean wait − reference mean wait. */
  readonly meanWaitDiffS: number;
  /** Mean over jobs of |candidate wait − reference wait|. */
  readonly meanAbsWaitDiffS: number;
  readonly medianAbsWaitDiffS: number;
  /** Share of jobs whose start times differ by at most `withinS`, for each threshold. */
  readonly startWithin: readonly { readonly withinS: number; readonly share: number }[];
  /** Jobs that waited (above `waitedAboveS`) on each side. */
  readonly waited: BothSides;
  /** Jobs that overtook an earlier submission on each side. */
  readonly overtook: BothSides;
}

/**
 * Compares two schedules of the same jobs.
 * @throws {RangeError} when the sides list different numbers of jobs, a time is not finite, or an
 *   option is out of range.
 * @example
 * const a = scheduleAgreement(
 *   { submitS: [0, 0], startS: [0, 10] },
 *   { submitS: [0, 0], startS: [0, 12] },
 * );
 * a.meanAbsWaitDiffS; // 1
 */
export function scheduleAgreement(
  reference: Schedule,
  candidate: Schedule,
  options: AgreementOptions = {},
): ScheduleAgreement {
  const resolved = resolveAgreementOptions(options);
  const n = reference.submitS.length;
  for (const [side, s] of [
    ['reference', reference],
    ['candidate', candidate],
  ] as const) {
    if (s.submitS.length !== n || s.startS.length !== n)
      throw new RangeError(
        `the ${side} lists ${s.startS.length} jobs, the reference ${n}: compare the same jobs`,
      );
    for (let i = 0; i < n; i++)
      if (!Number.isFinite(s.submitS[i]) || !Number.isFinite(s.startS[i]))
        throw new RangeError(`job ${i} of the ${side} has no finite submit or start time`);
  }
  const waitsA = waitsOf(reference);
  const waitsB = waitsOf(candidate);
  const absDiff = waitsA.map((w, i) => Math.abs((waitsB[i] as number) - w));
  const startDiff = Array.from({ length: n }, (_, i) =>
    Math.abs((candidate.startS[i] as number) - (reference.startS[i] as number)),
  );
  const waitedA = waitsA.map((w) => w > resolved.waitedAboveS);
  const waitedB = waitsB.map((w) => w > resolved.waitedAboveS);
  const overtookA = overtakers(reference.startS, resolved.overtookByS);
  const overtookB = overtakers(candidate.startS, resolved.overtookByS);
  return {
    jobs: n,
    reference: summary(waitsA, waitedA, overtookA),
    candidate: summary(waitsB, waitedB, overtookB),
    startKendallTau: kendallTauB(reference.startS, candidate.startS),
    startSpearman: spearmanRho(reference.startS, candidate.startS),
    waitSpearman: spearmanRho(waitsA, waitsB),
    meanWaitDiffS: mean(waitsB) - mean(waitsA),
    meanAbsWaitDiffS: mean(absDiff),
    medianAbsWaitDiffS: median(absDiff),
    startWithin: resolved.withinS.map((withinS) => ({
      withinS,
      share: n === 0 ? Number.NaN : startDiff.filter((d) => d <= withinS).length / n,
    })),
    waited: bothSides(waitedA, waitedB),
    overtook: bothSides(overtookA, overtookB),
  };
}

function waitsOf(s: Schedule): number[] {
  return Array.from(
    { length: s.startS.length },
    (_, i) => (s.startS[i] as number) - (s.submitS[i] as number),
  );
}

function summary(
  waits: readonly number[],
  waited: readonly boolean[],
  overtook: readonly boolean[],
): ScheduleSummary {
  const sorted = [...waits].sort((a, b) => a - b);
  return {
    meanWaitS: mean(waits),
    medianWaitS: quantileSorted(sorted, 0.5),
    p95WaitS: quantileSorted(sorted, 0.95),
    waited: waited.filter(Boolean).length,
    overtook: overtook.filter(Boolean).length,
  };
}

function bothSides(a: readonly boolean[], b: readonly boolean[]): BothSides {
  let both = 0;
  let onlyReference = 0;
  let onlyCandidate = 0;
  let neither = 0;
  a.forEach((x, i) => {
    const y = b[i] === true;
    if (x && y) both++;
    else if (x) onlyReference++;
    else if (y) onlyCandidate++;
    else neither++;
  });
  return { both, onlyReference, onlyCandidate, neither };
}

/**
 * For jobs listed in submission order, whether each started more than `byS` before some job listed
 * before it: it overtook an earlier submission (only backfill does that).
 */
export function overtakers(startS: ArrayLike<number>, byS = 0): boolean[] {
  const out: boolean[] = [];
  let latestEarlier = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < startS.length; i++) {
    const start = startS[i] as number;
    out.push(start < latestEarlier - byS);
    if (start > latestEarlier) latestEarlier = start;
  }
  return out;
}

/** One side's schedule with what each job ran: for {@link idleWhileWaiting}. */
export interface ScheduleWithRuns extends Schedule {
  readonly runS: ArrayLike<number>;
  /** Capacity units (CPUs, nodes) each job holds while it runs. */
  readonly size: ArrayLike<number>;
}

/**
 * Capacity-seconds left idle while at least one job was waiting: what a backfill could have filled and
 * did not (or could not, the waiting jobs being too large). 0 for a schedule that never queues with
 * capacity free. A sweep over submits, starts and ends: O(n log n).
 * @throws {RangeError} when the columns have different lengths.
 * @example idleWhileWaiting({ submitS: [0, 0], startS: [0, 10], runS: [10, 5], size: [2, 4] }, 4) // 20
 */
export function idleWhileWaiting(s: ScheduleWithRuns, capacity: number): number {
  const n = s.startS.length;
  if (s.submitS.length !== n || s.runS.length !== n || s.size.length !== n)
    throw new RangeError('submit, start, run and size columns must have one entry per job');
  // Events as (time, change in capacity used, change in jobs waiting).
  const events: [number, number, number][] = [];
  for (let i = 0; i < n; i++) {
    const start = s.startS[i] as number;
    const size = s.size[i] as number;
    events.push([s.submitS[i] as number, 0, 1], [start, size, -1], [start + (s.runS[i] as number), -size, 0]);
  }
  events.sort((a, b) => a[0] - b[0]);
  let used = 0;
  let waiting = 0;
  let idle = 0;
  let last = events[0]?.[0] ?? 0;
  for (const [t, dUsed, dWaiting] of events) {
    if (waiting > 0) idle += Math.max(0, capacity - used) * (t - last);
    last = t;
    used += dUsed;
    waiting += dWaiting;
  }
  return idle;
}

/**
 * Kendall's τ-b of two samples of the same length: (concordant − discordant pairs) over the geometric
 * mean of the pairs not tied in each sample, so ties (whole-second times from sacct) do not count
 * against agreement. NaN with fewer than two values or when one sample is constant. O(n²).
 * @example kendallTauB([12, 2, 1, 12, 2], [1, 4, 7, 1, 0]) // −0.4714 (as SciPy's kendalltau)
 */
export function kendallTauB(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (y.length !== n) throw new RangeError(`samples of different lengths (${n} and ${y.length})`);
  let concordant = 0;
  let discordant = 0;
  let tiedX = 0;
  let tiedY = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i] as number;
    const yi = y[i] as number;
    for (let j = i + 1; j < n; j++) {
      const dx = Math.sign(xi - (x[j] as number));
      const dy = Math.sign(yi - (y[j] as number));
      if (dx === 0) tiedX++;
      if (dy === 0) tiedY++;
      const s = dx * dy;
      if (s > 0) concordant++;
      else if (s < 0) discordant++;
    }
  }
  const pairs = (n * (n - 1)) / 2;
  const denominator = Math.sqrt((pairs - tiedX) * (pairs - tiedY));
  return denominator > 0 ? (concordant - discordant) / denominator : Number.NaN;
}

/**
 * Spearman's ρ: Pearson's correlation of the ranks, tied values sharing their mean rank. NaN with
 * fewer than two values or when one sample is constant.
 * @example spearmanRho([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) // 0.8208 (as SciPy's spearmanr)
 */
export function spearmanRho(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (y.length !== x.length)
    throw new RangeError(`samples of different lengths (${x.length} and ${y.length})`);
  return pearson(ranks(x), ranks(y));
}

/** Ranks from 1, ties given the mean of the ranks they span. */
export function ranks(values: ArrayLike<number>): number[] {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (values[a] as number) - (values[b] as number),
  );
  const out = new Array<number>(n).fill(0);
  for (let i = 0; i < n;) {
    let j = i + 1;
    while (j < n && values[order[j] as number] === values[order[i] as number]) j++;
    const rank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) out[order[k] as number] = rank;
    i = j;
  }
  return out;
}

function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  if (n < 2) return Number.NaN;
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (x[i] as number) - mx;
    const dy = (y[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : Number.NaN;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((s, v) => s + v, 0) / values.length;
}

function median(values: readonly number[]): number {
  return quantileSorted(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}
