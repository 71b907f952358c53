import { ConfigError } from './errors.js';

/**
 * Every numeric and duration parameter that the CLI, the library and the simulator take: its unit,
 * default, range and a one-line description. This table is the one place where a default or a range is
 * written down. CLI options take their default and `--help` text from it (`numberOption`), the yargs
 * checks and the library entry points call the same `resolve*Params` functions, and `docs/cli.md` is
 * checked against it by a test, so that a CLI user and a library caller get the same answer and the
 * same error for the same value.
 */

/** Units of parameters, as a const object with a derived union. */
export const ParamUnits = {
  steps: 'steps',
  seconds: 'seconds',
  days: 'days',
  nodes: 'nodes',
  cpus: 'CPUs',
  jobs: 'jobs',
  records: 'records',
  fraction: 'fraction',
  /** A plain number (seeds). */
  none: '',
  costPerHour: 'cost per hour',
  weeks: 'weeks',
  cycles: 'cycles',
} as const;
export type ParamUnit = (typeof ParamUnits)[keyof typeof ParamUnits];

/** One parameter: where it may lie and what it means. */
export interface ParamSpec {
  /** The CLI option that sets it, if any (`--horizon`). */
  readonly flag: string | null;
  readonly unit: ParamUnit;
  /** Applied when the caller gives nothing; null when there is no fixed default (see `description`). */
  readonly default: number | null;
  readonly min: number;
  /** True: `min` itself is excluded, `(min, …`. */
  readonly minOpen: boolean;
  readonly max: number;
  /** True: `max` itself is excluded, `…, max)`. */
  readonly maxOpen: boolean;
  readonly integer: boolean;
  readonly description: string;
}

const DAY_S = 86_400;

/** A closed-range parameter, the common case; open ends are spelt out where they matter. */
function param(
  spec: Omit<ParamSpec, 'minOpen' | 'maxOpen' | 'flag'> &
    Partial<Pick<ParamSpec, 'minOpen' | 'maxOpen' | 'flag'>>,
): ParamSpec {
  return { flag: null, minOpen: false, maxOpen: false, ...spec };
}

