import { basename } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { PolicyNames } from '../../sim/policy-names.js';
import type { Scenario, SimulateReport } from '../../sim/run.js';
import type { Config } from '../../config/schema.js';
import {
  numberOption,
  Params,
  rangeText,
  resolveRunParams,
  resolveScenarioParams,
} from '../../config/params.js';
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

/**
 * What is wrong with the arguments, or null; a returned message is a usage error (exit 2). Numbers are
 * checked by the same resolvers `runPolicy` and the scenario loaders use, whose ParameterRangeError is
 * exit 2 as well.
 * @throws {ParameterRangeError}
 */
function argsProblem(a: {
  swf?: string | undefined;
  store?: string | undefined;
  'cpus-per-node'?: number | undefined;
  synthetic?: boolean;
  nodes?: number | undefined;
  days?: number | undefined;
  policy?: string | undefined;
  'boot-s'?: number | undefined;
  'idle-s'?: number | undefined;
  seed?: number | undefined;
  quantile?: number | undefined;
}): string | null {
  const sources = [a.swf !== undefined, a.store !== undefined, a.synthetic === true].filter(Boolean).length;
  if (sources !== 1) return 'give exactly one of --swf FILE, --store [FILE] or --synthetic';
  if (a.store !== undefined && (a.nodes === undefined || a['cpus-per-node'] === undefined))
    return '--store needs the machine size: --nodes N (0 = unlimited) and --cpus-per-node C';
  resolveScenarioParams({ days: a.days, nodes: a.nodes, cpusPerNode: a['cpus-per-node'] });
  resolveRunParams(a.policy ?? '', {
    bootS: a['boot-s'],
    idleS: a['idle-s'],
    seed: a.seed,
    quantile: a.quantile,
  });
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
      .option('cpus-per-node', numberOption('cpusPerNode'))
      .option('synthetic', {
        type: 'boolean',
        default: false,
        describe: 'Use the synthetic workload (Lublin–Feitelson)',
      })
      .option('days', numberOption('days', { withDefault: false }))
      .option('policy', { type: 'string', choices: PolicyNames, demandOption: true })
      .option('nodes', numberOption('nodes'))
      .option('boot-s', numberOption('bootS'))
      .option('idle-s', numberOption('idleS'))
      .option('quantile', {
        type: 'number',
        describe: `${Params.quantile.description}, ${rangeText('quantile')}; ${Params.warmPoolSetting.description}, ${rangeText('warmPoolSetting')}`,
      })
      .option('seed', numberOption('seed'))
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
  // The simulator and the log reader load only when a simulation runs, not for --help.
  const { scenarioFromJobs, syntheticScenario } = await import('../../sim/run.js');
  const { clusterFromSwfHeader, onePoolCluster } = await import('../../sim/workload.js');
  const { readSwf, readSwfHeader } = await import('../../collect/swf.js');
  const days = args.days === undefined ? {} : { days: args.days };
  if (args.swf !== undefined) {
    // One pool sized from the log's header unless --nodes is given (0 = unlimited).
    const header = await readSwfHeader(args.swf);
    const cluster = clusterFromSwfHeader(header, args.nodes === undefined ? {} : { nodes: args.nodes });
    return scenarioFromJobs(basename(args.swf), readSwf(args.swf), cluster, days);
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
    ...days,
    seed: args.seed,
    ...(args.nodes === undefined ? {} : { nodes: args.nodes }),
  });
}
