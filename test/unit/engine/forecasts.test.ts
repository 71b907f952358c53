import { describe, expect, it } from 'vitest';
import {
  announcedDemand,
  accountShares,
  cacheVerdict,
  nodeTypesServing,
  poolKeyOf,
  shiftedQuantiles,
  unitsPerNode,
} from '../../../src/engine/forecasts.js';
import { planCycle } from '../../../src/engine/cycle.js';
import { poolForecastOf } from '../../../src/plan/decide.js';
import { planCapacity } from '../../../src/plan/planner.js';
import type { ModelCacheEntry } from '../../../src/engine/state.js';
import { poolName } from '../../../src/series/build.js';
import type { JobRecord } from '../../../src/shared/job-record.js';
import { costs, fakeDeps, inventoryOf, pools } from './fakes.js';

const STEP = 900;

function entry(overrides: Partial<ModelCacheEntry> = {}): ModelCacheEntry {
  return {
    pool: 'gpu/h100',
    series: 'demand_gpu',
    model: 'naive',
    stepS: STEP,
    cutS: 9_000,
    fittedAtS: 9_000,
    quantiles: { '0.5': Array.from({ length: 10 }, (_, i) => i) },
    accounts: [],
    ...overrides,
  };
}

describe('poolKeyOf', () => {
  it('reads back the pool names the series stage writes', () => {
    expect(poolKeyOf('standard')).toEqual({ partition: 'standard', gpuType: null, features: [] });
    expect(poolKeyOf('gpu/h100')).toEqual({ partition: 'gpu', gpuType: 'h100', features: [] });
    expect(poolKeyOf('gpu/a100[nvlink,bigmem]')).toEqual({
      partition: 'gpu',
      gpuType: 'a100',
      features: ['bigmem', 'nvlink'],
    });
    expect(poolKeyOf('batch[ib]')).toEqual({ partition: 'batch', gpuType: null, features: ['ib'] });
    expect(poolKeyOf('a/b/c')).toBeNull();
    expect(poolKeyOf('')).toBeNull();
  });
});

describe('cacheVerdict', () => {
  const options = { series: 'demand_gpu', stepS: STEP, refitEveryS: 3_600, horizonS: 1_800 };

  it('fits when nothing is cached, when the refit is due, and when the settings changed', () => {
    expect(cacheVerdict(null, { ...options, nowS: 9_000 })).toEqual({ use: 'fit', why: 'no cached model' });
    expect(cacheVerdict(entry(), { ...options, nowS: 12_600 })).toEqual({ use: 'fit', why: 'refit due' });
    expect(cacheVerdict(entry(), { ...options, nowS: 9_100, series: 'demand_cpu' })).toEqual({
      use: 'fit',
      why: 'settings changed',
    });
  });

  it('reuses a younger fit, shifted by the steps since its cut, while its window covers the horizon', () => {
    expect(cacheVerdict(entry(), { ...options, nowS: 9_000 + 2 * STEP + 5 })).toEqual({
      use: 'cache',
      offsetSteps: 2,
    });
    // 10 steps, 2 needed: from offset 9 on only one is left.
    expect(cacheVerdict(entry(), { ...options, refitEveryS: 86_400, nowS: 9_000 + 9 * STEP })).toEqual({
      use: 'fit',
      why: 'window used up',
    });
  });

  it('shifts the cached window to the current cut', () => {
    expect(shiftedQuantiles(entry(), 3, 2)).toEqual({ '0.5': [3, 4] });
  });
});

describe('the forecast the planner gets', () => {
  it('stays in the series unit, float noise rounded away: the planner divides by each type itself', () => {
    const key = poolKeyOf('gpu/h100');
    if (key === null) throw new Error('pool key');
    const serving = nodeTypesServing(key, inventoryOf(0).nodeTypes);
    expect(serving.map((t) => t.name)).toEqual(['gpu-h100x2']);
    expect(unitsPerNode('demand_gpu', serving)).toBe(2);
    expect(unitsPerNode('demand_cpu', serving)).toBe(32);
    expect(unitsPerNode('demand_gpu', nodeTypesServing({ ...key, gpuType: 'a100' }, serving))).toBeNull();
    const forecast = poolForecastOf({
      pool: 'gpu/h100',
      key,
      series: 'demand_gpu',
      model: 'naive',
      startS: 0,
      stepS: STEP,
      quantiles: { '0.9': [0, 1, 2, 2.0000001, 3, 4.5, Number.NaN, -1] },
      accounts: [],
    });
    expect(forecast.quantiles['0.9']).toEqual([0, 1, 2, 2, 3, 4.5, 0, 0]);
  });

  it('sizes nodes once: 3 GPUs of forecast on 2-GPU nodes are 2 nodes, not 1', async () => {
    const deps = fakeDeps({ gpus: 3 });
    deps.plan = (input) => planCapacity(input, { quantile: 0.5 });
    const result = await planCycle(deps, {
      pools,
      accounts: [],
      costs,
      params: { stepS: STEP, horizonS: 3_600 },
    });
    const keep = result.plannerPlan.actions.filter((a) => a.kind === 'keep-powered');
    expect(keep.map((a) => (a.kind === 'keep-powered' ? a.count : 0))).toEqual([2]);
  });
});

