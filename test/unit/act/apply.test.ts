import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeTransport, RestTransport, SlurmClient, cliMatch, type CliRequest } from '../../../sdk/index.js';
import {
  ActStateError,
  ActUnsupportedError,
  applyPlan,
  isOwnedReservation,
  revertAllOwned,
  SlurmUnavailableError,
  type AuditRecord,
} from '../../../src/act/index.js';
import { ConfigError } from '../../../src/config/errors.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { keepPowered, NOW_S, plan, reservationAction } from './state-fixtures.js';

/**
 * applyPlan against the SDK's fake transport: the recorded 22.05 `scontrol show` outputs as the
 * cluster, and scripted answers for the writes.
 */

const FIXTURES = 'test/fixtures/slurm-22.05';
const nodesText = readFileSync(join(FIXTURES, 'scontrol-show-node.txt'), 'utf8').replace(
  'State=IDLE+CLOUD+POWERING_DOWN',
  'State=IDLE+CLOUD+POWERED_DOWN',
);
// Two admin reservations: fx_res holds c1, fx_res2 holds c3 (partition cpu).
const resText = readFileSync(join(FIXTURES, 'scontrol-show-res.txt'), 'utf8');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'slurmcast-act-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

type WriteAnswer = (r: CliRequest) => { stdout: string; stderr: string; exitCode: number };

function fakeCluster(writes: WriteAnswer = () => ({ stdout: '', stderr: '', exitCode: 0 })) {
  const fake = new FakeTransport({ protocol: 'cli' })
    .on({ match: (r) => r.mutates, reply: (r) => ({ protocol: 'cli', ...writes(r) }) })
    .on({
      match: cliMatch('scontrol', '--oneliner', 'show', 'reservation'),
      reply: { stdout: resText, stderr: '', exitCode: 0 },
    })
    .on({
      match: cliMatch('scontrol', '--all', '--oneliner', 'show', 'node'),
      reply: { stdout: nodesText, stderr: '', exitCode: 0 },
    });
  return { fake, client: new SlurmClient({ transport: fake }) };
}

function writesSent(fake: FakeTransport): string[][] {
  return fake.sent.filter((r) => r.mutates && r.protocol === 'cli').map((r) => [...(r as CliRequest).args]);
}

