import type { ClusterSpec, SimWorkload } from '../../../src/sim/types.js';
import { WorkloadBuilder } from '../../../src/sim/workload.js';

/** A one-pool cluster of `nodes` nodes. */
export function onePool(nodes: number, extra: Partial<ClusterSpec> = {}): ClusterSpec {
  return {
    timeZone: 'UTC',
    pools: [
      {
        name: 'p',
        partition: 'p',
        nodeCount: nodes,
        cpusPerNode: 1,
        memMiBPerNode: 0,
        gpusPerNode: 0,
        gpuType: null,
        features: [],
      },
    ],
    ...extra,
  };
}

/** Jobs as [submitS, nodes, runS, limitS, reservation?]. */
export function jobs(rows: readonly (readonly [number, number, number, number, number?])[]): SimWorkload {
  const b = new WorkloadBuilder();
  for (const [submitS, nodes, runS, limitS, reservation] of rows)
    b.push({ submitS, nodes, runS, limitS, pool: 0, reservation: reservation ?? -1 });
  return b.build();
}