describe('accountShares', () => {
  const job = (
    id: string,
    account: string,
    gpuCount: number,
    startS: number,
    endS: number | null,
  ): JobRecord =>
    ({
      source: 'test',
      jobId: id,
      partition: 'gpu',
      account,
      gpuType: 'h100',
      gpuCount,
      cpuCount: 1,
      features: [],
      submitS: startS,
      startS,
      endS,
    }) as unknown as JobRecord;

  it('weighs each account by GPUs × run time in the pool, a running job up to now', () => {
    const shares = accountShares(
      [job('1', 'research', 2, 0, 100), job('2', 'teach', 1, 0, null), job('3', 'teach', 0, 0, 100)],
      { pool: 'gpu/h100', series: 'demand_gpu', nowS: 200, poolOf: poolName },
    );
    expect(shares).toEqual([
      { account: 'research', share: 0.5 },
      { account: 'teach', share: 0.5 },
    ]);
  });
});

describe('announcedDemand', () => {
  const CUT = 1_700_000_000 - (1_700_000_000 % 900);
  const pending = (over: Partial<JobRecord>): JobRecord => ({
    source: 'test',
    jobId: 'j',
    name: null,
    user: 'u',
    account: null,
    partition: 'gpu',
    qos: null,
    state: 'PENDING',
    exitCode: null,
    submitS: CUT - 600,
    eligibleS: CUT + 1800,
    startS: null,
    endS: null,
    timeLimitS: 1800,
    nodeCount: 1,
    cpuCount: 8,
    memMiB: 0,
    gpuCount: 2,
    gpuType: 'h100',
    features: [],
    reservation: null,
    maxRssMiB: null,
    totalCpuS: null,
    ...over,
  });
  const window = {
    pool: 'gpu/h100',
    series: 'demand_gpu' as const,
    cutS: CUT,
    stepS: 900,
    steps: 6,
    poolOf: poolName,
  };

  it('counts a job that begins later over its time limit, from its eligible time', () => {
    expect(announcedDemand([pending({})], window)).toEqual([0, 0, 2, 2, 0, 0]);
    // Half a step: time-weighted.
    expect(announcedDemand([pending({ eligibleS: CUT + 450, timeLimitS: 900 })], window)).toEqual([
      1, 1, 0, 0, 0, 0,
    ]);
  });

  it('leaves out jobs eligible now, started, ended, of another pool or submitted after the cut', () => {
    const none = [
      pending({ eligibleS: CUT - 60 }),
      pending({ startS: CUT - 10 }),
      pending({ endS: CUT - 5, state: 'CANCELLED' }),
      pending({ gpuType: 'a100' }),
      pending({ submitS: CUT + 1 }),
      pending({ eligibleS: null }),
    ];
    expect(announcedDemand(none, window)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(announcedDemand([pending({})], { ...window, series: 'demand_cpu', pool: '*' })).toEqual([
      0, 0, 8, 8, 0, 0,
    ]);
  });
});

describe('the cycle with demand the queue announces', () => {
  it('adds it on top of the (cached) forecast every cycle and says so', async () => {
    const deps = fakeDeps({ gpus: 0 });
    const asked: number[] = [];
    deps.announced = (request) => {
      asked.push(request.cutS);
      return Promise.resolve(Array.from({ length: request.steps }, (_, k) => (k === 0 ? 6 : 0)));
    };
    const options = { pools, accounts: [], costs, params: { stepS: 900, horizonS: 3600, refitEveryS: 7200 } };
    const first = await planCycle(deps, options);
    expect(deps.planInputs[0]?.forecasts[0]?.quantiles['0.9']?.[0]).toBeCloseTo(7, 6);
    expect(first.forecasts[0]?.why).toMatch(/announced by pending jobs/);
    deps.clock.advance(900_000);
    const second = await planCycle(deps, options);
    expect(second.forecasts[0]?.source).toBe('cache');
    expect(asked).toHaveLength(2);
    // The cached forecast moved one step (0.001 more in the fake); the announced 6 is added again.
    expect(deps.planInputs[1]?.forecasts[0]?.quantiles['0.9']?.[0]).toBeCloseTo(7.001, 6);
  });
});
