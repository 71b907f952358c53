import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setAbortCleanupSink } from '../../../src/shared/abort-cleanup.js';
import { withLock } from '../../../src/store/lock.js';

describe('withLock and a stopped process', () => {
  let dir: string;
  let registered: Set<string>;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'slurmcast-lock-'));
    registered = new Set();
    setAbortCleanupSink({ add: (p) => registered.add(p), remove: (p) => registered.delete(p) });
  });
  afterEach(() => {
    setAbortCleanupSink(undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers its lock directory for removal while it holds it, and only then', async () => {
    const lockDir = join(dir, 'spool.lock');
    const during = await withLock(dir, 'spool', () => {
      return Promise.resolve({ exists: existsSync(lockDir), registered: [...registered] });
    });
    expect(during).toEqual({ exists: true, registered: [lockDir] });
    expect(existsSync(lockDir)).toBe(false);
    expect([...registered]).toEqual([]);
  });

  it('never registers a lock that another holder has', async () => {
    await withLock(dir, 'spool', async () => {
      const inner = withLock(dir, 'spool', () => Promise.resolve(), { waitMs: 0 });
      await expect(inner).rejects.toThrow(/holds/);
      // Only the outer holder's registration, once.
      expect([...registered]).toEqual([join(dir, 'spool.lock')]);
    });
    expect([...registered]).toEqual([]);
  });
});