export const Params = {
  // --- forecast ---
  horizon: param({
    flag: '--horizon',
    unit: 'steps',
    default: 168,
    min: 1,
    // A year of hourly steps. The backtest keeps 24 origins × horizon values per model, and no model
    // here says anything useful further ahead; 1e6 used to exhaust the stack.
    max: 8_760,
    integer: true,
    description: 'Steps to forecast',
  }),
  level: param({
    flag: '--levels',
    unit: 'fraction',
    default: null,
    // 0 and 1 are the minimum and maximum of an unbounded distribution: no finite interval has them.
    min: 0,
    minOpen: true,
    max: 1,
    maxOpen: true,
    integer: false,
    description: 'A quantile level of the forecast intervals (0.1, 0.5 and 0.9 are always given)',
  }),
  seed: param({
    flag: '--seed',
    unit: '',
    default: 1,
    min: 0,
    // The seeded generator (mulberry32) keeps 32 bits: a larger seed would silently repeat a smaller one.
    max: 4_294_967_295,
    integer: true,
    description: 'Seed of every random choice, so that a run can be repeated',
  }),
  lstmBudgetS: param({
    flag: '--lstm-budget',
    unit: 'seconds',
    default: 25,
    min: 0,
    minOpen: true,
    // An hour per fit is already far beyond what an interactive forecast should wait for.
    max: 3_600,
    integer: false,
    description: 'LSTM training budget per fit',
  }),
  stepS: param({
    flag: '--step',
    unit: 'seconds',
    default: 3_600,
    min: 1,
    // A month: coarser buckets leave too few points for any backtest.
    max: 31 * DAY_S,
    integer: true,
    description: 'Bucket length of a demand series (300s, 5m, 1h, 1d)',
  }),

  // --- simulate, demo and the policies ---
  bootS: param({
    flag: '--boot-s',
    unit: 'seconds',
    default: 300,
    min: 0,
    // A node that takes longer than a day to boot is broken, not slow.
    max: DAY_S,
    integer: false,
    description: 'Seconds a node takes from power-up until it can run a job',
  }),
  idleS: param({
    flag: '--idle-s',
    unit: 'seconds',
    default: 600,
    min: 0,
    // A week: beyond it power saving is off in all but name (use the always-on policy).
    max: 7 * DAY_S,
    integer: false,
    description: 'Idle seconds before a node powers down (Slurm SuspendTime)',
  }),
  bootJitterS: param({
    unit: 'seconds',
    default: 0,
    min: 0,
    max: DAY_S,
    integer: false,
    description: 'Uniform extra boot time drawn per boot (simulator)',
  }),
  backfillMaxJobs: param({
    unit: 'jobs',
    default: 500,
    min: 1,
    // Slurm's own bf_max_job_test allows up to 1,000,000.
    max: 1_000_000,
    integer: true,
    description: 'Queued jobs the backfill pass looks at after the head (Slurm bf_max_job_test)',
  }),
  quantile: param({
    flag: '--quantile',
    unit: 'fraction',
    default: null,
    // q = 0 warms nothing and q = 1 asks for the maximum of an unbounded forecast: both are no sizing.
    min: 0,
    minOpen: true,
    max: 1,
    maxOpen: true,
    integer: false,
    description:
      'predictive: forecast quantile the warm capacity is sized at (default: the newsvendor level of the costs)',
  }),
  warmPoolSetting: param({
    flag: '--quantile',
    unit: 'fraction',
    default: 0.5,
    // Here 0 and 1 are meaningful: the smallest and the largest of the past weeks' bursts.
    min: 0,
    max: 1,
    integer: false,
    description:
      'seasonal-warm-pool: 0 = the smallest of the past weeks’ bursts, 1 = the largest (set by --quantile)',
  }),
  warmPoolWeeks: param({
    unit: 'weeks',
    default: 4,
    min: 1,
    max: 52,
    integer: true,
    description: 'seasonal-warm-pool: weeks of history to look back over',
  }),
  historyDays: param({
    unit: 'days',
    default: 28,
    min: 1,
    max: 3_660,
    integer: false,
    description: 'predictive: days of the training history replayed into the demand model',
  }),
  halfLifeDays: param({
    unit: 'days',
    default: 28,
    min: 0.5,
    max: 3_660,
    integer: false,
    description: 'predictive: age at which an observed window counts half in the demand model',
  }),
  minContextWeight: param({
    unit: 'steps',
    default: 30,
    min: 1,
    max: 1_000_000,
    integer: false,
    description: 'predictive: observations a context needs before its own demand histogram is used',
  }),
  intervalS: param({
    unit: 'seconds',
    default: 60,
    min: 1,
    max: DAY_S,
    integer: false,
    description: 'Seconds between policy decisions',
  }),
  maxJobNodes: param({
    unit: 'nodes',
    default: null,
    min: 1,
    max: 1_000_000,
    integer: true,
    description:
      'predictive: jobs of more nodes are left out of the demand model (default from the quantile)',
  }),
  nodes: param({
    flag: '--nodes',
    unit: 'nodes',
    default: null,
    min: 0,
    // The largest machines have about 160,000 nodes; 1e6 leaves room and catches a typo such as 1e12,
    // which would make the simulator allocate state for every node.
    max: 1_000_000,
    integer: true,
    description:
      'Machine size; 0 = unlimited (cloud). Default: from the SWF header, or the store’s node inventory',
  }),
  cpusPerNode: param({
    flag: '--cpus-per-node',
    unit: 'CPUs',
    default: null,
    min: 1,
    // Today's largest nodes have a few hundred cores; 65,536 is far beyond any of them.
    max: 65_536,
    integer: true,
    description:
      'With --store: CPUs of each node of a one-pool machine, instead of the store’s node inventory',
  }),
  days: param({
    flag: '--days',
    unit: 'days',
    default: 28,
    min: 0,
    minOpen: true,
    // Ten years: longer than any log of the Parallel Workloads Archive; the synthetic generator keeps
    // every job in memory, and a million days would be billions of jobs.
    max: 3_660,
    integer: false,
    description: 'Days to generate (synthetic, default 28) or to replay (a log or the store, default all)',
  }),

  // --- collect and import ---
  overlapS: param({
    flag: '--overlap',
    unit: 'seconds',
    default: 3_600,
    min: 0,
    // A month: late finishers older than that are long in the history already.
    max: 30 * DAY_S,
    integer: false,
    description: 'Seconds before the watermark to read again (late finishers)',
  }),
  initialLookbackS: param({
    unit: 'seconds',
    default: 7 * DAY_S,
    min: 0,
    max: 3_660 * DAY_S,
    integer: false,
    description: 'Where the first collect starts without a watermark, seconds back from now',
  }),
  collectBatchSize: param({
    unit: 'records',
    default: 5_000,
    min: 1,
    max: 1_000_000,
    integer: true,
    description: 'Records written to the store per batch by collect',
  }),
  importBatchSize: param({
    unit: 'records',
    default: 20_000,
    min: 1,
    // One transaction of a million records already holds hundreds of MB in memory.
    max: 1_000_000,
    integer: true,
    description: 'Records written to the store per batch by import',
  }),
  gpuBusyShare: param({
    unit: 'fraction',
    default: 0.1,
    min: 0,
    max: 1,
    integer: false,
    description: 'Mean GPU utilisation (0–1) from which a job’s sampled GPUs count as busy, not idle',
  }),

  // --- forecast-sessions ---
  sessionWindowS: param({
    flag: '--window',
    unit: 'seconds',
    default: 3_600,
    min: 300,
    max: DAY_S,
    integer: true,
    description: 'forecast-sessions: length of one window (a submission in it makes the entity active)',
  }),
  sessionHorizon: param({
    flag: '--horizon',
    unit: 'steps',
    default: 24,
    min: 1,
    max: 1_000,
    integer: true,
    description: 'forecast-sessions: windows forecast after the cut',
  }),
  sessionHistoryWeeks: param({
    unit: 'weeks',
    default: 8,
    min: 1,
    max: 52,
    integer: true,
    description: 'forecast-sessions: weeks before the cut the model is fitted on',
  }),
  sessionBacktestWeeks: param({
    unit: 'weeks',
    default: 2,
    min: 1,
    max: 26,
    integer: true,
    description: 'forecast-sessions: weeks before the cut the confidence is measured on',
  }),
  minActiveWindows: param({
    unit: 'steps',
    default: 5,
    min: 1,
    max: 1_000_000,
    integer: true,
    description: 'forecast-sessions: entities with fewer active windows in the fit weeks are not forecast',
  }),
  minForecastConfidence: param({
    flag: '--min-confidence',
    unit: 'fraction',
    default: 0.1,
    // Brier skill score: 1 is perfect, 0 the base rate, anything below it worse than the base rate.
    min: -1,
    max: 1,
    integer: false,
    description:
      'Confidence (backtest Brier skill) from which a per-user, account or task-type forecast is acted on (config plan.minForecastConfidence)',
  }),

  // --- config: costs ---
  idleNodeHour: param({
    unit: 'cost per hour',
    default: 1,
    min: 0,
    max: 1e9,
    integer: false,
    description: 'Cost of one powered, idle node-hour (config costs.idleNodeHour)',
  }),
  waitingJobHour: param({
    unit: 'cost per hour',
    default: 4,
    min: 0,
    max: 1e9,
    integer: false,
    description: 'Cost of one job-hour spent waiting (config costs.waitingJobHour)',
  }),
  // --- config: plan ---
  pricePerNodeHour: param({
    unit: 'cost per hour',
    default: 1,
    min: 0,
    max: 1e9,
    integer: false,
    description:
      'Cost of one powered node-hour of a node type the config does not price (config plan.defaultPricePerNodeHour)',
  }),
  reservationShareThreshold: param({
    unit: 'fraction',
    default: 0.5,
    // 0 would reserve for every account that ever ran in the pool; 1 only for an account that is all of it.
    min: 0,
    minOpen: true,
    max: 1,
    integer: false,
    description:
      "Share of a pool's forecast demand from which an account gets a reservation (config plan.reservationShareThreshold)",
  }),
  // --- config: shadow reservations (plan.shadow) ---
  shadowMinProbability: param({
    unit: 'fraction',
    default: 0.5,
    min: 0,
    minOpen: true,
    max: 1,
    integer: false,
    description:
      'Forecast probability of a submission in a window from which a confident user or account gets a shadow reservation (config plan.shadow.minProbability)',
  }),
  shadowLeadS: param({
    unit: 'seconds',
    default: 900,
    min: 0,
    max: DAY_S,
    integer: true,
    description:
      'How long before a forecast session its shadow reservation opens: the boot time plus the warm-up job (config plan.shadow.leadS)',
  }),
  shadowHoldS: param({
    unit: 'seconds',
    default: 1800,
    min: 0,
    max: 7 * DAY_S,
    integer: true,
    description:
      'How long a shadow reservation stays after the last window forecast to have a submission (config plan.shadow.holdS)',
  }),
  shadowReclaimAfterS: param({
    unit: 'seconds',
    default: 1800,
    min: 60,
    max: 7 * DAY_S,
    integer: true,
    description:
      'A shadow reservation that ran no job (warm-up aside) this long after it opened, or since its last job ended, is reclaimed; it is not reopened for as long (config plan.shadow.reclaimAfterS)',
  }),
  shadowMaxNodesPerReservation: param({
    unit: 'nodes',
    default: 4,
    min: 1,
    max: 100_000,
    integer: true,
    description: 'Most nodes in one shadow reservation (config plan.shadow.maxNodesPerReservation)',
  }),
  shadowMaxNodes: param({
    unit: 'nodes',
    default: 16,
    min: 0,
    max: 1_000_000,
    integer: true,
    description: 'Most nodes held by all shadow reservations together (config plan.shadow.maxNodes)',
  }),
  // --- config: engine (the adjust cycle) ---
  refitEveryS: param({
    unit: 'seconds',
    default: 21_600,
    min: 60,
    max: 30 * DAY_S,
    integer: true,
    description:
      'Seconds a cached forecast model is reused (its window shifted) before the next refit (config engine.refitEveryS)',
  }),
  cooldownS: param({
    unit: 'seconds',
    default: 1_800,
    min: 0,
    max: 7 * DAY_S,
    integer: true,
    description:
      'No owned reservation is resized or released within this long of its last change (config engine.cooldownS)',
  }),
  idleCyclesToShrink: param({
    unit: 'cycles',
    default: 3,
    min: 1,
    max: 1_000,
    integer: true,
    description:
      'Cycles in a row a reservation must measure idle before it shrinks by one node (config engine.idleCyclesToShrink)',
  }),
  idleThreshold: param({
    unit: 'fraction',
    default: 0,
    min: 0,
    max: 1,
    maxOpen: true,
    integer: false,
    description:
      'A reservation with no pending job and at most this share of its nodes busy measures idle (config engine.idleThreshold)',
  }),
  fullThreshold: param({
    unit: 'fraction',
    default: 1,
    min: 0,
    minOpen: true,
    max: 1,
    integer: false,
    description:
      'A reservation with at least this share of its nodes busy, or a job pending in it, measures full and grows (config engine.fullThreshold)',
  }),
  lockWaitS: param({
    unit: 'seconds',
    default: 0,
    min: 0,
    max: 3_600,
    integer: true,
    description:
      'How long an adjust run waits for another one to finish before it gives up; 0 = exit at once (config engine.lockWaitS)',
  }),
  horizonS: param({
    unit: 'seconds',
    default: 86_400,
    min: 60,
    max: 31 * DAY_S,
    integer: true,
    description: 'How far ahead each cycle plans (config engine.horizonS)',
  }),
  engineStepS: param({
    unit: 'seconds',
    default: 900,
    min: 60,
    max: DAY_S,
    integer: true,
    description: 'Step of the demand series the engine forecasts (config engine.stepS)',
  }),
} as const satisfies Record<string, ParamSpec>;

