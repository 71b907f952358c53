import { DateTime } from 'luxon';
import type { JobRecord } from '../shared/job-record.js';

/**
 * Who will submit next: per user, account or task type (job name), the probability of submitting in
 * each coming window, what such a window usually asks for, and a confidence measure that says whether
 * the forecast has earned being acted on.
 *
 * The model is the entity's own hour-of-week propensity (how often it submitted in this window of
 * the week over the last weeks, shrunk towards its overall rate) times a recency lift learnt from its
 * own history: users submit in sessions, so having submitted in the last window (or the last day)
 * raises the chance of submitting in the next ones, by a factor that decays with the lag. Confidence
 * is the Brier skill score of the same model on the weeks before the cut, fitted on the weeks before
 * those: 1 is perfect, 0 no better than the entity's base rate, negative worse. Only submissions before
 * the cut are read.
 */

export const EntityKinds = ['user', 'account', 'task-type'] as const;
export type EntityKind = (typeof EntityKinds)[number];

/** Options of {@link forecastSessions}; see `resolveSessionParams` in config/params for ranges. */
export interface SessionForecastOptions {
  by: EntityKind;
  /** Nothing submitted at or after this instant is read; the forecast starts here (Unix s). */
  cutS: number;
  /** Window length; default 3600 s. */
  windowS: number;
  /** Windows forecast after the cut. */
  horizonWindows: number;
  timeZone: string;
  /** Weeks the model is fitted on; default 8. */
  historyWeeks: number;
  /** Weeks before the cut the confidence is measured on; default 2. */
  backtestWeeks: number;
  /** Confidence from which a forecast is acted on (plan.minForecastConfidence). */
  minConfidence: number;
  /** Entities with fewer active windows in the history are not forecast; default 5. */
  minActiveWindows: number;
}

export interface SessionDemand {
  /** Median over the entity's active windows: jobs, CPUs, GPUs, nodes submitted in one window. */
  readonly jobs: number;
  readonly cpus: number;
  readonly gpus: number;
  readonly nodes: number;
  /** The GPU type most of its GPU jobs asked for, or null. */
  readonly gpuType: string | null;
  /** The partition most of its jobs ran in (a shadow reservation is made there). */
  readonly partition: string;
}

export interface EntityForecast {
  readonly entity: string;
  readonly kind: EntityKind;
  /** Probability of at least one submission in each window from the cut, `horizonWindows` values. */
  readonly probabilities: number[];
  /** Windows of the horizon expected to have a submission (the sum of `probabilities`). */
  readonly expectedActiveWindows: number;
  /** Share of the fit history's windows with a submission: the forecast to beat. */
  readonly baseRate: number;
  readonly typical: SessionDemand;
  /** Brier skill score on the backtest weeks (see the module comment); NaN when it could not be measured. */
  readonly confidence: number;
  /** Windows with a submission in the fit history. */
  readonly activeWindows: number;
  /** Confidence at or above `minConfidence`: a policy may act on this forecast. */
  readonly actionable: boolean;
}

/** The windows an entity submitted in, plus what it asked for in each. */
interface EntityHistory {
  readonly active: Map<number, { jobs: number; cpus: number; gpus: number; nodes: number }>;
  readonly gpuTypes: Map<string, number>;
  readonly partitions: Map<string, number>;
}

const WEEK_S = 7 * 86_400;
/** Pseudo-counts that pull a rarely seen hour of week towards the entity's base rate, and a lift towards 1. */
const PROFILE_PRIOR = 2;
const LIFT_PRIOR = 2;
/** Lag buckets of the recency lift, in windows after the origin: 0, 1, 2–3, 4–11, 12 and more. */
const LAG_EDGES = [0, 1, 3, 11] as const;
const lagBucket = (k: number): number => {
  let b = 0;
  while (b < LAG_EDGES.length && k > (LAG_EDGES[b] as number)) b++;
  return b;
};
const LAG_BUCKETS = LAG_EDGES.length + 1;
/** Recency states at an origin: submitted in the last window, in the last day, neither. */
const STATES = 3;
/** Backtest origins are this many windows apart (every 6 h with hourly windows). */
const BACKTEST_STRIDE = 6;

const entityOf = (job: JobRecord, by: EntityKind): string | null =>
  by === 'user' ? job.user || null : by === 'account' ? job.account : job.name;

/**
 * Forecasts every entity with enough history; sorted by the windows it is expected to submit in.
 * @example const users = forecastSessions(jobs, { by: 'user', cutS, windowS: 3600, horizonWindows: 24, … });
 */
