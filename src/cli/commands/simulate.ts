import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { PolicyNames } from '../../plan/policies/index.js';
import {
  loadSwfScenario,
  runPolicy,
  simulateReport,
  syntheticScenario,
  type SimulateReport,
} from '../../sim/run.js';
import { systemClock } from '../../shared/clock.js';
import { configFor, output, table, type GlobalArgs } from '../context.js';

interface SimulateArgs extends GlobalArgs {
  swf: string | undefined;
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
  synthetic?: boolean;
  nodes?: number | undefined;
  quantile?: number | undefined;
}): string | null {
  if ((a.swf === undefined) === !a.synthetic) return 'give exactly one of --swf FILE or --synthetic';
  if (a.nodes !== undefined && !(Number.isInteger(a.nodes) && a.nodes >= 0))
    return '--nodes must be a whole number ≥ 0 (0 = unlimited)';
  if (a.quantile !== undefined && !(a.quantile >= 0 && a.quantile <= 1))
    return '--quantile must be in [0, 1]';
  return null;
}

/** `slurmcast simulate`: one policy over an SWF log or the synthetic workload. */
export const simulateCommand: CommandModule<GlobalArgs, SimulateArgs> = {
  command: 'simulate',
  describe: 'Replay an SWF log or a synthetic workload through the simulated scheduler with one policy',
  builder: (yargs: Argv<GlobalArgs>) =>
    yargs
      .option('swf', {
        type: 'string',
        describe: 'SWF log (plain or .gz); the machine is sized from its header',
      })
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
    const config = await configFor(args);
    const scenario =
      args.swf !== undefined
        ? await loadSwfScenario(args.swf, {
            ...(args.nodes === undefined ? {} : { nodes: args.nodes }),
            ...(args.days === undefined ? {} : { days: args.days }),
          })
        : syntheticScenario({
            days: args.days ?? 28,
            seed: args.seed,
            ...(args.nodes === undefined ? {} : { nodes: args.nodes }),
          });
    const t0 = systemClock.nowMs();
    const result = runPolicy(scenario, args.policy, {
      bootS: args.bootS,
      idleS: args.idleS,
      costs: config.costs,
      seed: args.seed,
      backfill: args.backfill === 'none' ? 'none' : 'easy',
      ...(args.quantile === undefined ? {} : { quantile: args.quantile }),
    });
    const report: SimulateReport = simulateReport(result, (systemClock.nowMs() - t0) / 1000);
    output(args, report, () => table(['metric', 'value'], Object.entries(report)));
  },
};
