import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { FOREIGN_STAGING_MAX_AGE_S, isAbandoned, ownerText, parseOwner } from '../../../src/store/staging.js';

/** The pid of a process that has exited (and been reaped), so nothing runs under it now. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('staged imports of processes that are gone', () => {
  const nowS = 1_700_000_000;

  it('is abandoned when its process on this host no longer runs', () => {
    expect(isAbandoned({ host: hostname(), pid: deadPid(), startedAtS: nowS }, nowS)).toBe(true);
  });

  it('is kept while its process runs, this one included', () => {
    expect(isAbandoned({ host: hostname(), pid: process.pid, startedAtS: nowS }, nowS)).toBe(false);
    expect(isAbandoned({ host: hostname(), pid: process.ppid, startedAtS: nowS }, nowS)).toBe(false);
  });

  it('judges another host by age alone', () => {
    const foreign = { host: `not-${hostname()}`, pid: deadPid(), startedAtS: nowS };
    expect(isAbandoned(foreign, nowS + FOREIGN_STAGING_MAX_AGE_S - 1)).toBe(false);
    expect(isAbandoned(foreign, nowS + FOREIGN_STAGING_MAX_AGE_S + 1)).toBe(true);
  });

  it('reads its owner text back, and treats an unreadable one as abandoned', () => {
    const owner = { host: 'login-1.example:x', pid: 4242, startedAtS: nowS };
    expect(parseOwner(ownerText(owner), nowS)).toEqual(owner);
    expect(parseOwner('garbage', nowS)).toBeNull();
    expect(isAbandoned(parseOwner('', nowS), nowS)).toBe(true);
  });
});
