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
  oracleShare: number;
  simWallS: number;
}

export interface DemoResult {
  seed: number;
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
      simWallS: (options.clock.nowMs() - t0) / 1000,
    });
  });
  const wait = (name: string): number => rows.find((r) => r.policy === name)?.metrics.meanWaitS ?? Number.NaN;
  for (const row of rows)
    row.oracleShare = oracleShare({
      reactive: wait('reactive'),
      policy: row.metrics.meanWaitS,
      oracle: wait('oracle'),
    });
  return {
    seed,
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

/**
 * The demo's table rows: policy, jobs simulated, jobs rejected (too wide for the cluster), mean wait,
 * boot wait, idle node-hours, oracle share.
 */
export function demoTableRows(result: DemoResult): string[][] {
  return result.rows.map((r) => [
    r.policy,
    String(r.metrics.jobs),
    String(r.metrics.rejected),
    r.metrics.meanWaitS.toFixed(0),
    r.metrics.bootWaitS.toFixed(1),
    r.metrics.poweredIdleNodeH.toFixed(0),
    Number.isNaN(r.oracleShare) ? '-' : r.oracleShare.toFixed(2),
  ]);
}

export const DemoHeaders = [
  'policy',
  'jobs',
  'rejected',
  'mean wait s',
  'boot wait s',
  'idle node-h',
  'oracle share',
] as const;

/** The demo's results as a markdown table. */
export function demoMarkdown(result: DemoResult): string {
  const lines = [
    `# Slurmcast demo (seed ${result.seed})`,
    '',
    `Synthetic month, ${result.jobs.total} jobs: learnt from the first ${result.trainDays} days, simulated the last ${result.simulatedDays} (${result.jobs.simulated} jobs).`,
    `Boot ${result.bootS} s, idle time ${result.idleS} s, predictive quantile ${result.quantile}.`,
    '',
    `| ${DemoHeaders.join(' | ')} |`,
    `|${DemoHeaders.map(() => '---').join('|')}|`,
    ...demoTableRows(result).map((row) => `| ${row.join(' | ')} |`),
    '',
  ];
  return lines.join('\n');
}
