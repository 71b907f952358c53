import type { Decision, PoolObservation } from '../types.js';

/**
 * The decisions shared by the warm-capacity policies: keep `warm` nodes powered and free, and, when
 * `powerDownExcess` is set and nothing is queued, power down idle nodes beyond that (or beyond
 * `keepNodes`, when more are worth keeping up) right away instead of waiting for the idle time.
 */
export function warmDecisions(
  policy: string,
  nowS: number,
  pool: PoolObservation,
  warm: number,
  options: {
    reason: string;
    powerDownExcess: boolean;
    /** Idle nodes worth keeping up even above `warm` (they cost no boot); default `warm`. */
    keepNodes?: number;
  },
): Decision[] {
  const decisions: Decision[] = [];
  const nodes = Math.max(0, Math.min(Math.ceil(warm), pool.totalNodes));
  decisions.push({
    kind: 'keep-warm',
    id: `${policy}:${nowS}:${pool.pool}:keep-warm`,
    pool: pool.pool,
    nodes,
    reason: options.reason,
  });
  const keep = Math.max(nodes, Math.ceil(options.keepNodes ?? 0));
  const excess = pool.idleNodes - keep;
  if (options.powerDownExcess && excess > 0 && pool.pendingJobs === 0) {
    decisions.push({
      kind: 'power-down',
      id: `${policy}:${nowS}:${pool.pool}:power-down`,
      pool: pool.pool,
      nodes: excess,
      reason: `${excess} idle node(s) beyond the ${keep} worth keeping up and nothing queued`,
    });
  }
  return decisions;
}
