import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { danglingIntents, type AuditRecord } from '../../../src/act/state.js';
import type { CycleResult } from '../../../src/engine/cycle.js';
import { startCli } from '../../unit/cli/cli.js';
import { loadLab, runSlurm } from '../lab.js';
import {
  burstUnderway,
  c5State,
  ownedReservations,
  scratchLoop,
  waitFor,
  type ScratchLoop,
} from './loop-lab.js';

/**
 * A directory with a `scontrol` for the config's PATH that waits 3 s before it creates anything, so a
 * test can act while Slurm is about to take the operation. It marks each call's start (`started.<pid>`,
 * and `create.<pid>` for a create) and end (`done.<pid>`), so a test can wait on them.
 */
function slowScontrol(): string {
  const dir = mkdtempSync(join(tmpdir(), 'slurmcast-slow-scontrol-'));
  const real = execFileSync('sh', ['-c', 'command -v scontrol'], { encoding: 'utf8' }).trim();
  writeFileSync(
    join(dir, 'scontrol'),
    [
      '#!/bin/sh',
      `touch "${dir}/started.$$"`,
      `for a in "$@"; do [ "$a" = create ] && touch "${dir}/create.$$" && sleep 3; done`,
      `${JSON.stringify(real)} "$@"`,
      'rc=$?',
      `touch "${dir}/done.$$"`,
      'exit $rc',
      '',
    ].join('\n'),
  );
  chmodSync(join(dir, 'scontrol'), 0o755);
  return dir;
}

/** Calls of the slow scontrol that started and that ended. */
function callsOf(dir: string): { started: number; creates: number; done: number } {
  const names = readdirSync(dir);
  const count = (prefix: string): number => names.filter((n) => n.startsWith(prefix)).length;
  return { started: count('started.'), creates: count('create.'), done: count('done.') };
}

/**
 * `slurmcast adjust` killed (SIGKILL, no handler runs) while Slurm works on its first operation: the
 * next cycle records what happened to it, converges, and makes nothing twice. A `scontrol` on the
 * config's PATH that waits 3 s before it creates a reservation holds the kill inside that window.
 */
describe('adjust killed between two operations', () => {
  let loop: ScratchLoop | undefined;

  let bin: string | undefined;

  beforeAll(async () => {
    expect(await ownedReservations()).toEqual([]);
    await waitFor(c5State, (state) => state === 'idle~', 'c5 powered down', 90_000);
    const dir = slowScontrol();
    bin = dir;
    // The killed run's lock is stale after 20 s; the next run waits that long for it.
    loop = await scratchLoop(
      'kill',
      burstUnderway(),
      { lockWaitS: 40 },
      {
        PATH: `${dir}:${process.env['PATH'] ?? ''}`,
      },
    );
  }, 180_000);

  afterAll(async () => {
    if (loop === undefined) return; // beforeAll failed before it made one
    try {
      await loop.cli(['revert', '--all-owned', '--apply']);
    } finally {
      rmSync(loop.scratch, { recursive: true, force: true });
      if (bin !== undefined) rmSync(bin, { recursive: true, force: true });
    }
  });

  it('the next cycle closes the open intent with what Slurm shows, and converges: one reservation, c5 up', async () => {
    const l = loop;
    if (l === undefined) throw new Error('no scratch loop: beforeAll failed');
    const run = startCli(['--config', l.configPath, '--json', 'adjust', '--apply']);
    const intents = (): AuditRecord[] =>
      existsSync(l.auditLog)
        ? readFileSync(l.auditLog, 'utf8')
            .split('\n')
            .filter((line) => line.includes('"phase":"intent"'))
            .map((line) => JSON.parse(line) as AuditRecord)
        : [];
    let ended: string | undefined;
    void run.exited.then((r) => (ended = `exit ${String(r.code)}: ${r.stderr} ${r.stdout.slice(0, 3000)}`));
    await waitFor(
      () => Promise.resolve(intents()),
      (list) => {
        if (ended !== undefined) throw new Error(`adjust ended before its first operation: ${ended}`);
        return list.length > 0;
      },
      'the first intent',
      60_000,
    );
    run.child.kill('SIGKILL');
    const killed = await run.exited;
    expect(killed.signal).toBe('SIGKILL');
    const open = await danglingIntents(l.auditLog);
    expect(open.map((r) => r.operation)).toEqual(['create-reservation']);

    // A scontrol the killed run started outlives it: wait until every call has ended. The kill may
    // also have come before the call was made; both are states the next cycle must converge from.
    await waitFor(
      () => Promise.resolve(callsOf(bin ?? '')),
      (c) => c.started === c.done,
      'the orphaned scontrol',
      30_000,
    );
    const created = (await ownedReservations()).length === 1;
    const next = await l.cli(['adjust', '--apply']);
    expect(next.code, next.stderr).toBe(0);
    const ops = (JSON.parse(next.stdout) as CycleResult).report.operations;
    expect(ops.map((o) => `${o.kind}:${o.kind === 'power-up' ? o.target : ''}:${o.outcome}`)).toEqual([
      ...(created ? [] : ['create-reservation::applied']),
      'power-up:c5:applied',
    ]);

    const closing = readFileSync(l.auditLog, 'utf8')
      .split('\n')
      .filter((l) => l.includes('interrupted: the run that sent it stopped'))
      .map((l) => JSON.parse(l) as AuditRecord);
    expect(closing).toHaveLength(1);
    expect(closing[0]?.target).toBe(open[0]?.target);
    expect(closing[0]?.error).toContain(
      `now reservation ${open[0]?.target ?? '?'} ${created ? 'exists on c2' : 'does not exist'}`,
    );
    expect(await danglingIntents(l.auditLog)).toEqual([]);
    expect(await ownedReservations()).toHaveLength(1);
  });
});

