import { describe, expect, it } from 'vitest';
import { importSwf } from '../../../src/collect/import-history.js';
import type { JobRecord } from '../../../src/shared/job-record.js';
import { ConfigError } from '../../../src/config/errors.js';
import { resolveConfig } from '../../../src/config/load.js';
import {
  checkParam,
  ParameterRangeError,
  Params,
  parseDurationParam,
  rangeText,
  resolveParam,
  type ParamName,
} from '../../../src/config/params.js';
import { forecastPoolDemand } from '../../../src/forecast/application.js';
import { forecastSeries } from '../../../src/forecast/select.js';
import { predictivePolicy, seasonalWarmPoolPolicy } from '../../../src/plan/index.js';
import { buildPoolSeries } from '../../../src/series/build.js';
import { runDemo } from '../../../src/sim/demo.js';
import { runPolicy, syntheticScenario } from '../../../src/sim/run.js';
import { resolveSimulateConfig } from '../../../src/sim/simulator.js';
import { reactivePolicy } from '../../../src/sim/policies.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { ManualClock } from '../../../src/shared/clock.js';

const names = Object.keys(Params) as ParamName[];

/** Expects `f` to throw the parameter's range error, naming the parameter and its range. */
function expectRangeError(f: () => unknown, parameter: ParamName): void {
  let thrown: unknown;
  try {
    f();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ParameterRangeError);
  expect(thrown).toBeInstanceOf(ConfigError);
  expect((thrown as ParameterRangeError).parameter).toBe(parameter);
  expect((thrown as ParameterRangeError).message).toContain(rangeText(parameter));
}

async function expectRangeRejection(p: Promise<unknown>, parameter: ParamName): Promise<void> {
  const error: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expectRangeError(() => {
    if (error !== undefined) throw error;
  }, parameter);
}

/** Job batches that fail the test if anything reads them: a bad option must be refused first. */
async function* unreadable(): AsyncGenerator<JobRecord[]> {
  yield await Promise.reject(new Error('the jobs were read before the options were checked'));
}

describe('the parameter table', () => {
  it.each(names)('has a default of %s inside its own range', (name) => {
    const spec = Params[name];
    if (spec.default === null) {
      expect(() => resolveParam(name, undefined)).toThrow(TypeError);
    } else {
      expect(resolveParam(name, undefined)).toBe(spec.default);
    }
    expect(spec.max).toBeGreaterThan(spec.min);
    expect(spec.description.length).toBeGreaterThan(10);
  });

  it.each(names)('refuses NaN, ±Infinity and the values just outside the range of %s', (name) => {
    const spec = Params[name];
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])
      expectRangeError(() => checkParam(name, bad), name);
    const below = spec.minOpen ? spec.min : spec.min - 1;
    const above = spec.maxOpen ? spec.max : spec.max + 1;
    expectRangeError(() => checkParam(name, below), name);
    expectRangeError(() => checkParam(name, above), name);
    if (spec.integer) expectRangeError(() => checkParam(name, spec.min + 1.5), name);
    if (!spec.minOpen) expect(checkParam(name, spec.min)).toBe(spec.min);
    if (!spec.maxOpen) expect(checkParam(name, spec.max)).toBe(spec.max);
  });

  it('says which parameter, which value and which range in the error', () => {
    const error = new ParameterRangeError('horizon', 1e6);
    expect(error.name).toBe('ParameterRangeError');
    expect(error.value).toBe(1e6);
    expect(error.range).toBe('a whole number in [1, 8760] steps');
    expect(error.message).toBe(
      '--horizon (horizon) is out of range: got 1000000; expected a whole number in [1, 8760] steps',
    );
    expect(error.hint).toBe('give --horizon a whole number in [1, 8760] steps');
  });

  it('reads durations and refuses negative, zero and too long ones with the range', () => {
    expect(parseDurationParam('stepS', '1h')).toBe(3600);
    expect(parseDurationParam('stepS', '300')).toBe(300);
    for (const bad of ['-1h', '0s', '32d', '1.5s', '1 fortnight', ''])
      expectRangeError(() => parseDurationParam('stepS', bad), 'stepS');
  });
});

