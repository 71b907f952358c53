import type { ApplyOptions, ApplyReport, OperationReport } from '../../../src/act/types.js';
import type { CycleDeps, PoolFitRequest } from '../../../src/engine/cycle.js';
import type { ReservationUse } from '../../../src/engine/hysteresis.js';
import {
  emptyEngineState,
  type EngineState,
  type EngineStateStore,
  type ModelCache,
  type ModelCacheEntry,
} from '../../../src/engine/state.js';
import type { Inventory, Plan, PlanInput, ReservationAction } from '../../../src/plan/plan.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { silentLogger } from '../../../src/shared/logger.js';

/** A reservation action of the planner, for key `key` on h100 nodes. */
export function reservation(key: string, nodeCount: number): ReservationAction {
  return {
    kind: 'reservation',
    id: `reservation:${key}`,
    reason: `forecast wants ${nodeCount} h100 nodes for ${key}`,
    forecast: {
      pool: 'gpu/h100',
      series: 'demand_gpu',
      model: 'naive',
      quantile: 0.9,
      horizonStep: 0,
      issuedAtS: 0,
    },
    fromS: 0,
    toS: 3_600,
    key,
    nodeType: 'gpu-h100x2',
    nodeCount,
    partition: 'gpu',
    accounts: ['research'],
    users: [],
    features: null,
  };
}

export function planOf(actions: Plan['actions'], createdAtS = 0): Plan {
  return {
    createdAtS,
    horizonEndS: createdAtS + 3_600,
    actions,
    explanation: { objective: 'minimise cost', objectiveValue: 0, binding: [], solver: 'test' },
  };
}

/** Four usable h100 nodes of two GPUs each in partition `gpu`. */
export function inventoryOf(atS: number, usable = 4): Inventory {
  return {
    atS,
    nodeTypes: [
      {
        name: 'gpu-h100x2',
        cpus: 32,
        memMiB: 256_000,
        gpuType: 'h100',
        gpuCount: 2,
        features: [],
        partitions: ['gpu'],
        bootS: 60,
        pricePerNodeHour: 3,
      },
    ],
    nodes: [1, 2, 3, 4].map((i) => ({
      name: `g${i}`,
      type: 'gpu-h100x2',
      power: 'on' as const,
      usable: i <= usable,
      cpusAllocated: 0,
      activeFeatures: [],
    })),
  };
}

export function memoryStateStore(initial: EngineState = emptyEngineState()): EngineStateStore & {
  saved: EngineState[];
  current: EngineState;
} {
  const store = {
    saved: [] as EngineState[],
    current: structuredClone(initial),
    load: () => Promise.resolve(structuredClone(store.current)),
    save: (state: EngineState) => {
      store.current = structuredClone(state);
      store.saved.push(structuredClone(state));
      return Promise.resolve();
    },
  };
  return store;
}

export function memoryModelCache(): ModelCache & { entries: Map<string, ModelCacheEntry> } {
  const entries = new Map<string, ModelCacheEntry>();
  return {
    entries,
    get: (pool) => Promise.resolve(structuredClone(entries.get(pool) ?? null)),
    put: (entry) => {
      entries.set(entry.pool, structuredClone(entry));
      return Promise.resolve();
    },
  };
}

/** The operations an actuator would send for a plan: one create per reservation the report names. */
export function reportFor(plan: Plan, options: ApplyOptions): ApplyReport {
  const operations: OperationReport[] = plan.actions.map((a) => ({
    actionId: a.id,
    kind:
      a.kind === 'reservation'
        ? 'create-reservation'
        : a.kind === 'keep-powered'
          ? 'power-up'
          : 'set-features',
    target: a.kind === 'reservation' ? `slurmcast-${a.key}` : a.nodeType,
    before: null,
    after: { nodes: a.kind === 'reservation' ? a.nodeCount : a.count },
    reason: a.reason,
    outcome: options.dryRun === false ? 'applied' : 'dry-run',
  }));
  return { dryRun: options.dryRun !== false, operations, unchanged: 0, partial: false };
}

