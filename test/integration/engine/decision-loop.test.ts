import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyReport } from '../../../src/act/types.js';
import type { CycleResult, PlanResult } from '../../../src/engine/cycle.js';
import { parseScontrolLine, runSlurm, sbatch, waitForAccounting, waitForJobState } from '../lab.js';
import {
  burstUnderway,
  c5State,
  ownedReservations,
  scratchLoop,
  waitFor,
  type ScratchLoop,
} from './loop-lab.js';

// History with a daily h100 burst for `research`, two hours from now, replayed into a store of this
// test's own; then the real CLI plans, applies, applies again and reverts on the lab.
describe('the decision loop on the lab: plan, adjust --apply, adjust again, revert --all-owned', () => {
  let loop: ScratchLoop | undefined;
  const cli = (args: string[]) => {
    if (loop === undefined) throw new Error('no scratch loop: beforeAll failed');
    return loop.cli(args);
  };
  // On the forecast's 15-minute grid, so that the step the burst starts in is the burst's own.
  const burstAt = new Date(Math.floor(Date.now() / 900_000) * 900_000 + 2 * 3_600_000);

  beforeAll(async () => {
    expect(await ownedReservations()).toEqual([]);
    // The lab starts with c5 powered down; a test before may have left it powering down.
    await waitFor(c5State, (state) => state === 'idle~', 'c5 powered down', 90_000);
    loop = await scratchLoop('loop', burstAt);
  }, 120_000);

  afterAll(async () => {
    if (loop === undefined) return; // beforeAll failed before it made one
    try {
      // Whatever a failed step left, the lab ends as it was.
      await cli(['revert', '--all-owned', '--apply']);
    } finally {
      rmSync(loop.scratch, { recursive: true, force: true });
    }
  });

  it('reserves the h100 node for research before its burst, once, and leaves nothing after revert', async () => {
    const planned = await cli(['plan']);
    expect(planned.code, planned.stderr).toBe(0);
    const plan = (JSON.parse(planned.stdout) as PlanResult).plan;
    const reservation = plan.actions.find((a) => a.kind === 'reservation');
    expect(reservation, JSON.stringify(plan.actions)).toMatchObject({
      kind: 'reservation',
      accounts: ['research'],
      nodeType: expect.stringContaining('h100') as unknown as string,
    });
    expect(reservation?.fromS).toBeGreaterThan(plan.createdAtS);
    expect(reservation?.fromS).toBeLessThanOrEqual(burstAt.getTime() / 1000);
    // The CPU burst needs c3, c4 and the CLOUD node c5: the nodes in force at the burst are 3, each
    // powered up at least the lab's boot time (60 s) before it.
    const burstS = burstAt.getTime() / 1000;
    const atBurst = plan.actions.filter(
      (a) => a.kind === 'keep-powered' && a.forecast.pool === 'cpu' && a.fromS <= burstS && a.toS > burstS,
    );
    expect(
      atBurst.reduce((n, a) => n + (a.kind === 'keep-powered' ? a.count : 0), 0),
      JSON.stringify(atBurst),
    ).toBe(3);
    for (const a of atBurst)
      if (a.kind === 'keep-powered') expect(a.powerUpAtS).toBeLessThanOrEqual(burstS - 60);
    expect(await ownedReservations()).toEqual([]); // planning changes nothing

    const applied = await cli(['adjust', '--apply']);
    expect(applied.code, applied.stderr).toBe(0);
    const created = (JSON.parse(applied.stdout) as CycleResult).report.operations;
    expect(created.filter((o) => o.kind === 'create-reservation' && o.outcome === 'applied')).not.toEqual([]);
    const held = await ownedReservations();
    expect(held.length).toBeGreaterThan(0);
    for (const line of held) {
      expect(line).toContain('Nodes=c2 ');
      expect(line).toContain('Accounts=research');
    }

    const again = await cli(['adjust', '--apply']);
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as CycleResult).report.operations).toEqual([]);
    expect(await ownedReservations()).toEqual(held);

    const reverted = await cli(['revert', '--all-owned', '--apply']);
    expect(reverted.code, reverted.stderr).toBe(0);
    expect((JSON.parse(reverted.stdout) as ApplyReport).operations.length).toBe(held.length);
    expect(await ownedReservations()).toEqual([]);
  });
});

