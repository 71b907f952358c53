import { predictivePolicy, type PredictiveOptions } from '../plan/policies/predictive.js';
import { seasonalWarmPoolPolicy } from '../plan/policies/seasonal-warm-pool.js';
import type { ArrivalColumns, PolicyContext, ProvisioningPolicy } from '../plan/types.js';
import { alwaysOnPolicy, reactivePolicy } from './baselines.js';
import { oraclePolicy } from './oracle.js';

export { alwaysOnPolicy, reactivePolicy } from './baselines.js';
export { oraclePolicy } from './oracle.js';

export { PolicyNames, type PolicyName } from './policy-names.js';
import { PolicyNames } from './policy-names.js';

/** Options of {@link createPolicy}; only the ones the named policy uses are read. */
export interface CreatePolicyOptions {
  /** `predictive`: forecast quantile; `seasonal-warm-pool`: its setting in [0, 1]. */
  quantile?: number;
  /** `oracle`: every arrival of the simulated window. */
  future?: ArrivalColumns;
  predictive?: Omit<PredictiveOptions, 'quantile'>;
}

/**
 * Builds a policy by name.
 * @throws {RangeError} for an unknown name, an oracle without `future`, or an out-of-range quantile.
 * @example const policy = createPolicy('predictive', context, { quantile: 0.8 });
 */
export function createPolicy(
  name: string,
  context: PolicyContext,
  options: CreatePolicyOptions = {},
): ProvisioningPolicy {
  switch (name) {
    case 'always-on':
      return alwaysOnPolicy();
    case 'reactive':
      return reactivePolicy();
    case 'predictive':
      return predictivePolicy(context, {
        ...options.predictive,
        ...(options.quantile === undefined ? {} : { quantile: options.quantile }),
      });
    case 'seasonal-warm-pool':
      return seasonalWarmPoolPolicy(
        context,
        options.quantile === undefined ? {} : { setting: options.quantile },
      );
    case 'oracle':
      if (options.future === undefined) throw new RangeError('the oracle policy needs the future arrivals');
      return oraclePolicy(context, { future: options.future });
    default:
      throw new RangeError(`unknown policy "${name}"; known: ${PolicyNames.join(', ')}`);
  }
}
