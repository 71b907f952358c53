import { resolveParam } from '../config/params.js';
import { ArrivalLog } from '../plan/policies/arrival-log.js';
import { warmDecisions } from '../plan/policies/decisions.js';
import type {
  ArrivalColumns,
  Decision,
  Observation,
  PolicyDecisions,
  PolicyContext,
  ProvisioningPolicy,
} from '../plan/types.js';

/**
 * `oracle`: knows every future arrival (passed in as `future`), so it keeps warm exactly the nodes
 * that jobs will ask for within one boot time plus one decision interval, and powers everything else
 * down at once. Not a policy anyone can run; it bounds what forecasting can gain.
 * @example const policy = oraclePolicy(context, { future: workloadArrivals });
 */
export function oraclePolicy(
  context: PolicyContext,
  options: { future: ArrivalColumns; intervalS?: number },
): ProvisioningPolicy {
  const intervalS = resolveParam('intervalS', options.intervalS);
  const future = new ArrivalLog(context.pools.length);
  future.add(options.future);
  const name = 'oracle';
  return {
    name,
    powerSaving: true,
    intervalS,
    decide(observation: Observation): PolicyDecisions {
      const nowS = observation.nowS;
      const decisions: Decision[] = [];
      observation.pools.forEach((pool, p) => {
        const warm = future.nodesBetween(p, nowS, nowS + context.bootS + intervalS + 1e-9);
        decisions.push(
          ...warmDecisions(name, nowS, pool, warm, {
            reason: `${warm} node(s) will be asked for within ${context.bootS + intervalS} s`,
            powerDownExcess: true,
          }),
        );
      });
      return { atS: nowS, policy: name, decisions };
    },
  };
}