/**
 * slurmctld stopped while `adjust --apply` is sending its first operation (the slow scontrol holds it
 * 3 s): the cycle fails with a typed error, Slurm holds nothing half-made, the state records the failed
 * cycle, and once slurmctld is back the next cycle does the whole plan.
 */
async function slurmctldAnswers(): Promise<boolean> {
  try {
    await runSlurm('scontrol', ['ping'], { timeoutMs: 10_000 });
    return true;
  } catch {
    return false;
  }
}

describe('slurmctld restarted in the middle of an adjust cycle', () => {
  const lab = loadLab();
  const restart = join(import.meta.dirname, '../../lab/restart-slurmctld.sh');
  let loop: ScratchLoop | undefined;
  let bin: string | undefined;

  beforeAll(async () => {
    expect(await ownedReservations()).toEqual([]);
    await waitFor(c5State, (state) => state === 'idle~', 'c5 powered down', 90_000);
    bin = slowScontrol();
    loop = await scratchLoop('restart', burstUnderway(), {}, { PATH: `${bin}:${process.env['PATH'] ?? ''}` });
  }, 180_000);

  afterAll(async () => {
    try {
      // slurmctld is up again whatever the test reached.
      if (!(await slurmctldAnswers()))
        execFileSync('bash', [restart, lab.dir, '--start-only'], { stdio: 'ignore' });
      if (loop !== undefined) await loop.cli(['revert', '--all-owned', '--apply']);
    } finally {
      if (loop !== undefined) rmSync(loop.scratch, { recursive: true, force: true });
      if (bin !== undefined) rmSync(bin, { recursive: true, force: true });
    }
  });

  it('fails with a typed error, leaves nothing half-applied, and the next cycle succeeds', async () => {
    const l = loop;
    const dir = bin;
    if (l === undefined || dir === undefined) throw new Error('no scratch loop: beforeAll failed');
    const run = startCli(['--config', l.configPath, '--json', 'adjust', '--apply']);
    await waitFor(
      () => Promise.resolve(callsOf(dir)),
      (c) => c.creates > 0,
      'the first create',
      60_000,
    );
    execFileSync('bash', [restart, lab.dir, '--stop-only'], { stdio: 'ignore' });
    const failed = await run.exited;
    execFileSync('bash', [restart, lab.dir, '--start-only'], { stdio: 'ignore' });
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stderr).toMatch(/Slurm stopped answering at create-reservation/);
    expect(await ownedReservations()).toEqual([]);
    const state = JSON.parse(readFileSync(join(l.scratch, 'engine', 'state.json'), 'utf8')) as {
      lastCycle: { outcome: string; error: string | null } | null;
    };
    expect(state.lastCycle?.outcome).toBe('failed');
    expect(await danglingIntents(l.auditLog)).toEqual([]); // the run itself recorded the interruption

    const next = await l.cli(['adjust', '--apply']);
    expect(next.code, next.stderr).toBe(0);
    const ops = (JSON.parse(next.stdout) as CycleResult).report.operations;
    expect(ops.map((o) => `${o.kind}:${o.outcome}`)).toEqual([
      'create-reservation:applied',
      'power-up:applied',
    ]);
    expect(await ownedReservations()).toHaveLength(1);
  });
});