function auditLines(): AuditRecord[] {
  return readFileSync(join(dir, 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as AuditRecord);
}

const options = () => ({
  config: { stateDir: dir, maxPartitionShareReserved: 1 },
  clock: new ManualClock(NOW_S * 1000),
});

const cpuReservation = reservationAction({
  id: 'res:cpu.physics',
  key: 'cpu.physics',
  nodeType: 'cpu-8c',
  partition: 'cpu',
  nodeCount: 1,
  accounts: ['physics'],
  // Past the start of fx_res2 on c3.
  toS: NOW_S + 5 * 3600,
});

describe('applyPlan', () => {
  it('is a dry run by default: shows every operation, sends no write, audits them as dry-run', async () => {
    const { fake, client } = fakeCluster();
    const report = await applyPlan(client, plan([reservationAction(), keepPowered()]), options());
    expect(report.dryRun).toBe(true);
    expect(report.operations.map((o) => [o.kind, o.target.replace(/-[0-9a-f]{8}$/, ''), o.outcome])).toEqual([
      ['create-reservation', 'slurmcast-gpu-h100x2.research', 'dry-run'],
      ['power-up', 'c5', 'dry-run'],
    ]);
    expect(writesSent(fake)).toEqual([]);
    expect(auditLines().map((r) => r.outcome)).toEqual(['dry-run', 'dry-run']);
    // The ownership key is private to the install.
    expect(statSync(join(dir, 'secret')).mode & 0o777).toBe(0o600);
  });

  it("reports a refused operation with Slurm's words, applies the rest, and is partial", async () => {
    const { fake, client } = fakeCluster((r) =>
      r.args.some((a) => a.startsWith('Accounts=physics'))
        ? { stdout: '', stderr: 'Error creating the reservation: Requested nodes are busy\n', exitCode: 1 }
        : { stdout: '', stderr: '', exitCode: 0 },
    );
    const report = await applyPlan(client, plan([reservationAction(), cpuReservation, keepPowered()]), {
      ...options(),
      dryRun: false,
    });
    expect(report.partial).toBe(true);
    expect(report.operations.map((o) => [o.kind, o.outcome])).toEqual([
      ['create-reservation', 'applied'],
      ['create-reservation', 'refused'],
      ['power-up', 'applied'],
    ]);
    expect(report.operations[1]?.error).toBe('Error creating the reservation: Requested nodes are busy');
    // The free node c4 was asked for, not c3 (held by the admin's fx_res2).
    expect(writesSent(fake)[1]).toContain('Nodes=c4');
    const audit = auditLines();
    expect(audit.map((r) => [r.phase, r.operation, r.outcome ?? null])).toEqual([
      ['intent', 'create-reservation', null],
      ['result', 'create-reservation', 'applied'],
      ['intent', 'create-reservation', null],
      ['result', 'create-reservation', 'refused'],
      ['intent', 'power-up', null],
      ['result', 'power-up', 'applied'],
    ]);
    const ledger = JSON.parse(readFileSync(join(dir, 'ledger.json'), 'utf8')) as {
      poweredUp: Record<string, unknown>;
      reservations: Record<string, unknown>;
    };
    expect(Object.keys(ledger.poweredUp)).toEqual(['c5']);
    expect(Object.keys(ledger.reservations)).toHaveLength(1);
  });

  it('stops with a typed error when slurmctld stops answering, after recording what it did', async () => {
    let writes = 0;
    const { fake, client } = fakeCluster(() => {
      writes += 1;
      return writes === 1
        ? { stdout: '', stderr: '', exitCode: 0 }
        : {
            stdout: '',
            stderr: 'slurm_update error: Unable to contact slurm controller (connect failure)\n',
            exitCode: 1,
          };
    });
    const error = await applyPlan(client, plan([reservationAction(), cpuReservation, keepPowered()]), {
      ...options(),
      dryRun: false,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlurmUnavailableError);
    const report = (error as SlurmUnavailableError).report;
    expect(report.operations.map((o) => o.outcome)).toEqual(['applied']);
    // Nothing after the failed operation was sent.
    expect(writesSent(fake)).toHaveLength(2);
    expect(auditLines().at(-1)?.error).toMatch(/^interrupted: slurmctld is not answering/);
  });

  it('takes "Unexpected message received" from scontrol create reservation for a lost slurmctld, not a refusal', async () => {
    const { client } = fakeCluster(() => ({
      stdout: '',
      stderr: 'Error creating the reservation: Unexpected message received\n',
      exitCode: 1,
    }));
    await expect(
      applyPlan(client, plan([reservationAction()]), { ...options(), dryRun: false }),
    ).rejects.toBeInstanceOf(SlurmUnavailableError);
  });

  it('closes the intents a killed run left open, saying what Slurm shows now, before it sends anything', async () => {
    const intent: AuditRecord = {
      time: new Date(NOW_S * 1000 - 60_000).toISOString(),
      phase: 'intent',
      command: 'apply',
      actionId: 'power:cpu-8c',
      operation: 'power-up',
      target: 'c5',
      before: { power: 'powered-down' },
      after: { power: 'on' },
      reason: 'cpu demand rises',
    };
    const done = { ...intent, actionId: 'other', phase: 'result' as const, outcome: 'applied' as const };
    // An intent with its result, one without, and a last line the kill cut in half.
    writeFileSync(
      join(dir, 'audit.jsonl'),
      [{ ...done, phase: 'intent' }, done, intent].map((r) => JSON.stringify(r)).join('\n') + '\n{"time":"20',
    );
    const { fake, client } = fakeCluster();
    await applyPlan(client, plan([keepPowered()]), options()); // a dry run closes nothing
    expect(readFileSync(join(dir, 'audit.jsonl'), 'utf8')).not.toContain('interrupted');
    await applyPlan(client, plan([keepPowered()]), { ...options(), dryRun: false });
    // The cut line stays as the kill left it; every other line is whole.
    const lines = readFileSync(join(dir, 'audit.jsonl'), 'utf8').trim().split('\n');
    expect(lines.filter((l) => l.startsWith('{"time":"20') && !l.endsWith('}'))).toHaveLength(1);
    const whole = (): AuditRecord[] =>
      readFileSync(join(dir, 'audit.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .filter((l) => l.endsWith('}'))
        .map((l) => JSON.parse(l) as AuditRecord);
    const closing = whole().filter((r) => r.error?.startsWith('interrupted'));
    expect(closing).toHaveLength(1);
    expect(closing[0]).toMatchObject({ phase: 'result', actionId: 'power:cpu-8c', target: 'c5' });
    expect(closing[0]?.error).toContain('now node c5 is powered down');
    // The fresh diff powers c5 up once, after the closing line.
    expect(writesSent(fake).filter((a) => a.includes('State=POWER_UP'))).toHaveLength(1);
    await applyPlan(client, plan([keepPowered()]), { ...options(), dryRun: false });
    expect(whole().filter((r) => r.error?.startsWith('interrupted'))).toHaveLength(1);
  });

  it('refuses to act over REST v0.0.38 without a command transport, before sending anything', async () => {
    const rest = new SlurmClient({ transport: new RestTransport({ socketPath: join(dir, 'no.sock') }) });
    await expect(applyPlan(rest, plan([]), { ...options(), dryRun: false })).rejects.toBeInstanceOf(
      ActUnsupportedError,
    );
  });

  it('names the bad key of an act config value out of range', async () => {
    const { client } = fakeCluster();
    const error = await applyPlan(client, plan([]), {
      config: { stateDir: dir, maxPartitionShareReserved: 2 },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues[0]?.key).toBe('act.maxPartitionShareReserved');
  });

  it('a corrupt ledger is an error naming it, and nothing is sent', async () => {
    const { fake, client } = fakeCluster();
    await applyPlan(client, plan([]), options());
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'ledger.json'), '{"version":2}');
    await expect(
      applyPlan(client, plan([keepPowered()]), { ...options(), dryRun: false }),
    ).rejects.toBeInstanceOf(ActStateError);
    expect(writesSent(fake)).toEqual([]);
  });
});

describe('revertAllOwned', () => {
  it('deletes only reservations whose name verifies, never the admin ones', async () => {
    const { client: first } = fakeCluster();
    const applied = await applyPlan(first, plan([reservationAction()]), { ...options(), dryRun: false });
    const name = applied.operations[0]?.target ?? '';
    const withOwned = `${resText}ReservationName=${name} StartTime=${NOW_S} EndTime=${NOW_S + 3600} Duration=01:00:00 Nodes=c2 NodeCnt=1 CoreCnt=8 Features=(null) PartitionName=gpu Flags=SPEC_NODES TRES=cpu=8 Users=(null) Groups=(null) Accounts=research Licenses=(null) State=ACTIVE BurstBuffer=(null) Watts=n/a MaxStartDelay=(null)\nReservationName=slurmcast-gpu-h100x2.research-00000000 StartTime=${NOW_S} EndTime=${NOW_S + 3600} Duration=01:00:00 Nodes=c1 NodeCnt=1 CoreCnt=8 Features=(null) PartitionName=gpu Flags=SPEC_NODES TRES=cpu=8 Users=root Groups=(null) Accounts=(null) Licenses=(null) State=ACTIVE BurstBuffer=(null) Watts=n/a MaxStartDelay=(null)\n`;
    const fake = new FakeTransport({ protocol: 'cli' })
      .on({ match: (r) => r.mutates, reply: { stdout: '', stderr: '', exitCode: 0 } })
      .on({
        match: cliMatch('scontrol', '--oneliner', 'show', 'reservation'),
        reply: { stdout: withOwned, stderr: '', exitCode: 0 },
      })
      .on({
        match: cliMatch('scontrol', '--all', '--oneliner', 'show', 'node'),
        reply: { stdout: nodesText, stderr: '', exitCode: 0 },
      });
    const report = await revertAllOwned(new SlurmClient({ transport: fake }), {
      ...options(),
      dryRun: false,
    });
    expect(
      isOwnedReservation(
        { prefix: 'slurmcast-', secret: readFileSync(join(dir, 'secret'), 'utf8').trim() },
        name,
      ),
    ).toBe(true);
    expect(writesSent(fake)).toEqual([['delete', `ReservationName=${name}`]]);
    expect(report.operations.map((o) => o.outcome)).toEqual(['applied']);
  });
});