// At the burst itself: the reservation starts now and the CLOUD node is due now. Cycles every few
// seconds with no cooldown and one idle cycle to shrink, so the test sees the whole life of a reservation.
describe('the decision loop at the burst: a job runs at once in the reservation, which is released once idle', () => {
  let loop: ScratchLoop | undefined;
  const cli = (args: string[]) => {
    if (loop === undefined) throw new Error('no scratch loop: beforeAll failed');
    return loop.cli(args);
  };

  beforeAll(async () => {
    expect(await ownedReservations()).toEqual([]);
    // The lab starts with c5 powered down; a test before may have left it powering down.
    await waitFor(c5State, (state) => state === 'idle~', 'c5 powered down', 90_000);
    loop = await scratchLoop('burst', burstUnderway(), {
      cooldownS: 0,
      idleCyclesToShrink: 1,
    });
  }, 120_000);

  afterAll(async () => {
    if (loop === undefined) return; // beforeAll failed before it made one
    try {
      await cli(['revert', '--all-owned', '--apply']);
    } finally {
      rmSync(loop.scratch, { recursive: true, force: true });
    }
  });

  it('reserves c2 from now, powers c5 up, runs a research job there at once, then releases it; revert leaves the lab as it was', async () => {
    const first = await cli(['adjust', '--apply']);
    expect(first.code, first.stderr).toBe(0);
    const result = JSON.parse(first.stdout) as CycleResult;
    const applied = result.report.operations
      .filter((o) => o.outcome === 'applied')
      .map((o) => (o.kind === 'power-up' ? `power-up ${o.target}` : o.kind));
    expect(applied, JSON.stringify({ plan: result.plan, problems: result.problems })).toEqual(
      expect.arrayContaining(['create-reservation', 'power-up c5']),
    );
    const [line] = await ownedReservations();
    const held = parseScontrolLine(line ?? '');
    expect(held['Nodes']).toBe('c2');
    expect(Date.parse(`${held['StartTime'] ?? ''}Z`)).toBeLessThanOrEqual(Date.now());
    // Slurm boots c5 (its ResumeProgram) and takes it back.
    await waitFor(c5State, (s) => s === 'idle' || s === 'mixed' || s === 'allocated', 'c5 up', 60_000);

    const name = held['ReservationName'] ?? '';
    const jobId = await sbatch(
      ['--reservation', name, '-A', 'research', '-p', 'gpu', '--gres=gpu:h100:1', '-t', '5'],
      '#!/bin/sh\nsleep 1\n',
    );
    await waitForJobState(jobId, ['COMPLETED'], 60_000);
    // slurmdbd's row of a short job is whole only a moment after the job ends.
    await waitForAccounting([jobId], 60_000);
    const { stdout } = await runSlurm('sacct', [
      '-n',
      '-X',
      '-P',
      '-j',
      String(jobId),
      '-o',
      'Submit,Start,Reservation,NodeList',
    ]);
    const [submit, start, reservation, nodes] = (stdout.trim().split('\n')[0] ?? '').split('|');
    expect(reservation).toBe(name);
    expect(nodes).toBe('c2');
    expect(Date.parse(`${start ?? ''}Z`) - Date.parse(`${submit ?? ''}Z`)).toBeLessThanOrEqual(10_000);

    // The next cycle measures the job: in use, kept. The one after finds it idle, the next releases it.
    // (The plan may hold later reservations of research too: this one is followed by its own key.)
    const key = name.slice('slurmcast-'.length, name.lastIndexOf('-'));
    const stillHeld = async (): Promise<boolean> =>
      (await ownedReservations()).some((l) => l.startsWith(`ReservationName=${name} `));
    const steps: { toNodes: number; why: string }[] = [];
    for (let cycle = 0; cycle < 4 && (await stillHeld()); cycle++) {
      const next = await cli(['adjust', '--apply']);
      expect(next.code, next.stderr).toBe(0);
      const result = JSON.parse(next.stdout) as CycleResult;
      const decision = result.decisions.find((d) => d.key === key);
      steps.push({ toNodes: decision?.toNodes ?? -1, why: decision?.why ?? 'no decision' });
    }
    expect(steps[0]?.toNodes, JSON.stringify(steps)).toBe(1);
    expect(steps.at(-1)?.toNodes, JSON.stringify(steps)).toBe(0);
    expect(await stillHeld()).toBe(false);

    const reverted = await cli(['revert', '--all-owned', '--apply']);
    expect(reverted.code, reverted.stderr).toBe(0);
    expect(await ownedReservations()).toEqual([]);
    await waitFor(c5State, (s) => s === 'idle~', 'c5 powered down again', 90_000);
  });
});