export type ParamName = keyof typeof Params;

/** A numeric parameter outside its range (NaN and ±Infinity included): exit code 2. */
export class ParameterRangeError extends ConfigError {
  override readonly name = 'ParameterRangeError' as const;
  /** The parameter's name in {@link Params}. */
  readonly parameter: ParamName;
  /** The value given (a number, or the text of a duration that could not be read). */
  readonly value: number | string;
  /** The range as text, e.g. `a whole number in [1, 8760] steps`. */
  readonly range: string;
  /** What to do about it. */
  readonly hint: string;
  constructor(parameter: ParamName, value: number | string, detail?: string) {
    const spec: ParamSpec = Params[parameter];
    const range = rangeText(parameter);
    const label = spec.flag === null ? parameter : `${spec.flag} (${parameter})`;
    const hint = `give ${spec.flag ?? parameter} ${range}`;
    const got = `${String(value)}${detail === undefined ? '' : `, ${detail}`}`;
    super(`${label} is out of range: got ${got}; expected ${range}`, {
      issues: [{ key: parameter, message: `expected ${range}` }],
    });
    this.parameter = parameter;
    this.value = value;
    this.range = range;
    this.hint = hint;
  }
}

function formatNumber(value: number): string {
  return Math.abs(value) < 1e15 ? String(value) : value.toExponential();
}

