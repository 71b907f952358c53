import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setAbortCleanupSink } from '../../../src/shared/abort-cleanup.js';
import { writeFileAtomic } from '../../../src/shared/atomic-write.js';

describe('writeFileAtomic', () => {
  let dir: string;
  let events: string[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'slurmcast-atomic-'));
    events = [];
    setAbortCleanupSink({ add: (p) => events.push(`add ${p}`), remove: (p) => events.push(`remove ${p}`) });
  });
  afterEach(() => {
    setAbortCleanupSink(undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes beside the target, registered for removal on abort, then renames into place', async () => {
    const target = join(dir, 'results.json');
    writeFileSync(target, 'old');
    await writeFileAtomic(target, 'new and whole');
    expect(readFileSync(target, 'utf8')).toBe('new and whole');
    expect(readdirSync(dir)).toEqual(['results.json']);
    const tmp = `${target}.${process.pid}.tmp`;
    expect(events).toEqual([`add ${tmp}`, `remove ${tmp}`]);
  });

  it('leaves what was there and no temporary file when the rename fails', async () => {
    // A non-empty directory in the target's place: the data is written, the rename then fails.
    const target = join(dir, 'taken');
    mkdirSync(target);
    writeFileSync(join(target, 'keep'), 'kept');
    await expect(writeFileAtomic(target, 'data')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(readFileSync(join(target, 'keep'), 'utf8')).toBe('kept');
    expect(events).toHaveLength(2);
  });
});
