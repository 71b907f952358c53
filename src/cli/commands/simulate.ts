import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { PolicyNames } from '../../plan/policies/names.js';
import type { Scenario, SimulateReport } from '../../sim/run.js';
import type { Config } from '../../config/schema.js';
import { systemClock } from '../../shared/clock.js';
import { configFor, output, table, type GlobalArgs } from '../context.js';
import { historySourceOptions, jobBatchesThenClose, openStoreForReading } from '../history-store.js';
import { terminalProgress } from '../progress.js';

interface SimulateArgs extends GlobalArgs {
  swf: string | undefined;
  store: string | undefined;
  source: string | undefined;
  cpusPerNode: number | undefined;
  synthetic: boolean;
  days: number | undefined;
  policy: string;
  nodes: number | undefined;
  bootS: number;
  idleS: number;
  quantile: number | undefined;
  seed: number;
  backfill: string;
}

/** What is wrong with the arguments, or null; a returned message is a usage error (exit 2). */
function argsProblem(a: {
  swf?: string | undefined;
  store?: string | undefined;
  'cpus-per-node'?: number | undefined;
  synthetic?: boolean;
  nodes?: number | undefined;
  quantile?: number | undefined;
}): string | null {
  const sources = [a.swf !== undefined, a.store !== undefined, a.synthetic === true].filter(Boolean).length;
  if (sources !== 1) return 'give exactly one of --swf FILE, --store [FILE] or --synthetic';
  if (a.store !== undefined && (a.nodes === undefined || a['cpus-per-node'] === undefined))
    return '--store needs the machine size: --nodes N (0 = unlimited) and --cpus-per-node C';
  if (a.nodes !== undefined && !(Number.isInteger(a.nodes) && a.nodes >= 0))
    return '--nodes must be a whole number ≥ 0 (0 = unlimited)';
  if (a.quantile !== undefined && !(a.quantile >= 0 && a.quantile <= 1))
    return '--quantile must be in [0, 1]';
  return null;
}

/** `slurmcast simulate`: one policy over an SWF log, the history store or the synthetic workload. */
export const simulateCommand: CommandModule<GlobalArgs, SimulateArgs> = {
  command: 'simulate',
  describe:
    'Replay an SWF log, the history store or a synthetic workload through the simulated scheduler with one policy',
  builder: (yargs: Argv<GlobalArgs>) =>
    yargs
      .options(historySourceOptions)
      .option('cpus-per-node', { type: 'number', describe: 'With --store: CPUs of each node' })
      .option('synthetic', {
        type: 'boolean',
        default: false,
        describe: 'Use the synthetic workload (Lublin–Feitelson)',
      })
      .option('days', {
        type: 'number',
        describe: 'Days to generate (synthetic, default 28) or to replay (SWF, default all)',
      })
      .option('policy', { type: 'string', choices: PolicyNames, demandOption: true })
      .option('nodes', {
        type: 'number',
        describe: 'Machine size; 0 = unlimited (cloud). Default: from the SWF header',
      })
      .option('boot-s', { type: 'number', default: 300, describe: 'Seconds a node takes to boot' })
      .option('idle-s', {
        type: 'number',
        default: 600,
        describe: 'Idle seconds before a node powers down (SuspendTime)',
      })
      .option('quantile', {
        type: 'number',
        describe: 'predictive: forecast quantile (default from costs); seasonal-warm-pool: setting',
      })
      .option('seed', { type: 'number', default: 1 })
      .option('backfill', { type: 'string', choices: ['easy', 'none'], default: 'easy' })
      .check((a) => argsProblem(a) ?? true) as unknown as Argv<SimulateArgs>,
  handler: async (args: ArgumentsCamelCase<SimulateArgs>) => {
    // The check above already reported the problem (exit 2); never act on arguments it rejected.
    if (argsProblem(args) !== null) return;
    const { runPolicy, simulateReport } = await import('../../sim/run.js');
    const config = await configFor(args);
    const scenario = await loadScenario(args, config);
    const progress = terminalProgress(args.json);
    const label = `simulating ${args.policy}`;
    const t0 = systemClock.nowMs();
    let result: ReturnType<typeof runPolicy>;
    try {
      result = runPolicy(scenario, args.policy, {
        bootS: args.bootS,
        idleS: args.idleS,
        costs: config.costs,
        seed: args.seed,
        backfill: args.backfill === 'none' ? 'none' : 'easy',
        ...(args.quantile === undefined ? {} : { quantile: args.quantile }),
        onProgress: (done, total) => progress.update({ label, done, total, unit: 'jobs arrived' }),
      });
    } finally {
      progress.end();
    }
    const report: SimulateReport = simulateReport(result, (systemClock.nowMs() - t0) / 1000);
    output(args, report, () => table(['metric', 'value'], Object.entries(report)));
  },
};

async function loadScenario(args: SimulateArgs, config: Config): Promise<Scenario> {
  const { loadSwfScenario, scenarioFromJobs, syntheticScenario } = await import('../../sim/run.js');
  const { onePoolCluster } = await import('../../sim/workload.js');
  const days = args.days === undefined ? {} : { days: args.days };
  if (args.swf !== undefined) {
    return loadSwfScenario(args.swf, { ...days, ...(args.nodes === undefined ? {} : { nodes: args.nodes }) });
  }
  if (args.store !== undefined) {
    const store = await openStoreForReading(args.store, config);
    const cluster = onePoolCluster({
      nodeCount: args.nodes ?? 0,
      cpusPerNode: args.cpusPerNode ?? 1,
      timeZone: config.timeZone,
    });
    const query = args.source === undefined ? {} : { source: args.source };
    return scenarioFromJobs(store.description, jobBatchesThenClose(store, query), cluster, days);
  }
  return syntheticScenario({
    days: args.days ?? 28,
    seed: args.seed,
    ...(args.nodes === undefined ? {} : { nodes: args.nodes }),
  });
}
