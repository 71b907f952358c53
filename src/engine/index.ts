import type { Config } from '../config/schema.js';
import { planCycle, runCycle, type CycleResult, type CycleStep, type PlanResult } from './cycle.js';
import { createCycleDeps, cycleOptionsFromConfig, type EngineIo, type EngineSeams } from './factory.js';

/**
 * The engine's entry points for the CLI: one plan (`slurmcast plan`) or one adjust cycle
 * (`slurmcast adjust`) from a config, on I/O the caller opened.
 */
export { loadEngineSeams } from './seams.js';
export type { EngineIo, EngineSeams } from './factory.js';
export type { CycleResult, CycleStep, PlanResult } from './cycle.js';
export { CycleSteps } from './cycle.js';
export { EngineBusyError, EngineError, EngineStateError } from './errors.js';

/**
 * The plan of this cycle, not applied: reads Slurm and the store, writes only the model cache.
 * @throws {ParameterRangeError} for engine numbers out of range.
 * @example const result = await planFromConfig(config, io, await loadEngineSeams(config), {});
 */
export function planFromConfig(
  config: Config,
  io: EngineIo,
  seams: EngineSeams,
  options: { onStep?: (step: CycleStep) => void },
): Promise<PlanResult> {
  return planCycle(
    createCycleDeps(config, io, seams),
    cycleOptionsFromConfig(config, { dryRun: true, ...options }),
  );
}

/**
 * One adjust cycle: a dry run unless `dryRun` is false.
 * @throws {EngineBusyError} when another cycle runs. @throws {ParameterRangeError}
 * @example const result = await adjustFromConfig(config, io, await loadEngineSeams(config), { dryRun: true });
 */
export function adjustFromConfig(
  config: Config,
  io: EngineIo,
  seams: EngineSeams,
  options: { dryRun: boolean; onStep?: (step: CycleStep) => void },
): Promise<CycleResult> {
  return runCycle(createCycleDeps(config, io, seams), cycleOptionsFromConfig(config, options));
}
