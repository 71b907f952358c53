import type { Argv, CommandModule } from 'yargs';
import { systemClock } from '../../shared/clock.js';
import { configFor, loggerFor, output, slurmClientFor, type GlobalArgs } from '../context.js';
import { terminalProgress } from '../progress.js';

interface PlanArgs extends GlobalArgs {
  out: string | undefined;
}

/** `slurmcast plan`: the plan of this cycle and why, read-only towards Slurm. */
export const planCommand: CommandModule<GlobalArgs, PlanArgs> = {
  command: 'plan',
  describe:
    'Print the capacity plan of this cycle and why (actions, reasons, forecasts, hysteresis); reads Slurm, changes nothing',
  builder: (yargs: Argv<GlobalArgs>) =>
    yargs.option('out', {
      type: 'string',
      describe: 'Also write the plan (JSON) to this file, for `slurmcast apply`',
    }) as unknown as Argv<PlanArgs>,
  handler: async (args) => {
    const config = await configFor(args);
    const logger = await loggerFor(config);
    // The engine, the stores and the forecasting models load only when a plan is made, not for --help.
    const { loadEngineSeams, planFromConfig, CycleSteps } = await import('../../engine/index.js');
    const seams = await loadEngineSeams(config);
    const { createStore } = await import('../../store/create.js');
    const client = await slurmClientFor(config);
    const store = await createStore(config.store);
    const progress = terminalProgress(args.json);
    let result;
    try {
      result = await planFromConfig(config, { client, store, clock: systemClock, logger }, seams, {
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
    if (args.out !== undefined) {
      const { writeFileAtomic } = await import('../../shared/atomic-write.js');
      await writeFileAtomic(args.out, `${JSON.stringify(result.plan, null, 2)}\n`);
    }
    const { renderPlan } = await import('../engine-render.js');
    output(args, result, () => renderPlan(result));
  },
};