export function forecastSessions(
  jobs: Iterable<JobRecord>,
  options: SessionForecastOptions,
): EntityForecast[] {
  const o = options;
  const grid = new WindowGrid(o.cutS, o.windowS, o.timeZone);
  const firstWindow = -Math.ceil(((o.historyWeeks + o.backtestWeeks) * WEEK_S) / o.windowS);
  const histories = new Map<string, EntityHistory>();
  for (const job of jobs) {
    if (job.submitS >= o.cutS) continue;
    const w = grid.windowOf(job.submitS);
    if (w < firstWindow) continue;
    const key = entityOf(job, o.by);
    if (key === null) continue;
    let h = histories.get(key);
    if (h === undefined)
      histories.set(key, (h = { active: new Map(), gpuTypes: new Map(), partitions: new Map() }));
    const a = h.active.get(w) ?? { jobs: 0, cpus: 0, gpus: 0, nodes: 0 };
    a.jobs++;
    a.cpus += job.cpuCount;
    a.gpus += job.gpuCount;
    a.nodes += Math.max(1, job.nodeCount);
    h.active.set(w, a);
    if (job.gpuCount > 0 && job.gpuType !== null)
      h.gpuTypes.set(job.gpuType, (h.gpuTypes.get(job.gpuType) ?? 0) + 1);
    h.partitions.set(job.partition, (h.partitions.get(job.partition) ?? 0) + 1);
  }
  const fitFrom = -Math.ceil((o.historyWeeks * WEEK_S) / o.windowS);
  const backtestFrom = -Math.ceil((o.backtestWeeks * WEEK_S) / o.windowS);
  const out: EntityForecast[] = [];
  for (const [entity, h] of histories) {
    let activeWindows = 0;
    for (const w of h.active.keys()) if (w >= fitFrom) activeWindows++;
    if (activeWindows < o.minActiveWindows) continue;
    const model = fitSessionModel(h, grid, fitFrom, 0, o.horizonWindows);
    const probabilities = model.forecast(0, o.horizonWindows);
    const confidence = backtestSkill(h, grid, {
      fitFrom: fitFrom + backtestFrom,
      testFrom: backtestFrom,
      horizon: o.horizonWindows,
    });
    out.push({
      entity,
      kind: o.by,
      probabilities,
      expectedActiveWindows: probabilities.reduce((a, p) => a + p, 0),
      baseRate: activeWindows / Math.max(1, -fitFrom),
      typical: typicalDemand(h, fitFrom),
      confidence,
      activeWindows,
      actionable: confidence >= o.minConfidence,
    });
  }
  return out.sort(
    (a, b) => b.expectedActiveWindows - a.expectedActiveWindows || (a.entity < b.entity ? -1 : 1),
  );
}

/** Windows of `windowS` counted from the cut (window 0 starts at the cut), with their hour-of-week slot. */
class WindowGrid {
  readonly #cutS: number;
  readonly windowS: number;
  readonly #zone: string;
  readonly #slotsPerWeek: number;
  readonly #offsets = new Map<number, number>();

  constructor(cutS: number, windowS: number, timeZone: string) {
    this.#cutS = cutS;
    this.windowS = windowS;
    this.#zone = timeZone;
    this.#slotsPerWeek = Math.max(1, Math.round(WEEK_S / windowS));
  }

