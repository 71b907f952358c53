import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import type { ApplyReport } from '../../../src/act/types.js';
import type { CycleResult, PlanResult } from '../../../src/engine/cycle.js';
import { openEmbeddedStore } from '../../../src/store/index.js';
import { dailyGpuBurstScenario, writeScenario } from '../../lab/scenario.js';
import { runCli } from '../../unit/cli/cli.js';
import { loadLab, runSlurm } from '../lab.js';

/** The owned reservations Slurm holds now, as `scontrol show res -o` lines. */
async function ownedReservations(): Promise<string[]> {
  const { stdout } = await runSlurm('scontrol', ['show', 'res', '-o']);
  return stdout.split('\n').filter((line) => line.startsWith('ReservationName=slurmcast-'));
}

// History with a daily h100 burst for `research`, two hours from now, replayed into a store of this
// test's own; then the real CLI plans, applies, applies again and reverts on the lab.
describe('the decision loop on the lab: plan, adjust --apply, adjust again, revert --all-owned', () => {
  const lab = loadLab();
  const scratch = mkdtempSync(join(tmpdir(), 'slurmcast-loop-'));
  const configPath = join(scratch, 'loop.yaml');
  const cli = (args: string[]) => runCli(['--config', configPath, '--json', ...args]);

  beforeAll(async () => {
    if (lab.slurmcastConfig === undefined) throw new Error('lab.json names no slurmcastConfig');
    expect(await ownedReservations()).toEqual([]);
    const doc = parseDocument(readFileSync(lab.slurmcastConfig, 'utf8'));
    doc.setIn(['store', 'path'], join(scratch, 'history.db'));
    doc.setIn(['store', 'spoolDir'], join(scratch, 'spool'));
    doc.set('plan', { accounts: [{ account: 'research', maxNodes: 1, priority: 10 }] });
    doc.set('act', { stateDir: join(scratch, 'act') });
    doc.set('engine', { stateDir: join(scratch, 'engine'), pools: [{ name: 'gpu/h100' }] });
    writeFileSync(configPath, doc.toString());
    const now = new Date();
    const store = openEmbeddedStore(join(scratch, 'history.db'));
    try {
      await writeScenario(
        store,
        dailyGpuBurstScenario({
          cluster: lab.clusterName,
          endS: Math.floor(now.getTime() / 1000),
          burstHourUtc: (now.getUTCHours() + 2) % 24,
        }),
      );
    } finally {
      await store.close();
    }
  }, 120_000);

  afterAll(async () => {
    try {
      // Whatever a failed step left, the lab ends as it was.
      await cli(['revert', '--all-owned', '--apply']);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
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
