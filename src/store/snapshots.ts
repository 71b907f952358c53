import type { HistoryStore, NodeSnapshot } from './types.js';

const HOUR_S = 3600;
/** Windows stop doubling at 2^20 hours (about 120 years); one unbounded read then covers the rest. */
const MAX_DOUBLINGS = 20;

/**
 * The node snapshot of `source` in force just before `beforeS`: the last one taken before it, or,
 * when there is none, the first one taken at or after it (the jobs of a source can reach back before
 * its first snapshot, as when sacct history predates collection). Null when the source has none.
 *
 * A collected source holds a snapshot every few minutes, for years; reading them all to keep one
 * would read gigabytes. So the search reads windows that double away from `beforeS` (1 h, 2 h, 4 h, …),
 * which finds the nearest snapshot in a few small reads on every store.
 *
 * @throws {StoreError} when the store cannot be read.
 * @example
 * const inventory = await nodeSnapshotBefore(store, 'alibaba:gpuspec33', lastSubmitS + 1);
 */
export async function nodeSnapshotBefore(
  store: Pick<HistoryStore, 'nodeSnapshots'>,
  source: string,
  beforeS: number,
): Promise<NodeSnapshot | null> {
  let hi = beforeS;
  for (let k = 0; k <= MAX_DOUBLINGS; k++) {
    const lo = k === MAX_DOUBLINGS ? Number.NEGATIVE_INFINITY : hi - HOUR_S * 2 ** k;
    const found = await store.nodeSnapshots({
      source,
      ...(lo === -Infinity ? {} : { fromS: lo }),
      beforeS: hi,
    });
    const last = found.at(-1);
    if (last !== undefined) return last;
    hi = lo;
  }
  let lo = beforeS;
  for (let k = 0; k <= MAX_DOUBLINGS; k++) {
    const next = k === MAX_DOUBLINGS ? Number.POSITIVE_INFINITY : lo + HOUR_S * 2 ** k;
    const found = await store.nodeSnapshots({
      source,
      fromS: lo,
      ...(next === Infinity ? {} : { beforeS: next }),
    });
    const first = found[0];
    if (first !== undefined) return first;
    lo = next;
  }
  return null;
}
