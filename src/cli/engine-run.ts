import type { EngineIo, EngineSeams } from '../engine/factory.js';
import type { CycleStep } from '../engine/cycle.js';
import type { Config } from '../config/schema.js';
import { systemClock } from '../shared/clock.js';
import { configFor, loggerFor, slurmClientFor, type GlobalArgs } from './context.js';
import { terminalProgress } from './progress.js';

/** What `plan` and `adjust` hand their engine call: the config, the opened I/O, the seams, progress. */
export interface EngineRun {
  config: Config;
  io: EngineIo;
  seams: EngineSeams;
  onStep: (step: CycleStep) => void;
}

/**
 * Opens what an engine command needs (config, log, Slurm client, store), runs `work` with progress by
 * cycle step, and closes them again whatever happens. The engine, the stores and the forecasting
 * models load here, when a command runs, not for --help.
 */
export async function runEngineCommand<T>(
  args: GlobalArgs,
  work: (run: EngineRun) => Promise<T>,
): Promise<T> {
  const config = await configFor(args);
  const logger = await loggerFor(config);
  const { CycleSteps, loadEngineSeams } = await import('../engine/index.js');
  const seams = await loadEngineSeams(config);
  const { createStore } = await import('../store/create.js');
  const client = await slurmClientFor(config);
  const store = await createStore(config.store);
  const progress = terminalProgress(args.json);
  try {
    return await work({
      config,
      io: { client, store, clock: systemClock, logger },
      seams,
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
}
