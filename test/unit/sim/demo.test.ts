import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/clock.js';
import { demoTableRows, demoVerdict, runDemo } from '../../../src/sim/demo.js';

describe('the demo at equal cost', () => {
  const result = runDemo({ clock: new ManualClock(0), seed: 1 });
  const reactive = result.rows.find((r) => r.policy === 'reactive');
  const predictive = result.rows.find((r) => r.policy === 'predictive');

  it('runs predictive again at a quantile above the default whose idle node-hours stay within reactive’s', () => {
    expect(predictive?.idleVsReactive).toBeLessThan(1);
    const e = result.atReactiveIdle;
    expect(e).not.toBeNull();
    expect(e?.quantile).toBeGreaterThan(result.quantile);
    expect(e?.row.metrics.poweredIdleNodeH).toBeLessThanOrEqual(reactive?.metrics.poweredIdleNodeH ?? 0);
    // Spending more than at the default quantile buys boot wait.
    expect(e?.row.metrics.poweredIdleNodeH).toBeGreaterThan(predictive?.metrics.poweredIdleNodeH ?? Infinity);
    expect(e?.row.metrics.bootWaitS).toBeLessThan(predictive?.metrics.bootWaitS ?? 0);
  });

  it('shows that run in the table after predictive, and its share in the verdict', () => {
    const names = demoTableRows(result).map((r) => r[0]);
    expect(names.indexOf(`predictive, q ${result.atReactiveIdle?.quantile}`)).toBe(
      names.indexOf('predictive') + 1,
    );
    expect(demoVerdict(result)).toContain(`quantile ${result.atReactiveIdle?.quantile}`);
  });
});
