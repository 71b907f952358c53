import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import { loadConfig, resolveConfig } from '../../../src/config/load.js';
import { Params } from '../../../src/config/params.js';

describe('config plan section', () => {
  it('takes its defaults from the parameter table', async () => {
    const config = await loadConfig(undefined);
    expect(config.plan).toEqual({
      nodeTypes: {},
      defaultBootS: Params.bootS.default,
      defaultPricePerNodeHour: Params.pricePerNodeHour.default,
      accounts: [],
      reservationShareThreshold: Params.reservationShareThreshold.default,
      minForecastConfidence: Params.minForecastConfidence.default,
      shadow: {
        enabled: false,
        by: ['user'],
        minProbability: Params.shadowMinProbability.default,
        leadS: Params.shadowLeadS.default,
        holdS: Params.shadowHoldS.default,
        reclaimAfterS: Params.shadowReclaimAfterS.default,
        maxNodesPerReservation: Params.shadowMaxNodesPerReservation.default,
        maxNodes: Params.shadowMaxNodes.default,
        warmupScript: null,
      },
      calendar: [],
    });
  });

  it('names a shadow setting out of range', () => {
    expect(() => resolveConfig({ plan: { shadow: { minProbability: 0 } } })).toThrow(
      /plan\.shadow\.minProbability/,
    );
    expect(() => resolveConfig({ plan: { shadow: { by: [] } } })).toThrow(/plan\.shadow\.by/);
  });

  it('reads node-type prices and boot times and account caps', () => {
    const config = resolveConfig({
      plan: {
        nodeTypes: { 'gpu-h100x2': { pricePerNodeHour: 3, bootS: 120 } },
        accounts: [{ account: 'research', maxNodes: 4 }],
        reservationShareThreshold: 0.6,
      },
    });
    expect(config.plan.nodeTypes['gpu-h100x2']).toEqual({ pricePerNodeHour: 3, bootS: 120 });
    expect(config.plan.accounts).toEqual([{ account: 'research', maxNodes: 4, priority: 0 }]);
    expect(config.plan.reservationShareThreshold).toBe(0.6);
  });

  it('names a threshold out of range, a negative cap and a misspelt key', () => {
    let caught: unknown;
    try {
      resolveConfig({
        plan: {
          reservationShareThreshold: 0,
          accounts: [{ account: 'research', maxNodes: -1 }],
          nodeTypes: { 'cpu-64c': { price: 1 } },
        },
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).issues.map((i) => i.key)).toEqual(
      expect.arrayContaining([
        'plan.reservationShareThreshold',
        'plan.accounts.0.maxNodes',
        'plan.nodeTypes.cpu-64c.price',
      ]),
    );
  });
});
