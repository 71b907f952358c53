import { newsvendorQuantile } from '../plan/index.js';
import { resolveRunParams } from '../config/params.js';
import type { Clock } from '../shared/clock.js';
import { oracleShare } from './metrics.js';
import { PolicyNames } from './policies.js';
import { runPolicy, splitScenario, syntheticScenario } from './run.js';
import type { SimMetrics } from './types.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Measures `sim_wall_s`; the only clock the demo reads. */
  clock: Clock;
  seed?: number;
  costs?: { idleNodeHour: number; waitingJobHour: number };
  /** Overrides the predictive quantile (default: the newsvendor level of the costs). */
  quantile?: number;
  bootS?: number;
  idleS?: number;
  /** Called as each policy's simulation advances: (policy, fraction of all work done). */
  onProgress?: (policy: string, fraction: number) => void;
}

export interface DemoRow {
  policy: string;
  metrics: SimMetrics;
  /** Share of the boot wait that the oracle removes (reactive − oracle) that this policy removes. */
  oracleShare: number;
  /** Powered-idle node-hours ÷ reactive's. */
  idleVsReactive: number;
  simWallS: number;
}

export interface DemoResult {
  seed: number;
  /**
   * Predictive again at the quantile that spends reactive's idle node-hours (bisected on this week):
   * the comparison at equal cost. `null` when even the default quantile spends more than reactive.
   */
  atReactiveIdle: { quantile: number; row: DemoRow } | null;
  trainDays: number;
  simulatedDays: number;
  jobs: { total: number; history: number; simulated: number };
  quantile: number;
  bootS: number;
  idleS: number;
  rows: DemoRow[];
}

/**
 * The main job: a synthetic month on the default synthetic cluster; the first three weeks are history
 * the policies learn from, the fourth is simulated with every policy. No server, no Slurm.
 * @throws {ParameterRangeError} for a seed, time, cost or quantile outside its range (`Params`).
 * @example const result = runDemo({ clock: systemClock });
 */
export function runDemo(options: DemoOptions): DemoResult {
  const { seed, bootS, idleS, costs, ...resolved } = resolveRunParams('predictive', options);
  const quantile = resolved.quantile ?? newsvendorQuantile(costs);
  const month = syntheticScenario({ days: 28, seed });
  const startS =
    month.workload.count > 0 ? Math.floor((month.workload.submitS[0] as number) / 86_400) * 86_400 : 0;
  const scenario = splitScenario(month, startS + 21 * 86_400);
  const rows: DemoRow[] = [];
  const names = PolicyNames;
  names.forEach((name, k) => {
    const t0 = options.clock.nowMs();
    const result = runPolicy(scenario, name, {
      bootS,
      idleS,
      costs,
      ...(name === 'predictive' ? { quantile } : {}),
      onProgress: (done, total) => options.onProgress?.(name, (k + done / Math.max(1, total)) / names.length),
    });
    rows.push({
      policy: name,
      metrics: result.metrics,
      oracleShare: Number.NaN,
      idleVsReactive: Number.NaN,
      simWallS: (options.clock.nowMs() - t0) / 1000,
    });
  });
  const metricsOf = (name: string): SimMetrics | undefined => rows.find((r) => r.policy === name)?.metrics;
  const reactive = metricsOf('reactive');
  const compare = (row: DemoRow): void => {
    row.oracleShare = oracleShare({
      reactive: reactive?.bootWaitS ?? Number.NaN,
      policy: row.metrics.bootWaitS,
      oracle: metricsOf('oracle')?.bootWaitS ?? Number.NaN,
    });
    row.idleVsReactive = row.metrics.poweredIdleNodeH / (reactive?.poweredIdleNodeH ?? Number.NaN);
  };
  rows.forEach(compare);
  const atReactiveIdle = equalCostRow(rows, quantile, (q) => {
    const t0 = options.clock.nowMs();
    const result = runPolicy(scenario, 'predictive', { bootS, idleS, costs, quantile: q });
    const row: DemoRow = {
      policy: `predictive, q ${q}`,
      metrics: result.metrics,
      oracleShare: Number.NaN,
      idleVsReactive: Number.NaN,
      simWallS: (options.clock.nowMs() - t0) / 1000,
    };
    compare(row);
    return row;
  });
  return {
    seed,
    atReactiveIdle,
    trainDays: 21,
    simulatedDays: 7,
    jobs: {
      total: month.workload.count,
      history: scenario.history.count,
      simulated: scenario.workload.count,
    },
    quantile,
    bootS,
    idleS,
    rows,
  };
}

/** Bisection steps of {@link equalCostRow}: the quantile to within (0.999 − q) / 2⁷. */
const EQUAL_COST_STEPS = 7;

/**
 * Predictive at the highest quantile whose idle node-hours stay at or below reactive's, found by
 * bisection between the default quantile and 0.999 (idle node-hours grow with the quantile).
 */
