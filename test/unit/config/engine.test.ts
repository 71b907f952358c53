import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import { loadConfig, resolveConfig } from '../../../src/config/load.js';
import { ParameterRangeError, resolveEngineParams } from '../../../src/config/params.js';

describe('config engine section', () => {
  it('defaults every key from the parameter table', () => {
    const { engine } = resolveConfig({});
    expect(engine).toEqual({
      stateDir: '.slurmcast/engine',
      pools: [],
      refitEveryS: 21_600,
      cooldownS: 1_800,
      idleCyclesToShrink: 3,
      idleThreshold: 0,
      fullThreshold: 1,
      lockWaitS: 0,
      horizonS: 86_400,
      stepS: 900,
    });
    expect(resolveEngineParams({})).toEqual({
      refitEveryS: 21_600,
      cooldownS: 1_800,
      idleCyclesToShrink: 3,
      idleThreshold: 0,
      fullThreshold: 1,
      lockWaitS: 0,
      horizonS: 86_400,
      stepS: 900,
    });
  });

  it('refuses an idle threshold not below the full threshold, in the file and from a library caller', () => {
    expect(() => resolveConfig({ engine: { idleThreshold: 0.5, fullThreshold: 0.5 } })).toThrow(ConfigError);
    expect(() => resolveEngineParams({ idleThreshold: 0.5, fullThreshold: 0.5 })).toThrow(
      ParameterRangeError,
    );
    expect(() => resolveConfig({ engine: { pools: [{ name: 'gpu/h100', series: 'running_gpu' }] } })).toThrow(
      /engine\.pools\.0\.series/,
    );
  });

  it('the shipped example config has the engine section with its defaults', async () => {
    const config = await loadConfig('config/slurmcast.example.yaml');
    expect(config.engine).toEqual(resolveConfig({}).engine);
  });
});