describe('library entry points check their numbers with the same resolvers', () => {
  const scenario = syntheticScenario({ days: 1 });

  it('runPolicy: predictive refuses --quantile 1 and 1.5 alike; seasonal-warm-pool takes 1 but not 1.5', () => {
    expectRangeError(() => runPolicy(scenario, 'predictive', { quantile: 1 }), 'quantile');
    expectRangeError(() => runPolicy(scenario, 'predictive', { quantile: 1.5 }), 'quantile');
    expectRangeError(() => runPolicy(scenario, 'seasonal-warm-pool', { quantile: 1.5 }), 'warmPoolSetting');
    expect(runPolicy(scenario, 'seasonal-warm-pool', { quantile: 1 }).metrics.jobs).toBe(
      scenario.workload.count,
    );
  });

  it('runPolicy and runDemo: boot, idle, seed and costs out of range', () => {
    expectRangeError(() => runPolicy(scenario, 'reactive', { bootS: -1 }), 'bootS');
    expectRangeError(() => runPolicy(scenario, 'reactive', { idleS: Number.POSITIVE_INFINITY }), 'idleS');
    expectRangeError(() => runPolicy(scenario, 'reactive', { seed: Number.NaN }), 'seed');
    expectRangeError(
      () => runPolicy(scenario, 'reactive', { costs: { idleNodeHour: -1, waitingJobHour: 4 } }),
      'idleNodeHour',
    );
    expectRangeError(() => runDemo({ clock: new ManualClock(0), quantile: 1 }), 'quantile');
  });

  it('scenarios: days and nodes are checked before any job is generated', () => {
    expectRangeError(() => syntheticScenario({ days: 1e6 }), 'days');
    expectRangeError(() => syntheticScenario({ days: 0 }), 'days');
    expectRangeError(() => syntheticScenario({ nodes: 1e12 }), 'nodes');
    expectRangeError(() => syntheticScenario({ seed: -1 }), 'seed');
  });

  it('the simulator and the policies', () => {
    expectRangeError(() => resolveSimulateConfig({ policy: reactivePolicy(), bootS: -1 }), 'bootS');
    const context = {
      pools: ['p'],
      bootS: 300,
      idleS: 600,
      timeZone: 'UTC',
      history: { count: 0, submitS: [], pool: [], nodes: [] },
    };
    expectRangeError(() => predictivePolicy(context, { quantile: 1 }), 'quantile');
    expectRangeError(() => predictivePolicy(context, { halfLifeDays: 0 }), 'halfLifeDays');
    expectRangeError(() => seasonalWarmPoolPolicy(context, { setting: 1.5 }), 'warmPoolSetting');
  });

  it('forecastPoolDemand refuses a bad horizon, level, seed or step before reading any job', async () => {
    const request = {
      timeZone: 'UTC',
      pool: 'batch',
      series: 'demand_cpu' as const,
      stepS: 3600,
      untilS: 1_704_067_200,
      horizon: 24,
      levels: [0.5],
    };
    await expectRangeRejection(
      forecastPoolDemand({ ...request, jobs: unreadable(), horizon: 1e6 }),
      'horizon',
    );
    await expectRangeRejection(forecastPoolDemand({ ...request, jobs: unreadable(), levels: [1] }), 'level');
    await expectRangeRejection(
      forecastPoolDemand({ ...request, jobs: unreadable(), seed: Number.NaN }),
      'seed',
    );
    await expectRangeRejection(forecastPoolDemand({ ...request, jobs: unreadable(), stepS: -3600 }), 'stepS');
  });

  it('forecastSeries and buildPoolSeries', () => {
    const series = { values: new Float64Array(500), startS: 0, stepS: 3600, timeZone: 'UTC' };
    expectRangeError(() => forecastSeries(series, { horizon: 8761 }), 'horizon');
    expectRangeError(() => buildPoolSeries([], { stepS: 0.5, timeZone: 'UTC' }), 'stepS');
  });

  it('importSwf refuses a bad batch size and writes nothing', async () => {
    const store = new MemoryStore();
    await expectRangeRejection(
      importSwf(store, 'test/fixtures/swf/hand-20.swf', { batchSize: 0 }),
      'importBatchSize',
    );
    expect(await store.countJobs()).toBe(0);
  });

  it('the config file: costs out of range name the key and the range', () => {
    expect(() => resolveConfig({ costs: { idleNodeHour: -1 } })).toThrow(ConfigError);
    expect(() => resolveConfig({ costs: { idleNodeHour: -1 } })).toThrow('costs.idleNodeHour');
    expect(resolveConfig({}).costs).toEqual({
      idleNodeHour: Params.idleNodeHour.default,
      waitingJobHour: Params.waitingJobHour.default,
    });
  });
});