  windowOf(tS: number): number {
    return Math.floor((tS - this.#cutS) / this.windowS);
  }

  get slotsPerWeek(): number {
    return this.#slotsPerWeek;
  }

  /** The local window of the week (Monday 00:00 = 0) that window `w` starts in. */
  slotOf(w: number): number {
    const startS = this.#cutS + w * this.windowS;
    const day = Math.floor(startS / 86_400);
    let offsetS = this.#offsets.get(day);
    if (offsetS === undefined) {
      offsetS = DateTime.fromSeconds(startS, { zone: this.#zone }).offset * 60;
      this.#offsets.set(day, offsetS);
    }
    const local = startS + offsetS;
    // 1970-01-01 was a Thursday: +3 days puts Monday at 0.
    const secondOfWeek = (((local + 3 * 86_400) % WEEK_S) + WEEK_S) % WEEK_S;
    return Math.min(this.#slotsPerWeek - 1, Math.floor(secondOfWeek / this.windowS));
  }
}

interface SessionModel {
  /** Probabilities for windows origin … origin + count − 1, given what happened before `origin`. */
  forecast(origin: number, count: number): number[];
}

function stateAt(h: EntityHistory, origin: number, windowsPerDay: number): number {
  if (h.active.has(origin - 1)) return 0;
  for (let w = origin - windowsPerDay; w < origin - 1; w++) if (h.active.has(w)) return 1;
  return 2;
}

/** Fits propensity and lift on the windows [from, to) of one entity's history. */
function fitSessionModel(
  h: EntityHistory,
  grid: WindowGrid,
  from: number,
  to: number,
  horizon: number,
): SessionModel {
  const slots = grid.slotsPerWeek;
  const perDay = Math.max(1, Math.round(86_400 / grid.windowS));
  const seen = new Float64Array(slots);
  const hits = new Float64Array(slots);
  let total = 0;
  let active = 0;
  for (let w = from; w < to; w++) {
    const s = grid.slotOf(w);
    const y = h.active.has(w) ? 1 : 0;
    seen[s] = (seen[s] ?? 0) + 1;
    hits[s] = (hits[s] ?? 0) + y;
    total++;
    active += y;
  }
  const base = total > 0 ? active / total : 0;
  const propensity = (w: number): number => {
    const s = grid.slotOf(w);
    return ((hits[s] ?? 0) + PROFILE_PRIOR * base) / ((seen[s] ?? 0) + PROFILE_PRIOR);
  };
  // Lift: observed submissions over what the propensity expected, per (state at origin, lag bucket).
  const observed = new Float64Array(STATES * LAG_BUCKETS);
  const expected = new Float64Array(STATES * LAG_BUCKETS);
  for (let origin = from + perDay; origin < to; origin++) {
    const state = stateAt(h, origin, perDay);
    for (let k = 0; k < horizon && origin + k < to; k++) {
      const cell = state * LAG_BUCKETS + lagBucket(k);
      observed[cell] = (observed[cell] ?? 0) + (h.active.has(origin + k) ? 1 : 0);
      expected[cell] = (expected[cell] ?? 0) + propensity(origin + k);
    }
  }
  const lift = Float64Array.from(
    observed,
    (obs, cell) => (obs + LIFT_PRIOR) / ((expected[cell] ?? 0) + LIFT_PRIOR),
  );
  return {
    forecast(origin, count) {
      const state = stateAt(h, origin, perDay);
      return Array.from({ length: count }, (_, k) =>
        Math.min(1, propensity(origin + k) * (lift[state * LAG_BUCKETS + lagBucket(k)] ?? 1)),
      );
    },
  };
}

/**
 * Brier skill of the model fitted on [fitFrom, testFrom) over origins in [testFrom, 0), against the
 * base rate of the same fit: NaN when the base rate forecast is already perfect (never or always active).
 */
function backtestSkill(
  h: EntityHistory,
  grid: WindowGrid,
  range: { fitFrom: number; testFrom: number; horizon: number },
): number {
  const model = fitSessionModel(h, grid, range.fitFrom, range.testFrom, range.horizon);
  let fitActive = 0;
  for (const w of h.active.keys()) if (w >= range.fitFrom && w < range.testFrom) fitActive++;
  const base = fitActive / Math.max(1, range.testFrom - range.fitFrom);
  let brier = 0;
  let brierBase = 0;
  for (let origin = range.testFrom; origin + range.horizon <= 0; origin += BACKTEST_STRIDE) {
    const p = model.forecast(origin, range.horizon);
    for (let k = 0; k < range.horizon; k++) {
      const y = h.active.has(origin + k) ? 1 : 0;
      brier += ((p[k] ?? 0) - y) ** 2;
      brierBase += (base - y) ** 2;
    }
  }
  return brierBase > 0 ? 1 - brier / brierBase : Number.NaN;
}

function typicalDemand(h: EntityHistory, from: number): SessionDemand {
  const windows = [...h.active.entries()].filter(([w]) => w >= from).map(([, a]) => a);
  const median = (pick: (a: (typeof windows)[number]) => number): number => {
    const xs = windows.map(pick).sort((a, b) => a - b);
    return xs.length === 0 ? 0 : (xs[(xs.length - 1) >> 1] ?? 0);
  };
  return {
    jobs: median((a) => a.jobs),
    cpus: median((a) => a.cpus),
    gpus: median((a) => a.gpus),
    nodes: median((a) => a.nodes),
    gpuType: mostCommon(h.gpuTypes),
    partition: mostCommon(h.partitions) ?? '',
  };
}

/** The key counted most often (the first such in insertion order), or null for an empty count. */
function mostCommon(counts: ReadonlyMap<string, number>): string | null {
  let best: string | null = null;
  let most = 0;
  for (const [k, n] of counts)
    if (n > most) {
      best = k;
      most = n;
    }
  return best;
}
