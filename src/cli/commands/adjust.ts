import type { Argv, CommandModule } from 'yargs';
import { systemClock } from '../../shared/clock.js';
import { configFor, ExitCode, loggerFor, output, slurmClientFor, type GlobalArgs } from '../context.js';
import { terminalProgress } from '../progress.js';

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
    const config = await configFor(args);
    const logger = await loggerFor(config);
    // The engine, the stores and the forecasting models load only when a cycle runs, not for --help.
    const { adjustFromConfig, loadEngineSeams, CycleSteps } = await import('../../engine/index.js');
    const seams = await loadEngineSeams(config);
    const { createStore } = await import('../../store/create.js');
    const client = await slurmClientFor(config);
    const store = await createStore(config.store);
    const progress = terminalProgress(args.json);
    let result;
    try {
      result = await adjustFromConfig(config, { client, store, clock: systemClock, logger }, seams, {
        dryRun: !args.apply,
        onStep: (step) =>
          progress.update({
            label: step,
            done: CycleSteps.indexOf(step),
            total: CycleSteps.length,
            unit: 'steps',
          }),
      });
    } finally {
      progress.end();
      await store.close();
      await client.close();
    }
    const { renderCycle } = await import('../engine-render.js');
    output(args, result, () => renderCycle(result));
    process.exitCode = result.outcome === 'partial' ? ExitCode.partial : ExitCode.ok;
  },
};
