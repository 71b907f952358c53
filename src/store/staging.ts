import { hostname } from 'node:os';

/**
 * Who staged an import, so that a later process can tell a crashed import (its staged rows are
 * removed) from one still running in another process (left alone).
 */
export interface StagingOwner {
  host: string;
  pid: number;
  startedAtS: number;
}

/**
 * A staged import on another host is only known to be dead by age: after this long it is removed.
 * No import of a published trace takes more than minutes.
 */
export const FOREIGN_STAGING_MAX_AGE_S = 24 * 3600;

/** The owner record for an import this process starts now. */
export function currentOwner(nowS: number): StagingOwner {
  return { host: hostname(), pid: process.pid, startedAtS: nowS };
}

/** `host:pid`, as stores keep the owner in one text value. */
export function ownerText(owner: Pick<StagingOwner, 'host' | 'pid'>): string {
  return `${owner.host}:${owner.pid}`;
}

/** Reads `ownerText` back; null when the text is not one. */
export function parseOwner(text: string, startedAtS: number): StagingOwner | null {
  const at = text.lastIndexOf(':');
  const pid = Number(text.slice(at + 1));
  if (at <= 0 || !Number.isSafeInteger(pid) || pid <= 0) return null;
  return { host: text.slice(0, at), pid, startedAtS };
}

/**
 * Whether a staged import was left by a process that is gone: on this host, its pid no longer runs;
 * on another host, it is older than `FOREIGN_STAGING_MAX_AGE_S`. An unreadable owner is abandoned.
 */
export function isAbandoned(owner: StagingOwner | null, nowS: number): boolean {
  if (owner === null) return true;
  if (owner.host !== hostname()) return nowS - owner.startedAtS > FOREIGN_STAGING_MAX_AGE_S;
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    // EPERM: the pid runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
