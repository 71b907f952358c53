import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApplyOptions, ApplyReport } from '../../../src/act/types.js';
import { planCycle, runCycle, type CycleOptions } from '../../../src/engine/cycle.js';
import { EngineBusyError, EngineStateError } from '../../../src/engine/errors.js';
import { fileCycleLock } from '../../../src/engine/lock.js';
import { emptyEngineState, fileModelCache, fileStateStore } from '../../../src/engine/state.js';
import { InvalidSeriesError } from '../../../src/forecast/errors.js';
import type { Plan } from '../../../src/plan/plan.js';
import { costs, fakeDeps, pools, reportFor } from './fakes.js';

const STEP = 900;
const params = {
  stepS: STEP,
  horizonS: 3_600,
  refitEveryS: 7_200,
  cooldownS: 600,
  idleCyclesToShrink: 2,
};
const base: CycleOptions = { pools, accounts: [], costs, params, auditLogPath: '/nonexistent/audit.jsonl' };

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'slurmcast-engine-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('runCycle', () => {
  it('runs the steps in order: collect, forecast, plan, validate on fresh inventory, apply, measure, save', async () => {
    const deps = fakeDeps();
    await runCycle(deps, base);
    expect(deps.calls).toEqual([
      'lock',
      'state.load',
      'collect',
      'inventory',
      'forecast',
      'plan',
      'inventory',
      'apply',
      'measure',
      'state.save',
    ]);
  });

  it('is a dry run unless told otherwise, and a dry run starts no cooldown', async () => {
    const deps = fakeDeps();
    const result = await runCycle(deps, base);
    expect(deps.applied[0]?.options.dryRun).toBe(true);
    expect(result.dryRun).toBe(true);
    expect(result.report.operations.map((o) => o.outcome)).toEqual(['dry-run']);
    expect(deps.stateStore.current.reservations).toEqual([]);
    expect(deps.stateStore.current.lastCycle).toMatchObject({ dryRun: true, outcome: 'ok' });
  });

  it("gives the actuator the inventory's node type of every node, so types it names apart are found", async () => {
    const deps = fakeDeps();
    const partitioned = deps.inventory;
    // Node types named by their partitions, as inventoryFromNodes names shapes that share a base name.
    deps.inventory = async () => {
      const inv = await partitioned();
      return { ...inv, nodes: inv.nodes.map((n) => ({ ...n, type: `${n.type}-in-gpu` })) };
    };
    await runCycle(deps, base);
    expect(deps.applied[0]?.options.nodeTypes).toEqual({
      g1: 'gpu-h100x2-in-gpu',
      g2: 'gpu-h100x2-in-gpu',
      g3: 'gpu-h100x2-in-gpu',
      g4: 'gpu-h100x2-in-gpu',
    });
  });

  it('gives the planner the forecast in GPUs: 3 at q0.5 and 4 at q0.9 are 2 nodes of 2 GPUs', async () => {
    const deps = fakeDeps({ gpus: 3 });
    const result = await runCycle(deps, base);
    const forecast = deps.planInputs[0]?.forecasts[0];
    expect(forecast?.quantiles['0.5']?.[0]).toBe(3);
    expect(forecast?.quantiles['0.9']?.[0]).toBe(4);
    expect(forecast?.quantiles['0.9']).toHaveLength(params.horizonS / STEP);
    expect(result.plan.actions).toMatchObject([{ kind: 'reservation', nodeCount: 2 }]);
  });

  it('fits a model on a cache miss, reuses it shifted while young, and refits it when older than refitEveryS', async () => {
    const deps = fakeDeps();
    const first = await runCycle(deps, base);
    expect(first.forecasts).toMatchObject([{ source: 'fit', why: 'no cached model' }]);
    expect(deps.fits).toHaveLength(1);
    // The fit covers the horizon plus the shifts until the next refit.
    expect(deps.fits[0]?.horizonSteps).toBe((params.horizonS + params.refitEveryS) / STEP);
    const firstStart = deps.planInputs[0]?.forecasts[0]?.startS ?? NaN;

    deps.clock.advance(2 * STEP * 1000);
    const second = await runCycle(deps, base);
    expect(second.forecasts).toMatchObject([{ source: 'cache' }]);
    expect(deps.fits).toHaveLength(1);
    expect(deps.planInputs[1]?.forecasts[0]?.startS).toBe(firstStart + 2 * STEP);

    deps.clock.advance(params.refitEveryS * 1000);
    const third = await runCycle(deps, base);
    expect(third.forecasts).toMatchObject([{ source: 'fit', why: 'refit due' }]);
    expect(deps.fits).toHaveLength(2);
  });

  it('applies when told, records the change for the cooldown, and holds the size within it', async () => {
    const deps = fakeDeps({ gpus: 3 });
    await runCycle(deps, { ...base, dryRun: false });
    expect(deps.applied[0]?.options).toEqual({
      dryRun: false,
      auditLogPath: base.auditLogPath,
      nodeTypes: { g1: 'gpu-h100x2', g2: 'gpu-h100x2', g3: 'gpu-h100x2', g4: 'gpu-h100x2' },
    });
    const nowS = Math.floor(deps.clock.nowMs() / 1000);
    expect(deps.stateStore.current.reservations).toMatchObject([
      { key: 'h100.research', name: 'slurmcast-h100.research', nodeCount: 2, lastChangeS: nowS },
    ]);
    // It fills up.
    deps.busy.set('h100.research', 2);
    await runCycle(deps, { ...base, dryRun: false });
    deps.clock.advance(300_000);
    const held = await runCycle(deps, { ...base, dryRun: false });
    expect(held.plan.actions).toMatchObject([{ nodeCount: 2 }]);
    expect(held.decisions[0]?.why).toMatch(/cooldown/);
    deps.clock.advance(400_000);
    const grown = await runCycle(deps, { ...base, dryRun: false });
    expect(grown.plan.actions).toMatchObject([{ nodeCount: 3 }]);
  });

  it('measures the jobs since the previous cycle started (now only on the first cycle)', async () => {
    const deps = fakeDeps();
    const firstS = Math.floor(deps.clock.nowMs() / 1000);
    await runCycle(deps, base);
    deps.clock.advance(300_000);
    await runCycle(deps, base);
    expect(deps.windows).toEqual([
      { sinceS: null, nowS: firstS },
      { sinceS: firstS, nowS: firstS + 300 },
    ]);
  });

  it('reports a partial apply as the outcome', async () => {
    const deps = fakeDeps();
    deps.apply = (plan: Plan, options: ApplyOptions): Promise<ApplyReport> =>
      Promise.resolve({ ...reportFor(plan, options), partial: true });
    const result = await runCycle(deps, { ...base, dryRun: false });
    expect(result.outcome).toBe('partial');
    expect(deps.stateStore.current.lastCycle?.outcome).toBe('partial');
  });

  it('a cycle that fails in apply leaves the state as it was, with the failure recorded', async () => {
    const deps = fakeDeps();
    await runCycle(deps, { ...base, dryRun: false });
    const before = structuredClone(deps.stateStore.current);
    deps.apply = () => Promise.reject(new Error('slurmctld went away'));
    deps.clock.advance(60_000);
    await expect(runCycle(deps, { ...base, dryRun: false })).rejects.toThrow('slurmctld went away');
    expect(deps.stateStore.current.reservations).toEqual(before.reservations);
    expect(deps.stateStore.current.lastCycle).toMatchObject({
      outcome: 'failed',
      error: 'slurmctld went away',
    });
  });

  it('a cycle that fails after Slurm accepted its apply keeps what was applied', async () => {
    const deps = fakeDeps();
    deps.measure = () => Promise.reject(new Error('sacct timed out'));
    await expect(runCycle(deps, { ...base, dryRun: false })).rejects.toThrow('sacct timed out');
    expect(deps.stateStore.current.reservations).toMatchObject([{ key: 'h100.research', nodeCount: 2 }]);
    expect(deps.stateStore.current.lastCycle?.outcome).toBe('failed');
  });

  it('plans the other pools when one cannot be forecast', async () => {
    const deps = fakeDeps();
    const fit = deps.forecast;
    deps.forecast = (request) =>
      request.pool === 'gpu/h100' ? Promise.reject(new InvalidSeriesError('too short')) : fit(request);
    const result = await runCycle(deps, {
      ...base,
      pools: [{ name: 'gpu/h100' }, { name: 'gpu/h100[]' }, { name: 'cpu' }],
    });
    expect(result.problems).toEqual([
      'pool gpu/h100: cannot forecast this series: too short',
      'pool cpu: no node type serves it (demand_cpu): not planned',
    ]);
    expect(result.forecasts.map((f) => f.pool)).toEqual(['gpu/h100[]']);
  });

  it('cuts an action to the nodes still usable when it is validated', async () => {
    const deps = fakeDeps({ gpus: 7 });
    let reads = 0;
    const read = deps.inventory;
    deps.inventory = async () => {
      const inventory = await read();
      reads += 1;
      // Two nodes were drained between planning and validation.
      return reads === 1
        ? inventory
        : { ...inventory, nodes: inventory.nodes.map((n, i) => ({ ...n, usable: i < 2 })) };
    };
    const result = await runCycle(deps, base);
    expect(result.plannerPlan.actions).toMatchObject([{ nodeCount: 4 }]);
    expect(result.plan.actions).toMatchObject([{ nodeCount: 2 }]);
    expect(result.problems).toEqual([
      'reservation:h100.research: asks for 4 gpu-h100x2 nodes, 2 usable now: cut to 2',
    ]);
  });

  it('refuses a run that is not a dry run without an audit log', async () => {
    const { auditLogPath: _unused, ...noAudit } = base;
    await expect(runCycle(fakeDeps(), { ...noAudit, dryRun: false })).rejects.toThrow(/auditLogPath/);
  });
});

