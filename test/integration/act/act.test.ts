import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ListNodes,
  ListReservations,
  LocalTransport,
  SlurmClient,
  type CliRequest,
  type CliResponse,
  type Node,
  type SendContext,
  type Transport,
} from '../../../sdk/index.js';
import {
  applyPlan,
  revertAllOwned,
  SlurmUnavailableError,
  type ApplyOptions,
  type AuditRecord,
} from '../../../src/act/index.js';
import type { Plan, PlanAction } from '../../../src/plan/plan.js';
import { runCli } from '../../unit/cli/cli.js';
import { loadLab, parseScontrolLine, runSlurm } from '../lab.js';

/**
 * The actuator on the real lab (Slurm 22.05.8): reservations of whole GPU nodes, the CLOUD node c5
 * powered through the lab's ResumeProgram, live features, refusals, a run stopped between two
 * operations, and slurmctld restarted. Every test gives the lab back as it found it (revert, then a
 * check against a snapshot taken before).
 */

const lab = loadLab();
const run = promisify(execFile);
const RESTART = join(import.meta.dirname, '../../lab/restart-slurmctld.sh');

let stateDir: string;
let client: SlurmClient;
/** The test's start: every plan of one test is built from it, so the same plan is the same data. */
let t0S: number;

beforeEach(() => {
  t0S = Math.floor(Date.now() / 1000);
  stateDir = mkdtempSync(join(tmpdir(), 'slurmcast-act-it-'));
  client = new SlurmClient({ transport: new LocalTransport({ env: lab.env }) });
});
afterEach(async () => {
  await client.close();
  rmSync(stateDir, { recursive: true, force: true });
});

function options(extra: Partial<ApplyOptions> = {}): ApplyOptions {
  return { dryRun: false, config: { stateDir, maxPartitionShareReserved: 1 }, ...extra };
}

const nowS = (): number => t0S;

function forecast() {
  return {
    pool: 'gpu',
    series: 'demand_nodes',
    model: 'hand',
    quantile: 0.9,
    horizonStep: 0,
    issuedAtS: nowS(),
  };
}

function reservation(over: Partial<Extract<PlanAction, { kind: 'reservation' }>> = {}): PlanAction {
  return {
    kind: 'reservation',
    id: 'res:gpu-h100x2.research',
    reason: 'h100 burst for research',
    forecast: forecast(),
    fromS: nowS() - 60,
    toS: nowS() + 7200,
    key: `it-${process.pid}.gpu-h100x2.research`,
    nodeType: 'gpu-h100x2',
    nodeCount: 1,
    partition: 'gpu',
    accounts: ['research'],
    users: [],
    features: null,
    ...over,
  };
}

function cpuReservation(nodeCount: number): PlanAction {
  return reservation({
    id: 'res:cpu-8c.physics',
    key: `it-${process.pid}.cpu-8c.physics`,
    nodeType: 'cpu-8c',
    partition: 'cpu',
    nodeCount,
    accounts: ['physics'],
  });
}

/** Active features of one h100 node (c2) set to `ib` only, from now for an hour. */
function ibOnH100(): PlanAction {
  return {
    kind: 'set-features',
    id: 'features:gpu-h100x2.ib',
    reason: 'ib-only jobs ahead',
    forecast: forecast(),
    fromS: nowS() - 1,
    toS: nowS() + 3600,
    nodeType: 'gpu-h100x2',
    count: 1,
    activeFeatures: ['ib'],
  };
}

function plan(actions: PlanAction[]): Plan {
  return {
    createdAtS: nowS(),
    horizonEndS: nowS() + 86_400,
    actions,
    explanation: { objective: 'hand-made', objectiveValue: 0, binding: [], solver: 'none' },
  };
}

async function showReservations(): Promise<Record<string, string>[]> {
  const { stdout } = await runSlurm('scontrol', ['-o', 'show', 'res']);
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('ReservationName='))
    .map(parseScontrolLine);
}

async function node(name: string): Promise<Node> {
  const found = (await client.send(new ListNodes())).find((n) => n.name === name);
  if (found === undefined) throw new Error(`node ${name} not found`);
  return found;
}