/** The range of a parameter as users read it: `a whole number in [1, 8760] steps`. */
export function rangeText(name: ParamName): string {
  const spec: ParamSpec = Params[name];
  const interval = `${spec.minOpen ? '(' : '['}${formatNumber(spec.min)}, ${formatNumber(spec.max)}${spec.maxOpen ? ')' : ']'}`;
  // A fraction's interval, (0, 1), says all there is; the word would only clutter the message.
  const unit = spec.unit === '' || spec.unit === 'fraction' ? '' : ` ${spec.unit}`;
  return `${spec.integer ? 'a whole number' : 'a number'} in ${interval}${unit}`;
}

/**
 * Checks one value against its parameter's range.
 * @throws {ParameterRangeError} for NaN, ±Infinity, a fraction where a whole number is needed, or a value
 * outside the range.
 */
export function checkParam(name: ParamName, value: number): number {
  const spec: ParamSpec = Params[name];
  const inRange =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (spec.minOpen ? value > spec.min : value >= spec.min) &&
    (spec.maxOpen ? value < spec.max : value <= spec.max) &&
    (!spec.integer || Number.isInteger(value));
  if (!inRange) throw new ParameterRangeError(name, value);
  return value;
}

/** The value, or the parameter's default when none is given; checked either way. */
export function resolveParam(name: ParamName, value: number | undefined): number {
  const spec: ParamSpec = Params[name];
  const chosen = value ?? spec.default;
  if (chosen === null) throw new TypeError(`parameter ${name} has no default: the caller must give it`);
  return checkParam(name, chosen);
}

