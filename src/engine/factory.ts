import { ListNodes, type Node, type SlurmClient } from '../../sdk/index.js';
import { resolveActConfig } from '../act/apply.js';
import type { ApplyOptions, ApplyReport } from '../act/types.js';
import { collect, slurmClusterReader } from '../collect/collector.js';
import { resolveEngineParams } from '../config/params.js';
import type { Config } from '../config/schema.js';
import { forecastPoolDemand } from '../forecast/application.js';
import { calendarFromConfig } from '../plan/calendar-events.js';
import type { Inventory, Plan, PlanInput } from '../plan/plan.js';
import { poolName } from '../series/build.js';
import { gpuBusyByNode, type NodeGpuBusy } from '../series/gpu-busy.js';
import type { JobRecord } from '../shared/job-record.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { HistoryStore } from '../store/types.js';
import type { CycleDeps, CycleOptions, PoolFit } from './cycle.js';
import { accountShares, announcedDemand } from './forecasts.js';
import type { ReservationUse } from './hysteresis.js';
import { fileCycleLock } from './lock.js';
import { fileModelCache, fileStateStore } from './state.js';

/**
 * Wires the real dependencies of the cycle: collect into the configured store, the forecast of one pool
 * from the store's jobs, the state directory's files and lock, and — through `EngineSeams` — the
 * planner, the inventory mapping, the actuator and the reservation-use reads.
 */

/** The stages the engine calls by these names and signatures; `loadEngineSeams` (seams.ts) provides them. */
export interface EngineSeams {
  /** `planCapacity(input)` of src/plan/planner.ts. */
  planCapacity(input: PlanInput): Plan;
  /** `inventoryFromNodes(nodes, options)` of src/plan/inventory.ts, with the config's node types bound. */
  inventoryFromNodes(nodes: Node[], nowS: number): Inventory;
  /** `applyPlan(client, plan, options)` of src/act/apply.ts. */
  applyPlan(client: SlurmClient, plan: Plan, options: ApplyOptions): Promise<ApplyReport>;
  /**
   * Use of every owned reservation: jobs by reservation since `sinceS` (accounting) and the queue by
   * reservation (squeue), and the GPU use sampled on each node over the same window, e.g. through
   * `reservationUseOf` (measure.ts).
   */
  reservationUse(
    client: SlurmClient,
    window: { sinceS: number | null; nowS: number },
    gpuBusy: readonly NodeGpuBusy[],
  ): Promise<ReservationUse[]>;
}

/** How far back the account shares of a pool look. */
const ACCOUNT_SHARE_LOOKBACK_S = 7 * 86_400;
/** Pending jobs submitted this long before a cut are read for the demand they announce (a --begin further back is rare). */
const ANNOUNCED_LOOKBACK_S = 30 * 86_400;

/** The I/O the cycle runs on, opened by the caller (the CLI) and closed by it. */
export interface EngineIo {
  client: SlurmClient;
  store: HistoryStore;
  clock: Clock;
  logger: Logger;
}

/**
 * The real `CycleDeps` for a config.
 * @throws {ParameterRangeError} for engine numbers out of range.
 */
export function createCycleDeps(config: Config, io: EngineIo, seams: EngineSeams): CycleDeps {
  const params = resolveEngineParams(config.engine);
  const source = `slurm:${config.cluster}`;
  const nowS = (): number => Math.floor(io.clock.nowMs() / 1000);
  // The pending jobs of the current cycle (read by the first pool that asks; dropped at the next collect).
  let announcedJobs: { cutS: number; jobs: JobRecord[] } | undefined;
  return {
    clock: io.clock,
    logger: io.logger,
    lock: fileCycleLock(config.engine.stateDir, params),
    state: fileStateStore(config.engine.stateDir),
    models: fileModelCache(config.engine.stateDir),
    collect: async () => {
      announcedJobs = undefined;
      const result = await collect(slurmClusterReader(io.client), io.store, {
        source,
        clock: io.clock,
        lockDir: config.store.spoolDir,
        logger: io.logger,
      });
      return { jobs: result.jobs };
    },
    inventory: async () => seams.inventoryFromNodes(await io.client.send(new ListNodes()), nowS()),
    forecast: async (request): Promise<PoolFit> => {
      const report = await forecastPoolDemand({
        jobs: io.store.jobs({ source, submittedBeforeS: request.cutS }),
        timeZone: config.timeZone,
        pool: request.pool,
        series: request.series,
        stepS: request.stepS,
        untilS: request.cutS,
        horizon: request.horizonSteps,
        levels: request.levels,
        ...(request.exclude === undefined ? {} : { exclude: request.exclude }),
      });
      const recent: JobRecord[] = [];
      for await (const batch of io.store.jobs({
        source,
        submittedFromS: request.cutS - ACCOUNT_SHARE_LOOKBACK_S,
        submittedBeforeS: request.cutS,
      }))
        recent.push(...batch);
      return {
        model: report.model,
        // The report's first step is the cut, rounded down to a whole step.
        cutS: Date.parse(report.start) / 1000,
        quantiles: report.quantiles,
        accounts: accountShares(recent, {
          pool: request.pool,
          series: request.series,
          nowS: request.cutS,
          poolOf: poolName,
        }),
      };
    },
    announced: async (request) => {
      // Every pool of a cycle asks at the same cut: the store is read once per cut, not once per pool.
      if (announcedJobs?.cutS !== request.cutS) {
        const jobs: JobRecord[] = [];
        for await (const batch of io.store.jobs({
          source,
          submittedFromS: request.cutS - ANNOUNCED_LOOKBACK_S,
          submittedBeforeS: request.cutS,
        }))
          jobs.push(...batch);
        announcedJobs = { cutS: request.cutS, jobs };
      }
      return announcedDemand(announcedJobs.jobs, { ...request, poolOf: poolName });
    },
    plan: (input) => seams.planCapacity(input),
    apply: (plan, options) => seams.applyPlan(io.client, plan, options),
    measure: async (window) => {
      // The same window as the jobs: with no previous cycle, the last hour.
      const sinceS = window.sinceS ?? window.nowS - 3_600;
      const gpu = gpuBusyByNode(await io.store.gpuUse({ lastSampleFromS: sinceS }), sinceS);
      return seams.reservationUse(io.client, window, gpu);
    },
  };
}

/** The cycle's options from a config: pools, costs, the engine numbers, and the actuator's audit log (the one `apply` and `revert` write too). */
export function cycleOptionsFromConfig(
  config: Config,
  options: { dryRun: boolean; onStep?: CycleOptions['onStep'] },
): CycleOptions {
  return {
    pools: config.engine.pools,
    // Only the accounts the config lists get reservations, within their caps and by priority.
    accounts: config.plan.accounts,
    costs: config.costs,
    dryRun: options.dryRun,
    auditLogPath: resolveActConfig(config.act).auditLog,
    params: resolveEngineParams(config.engine),
    calendar: calendarFromConfig(config.plan.calendar),
    ...(options.onStep === undefined ? {} : { onStep: options.onStep }),
  };
}
