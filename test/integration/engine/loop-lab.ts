import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { openEmbeddedStore } from '../../../src/store/index.js';
import { dailyGpuBurstScenario, writeScenario } from '../../lab/scenario.js';
import { runCli } from '../../unit/cli/cli.js';
import { loadLab, runSlurm } from '../lab.js';

/** The lab tests of the decision loop: a config and history of their own, and reads of Slurm's state. */

/**
 * A burst under way: it started at the beginning of the previous 15-minute step (the engine's), so
 * its jobs (submitted within 10 minutes, running 30–50) fill the step now and the next whatever the
 * minute: the plan's reservation and power-ups are due at once.
 */
export function burstUnderway(): Date {
  return new Date((Math.floor(Date.now() / 900_000) - 1) * 900_000);
}

export interface ScratchLoop {
  scratch: string;
  configPath: string;
  auditLog: string;
  cli: (args: string[]) => ReturnType<typeof runCli>;
}

/** The owned reservations Slurm holds now, as `scontrol show res -o` lines. */
export async function ownedReservations(): Promise<string[]> {
  const { stdout } = await runSlurm('scontrol', ['show', 'res', '-o']);
  return stdout.split('\n').filter((line) => line.startsWith('ReservationName=slurmcast-'));
}

/** c5's state as sinfo prints it (`idle~` powered down, `idle#` powering up, `idle` up). */
export async function c5State(): Promise<string> {
  return (await runSlurm('sinfo', ['-h', '-n', 'c5', '-o', '%T'])).stdout.trim();
}

/** Polls Slurm until `test` holds, with a deadline; returns the last value read. */
export async function waitFor<T>(
  read: () => Promise<T>,
  test: (v: T) => boolean,
  what: string,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (test(value)) return value;
    if (Date.now() >= deadline)
      throw new Error(`${what}: not reached in ${timeoutMs} ms (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * A scratch config for one part of the test: the lab's own config with a store, actuator and engine
 * state of its own, the pools `gpu/h100` and `cpu`, account research allowed one node, and a history
 * whose daily burst (2 h100 jobs of research, 3 whole-node CPU jobs of physics) starts at `burstAt`.
 */
export async function scratchLoop(
  name: string,
  burstAt: Date,
  engine: Record<string, unknown> = {},
  slurmEnv: Record<string, string> = {},
): Promise<ScratchLoop> {
  const lab = loadLab();
  if (lab.slurmcastConfig === undefined) throw new Error('lab.json names no slurmcastConfig');
  const scratch = mkdtempSync(join(tmpdir(), `slurmcast-${name}-`));
  const configPath = join(scratch, 'loop.yaml');
  const doc = parseDocument(readFileSync(lab.slurmcastConfig, 'utf8'));
  doc.setIn(['store', 'path'], join(scratch, 'history.db'));
  doc.setIn(['store', 'spoolDir'], join(scratch, 'spool'));
  doc.set('plan', { accounts: [{ account: 'research', maxNodes: 1, priority: 10 }] });
  doc.set('act', { stateDir: join(scratch, 'act') });
  doc.set('engine', {
    stateDir: join(scratch, 'engine'),
    pools: [{ name: 'gpu/h100' }, { name: 'cpu' }],
    ...engine,
  });
  for (const [key, value] of Object.entries(slurmEnv)) doc.setIn(['slurm', 'env', key], value);
  writeFileSync(configPath, doc.toString());
  const store = openEmbeddedStore(join(scratch, 'history.db'));
  try {
    await writeScenario(
      store,
      dailyGpuBurstScenario({
        cluster: lab.clusterName,
        endS: Math.floor(Date.now() / 1000),
        burstHourUtc: burstAt.getUTCHours(),
        burstMinuteUtc: burstAt.getUTCMinutes(),
        cpuBurstJobs: 3,
      }),
    );
  } finally {
    await store.close();
  }
  return {
    scratch,
    configPath,
    auditLog: join(scratch, 'act', 'audit.jsonl'),
    cli: (args) => runCli(['--config', configPath, '--json', ...args]),
  };
}
