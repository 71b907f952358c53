import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../../src/config/schema.js';
import { planCycle, type CycleOptions } from '../../../src/engine/cycle.js';
import { withoutIntervals } from '../../../src/forecast/application.js';
import {
  applyCalendar,
  calendarFromConfig,
  maintenanceIntervals,
  type CalendarEvent,
} from '../../../src/plan/calendar-events.js';
import type { PoolForecast } from '../../../src/plan/plan.js';
import { costs, fakeDeps, pools } from '../engine/fakes.js';

const T = 1_700_000_000;
const forecast = (pool: string): PoolForecast => ({
  key: { partition: pool, gpuType: null, features: [] },
  pool,
  series: 'demand_cpu',
  model: 'test',
  startS: T,
  stepS: 3600,
  quantiles: { '0.5': [10, 10, 10, 10], '0.9': [20, 20, 20, 20] },
  accounts: [],
});
const event = (e: Partial<CalendarEvent>): CalendarEvent => ({
  name: 'e',
  kind: 'maintenance',
  fromS: T + 3600,
  toS: T + 2 * 3600,
  pools: null,
  factor: 1,
  ...e,
});

describe('applyCalendar', () => {
  it('plans nothing inside a maintenance window, step by step, and says so', () => {
    // 01:00–02:30: steps 1 and 2 overlap it.
    const { forecasts, notes } = applyCalendar([forecast('cpu')], [event({ toS: T + 2.5 * 3600 })]);
    expect(forecasts[0]?.quantiles['0.9']).toEqual([20, 0, 0, 20]);
    expect(forecasts[0]?.quantiles['0.5']).toEqual([10, 0, 0, 10]);
    expect(notes.map((n) => n.text)).toEqual([
      'cpu: maintenance "e" covers 2 step(s): nothing planned in them',
    ]);
  });

  it('scales a campaign’s pools only, and lets maintenance win where both fall', () => {
    const events = [
      event({ name: 'deadline', kind: 'campaign', factor: 2, fromS: T, toS: T + 3 * 3600, pools: ['gpu'] }),
      event({ name: 'fix', pools: ['gpu'] }),
    ];
    const { forecasts } = applyCalendar([forecast('cpu'), forecast('gpu')], events);
    expect(forecasts[0]?.quantiles['0.9']).toEqual([20, 20, 20, 20]);
    expect(forecasts[1]?.quantiles['0.9']).toEqual([40, 0, 40, 20]);
    expect(maintenanceIntervals(events, 'gpu')).toEqual([{ fromS: T + 3600, toS: T + 7200 }]);
    expect(maintenanceIntervals(events, 'cpu')).toEqual([]);
  });

  it('leaves the history of a maintenance window unknown, not zero, for the fit', () => {
    const masked = withoutIntervals(Float64Array.from([1, 2, 3, 4]), T, 3600, [
      { fromS: T + 3600, toS: T + 7200 },
    ]);
    expect(Array.from(masked, (v) => (Number.isNaN(v) ? 'unknown' : v))).toEqual([1, 'unknown', 3, 4]);
  });
});

describe('plan.calendar in the config', () => {
  it('reads events as times, and refuses a campaign without factor or an end before its start', () => {
    const config = ConfigSchema.parse({
      plan: {
        calendar: [
          { name: 'upgrade', kind: 'maintenance', from: '2025-03-01T06:00:00Z', to: '2025-03-01T18:00:00Z' },
          {
            name: 'paper',
            kind: 'campaign',
            from: '2025-03-10',
            to: '2025-03-14',
            pools: ['gpu/a100'],
            factor: 1.5,
          },
        ],
      },
    });
    expect(calendarFromConfig(config.plan.calendar)).toEqual([
      {
        name: 'upgrade',
        kind: 'maintenance',
        fromS: 1_740_808_800,
        toS: 1_740_852_000,
        pools: null,
        factor: 1,
      },
      {
        name: 'paper',
        kind: 'campaign',
        fromS: 1_741_564_800,
        toS: 1_741_910_400,
        pools: ['gpu/a100'],
        factor: 1.5,
      },
    ]);
    const bad = (e: object): boolean => ConfigSchema.safeParse({ plan: { calendar: [e] } }).success;
    expect(bad({ name: 'x', kind: 'campaign', from: '2025-03-10', to: '2025-03-14' })).toBe(false);
    expect(bad({ name: 'x', kind: 'maintenance', from: '2025-03-14', to: '2025-03-10' })).toBe(false);
    expect(bad({ name: 'x', kind: 'maintenance', from: 'tomorrow', to: '2025-03-10' })).toBe(false);
  });
});

describe('the adjust cycle with a calendar', () => {
  it('hands the planner zero demand over maintenance and the fit the window to leave out', async () => {
    const deps = fakeDeps();
    const nowS = Math.floor(deps.clock.nowMs() / 1000);
    const options: CycleOptions = {
      pools,
      accounts: [],
      costs,
      params: { stepS: 900, horizonS: 3600, refitEveryS: 7200, cooldownS: 600, idleCyclesToShrink: 2 },
      calendar: [event({ name: 'upgrade', fromS: nowS - 3600, toS: nowS + 1800 })],
    };
    const result = await planCycle(deps, options);
    const planned = deps.planInputs[0]?.forecasts[0]?.quantiles['0.9'] ?? [];
    // The cut is the start of the current 900 s step, 800 s before now: steps 0–2 overlap the window.
    expect(planned.slice(0, 3)).toEqual([0, 0, 0]);
    expect(planned[3]).toBeGreaterThan(0);
    expect(deps.fits[0]?.exclude).toEqual([{ fromS: nowS - 3600, toS: nowS + 1800 }]);
    expect(result.calendar).toEqual([
      'gpu/h100: maintenance "upgrade" covers 3 step(s): nothing planned in them',
    ]);
    // Without the calendar the same cycle plans from the first step.
    const free = await planCycle(fakeDeps(), { ...options, calendar: [] });
    expect(free.plan.actions.length).toBeGreaterThan(0);
    expect(result.plan.actions.length).toBe(0);
  });
});
