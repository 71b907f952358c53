import type { Argv, CommandModule } from 'yargs';
import { ExitCode, output, type GlobalArgs } from '../context.js';
import { runEngineCommand } from '../engine-run.js';

interface AdjustArgs extends GlobalArgs {
  apply: boolean;
}

/** `slurmcast adjust`: one cycle of the engine, then exit (cron or a systemd timer runs it). */
export const adjustCommand: CommandModule<GlobalArgs, AdjustArgs> = {
  command: 'adjust',
  describe:
    'Run one adjust cycle (collect, forecast, plan, apply, measure) and exit; a dry run unless --apply. Exit 3: partly applied',
  builder: (yargs: Argv<GlobalArgs>) =>
    yargs.option('apply', {
      type: 'boolean',
      default: false,
      describe: 'Send the operations to Slurm (default: a dry run that only shows them)',
    }) as unknown as Argv<AdjustArgs>,
  handler: async (args) => {
    const result = await runEngineCommand(args, async ({ config, io, seams, onStep }) => {
      const { adjustFromConfig } = await import('../../engine/index.js');
      return adjustFromConfig(config, io, seams, { dryRun: !args.apply, onStep });
    });
    const { renderCycle } = await import('../engine-render.js');
    output(args, result, () => renderCycle(result));
    process.exitCode = result.outcome === 'partial' ? ExitCode.partial : ExitCode.ok;
  },
};