describe('planCycle', () => {
  it('computes the plan without applying, measuring or saving the state', async () => {
    const deps = fakeDeps();
    const result = await planCycle(deps, base);
    expect(result.plan.actions).toHaveLength(1);
    expect(deps.calls).toEqual(['state.load', 'collect', 'inventory', 'forecast', 'plan', 'inventory']);
  });
});

describe('one cycle at a time', () => {
  it('a second cycle started while one runs exits with a clear message, and only the first acts', async () => {
    const dir = tempDir();
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    let entered: () => void = () => undefined;
    const inApply = new Promise<void>((resolve) => (entered = resolve));
    const first = fakeDeps();
    first.lock = fileCycleLock(dir, { lockWaitS: 0 });
    const apply = first.apply;
    first.apply = async (plan, options) => {
      entered();
      await blocked;
      return apply(plan, options);
    };
    const second = fakeDeps();
    second.lock = fileCycleLock(dir, { lockWaitS: 0 });

    const running = runCycle(first, base);
    await inApply;
    const refused = await runCycle(second, base).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(EngineBusyError);
    expect((refused as EngineBusyError).message).toMatch(/another slurmcast adjust is running/);
    expect(second.calls).toEqual([]);
    release();
    await running;
    expect(first.calls).toContain('apply');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a second cycle given time to wait runs after the first', async () => {
    const dir = tempDir();
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    let entered: () => void = () => undefined;
    const inApply = new Promise<void>((resolve) => (entered = resolve));
    const order: string[] = [];
    const first = fakeDeps();
    first.lock = fileCycleLock(dir, { lockWaitS: 0 });
    first.apply = async (plan, options) => {
      entered();
      await blocked;
      order.push('first apply');
      return reportFor(plan, options);
    };
    const second = fakeDeps();
    second.lock = fileCycleLock(dir, { lockWaitS: 30 });
    second.apply = (plan, options) => {
      order.push('second apply');
      return Promise.resolve(reportFor(plan, options));
    };
    const running = runCycle(first, base);
    await inApply;
    const waiting = runCycle(second, base);
    release();
    await Promise.all([running, waiting]);
    expect(order).toEqual(['first apply', 'second apply']);
  });
});