function equalCostRow(
  rows: readonly DemoRow[],
  defaultQuantile: number,
  runAt: (quantile: number) => DemoRow,
): { quantile: number; row: DemoRow } | null {
  const predictive = rows.find((r) => r.policy === 'predictive');
  if (predictive === undefined || !(predictive.idleVsReactive <= 1)) return null;
  let best = { quantile: defaultQuantile, row: predictive };
  let hi = 0.999;
  for (let k = 0; k < EQUAL_COST_STEPS; k++) {
    const q = Number(((best.quantile + hi) / 2).toFixed(4));
    const row = runAt(q);
    if (row.idleVsReactive <= 1) best = { quantile: q, row };
    else hi = q;
  }
  return best;
}

/**
 * The demo's table rows: policy, jobs simulated, jobs rejected (too wide for the cluster), mean wait,
 * boot wait, idle node-hours, idle against reactive, oracle share of the boot-wait cut.
 */
export function demoTableRows(result: DemoResult): string[][] {
  const share = (x: number): string => (Number.isFinite(x) ? `${Math.round(100 * x)} %` : '-');
  const equalCost = result.atReactiveIdle;
  const rows =
    equalCost === null || equalCost.quantile === result.quantile
      ? result.rows
      : result.rows.flatMap((r) => (r.policy === 'predictive' ? [r, equalCost.row] : [r]));
  return rows.map((r) => [
    r.policy,
    String(r.metrics.jobs),
    String(r.metrics.rejected),
    r.metrics.meanWaitS.toFixed(0),
    r.metrics.bootWaitS.toFixed(1),
    r.metrics.poweredIdleNodeH.toFixed(0),
    Number.isFinite(r.idleVsReactive) ? `${r.idleVsReactive.toFixed(2)}×` : '-',
    share(r.oracleShare),
  ]);
}

export const DemoHeaders = [
  'policy',
  'jobs',
  'rejected',
  'mean wait s',
  'boot wait s',
  'idle node-h',
  'idle vs reactive',
  'boot-wait cut, of oracle’s',
] as const;

/** What each column of the demo table means, printed under it. */
export const DemoLegend: readonly string[] = [
  'jobs: jobs simulated in the last week; rejected: jobs wider than any pool, not simulated.',
  'mean wait s: mean time from submit to start, queueing and booting together.',
  'boot wait s: the part of that mean spent waiting for powered-down nodes to boot.',
  'idle node-h: node-hours powered but running no job (booting included): the cost side.',
  'idle vs reactive: idle node-h ÷ reactive’s (below 1×: cheaper than Slurm’s own power saving).',
  'boot-wait cut, of oracle’s: of the boot wait that the oracle (which knows every arrival) removes from reactive’s, the share this policy removes; 100 % is the oracle, 0 % is reactive.',
  'predictive, q …: predictive again at the highest quantile whose idle node-h stay within reactive’s (bisected on this week): the two at equal cost.',
  'Policies: always-on never powers down; reactive is Slurm’s power saving (boot on demand, power down after the idle time); predictive is Slurmcast; seasonal-warm-pool keeps a fixed same-hour warm pool; oracle is the bound.',
];

/** One line on what the predictive policy gained, for the top of the output. */
export function demoVerdict(result: DemoResult): string {
  const p = result.rows.find((r) => r.policy === 'predictive');
  if (p === undefined) return '';
  const cut = (row: DemoRow): string =>
    Number.isFinite(row.oracleShare) ? `${Math.round(100 * row.oracleShare)} %` : 'none';
  const reactive = result.rows.find((r) => r.policy === 'reactive');
  const idleSaved =
    reactive === undefined
      ? ''
      : ` (${Math.round(reactive.metrics.poweredIdleNodeH - p.metrics.poweredIdleNodeH)} node-h less)`;
  const lines = [
    `At the costs in the config (quantile ${result.quantile}), predictive removed ${cut(p)} of the boot wait the oracle removes, ` +
      `at ${p.idleVsReactive.toFixed(2)}× reactive’s idle node-hours${p.idleVsReactive < 1 ? idleSaved : ''}.`,
  ];
  const e = result.atReactiveIdle;
  if (e !== null && e.quantile !== result.quantile)
    lines.push(
      `Spending what reactive spends (quantile ${e.quantile}, ${e.row.idleVsReactive.toFixed(2)}×), it removes ${cut(e.row)} ` +
        `(boot wait ${e.row.metrics.bootWaitS.toFixed(1)} s against reactive’s ${reactive?.metrics.bootWaitS.toFixed(1) ?? '-'} s).`,
    );
  return lines.join('\n');
}

/** The demo's results as a markdown table. */
export function demoMarkdown(result: DemoResult): string {
  const lines = [
    `# Slurmcast demo (seed ${result.seed})`,
    '',
    `Synthetic month, ${result.jobs.total} jobs: learnt from the first ${result.trainDays} days, simulated the last ${result.simulatedDays} (${result.jobs.simulated} jobs).`,
    `Boot ${result.bootS} s, idle time ${result.idleS} s, predictive quantile ${result.quantile}.`,
    '',
    demoVerdict(result),
    '',
    `| ${DemoHeaders.join(' | ')} |`,
    `|${DemoHeaders.map(() => '---').join('|')}|`,
    ...demoTableRows(result).map((row) => `| ${row.join(' | ')} |`),
    '',
    ...DemoLegend.map((l) => `- ${l}`),
    '',
  ];
  return lines.join('\n');
}