async function waitForNode(
  name: string,
  ok: (n: Node) => boolean,
  what: string,
  timeoutMs = 90_000,
): Promise<Node> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await node(name);
    if (ok(n)) return n;
    if (Date.now() > deadline)
      throw new Error(`${name} not ${what} after ${timeoutMs} ms: ${n.state}+${n.stateFlags.join('+')}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * What a test must leave as it found it: reservations, and each node's features and power. Taken once no
 * node is powering up or down (an earlier test file may have left c5 on its way down).
 */
async function snapshot(): Promise<unknown> {
  for (const n of await client.send(new ListNodes())) {
    await waitForNode(n.name, (x) => !x.power.poweringUp && !x.power.poweringDown, 'settled', 120_000);
  }
  const reservations = (await client.send(new ListReservations())).map((r) => r.name).sort();
  const nodes = (await client.send(new ListNodes())).map((n) => ({
    name: n.name,
    active: [...n.activeFeatures].sort(),
    poweredDown: n.power.poweredDown,
  }));
  return { reservations, nodes };
}

/** Gives back everything owned, then waits until power states settle to what `before` had. */
async function restore(before: unknown): Promise<void> {
  await revertAllOwned(client, options());
  const wanted = before as { nodes: { name: string; poweredDown: boolean }[] };
  for (const n of wanted.nodes) {
    if (n.poweredDown) {
      await waitForNode(n.name, (x) => x.power.poweredDown && !x.power.poweringDown, 'powered down');
    }
  }
  expect(await snapshot()).toEqual(before);
}

function audit(): AuditRecord[] {
  return readFileSync(join(stateDir, 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as AuditRecord);
}

describe('the actuator on the lab', () => {
  it('creates a reservation of the h100 node for an account, changes nothing on a second apply, resizes and releases', async () => {
    const before = await snapshot();
    try {
      const first = await applyPlan(client, plan([reservation()]), options());
      expect(first.operations.map((o) => [o.kind, o.outcome])).toEqual([['create-reservation', 'applied']]);
      const name = first.operations[0]?.target ?? '';
      const seen = (await showReservations()).find((r) => r['ReservationName'] === name);
      expect(seen).toMatchObject({ Nodes: 'c2', Accounts: 'research', PartitionName: 'gpu' });

      const second = await applyPlan(client, plan([reservation()]), options());
      expect(second.operations).toEqual([]);
      expect(second.unchanged).toBe(1);

      await applyPlan(client, plan([reservation(), cpuReservation(1)]), options());
      const grown = await applyPlan(client, plan([reservation(), cpuReservation(2)]), options());
      expect(grown.operations.map((o) => [o.kind, o.outcome])).toEqual([['update-reservation', 'applied']]);
      const cpuName = grown.operations[0]?.target ?? '';
      expect((await showReservations()).find((r) => r['ReservationName'] === cpuName)?.['NodeCnt']).toBe('2');

      const released = await applyPlan(client, plan([]), options());
      expect(released.operations.map((o) => o.kind).sort()).toEqual([
        'delete-reservation',
        'delete-reservation',
      ]);
      expect(
        (await showReservations()).some(
          (r) => r['ReservationName'] === name || r['ReservationName'] === cpuName,
        ),
      ).toBe(false);
    } finally {
      await restore(before);
    }
  });

  it('powers up the CLOUD node c5 through Slurm, and revert powers it down again', async () => {
    // The lab at rest: c5 powered down (SuspendTime brings it back there after any earlier use).
    await waitForNode('c5', (n) => n.power.poweredDown && !n.power.poweringDown, 'powered down', 120_000);
    const before = await snapshot();
    try {
      const keep: PlanAction = {
        kind: 'keep-powered',
        id: 'power:cpu-8c',
        reason: 'cpu burst ahead',
        forecast: forecast(),
        fromS: nowS() + 60,
        toS: nowS() + 3600,
        nodeType: 'cpu-8c',
        count: 3,
        powerUpAtS: nowS() - 1,
      };
      const report = await applyPlan(client, plan([keep]), options());
      expect(report.operations.map((o) => [o.kind, o.target, o.outcome])).toEqual([
        ['power-up', 'c5', 'applied'],
      ]);
      await waitForNode(
        'c5',
        (n) => !n.power.poweredDown && !n.power.poweringUp && n.state === 'IDLE',
        'powered up',
      );
      expect((await applyPlan(client, plan([keep]), options())).operations).toEqual([]);
      const reverted = await revertAllOwned(client, options());
      expect(reverted.operations.map((o) => [o.kind, o.target, o.outcome])).toEqual([
        ['power-down', 'c5', 'applied'],
      ]);
    } finally {
      await restore(before);
    }
  });

  it('sets a node’s active features and restores them', async () => {
    const before = await snapshot();
    try {
      const features = ibOnH100();
      const report = await applyPlan(client, plan([features]), options());
      expect(report.operations.map((o) => [o.kind, o.target, o.outcome])).toEqual([
        ['set-features', 'c2', 'applied'],
      ]);
      expect((await node('c2')).activeFeatures).toEqual(['ib']);
      expect((await applyPlan(client, plan([features]), options())).operations).toEqual([]);
      const back = await applyPlan(client, plan([]), options());
      expect(back.operations.map((o) => [o.kind, o.after])).toEqual([
        ['set-features', { activeFeatures: ['bigmem', 'ib'] }],
      ]);
      expect([...(await node('c2')).activeFeatures].sort()).toEqual(['bigmem', 'ib']);
    } finally {
      await restore(before);
    }
  });

  it('never touches a node an admin drained: no reservation, feature change or power change on it', async () => {
    const before = await snapshot();
    const reason = `admin-drain-${process.pid}`;
    await runSlurm('scontrol', ['update', 'NodeName=c2', 'State=DRAIN', `Reason=${reason}`]);
    try {
      const features = ibOnH100();
      const report = await applyPlan(client, plan([reservation(), features]), options());
      expect(report.operations.filter((o) => o.target === 'c2')).toEqual([]);
      expect(report.operations).toEqual([]);
      expect((await revertAllOwned(client, options())).operations).toEqual([]);
      const c2 = await node('c2');
      expect(c2.stateFlags.some((f) => f.startsWith('DRAIN')) || c2.state.startsWith('DRAIN')).toBe(true);
      expect(c2.reason).toContain(reason);
      expect([...c2.activeFeatures].sort()).toEqual(['bigmem', 'ib']);
      expect((await showReservations()).filter((r) => r['Nodes'] === 'c2')).toEqual([]);
    } finally {
      await runSlurm('scontrol', ['update', 'NodeName=c2', 'State=RESUME']);
      // Resumed, slurmctld pings the node first: NOT_RESPONDING until it answers.
      await waitForNode(
        'c2',
        (n) =>
          n.state === 'IDLE' && n.stateFlags.every((f) => f !== 'NOT_RESPONDING' && !f.startsWith('DRAIN')),
        'back in service',
      );
      await restore(before);
    }
  });

  it('reports an operation Slurm refuses, applies the rest, and never touches an admin reservation with a similar name', async () => {
    const admin = `slurmcast-admin-${process.pid}`;
    await runSlurm('scontrol', [
      'create',
      'reservation',
      `ReservationName=${admin}`,
      'Nodes=c2',
      'StartTime=now',
      'Duration=60',
      'Users=root',
    ]);
    try {
      const before = await snapshot();
      try {
        const report = await applyPlan(client, plan([reservation(), cpuReservation(1)]), options());
        expect(report.partial).toBe(true);
        const byKind = report.operations.map((o) => [o.target.includes('gpu') ? 'gpu' : 'cpu', o.outcome]);
        expect(byKind).toEqual([
          ['gpu', 'refused'],
          ['cpu', 'applied'],
        ]);
        expect(report.operations[0]?.error).toMatch(/busy|overlap|not available/i);
        const released = await applyPlan(client, plan([]), options());
        expect(released.operations.map((o) => o.target)).not.toContain(admin);
        const reverted = await revertAllOwned(client, options());
        expect(reverted.operations.map((o) => o.target)).not.toContain(admin);
        expect((await showReservations()).some((r) => r['ReservationName'] === admin)).toBe(true);
      } finally {
        await restore(before);
      }
    } finally {
      await runSlurm('scontrol', ['delete', `ReservationName=${admin}`]);
    }
  });

  it('a run stopped between two operations converges on the next: no orphan, no duplicate', async () => {
    const before = await snapshot();
    try {
      // The process dies after its first write: the second is never sent.
      let writes = 0;
      const local = new LocalTransport({ env: lab.env });
      const dying: Transport<'cli'> = {
        name: 'local',
        protocol: 'cli',
        send: async (request: CliRequest, context: SendContext): Promise<CliResponse> => {
          if (request.mutates && ++writes > 1) throw new Error('process killed');
          return local.send(request, context);
        },
      };
      const doomed = new SlurmClient({ transport: dying });
      await expect(applyPlan(doomed, plan([reservation(), cpuReservation(1)]), options())).rejects.toThrow(
        'process killed',
      );
      await doomed.close();
      const last = audit().at(-1);
      expect(last).toMatchObject({ phase: 'result', operation: 'create-reservation' });
      expect(last?.error).toMatch(/^interrupted: .*process killed/);

      const next = await applyPlan(client, plan([reservation(), cpuReservation(1)]), options());
      expect(next.operations.map((o) => [o.kind, o.outcome])).toEqual([['create-reservation', 'applied']]);
      expect(next.unchanged).toBe(1);
      const ours = (await showReservations()).filter((r) =>
        r['ReservationName']?.startsWith('slurmcast-it-'),
      );
      expect(ours).toHaveLength(2);
    } finally {
      await restore(before);
    }
  });

  it('slurmctld restarted mid-cycle: a typed error, nothing more sent, the next apply succeeds', async () => {
    const before = await snapshot();
    try {
      let writes = 0;
      const local = new LocalTransport({ env: lab.env });
      const restarting: Transport<'cli'> = {
        name: 'local',
        protocol: 'cli',
        send: async (request: CliRequest, context: SendContext): Promise<CliResponse> => {
          if (request.mutates && ++writes === 2) await run('bash', [RESTART, lab.dir, '--stop-only']);
          return local.send(request, context);
        },
      };
      const c = new SlurmClient({ transport: restarting });
      let error: unknown;
      try {
        await applyPlan(c, plan([reservation(), cpuReservation(1)]), options());
      } catch (e) {
        error = e;
      } finally {
        await run('bash', [RESTART, lab.dir, '--start-only']);
        await c.close();
      }
      expect(error).toBeInstanceOf(SlurmUnavailableError);
      expect((error as SlurmUnavailableError).report.operations.map((o) => o.outcome)).toEqual(['applied']);

      const next = await applyPlan(client, plan([reservation(), cpuReservation(1)]), options());
      expect(next.partial).toBe(false);
      expect(next.operations.map((o) => [o.kind, o.outcome])).toEqual([['create-reservation', 'applied']]);
      const ours = (await showReservations()).filter((r) =>
        r['ReservationName']?.startsWith('slurmcast-it-'),
      );
      expect(ours).toHaveLength(2);
    } finally {
      await restore(before);
    }
  });

  it('slurmcast apply and revert --all-owned on the lab: dry run, --apply, exit 3 when partly refused, the lab as it was', async () => {
    const before = await snapshot();
    const config = join(stateDir, 'slurmcast.json');
    writeFileSync(
      config,
      JSON.stringify({
        slurm: { transport: 'local', env: lab.env },
        act: { stateDir, maxPartitionShareReserved: 1 },
      }),
    );
    const planFile = join(stateDir, 'plan.json');
    writeFileSync(planFile, JSON.stringify(plan([reservation(), cpuReservation(1)])));
    const admin = `slurmcast-admin-cli-${process.pid}`;
    try {
      const dry = await runCli(['--config', config, 'apply', planFile]);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toMatch(
        /^\+ create reservation slurmcast-it-\d+\.gpu-h100x2\.research-[0-9a-f]{8}: 1 node \(c2\) for research/m,
      );
      expect(dry.stdout).toContain('dry run (nothing sent; --apply acts)');
      expect(await snapshot()).toEqual(before);

      const applied = await runCli(['--config', config, 'apply', planFile, '--apply', '--json']);
      expect(applied.code).toBe(0);
      expect(
        (JSON.parse(applied.stdout) as { operations: { outcome: string }[] }).operations.map(
          (o) => o.outcome,
        ),
      ).toEqual(['applied', 'applied']);
      const again = await runCli(['--config', config, 'apply', planFile, '--apply', '--json']);
      expect(JSON.parse(again.stdout)).toMatchObject({ operations: [], unchanged: 2, partial: false });

      // An admin takes the other cpu nodes (c4, c5); the plan now wants a second cpu node, which Slurm refuses.
      await runSlurm('scontrol', [
        'create',
        'reservation',
        `ReservationName=${admin}`,
        'Nodes=c4,c5',
        'StartTime=now',
        'Duration=60',
        'Users=root',
        'Flags=IGNORE_JOBS',
      ]);
      writeFileSync(planFile, JSON.stringify(plan([reservation(), cpuReservation(2)])));
      const partial = await runCli(['--config', config, 'apply', planFile, '--apply']);
      expect(partial.stdout).toContain('partly applied');
      expect(partial.code).toBe(3);

      const revert = await runCli(['--config', config, 'revert', '--all-owned', '--apply']);
      expect(revert.code).toBe(0);
      expect(revert.stdout).not.toContain(admin);
    } finally {
      await runSlurm('scontrol', ['delete', `ReservationName=${admin}`]).catch(() => undefined);
      await restore(before);
    }
  });
});