/** The value checked, or undefined when none is given (parameters whose default depends on context). */
export function resolveOptionalParam(name: ParamName, value: number | undefined): number | undefined {
  return value === undefined ? undefined : checkParam(name, value);
}

/**
 * A yargs number option whose default and `--help` text (range included) come from the table.
 * `withDefault: false` leaves the option unset when not given, for a parameter whose default depends on
 * the rest of the command line (`--days`: 28 for the synthetic workload, all of a log).
 */
export function numberOption(
  name: ParamName,
  options: { withDefault?: boolean } = {},
): { type: 'number'; default?: number; describe: string } {
  const spec: ParamSpec = Params[name];
  const describe = `${spec.description}; ${rangeText(name)}`;
  return spec.default === null || options.withDefault === false
    ? { type: 'number', describe }
    : { type: 'number', default: spec.default, describe };
}

const DURATION_UNITS_S: Readonly<Record<string, number>> = {
  s: 1,
  sec: 1,
  m: 60,
  min: 60,
  h: 3_600,
  d: DAY_S,
  w: 7 * DAY_S,
};

/**
 * A duration such as `5m`, `5min`, `1h`, `1d`, `1w`, `300s` or `300` (seconds), in seconds, checked
 * against the parameter's range.
 * @throws {ParameterRangeError} when the text is no duration (`-1h`, `1 fortnight`) or out of range.
 * @example parseDurationParam('stepS', '1h') // 3600
 */
