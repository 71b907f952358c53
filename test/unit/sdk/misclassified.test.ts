import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cliMatch,
  CreateReservation,
  FakeTransport,
  httpMatch,
  InvalidInputError,
  ListJobHistory,
  ListNodes,
  ListQueue,
  ListReservations,
  LocalTransport,
  MalformedOutputError,
  Ping,
  PowerNodes,
  SetNodeFeatures,
  SlurmClient,
  SlurmConfigError,
  UpdateReservation,
  type SlurmCommand,
} from '../../../sdk/index.js';
import { fixture } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'sdk-misclassified-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function failure(client: SlurmClient, command: SlurmCommand<unknown, unknown>): Promise<Error> {
  try {
    await client.send(command);
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  } finally {
    await client.close();
  }
  throw new Error('expected a failure');
}

// A visible skip on a machine without Slurm's client commands (the lab installs them).
const hasScontrol = spawnSync('sh', ['-c', 'command -v scontrol']).status === 0;
/** `npm test` installs the tool and sets this: a missing one then fails the test, never skips it. */
const toolsRequired = process.env['SLURMCAST_TOOLS_REQUIRED'] === '1';

describe('scontrol that cannot load slurm.conf is a SlurmConfigError showing its stderr', () => {
  it('recorded: a missing slurm.conf, for ping (which exits 1 when the controller is down) and show', async () => {
    const stderr = fixture('scontrol-no-conf.stderr.txt');
    for (const command of [new Ping(), new ListNodes()]) {
      const fake = new FakeTransport({ protocol: 'cli' }).on({
        match: cliMatch('scontrol'),
        reply: { stdout: '', stderr, exitCode: 1 },
      });
      const error = await failure(new SlurmClient({ transport: fake }), command);
      expect(error).toBeInstanceOf(SlurmConfigError);
      expect(error.message).toContain('cannot stat file /nonexistent/slurm.conf');
      expect(error.message).toContain('SLURM_CONF');
    }
  });

  it('local: a SLURM_CONF naming no file is reported at once, without waiting for Slurm to give up', async () => {
    const client = new SlurmClient({
      transport: new LocalTransport({ env: { SLURM_CONF: join(dir, 'no-such-slurm.conf') } }),
    });
    const error = await failure(client, new Ping());
    expect(error).toBeInstanceOf(SlurmConfigError);
    expect(error.message).toContain('no-such-slurm.conf');
  });

  it.skipIf(!hasScontrol && !toolsRequired)(
    'real scontrol (slurm-client) with an invalid slurm.conf, for ping and show node',
    async () => {
      const conf = join(dir, 'invalid-slurm.conf');
      writeFileSync(conf, 'NotAKey=1\n');
      for (const command of [new Ping(), new ListNodes()]) {
        const client = new SlurmClient({ transport: new LocalTransport({ env: { SLURM_CONF: conf } }) });
        const error = await failure(client, command);
        expect(error).toBeInstanceOf(SlurmConfigError);
        expect(error.message).toContain('Unable to process configuration file');
        expect(error.message).toContain('NotAKey');
      }
    },
  );
});

describe('an epoch of 9e15 is an error that names the field, not UnexpectedError', () => {
  // 9e14 fits the 15 digits the text parsers read, so only the year-9999 bound refuses it.
  describe.each(['9000000000000000', '900000000000000'])('epoch %s', (huge) => {
    it('as input', () => {
      expect(() => new ListJobHistory({ startEpochS: Number(huge) })).toThrow(InvalidInputError);
      expect(() => new ListJobHistory({ startEpochS: Number(huge) })).toThrow(/startEpochS.*253402300799/);
    });

    it('in recorded sacct, squeue --json, slurmdb REST and scontrol output', async () => {
      const cases: {
        transport: FakeTransport<'cli'> | FakeTransport<'http'>;
        command: SlurmCommand<unknown, unknown>;
        field: RegExp;
      }[] = [
        {
          transport: new FakeTransport({ protocol: 'cli' }).on({
            match: cliMatch('sacct'),
            reply: { stdout: fixture('sacct-p.txt').replace('1795603727', huge), stderr: '', exitCode: 0 },
          }),
          command: new ListJobHistory({ startEpochS: 0 }),
          field: /Submit/,
        },
        {
          transport: new FakeTransport({ protocol: 'cli' }).on({
            match: cliMatch('squeue'),
            reply: {
              stdout: fixture('squeue.json').replace(/"submit_time": \d+/, `"submit_time": ${huge}`),
              stderr: '',
              exitCode: 0,
            },
          }),
          command: new ListQueue({}),
          field: /submit_time/,
        },
        {
          transport: new FakeTransport({ protocol: 'http' }).on({
            match: httpMatch('GET', '/slurmdb/v0.0.38/jobs'),
            reply: {
              status: 200,
              body: fixture('rest-v0.0.38-slurmdb-jobs.json').replace(
                /"submission": \d+/,
                `"submission": ${huge}`,
              ),
            },
          }),
          command: new ListJobHistory({ startEpochS: 0 }),
          field: /submission/,
        },
        {
          transport: new FakeTransport({ protocol: 'cli' }).on({
            match: cliMatch('scontrol'),
            reply: {
              stdout: fixture('scontrol-show-res.txt').replace(/StartTime=\d+/, `StartTime=${huge}`),
              stderr: '',
              exitCode: 0,
            },
          }),
          command: new ListReservations(),
          field: /StartTime/,
        },
      ];
      for (const c of cases) {
        const error = await failure(new SlurmClient({ transport: c.transport }), c.command);
        expect(error).toBeInstanceOf(MalformedOutputError);
        expect((error as MalformedOutputError).field).toMatch(c.field);
      }
    });
  });
});

describe('names that Slurm would read as "all but" are refused', () => {
  const base = { start: 'now' as const, durationMin: 60, nodeCount: 1 };
  const refused: [string, () => unknown][] = [
    ['reservation users', () => new CreateReservation({ ...base, name: 'r', users: ['-root'] })],
    ['reservation accounts', () => new CreateReservation({ ...base, name: 'r', accounts: ['-physics'] })],
    ['reservation name', () => new CreateReservation({ ...base, name: '-r', users: ['alice'] })],
    [
      'reservation partition',
      () => new CreateReservation({ ...base, name: 'r', users: ['a'], partition: '-gpu' }),
    ],
    ['reservation nodes', () => new UpdateReservation({ name: 'r', nodes: ['-c1'] })],
    ['reservation features', () => new UpdateReservation({ name: 'r', features: '-a100' })],
    ['history users', () => new ListJobHistory({ startEpochS: 0, users: ['-root'] })],
    ['history accounts', () => new ListJobHistory({ startEpochS: 0, accounts: ['-research'] })],
    ['history partitions', () => new ListJobHistory({ startEpochS: 0, partitions: ['-cpu'] })],
    ['queue users', () => new ListQueue({ users: ['-root'] })],
    ['power nodes', () => new PowerNodes({ nodes: ['-c4'], mode: 'up' })],
    ['node features', () => new SetNodeFeatures({ nodes: ['c4'], active: ['-bigmem'] })],
  ];
  for (const [what, make] of refused) {
    it(what, () => {
      expect(make).toThrow(InvalidInputError);
      expect(make).toThrow(/-/);
    });
  }

  it('while a "-" inside a name is fine', () => {
    expect(
      () => new CreateReservation({ ...base, name: 'r-1', users: ['a-b'], partition: 'gpu-x' }),
    ).not.toThrow();
    expect(() => new SetNodeFeatures({ nodes: ['c-4'], active: ['big-mem'] })).not.toThrow();
  });
});
