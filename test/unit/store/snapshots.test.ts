import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../src/store/memory.js';
import { nodeSnapshotBefore } from '../../../src/store/snapshots.js';
import type { NodeSnapshot, SnapshotQuery } from '../../../src/store/types.js';

const T = 1_700_000_000;
const YEAR_S = 365 * 86_400;

function snapshot(atS: number, source = 'slurm:c'): NodeSnapshot {
  return { source, atS, nodes: [] };
}

/** A store that counts the snapshots it hands out, to show the search does not read them all. */
class CountingStore extends MemoryStore {
  read = 0;
  override async nodeSnapshots(query: SnapshotQuery): Promise<NodeSnapshot[]> {
    const found = await super.nodeSnapshots(query);
    this.read += found.length;
    return found;
  }
}

describe('the node snapshot in force before an instant', () => {
  it('is the last one taken before it, not one at or after it', async () => {
    const store = new MemoryStore();
    for (const atS of [T - 7200, T - 60, T, T + 60]) await store.putNodeSnapshot(snapshot(atS));
    await store.putNodeSnapshot(snapshot(T - 30, 'other'));
    expect((await nodeSnapshotBefore(store, 'slurm:c', T))?.atS).toBe(T - 60);
  });

  it('is found years back, and the first one after when the source has none before', async () => {
    const store = new MemoryStore();
    await store.putNodeSnapshot(snapshot(T - 3 * YEAR_S));
    expect((await nodeSnapshotBefore(store, 'slurm:c', T))?.atS).toBe(T - 3 * YEAR_S);
    const later = new MemoryStore();
    for (const atS of [T + 5 * YEAR_S, T + 2 * YEAR_S]) await later.putNodeSnapshot(snapshot(atS));
    expect((await nodeSnapshotBefore(later, 'slurm:c', T))?.atS).toBe(T + 2 * YEAR_S);
  });

  it('is null for a source without snapshots', async () => {
    const store = new MemoryStore();
    await store.putNodeSnapshot(snapshot(T, 'other'));
    expect(await nodeSnapshotBefore(store, 'slurm:c', T)).toBeNull();
  });

  it('reads a few snapshots of a source that has one every five minutes for a month', async () => {
    const store = new CountingStore();
    for (let i = 0; i < 30 * 288; i++) await store.putNodeSnapshot(snapshot(T - i * 300));
    expect((await nodeSnapshotBefore(store, 'slurm:c', T + 1))?.atS).toBe(T);
    expect(store.read).toBeLessThanOrEqual(12);
  });
});
