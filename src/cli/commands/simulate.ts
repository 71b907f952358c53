import { basename } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { PolicyNames } from '../../sim/policy-names.js';
import type { Scenario, SimulateMachineReport, SimulatePoolReport, SimulateReport } from '../../sim/run.js';
import type { Config } from '../../config/schema.js';
import {
  numberOption,
  Params,
  rangeText,
  resolveRunParams,
  resolveScenarioParams,
} from '../../config/params.js';
import { systemClock } from '../../shared/clock.js';
import { configFor, output, table, UsageError, type GlobalArgs } from '../context.js';
import { historySourceOptions, openStoreForReading } from '../history-store.js';
import { terminalProgress } from '../progress.js';

interface SimulateArgs extends GlobalArgs {
  swf: string | undefined;
  store: string | undefined;
  source: string | undefined;
  inventory: string | undefined;
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
  inventory?: string | undefined;
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
  if (a.inventory !== undefined && a.store === undefined)
    return '--inventory replays the jobs of --store on a node list; give --store as well';
  if (a.inventory !== undefined && (a.nodes !== undefined || a['cpus-per-node'] !== undefined))
    return 'give either --inventory FILE or --nodes N --cpus-per-node C, not both';
  // Both sizes or neither: with neither, the pools come from the store's node inventory.
  if (a.store !== undefined && (a.nodes === undefined) !== (a['cpus-per-node'] === undefined))
    return '--store with a one-pool machine needs both --nodes N (0 = unlimited) and --cpus-per-node C; give neither to replay on the node inventory the store holds';
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
      .option('inventory', {
        type: 'string',
        describe:
          'With --store: replay on this node list (Alibaba node CSV, plain or .gz) instead of the inventory the store holds',
      })
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
    const { runPolicy, simulateMachineReport, simulatePoolReports, simulateReport } =
      await import('../../sim/run.js');
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
    const machine = simulateMachineReport(scenario);
    const pools = simulatePoolReports(scenario, result);
    output(args, { ...report, machine, pools }, () => renderTables(report, machine, pools));
  },
};

/** The metrics, then the machine and what each of its pools ran. */
function renderTables(
  report: SimulateReport,
  machine: SimulateMachineReport,
  pools: readonly SimulatePoolReport[],
): string {
  const origin =
    machine.inventory === null
      ? `machine: ${machine.from}`
      : `machine: inventory of ${machine.inventory}${machine.at === null ? '' : ` at ${machine.at}`}`;
  const shared =
    machine.nodes_in_several_partitions > 0
      ? `${machine.nodes_in_several_partitions} nodes are in several partitions and count in each`
      : '';
  const gib = (mib: number): string => (mib === 0 ? '-' : String(Math.round((mib / 1024) * 10) / 10));
  return [
    table(['metric', 'value'], Object.entries(report)),
    '',
    origin,
    ...(shared === '' ? [] : [shared]),
    table(
      ['pool', 'nodes', 'cpus', 'mem_gib', 'gpus', 'jobs', 'mean_wait_s'],
      pools.map((p) => [
        p.pool,
        p.nodes ?? 'unlimited',
        p.cpus_per_node,
        gib(p.mem_mib_per_node),
        p.gpus_per_node,
        p.jobs,
        p.mean_wait_s,
      ]),
    ),
  ].join('\n');
}

async function loadScenario(args: SimulateArgs, config: Config): Promise<Scenario> {
  // The simulator and the log reader load only when a simulation runs, not for --help.
  const { scenarioFromJobs, syntheticScenario } = await import('../../sim/run.js');
  const { clusterFromSwfHeader } = await import('../../sim/workload.js');
  const { readSwf, readSwfHeader } = await import('../../collect/swf.js');
  const days = args.days === undefined ? {} : { days: args.days };
  if (args.swf !== undefined) {
    // One pool sized from the log's header unless --nodes is given (0 = unlimited).
    const header = await readSwfHeader(args.swf);
    const cluster = clusterFromSwfHeader(header, args.nodes === undefined ? {} : { nodes: args.nodes });
    const scenario = await scenarioFromJobs(basename(args.swf), readSwf(args.swf), cluster, days);
    const from = args.nodes === undefined ? 'swf-header' : 'size';
    return { ...scenario, machine: { from, inventory: null, atS: null, nodesInSeveralPartitions: 0 } };
  }
  if (args.store !== undefined) {
    const { scenarioFromStore } = await import('../../sim/store-scenario.js');
    // The file is read before the store is opened, so that a wrong path fails before any work.
    const inventory = args.inventory === undefined ? undefined : await inventoryFile(args.inventory);
    const store = await openStoreForReading(args.store, config);
    try {
      return await scenarioFromStore(store, {
        timeZone: config.timeZone,
        ...days,
        ...(args.source === undefined ? {} : { source: args.source }),
        ...(inventory === undefined ? {} : { inventory }),
        ...(args.nodes === undefined || args.cpusPerNode === undefined
          ? {}
          : { onePool: { nodeCount: args.nodes, cpusPerNode: args.cpusPerNode } }),
      });
    } finally {
      await store.close();
    }
  }
  return syntheticScenario({
    ...days,
    seed: args.seed,
    ...(args.nodes === undefined ? {} : { nodes: args.nodes }),
  });
}

/**
 * The nodes of an Alibaba node list, as `import --nodes` would store them, so that the file and the
 * stored inventory give the same pools.
 * @throws {UsageError} when the file cannot be read or is not a node list: the command line named it.
 */
async function inventoryFile(path: string): Promise<{ label: string; nodes: readonly unknown[] }> {
  const { readAlibabaNodes } = await import('../../collect/alibaba.js');
  const { inventorySnapshot } = await import('../../collect/import-history.js');
  const { CollectError } = await import('../../collect/errors.js');
  try {
    const inventory = await readAlibabaNodes(path);
    return { label: path, nodes: inventorySnapshot(inventory, inventory.source, 0).nodes };
  } catch (error) {
    if (error instanceof CollectError)
      throw new UsageError(`--inventory: ${error.message}`, { cause: error });
    throw error;
  }
}