export function parseDurationParam(name: ParamName, text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = DURATION_UNITS_S[(match?.[2] ?? '').toLowerCase() || 's'];
  if (match === null || unit === undefined) {
    throw new ParameterRangeError(name, JSON.stringify(text), 'not a duration such as 300s, 5m, 1h or 1d');
  }
  const seconds = Number(match[1]) * unit;
  try {
    return checkParam(name, seconds);
  } catch {
    throw new ParameterRangeError(name, `${JSON.stringify(text)} = ${seconds} s`);
  }
}

/** `3600` → `1h`, `300` → `5m`: the largest unit that divides the duration. */
export function formatDuration(seconds: number): string {
  for (const [suffix, unitS] of [
    ['d', DAY_S],
    ['h', 3_600],
    ['m', 60],
  ] as const)
    if (seconds >= unitS && seconds % unitS === 0) return `${seconds / unitS}${suffix}`;
  return `${seconds}s`;
}

/**
 * A yargs option for a duration parameter (text such as `1h`), default and `--help` text from the table.
 * `nargs: 1` makes `--step -1h` read `-1h` as the value (to be refused with the range) rather than as
 * the short flags `-1 -h`.
 */
export function durationOption(name: ParamName): {
  type: 'string';
  nargs: 1;
  default?: string;
  describe: string;
} {
  const spec: ParamSpec = Params[name];
  const describe = `${spec.description}; ${rangeText(name)}`;
  return spec.default === null
    ? { type: 'string', nargs: 1, describe }
    : { type: 'string', nargs: 1, default: formatDuration(spec.default), describe };
}

// ---------------------------------------------------------------------------------------------------
// One resolver per entry point: options in, every field required out.

/** Resolved numbers of a demand forecast (`forecastPoolDemand`, `slurmcast forecast`). */
export interface ResolvedForecastParams {
  horizon: number;
  /** Default {@link BaseForecastLevels}. */
  levels: number[];
  seed: number;
  lstmBudgetS: number;
  stepS: number;
}

/** The levels a forecast reports by default; the CLI always reports them, whatever else is asked for. */
export const BaseForecastLevels = [0.1, 0.5, 0.9] as const;

/** @throws {ParameterRangeError} */
export function resolveForecastParams(options: {
  horizon?: number | undefined;
  levels?: readonly number[] | undefined;
  seed?: number | undefined;
  lstmBudgetS?: number | undefined;
  stepS?: number | undefined;
}): ResolvedForecastParams {
  return {
    horizon: resolveParam('horizon', options.horizon),
    levels: (options.levels ?? BaseForecastLevels).map((l) => checkParam('level', l)),
    seed: resolveParam('seed', options.seed),
    lstmBudgetS: resolveParam('lstmBudgetS', options.lstmBudgetS),
    stepS: resolveParam('stepS', options.stepS),
  };
}

/** The resolved numbers of `forecast-sessions` (one place for their defaults and ranges). */
export interface ResolvedSessionParams {
  windowS: number;
  horizonWindows: number;
  historyWeeks: number;
  backtestWeeks: number;
  minActiveWindows: number;
  minConfidence: number;
}

/** @throws {ParameterRangeError} */
export function resolveSessionParams(options: {
  windowS?: number | undefined;
  horizonWindows?: number | undefined;
  historyWeeks?: number | undefined;
  backtestWeeks?: number | undefined;
  minActiveWindows?: number | undefined;
  minConfidence?: number | undefined;
}): ResolvedSessionParams {
  return {
    windowS: resolveParam('sessionWindowS', options.windowS),
    horizonWindows: resolveParam('sessionHorizon', options.horizonWindows),
    historyWeeks: resolveParam('sessionHistoryWeeks', options.historyWeeks),
    backtestWeeks: resolveParam('sessionBacktestWeeks', options.backtestWeeks),
    minActiveWindows: resolveParam('minActiveWindows', options.minActiveWindows),
    minConfidence: resolveParam('minForecastConfidence', options.minConfidence),
  };
}

