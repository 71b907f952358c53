import { parseInstant } from '../shared/time.js';
import type { PoolForecast } from './plan.js';

/**
 * Scheduled events an admin knows of and no history shows in advance (config `plan.calendar`):
 * - `maintenance`: the pools are down over [fromS, toS). No capacity is planned inside it (its
 *   forecast steps are 0), and the demand it held back is no pattern to learn: its hours are left out
 *   of the history a model is fitted on, as unknown values the model fills from the other weeks.
 * - `campaign`: a known burst (a deadline, a training run announced ahead): the forecast of the pools
 *   is multiplied by `factor` over [fromS, toS).
 * An event with no `pools` applies to every pool.
 */
export interface CalendarEvent {
  readonly name: string;
  readonly kind: 'maintenance' | 'campaign';
  readonly fromS: number;
  readonly toS: number;
  /** Pools (as `slurmcast series` names them) it applies to; null for all. */
  readonly pools: readonly string[] | null;
  /** Campaigns: the factor on the forecast; 1 for maintenance. */
  readonly factor: number;
}

const appliesTo = (event: CalendarEvent, pool: string): boolean =>
  event.pools === null || event.pools.includes(pool);

/** What the calendar did to one pool's forecast, in words for the plan's explanation. */
export interface CalendarNote {
  readonly pool: string;
  readonly event: string;
  readonly steps: number;
  readonly text: string;
}

/**
 * The forecasts with the calendar applied, step by step (a step overlapping an event at all counts as
 * in it), and a note per (pool, event) that changed something.
 */
export function applyCalendar(
  forecasts: readonly PoolForecast[],
  events: readonly CalendarEvent[],
): { forecasts: PoolForecast[]; notes: CalendarNote[] } {
  const notes: CalendarNote[] = [];
  const out = forecasts.map((f) => {
    const mine = events.filter((e) => appliesTo(e, f.pool));
    if (mine.length === 0) return f;
    const steps = Math.max(0, ...Object.values(f.quantiles).map((v) => v.length));
    const factor = new Float64Array(steps).fill(1);
    for (const e of mine) {
      let touched = 0;
      for (let k = 0; k < steps; k++) {
        const fromS = f.startS + k * f.stepS;
        if (fromS >= e.toS || fromS + f.stepS <= e.fromS) continue;
        touched++;
        factor[k] = e.kind === 'maintenance' ? 0 : (factor[k] ?? 1) * e.factor;
      }
      if (touched > 0)
        notes.push({
          pool: f.pool,
          event: e.name,
          steps: touched,
          text:
            e.kind === 'maintenance'
              ? `${f.pool}: maintenance "${e.name}" covers ${touched} step(s): nothing planned in them`
              : `${f.pool}: campaign "${e.name}" covers ${touched} step(s): forecast × ${e.factor}`,
        });
    }
    // A maintenance window wins over any campaign in the same step.
    return {
      ...f,
      quantiles: Object.fromEntries(
        Object.entries(f.quantiles).map(([level, values]) => [
          level,
          values.map((v, k) => v * (factor[k] ?? 1)),
        ]),
      ),
    };
  });
  return { forecasts: out, notes };
}

/** The maintenance windows of a pool: the history intervals a fit must not learn from. */
export function maintenanceIntervals(
  events: readonly CalendarEvent[],
  pool: string,
): { fromS: number; toS: number }[] {
  return events
    .filter((e) => e.kind === 'maintenance' && appliesTo(e, pool))
    .map((e) => ({ fromS: e.fromS, toS: e.toS }));
}

/** The config's events (`plan.calendar`, already checked by its schema) as times. */
export function calendarFromConfig(
  events: readonly {
    name: string;
    kind: 'maintenance' | 'campaign';
    from: string;
    to: string;
    pools?: string[] | undefined;
    factor?: number | undefined;
  }[],
): CalendarEvent[] {
  return events.map((e) => ({
    name: e.name,
    kind: e.kind,
    fromS: parseInstant(e.from, `plan.calendar "${e.name}" from`),
    toS: parseInstant(e.to, `plan.calendar "${e.name}" to`),
    pools: e.pools ?? null,
    factor: e.kind === 'campaign' ? (e.factor ?? 1) : 1,
  }));
}
