import { resolveParam } from '../../config/params.js';
import { DateTime } from 'luxon';
import { ArrivalLog } from './arrival-log.js';
import { warmDecisions } from './decisions.js';
import { quantileOf } from './quantile.js';
import type { Decision, Observation, PolicyDecisions, PolicyContext, ProvisioningPolicy } from '../types.js';

/** Options of {@link seasonalWarmPoolPolicy}. */
export interface SeasonalWarmPoolOptions {
  /** 0 = the smallest of the past weeks' bursts, 1 = the largest; default 0.5. */
  setting?: number;
  /** Weeks of history to look back over; default 4. */
  weeks?: number;
  /** Seconds between decisions; default 60. */
  intervalS?: number;
}

const HOUR_S = 3600;
const WEEK_H = 168;

/**
 * `seasonal-warm-pool`: the plain baseline, no model. In each local hour it keeps powered (idle or
 * booting) the `setting` quantile, over the same hour of each of the last `weeks` weeks, of that hour's
 * largest burst: the most nodes asked for within any boot-time window starting in the hour. It looks
 * one boot time ahead so that the warm nodes are up when the hour starts. Idle nodes above the pool
 * still power down after the idle time, as with `reactive`.
 * @throws {ParameterRangeError} for a setting outside [0, 1] or weeks or interval out of range.
 * @example const policy = seasonalWarmPoolPolicy(context, { setting: 0.5 });
 */
export function seasonalWarmPoolPolicy(
  context: PolicyContext,
  options: SeasonalWarmPoolOptions = {},
): ProvisioningPolicy {
  const setting = resolveParam('warmPoolSetting', options.setting);
  const weeks = resolveParam('warmPoolWeeks', options.weeks);
  const intervalS = resolveParam('intervalS', options.intervalS);
  const log = new ArrivalLog(context.pools.length);
  log.add(context.history);
  // Largest burst per (pool, absolute local hour), computed once the hour is over.
  const bursts = new Map<number, number>();
  const name = 'seasonal-warm-pool';
  let firstS = Number.POSITIVE_INFINITY;
  for (let i = 0; i < context.history.count; i++)
    firstS = Math.min(firstS, context.history.submitS[i] ?? firstS);

  const burstOf = (pool: number, hourStartS: number, nowS: number): number => {
    const key = hourStartS * 64 + pool;
    const cached = bursts.get(key);
    if (cached !== undefined) return cached;
    const value =
      log.burstSeries(pool, {
        startS: hourStartS,
        stepS: HOUR_S,
        steps: 1,
        windowS: context.bootS,
        beforeS: nowS,
      })[0] ?? 0;
    if (hourStartS + HOUR_S + context.bootS <= nowS) bursts.set(key, value);
    return value;
  };

  const warmFor = (pool: number, atS: number, nowS: number): number => {
    // Local hour boundaries: shift by the zone's offset at that time.
    const offsetS = DateTime.fromSeconds(atS, { zone: context.timeZone }).offset * 60;
    const hourStartS = Math.floor((atS + offsetS) / HOUR_S) * HOUR_S - offsetS;
    const past: number[] = [];
    for (let k = 1; k <= weeks; k++) {
      const startS = hourStartS - k * WEEK_H * HOUR_S;
      if (log.count(pool) === 0 || startS + HOUR_S > nowS) continue;
      if (startS + HOUR_S <= firstS) continue;
      past.push(burstOf(pool, startS, nowS));
    }
    return quantileOf(past, setting);
  };

  return {
    name,
    powerSaving: true,
    intervalS,
    decide(observation: Observation): PolicyDecisions {
      for (let i = 0; i < observation.arrivals.count; i++)
        firstS = Math.min(firstS, observation.arrivals.submitS[i] ?? firstS);
      log.add(observation.arrivals);
      const nowS = observation.nowS;
      const decisions: Decision[] = [];
      observation.pools.forEach((pool, p) => {
        const warm = Math.max(warmFor(p, nowS, nowS), warmFor(p, nowS + context.bootS, nowS));
        decisions.push(
          ...warmDecisions(name, nowS, pool, warm, {
            reason: `setting ${setting} of this hour's largest boot-window burst over the last ${weeks} weeks`,
            powerDownExcess: false,
          }),
        );
      });
      return { atS: nowS, policy: name, decisions };
    },
  };
}