/** Resolved cost rates (config `costs`). */
export interface ResolvedCosts {
  idleNodeHour: number;
  waitingJobHour: number;
}

/** @throws {ParameterRangeError} */
export function resolveCosts(costs: Partial<ResolvedCosts> | undefined): ResolvedCosts {
  return {
    idleNodeHour: resolveParam('idleNodeHour', costs?.idleNodeHour),
    waitingJobHour: resolveParam('waitingJobHour', costs?.waitingJobHour),
  };
}

/** Resolved numbers of the planner (`planCapacity`, config `plan`). */
export interface ResolvedPlanParams {
  /** Boot time of a node type the config does not name, s. */
  defaultBootS: number;
  defaultPricePerNodeHour: number;
  reservationShareThreshold: number;
}

/** @throws {ParameterRangeError} */
export function resolvePlanParams(options: {
  defaultBootS?: number | undefined;
  defaultPricePerNodeHour?: number | undefined;
  reservationShareThreshold?: number | undefined;
}): ResolvedPlanParams {
  return {
    defaultBootS: resolveParam('bootS', options.defaultBootS),
    defaultPricePerNodeHour: resolveParam('pricePerNodeHour', options.defaultPricePerNodeHour),
    reservationShareThreshold: resolveParam('reservationShareThreshold', options.reservationShareThreshold),
  };
}

/** Resolved numbers of the shadow-reservation planner (`plan.shadow`). */
export interface ResolvedShadowParams {
  minProbability: number;
  leadS: number;
  holdS: number;
  reclaimAfterS: number;
  maxNodesPerReservation: number;
  maxNodes: number;
  minConfidence: number;
}

/** Checks and defaults the shadow planner's numbers. @throws {ParameterRangeError} for one out of range. */
export function resolveShadowParams(options: Partial<ResolvedShadowParams>): ResolvedShadowParams {
  return {
    minProbability: resolveParam('shadowMinProbability', options.minProbability),
    leadS: resolveParam('shadowLeadS', options.leadS),
    holdS: resolveParam('shadowHoldS', options.holdS),
    reclaimAfterS: resolveParam('shadowReclaimAfterS', options.reclaimAfterS),
    maxNodesPerReservation: resolveParam('shadowMaxNodesPerReservation', options.maxNodesPerReservation),
    maxNodes: resolveParam('shadowMaxNodes', options.maxNodes),
    minConfidence: resolveParam('minForecastConfidence', options.minConfidence),
  };
}

/** Resolved numbers of one simulated policy run (`runPolicy`, `slurmcast simulate`, `demo`). */
export interface ResolvedRunParams {
  bootS: number;
  idleS: number;
  seed: number;
  costs: ResolvedCosts;
  /**
   * What `--quantile` sets for the named policy, checked against that policy's range: the forecast
   * quantile of `predictive` and `oracle`-free policies ((0, 1)), or the setting of
   * `seasonal-warm-pool` ([0, 1]). Undefined when the caller gave none (the policy applies its default).
   */
  quantile: number | undefined;
}

/**
 * @param policy the policy name: `seasonal-warm-pool` reads `quantile` as its setting in [0, 1]; every
 * other policy as a forecast quantile in (0, 1).
 * @throws {ParameterRangeError}
 */
export function resolveRunParams(
  policy: string,
  options: {
    bootS?: number | undefined;
    idleS?: number | undefined;
    seed?: number | undefined;
    costs?: Partial<ResolvedCosts> | undefined;
    quantile?: number | undefined;
  },
): ResolvedRunParams {
  return {
    bootS: resolveParam('bootS', options.bootS),
    idleS: resolveParam('idleS', options.idleS),
    seed: resolveParam('seed', options.seed),
    costs: resolveCosts(options.costs),
    quantile: resolveOptionalParam(
      policy === 'seasonal-warm-pool' ? 'warmPoolSetting' : 'quantile',
      options.quantile,
    ),
  };
}