describe('state files', () => {
  it('saves and loads the state and the model cache in the state directory, whole', async () => {
    const dir = tempDir();
    const deps = fakeDeps();
    deps.state = fileStateStore(dir);
    deps.models = fileModelCache(dir);
    await runCycle(deps, { ...base, dryRun: false });
    const state = await fileStateStore(dir).load();
    expect(state.reservations).toMatchObject([{ key: 'h100.research' }]);
    expect(await fileModelCache(dir).get('gpu/h100')).toMatchObject({ pool: 'gpu/h100', model: 'naive' });
    expect(readdirSync(dir).sort()).toEqual(['models', 'state.json']);
    expect(readdirSync(join(dir, 'models'))).toEqual(['gpu%2Fh100.json']);
  });

  it('starts from an empty state when none was saved, and names a state file it cannot read', async () => {
    const dir = tempDir();
    expect(await fileStateStore(dir).load()).toEqual(emptyEngineState());
    writeFileSync(join(dir, 'state.json'), '{"version": 2}');
    await expect(fileStateStore(dir).load()).rejects.toBeInstanceOf(EngineStateError);
    // A broken cache file is only a miss: the model is refitted.
    await fileModelCache(dir).put({
      pool: 'p',
      series: 'demand_gpu',
      model: 'naive',
      stepS: 60,
      cutS: 0,
      fittedAtS: 0,
      quantiles: {},
      accounts: [],
    });
    writeFileSync(join(dir, 'models', 'p.json'), 'not json');
    expect(await fileModelCache(dir).get('p')).toBeNull();
  });
});