/**
 * Fakes of every dependency, recording the order of calls; a fake Slurm keeps what an apply (not a
 * dry run) reserved, and the measurement reads it back. The forecast is flat at `gpus` GPUs; the
 * planner reserves ceil(q0.9 of the first step ÷ 2 GPUs per node) nodes for account research.
 */
export function fakeDeps(options: { startMs?: number; gpus?: number } = {}): CycleDeps & {
  calls: string[];
  clock: ManualClock;
  stateStore: ReturnType<typeof memoryStateStore>;
  cache: ReturnType<typeof memoryModelCache>;
  fits: PoolFitRequest[];
  planInputs: PlanInput[];
  applied: { plan: Plan; options: ApplyOptions }[];
  /** The fake Slurm's reservations (key → nodes), as applied plans left them. */
  slurm: Map<string, number>;
  /** Busy nodes per reservation key, as the next measurement reports them. */
  busy: Map<string, number>;
  /** The window of each measurement. */
  windows: { sinceS: number | null; nowS: number }[];
} {
  const calls: string[] = [];
  const clock = new ManualClock(options.startMs ?? 1_700_000_000_000);
  const stateStore = memoryStateStore();
  const cache = memoryModelCache();
  const fits: PoolFitRequest[] = [];
  const planInputs: PlanInput[] = [];
  const applied: { plan: Plan; options: ApplyOptions }[] = [];
  const gpus = options.gpus ?? 3;
  const deps = {
    calls,
    clock,
    stateStore,
    cache,
    fits,
    planInputs,
    applied,
    slurm: new Map<string, number>(),
    busy: new Map<string, number>(),
    windows: [] as { sinceS: number | null; nowS: number }[],
    logger: silentLogger,
    lock: <T>(work: () => Promise<T>) => {
      calls.push('lock');
      return work();
    },
    state: {
      load: () => {
        calls.push('state.load');
        return stateStore.load();
      },
      save: (s: EngineState) => {
        calls.push('state.save');
        return stateStore.save(s);
      },
    },
    models: cache,
    collect: () => {
      calls.push('collect');
      return Promise.resolve({ jobs: 5 });
    },
    inventory: () => {
      calls.push('inventory');
      return Promise.resolve(inventoryOf(Math.floor(clock.nowMs() / 1000)));
    },
    forecast: (request: PoolFitRequest) => {
      calls.push('forecast');
      fits.push(request);
      const flat = Array.from({ length: request.horizonSteps }, (_, i) => gpus + i * 0.001);
      return Promise.resolve({
        model: 'naive',
        cutS: request.cutS,
        quantiles: { '0.1': flat.map((v) => v / 2), '0.5': flat, '0.9': flat.map((v) => v + 1) },
        accounts: [{ account: 'research', share: 1 }],
      });
    },
    plan: (input: PlanInput) => {
      calls.push('plan');
      planInputs.push(input);
      // The forecast is in GPUs; an h100 node of the inventory holds 2.
      const nodes = Math.ceil((input.forecasts[0]?.quantiles['0.9']?.[0] ?? 0) / 2);
      return planOf(nodes > 0 ? [reservation('h100.research', nodes)] : [], input.nowS);
    },
    apply: (plan: Plan, applyOptions: ApplyOptions) => {
      calls.push('apply');
      applied.push({ plan, options: applyOptions });
      if (applyOptions.dryRun === false) {
        deps.slurm.clear();
        for (const a of plan.actions) if (a.kind === 'reservation') deps.slurm.set(a.key, a.nodeCount);
      }
      return Promise.resolve(reportFor(plan, applyOptions));
    },
    measure: (window: { sinceS: number | null; nowS: number }) => {
      calls.push('measure');
      deps.windows.push(window);
      const uses: ReservationUse[] = [...deps.slurm].map(([key, nodeCount]) => ({
        key,
        name: `slurmcast-${key}`,
        nodeCount,
        busyNodes: Math.min(nodeCount, deps.busy.get(key) ?? 0),
        gpuIdleNodes: 0,
        pendingJobs: 0,
      }));
      return Promise.resolve(uses);
    },
  };
  return deps;
}

export const costs = { idleNodeHour: 1, waitingJobHour: 4 };
export const pools = [{ name: 'gpu/h100' }];