/** Resolved size of a simulated scenario; undefined fields mean "from the source". */
export interface ResolvedScenarioParams {
  days: number | undefined;
  nodes: number | undefined;
  cpusPerNode: number | undefined;
}

/** @throws {ParameterRangeError} */
export function resolveScenarioParams(options: {
  days?: number | undefined;
  nodes?: number | undefined;
  cpusPerNode?: number | undefined;
}): ResolvedScenarioParams {
  return {
    days: resolveOptionalParam('days', options.days),
    nodes: resolveOptionalParam('nodes', options.nodes),
    cpusPerNode: resolveOptionalParam('cpusPerNode', options.cpusPerNode),
  };
}

/** Resolved numbers of one collect run (`collect`, `slurmcast collect`). @throws {ParameterRangeError} */
export function resolveCollectParams(options: {
  overlapS?: number | undefined;
  initialLookbackS?: number | undefined;
  batchSize?: number | undefined;
}): { overlapS: number; initialLookbackS: number; batchSize: number } {
  return {
    overlapS: resolveParam('overlapS', options.overlapS),
    initialLookbackS: resolveParam('initialLookbackS', options.initialLookbackS),
    batchSize: resolveParam('collectBatchSize', options.batchSize),
  };
}

/** Resolved numbers of the adjust cycle (config `engine`, `runCycle`). */
export interface ResolvedEngineParams {
  refitEveryS: number;
  cooldownS: number;
  idleCyclesToShrink: number;
  idleThreshold: number;
  fullThreshold: number;
  lockWaitS: number;
  horizonS: number;
  stepS: number;
}

/**
 * @throws {ParameterRangeError} for a value out of its range, or an idle threshold not below the full
 * one (the band between them is what keeps a reservation from flapping).
 */
export function resolveEngineParams(options: {
  refitEveryS?: number | undefined;
  cooldownS?: number | undefined;
  idleCyclesToShrink?: number | undefined;
  idleThreshold?: number | undefined;
  fullThreshold?: number | undefined;
  lockWaitS?: number | undefined;
  horizonS?: number | undefined;
  stepS?: number | undefined;
}): ResolvedEngineParams {
  const resolved = {
    refitEveryS: resolveParam('refitEveryS', options.refitEveryS),
    cooldownS: resolveParam('cooldownS', options.cooldownS),
    idleCyclesToShrink: resolveParam('idleCyclesToShrink', options.idleCyclesToShrink),
    idleThreshold: resolveParam('idleThreshold', options.idleThreshold),
    fullThreshold: resolveParam('fullThreshold', options.fullThreshold),
    lockWaitS: resolveParam('lockWaitS', options.lockWaitS),
    horizonS: resolveParam('horizonS', options.horizonS),
    stepS: resolveParam('engineStepS', options.stepS),
  };
  if (resolved.idleThreshold >= resolved.fullThreshold) {
    throw new ParameterRangeError(
      'idleThreshold',
      resolved.idleThreshold,
      `not below engine.fullThreshold (${resolved.fullThreshold})`,
    );
  }
  return resolved;
}

/**
 * The parameter table as Markdown, one row per parameter: what `docs/cli.md` shows between its
 * `params-table` markers (a unit test keeps the page equal to this, so the page cannot drift).
 */
export function paramsMarkdownTable(): string {
  const rows = (Object.keys(Params) as ParamName[]).map((name) => {
    const spec: ParamSpec = Params[name];
    const cells = [
      `\`${name}\``,
      spec.flag === null ? '' : `\`${spec.flag}\``,
      spec.default === null ? '(see meaning)' : formatNumber(spec.default),
      rangeText(name),
      spec.description,
    ];
    return `| ${cells.join(' | ')} |`;
  });
  return [
    '| parameter | option | default | range | meaning |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
