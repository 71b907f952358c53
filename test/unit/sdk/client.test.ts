import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  ApiVersionError,
  AuthRefusedError,
  cliMatch,
  CommandFailedError,
  CreateReservation,
  DeleteReservation,
  FakeTransport,
  httpMatch,
  InvalidInputError,
  ListJobHistory,
  ListNodes,
  MalformedOutputError,
  Ping,
  PowerNodes,
  RestTransport,
  SlurmClient,
  SlurmctldDownError,
  SlurmdbdDownError,
  SlurmTimeoutError,
  UnsupportedOperationError,
  type SlurmLogger,
} from '../../../sdk/index.js';
import { fixture } from './fixtures.js';

function cli(
  stdout: string,
  stderr = '',
  exitCode: number | null = 0,
): { stdout: string; stderr: string; exitCode: number | null } {
  return { stdout, stderr, exitCode };
}

function capture(): { logger: SlurmLogger; lines: string[] } {
  const lines: string[] = [];
  const log = (fields: Record<string, unknown>, message: string): void =>
    void lines.push(`${message} ${JSON.stringify(fields)}`);
  return { logger: { debug: log, info: log, warn: log, error: log }, lines };
}

describe('SlurmClient over a fake command transport', () => {
  it('parses recorded outputs into typed models', async () => {
    const fake = new FakeTransport({ protocol: 'cli' })
      .on({ match: cliMatch('sacct'), reply: cli(fixture('sacct-p.txt')) })
      .on({
        match: cliMatch('scontrol', '--all', '--oneliner', 'show', 'node'),
        reply: cli(fixture('scontrol-show-node.txt')),
      });
    const client = new SlurmClient({ transport: fake });
    expect(await client.send(new ListJobHistory({ startEpochS: 0 }))).toHaveLength(11);
    expect((await client.send(new ListNodes())).map((n) => n.name)).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
    const sacct = fake.sent[0];
    expect(sacct).toMatchObject({ program: 'sacct', env: { SLURM_TIME_FORMAT: '%s', TZ: 'UTC' } });
    expect(sacct?.protocol === 'cli' && sacct.args).toContain('--parsable2');
  });

  it('maps Slurm failure messages to error classes', async () => {
    const cases: [string, new (...a: never[]) => Error][] = [
      ['slurm_load_node error: Unable to contact slurm controller (connect failure)', SlurmctldDownError],
      ['sacct: error: Problem talking to the database: Connection refused', SlurmdbdDownError],
      ['scontrol: error: Invalid node name specified', CommandFailedError],
    ];
    for (const [stderr, type] of cases) {
      const client = new SlurmClient({
        transport: new FakeTransport({
          protocol: 'cli',
          replies: [{ match: () => true, reply: cli('', stderr, 1) }],
        }),
      });
      const error = await client.send(new ListNodes()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(type);
      expect(error).toMatchObject({ operation: 'ListNodes', transport: 'fake' });
    }
    const failed = await new SlurmClient({
      transport: new FakeTransport({
        protocol: 'cli',
        replies: [{ match: () => true, reply: cli('', 'boom\n', 2) }],
      }),
    })
      .send(new ListNodes())
      .catch((e: unknown) => e);
    expect(failed).toMatchObject({
      name: 'CommandFailedError',
      exitCode: 2,
      stderrTail: 'boom',
      retryable: false,
    });
  });

  it('reports garbled output as MalformedOutputError, not a crash', async () => {
    const client = new SlurmClient({
      transport: new FakeTransport({
        protocol: 'cli',
        replies: [{ match: () => true, reply: cli('NodeName=c1 State=IDLE CPUTot=lots\n') }],
      }),
    });
    await expect(client.send(new ListNodes())).rejects.toBeInstanceOf(MalformedOutputError);
  });

  it('times out a hung command with SlurmTimeoutError and aborts the transport', async () => {
    let aborted = false;
    const hang = new FakeTransport({ protocol: 'cli' }).on({
      match: () => true,
      reply: (_r, context) =>
        new Promise((_, reject) => {
          context.signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          });
        }),
    });
    const client = new SlurmClient({ transport: hang, timeoutMs: 50 });
    const error = await client.send(new Ping()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlurmTimeoutError);
    expect(error).toMatchObject({ retryable: true, timeoutMs: 50 });
    expect(aborted).toBe(true);
  });

  it('holds writes back in dry-run mode but lets reads through', async () => {
    const fake = new FakeTransport({
      protocol: 'cli',
      replies: [{ match: () => true, reply: cli(fixture('scontrol-show-node.txt')) }],
    });
    const { logger, lines } = capture();
    const client = new SlurmClient({ transport: fake, dryRun: true, logger });
    expect(await client.send(new PowerNodes({ nodes: ['c5'], mode: 'up' }))).toEqual({
      operation: 'PowerNodes',
      target: 'c5',
      dryRun: true,
    });
    await client.send(new ListNodes());
    expect(fake.sent).toHaveLength(1);
    expect(lines.some((l) => l.startsWith('dry run: not sent') && l.includes('POWER_UP'))).toBe(true);
  });

  it('rejects invalid input before anything is sent, including GPU TRES in a 22.05 reservation', () => {
    expect(
      () =>
        new CreateReservation({
          name: 'r',
          start: 'now',
          durationMin: 10,
          tres: { 'gres/gpu:a100': 2 },
          users: ['u'],
        }),
    ).toThrow(InvalidInputError);
    const error = (() => {
      try {
        new CreateReservation({
          name: 'r',
          start: 'now',
          durationMin: 10,
          tres: { 'gres/gpu': 1 },
          users: ['u'],
        });
      } catch (e) {
        return e as InvalidInputError;
      }
      return undefined;
    })();
    expect(error?.message).toMatch(/whole GPU nodes/);
    expect(() => new ListJobHistory({ startEpochS: -1 })).toThrow(InvalidInputError);
    expect(() => new DeleteReservation({ name: 'a\nb' })).toThrow(InvalidInputError);
    // slurmdbd 22.05 breaks on quotes in reservation names.
    expect(
      () => new CreateReservation({ name: "it's", start: 'now', durationMin: 5, nodeCount: 1, users: ['u'] }),
    ).toThrow(/slurmdbd/);
  });

  it('builds scontrol arguments as single words, hostile values included', () => {
    const call = new CreateReservation({
      name: 'r;$(touch /tmp/pwned)|`x`',
      start: 1_800_000_000,
      durationMin: 60,
      nodeCount: 1,
      partition: 'gpu',
      features: 'a100',
      accounts: ['research'],
      flags: ['FLEX', 'MAGNETIC'],
    }).cli();
    expect(call.request.args).toEqual([
      'create',
      'reservation',
      'ReservationName=r;$(touch /tmp/pwned)|`x`',
      'StartTime=2027-01-15T08:00:00',
      'Duration=60',
      'NodeCnt=1',
      'PartitionName=gpu',
      'Features=a100',
      'Accounts=research',
      'Flags=FLEX,MAGNETIC',
    ]);
    expect(call.request.mutates).toBe(true);
  });
});

describe('SlurmClient over REST', () => {
  it('routes writes v0.0.38 lacks to the command transport, or refuses them clearly', async () => {
    const rest = new FakeTransport({ protocol: 'http' });
    const refused = await new SlurmClient({ transport: rest })
      .send(new DeleteReservation({ name: 'x' }))
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UnsupportedOperationError);
    expect((refused as Error).message).toMatch(/v0\.0\.38.*writesVia/);
    const cmd = new FakeTransport({
      protocol: 'cli',
      replies: [{ match: cliMatch('scontrol', 'delete'), reply: cli('') }],
    });
    const client = new SlurmClient({ transport: rest, commandTransport: cmd });
    expect(await client.send(new DeleteReservation({ name: 'x' }))).toEqual({
      operation: 'DeleteReservation',
      target: 'x',
      dryRun: false,
    });
    expect(rest.sent).toHaveLength(0);
  });

  it('detects a server speaking other API versions and names them', async () => {
    const spec = JSON.stringify({
      paths: { '/slurm/v0.0.40/nodes': {}, '/slurmdb/v0.0.41/jobs': {}, '/slurm/v0.0.41/ping': {} },
    });
    const rest = new FakeTransport({ protocol: 'http' })
      .on({ match: () => true, reply: { status: 404, body: 'Not found' } })
      .on({ match: httpMatch('GET', '/openapi/v3'), reply: { status: 200, body: spec } });
    const error = await new SlurmClient({ transport: rest }).send(new ListNodes()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiVersionError);
    expect(error).toMatchObject({ wanted: 'v0.0.38', offered: ['v0.0.40', 'v0.0.41'] });
    expect((error as Error).message).toContain('v0.0.40, v0.0.41');
  });

  it('maps REST answers: 401 to AuthRefusedError, Slurm errors to typed errors', async () => {
    const unauthorized = new FakeTransport({
      protocol: 'http',
      replies: [{ match: () => true, reply: { status: 401, body: 'Authentication failure' } }],
    });
    await expect(new SlurmClient({ transport: unauthorized }).send(new ListNodes())).rejects.toBeInstanceOf(
      AuthRefusedError,
    );
    const down = new FakeTransport({
      protocol: 'http',
      replies: [
        {
          match: () => true,
          reply: {
            status: 500,
            body: JSON.stringify({
              errors: [{ error: 'Unable to contact slurm controller (connect failure)', error_number: 1007 }],
            }),
          },
        },
      ],
    });
    await expect(new SlurmClient({ transport: down }).send(new ListNodes())).rejects.toBeInstanceOf(
      SlurmctldDownError,
    );
  });
});

describe('secrets', () => {
  const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdW4iOiJzZWNyZXQtdXNlciJ9.c2lnbmF0dXJlLXRoYXQtaXMtc2VjcmV0';
  let server: Server;
  let url = '';
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(String(req.headers['x-slurm-user-token']));
      // A hostile server echoing the token back in an error.
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ errors: [{ error: `bad token ${String(req.headers['x-slurm-user-token'])}` }] }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('never puts the JWT in an error or a log line, even when the server echoes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slurmcast-sdk-token-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'jwt'), `${token}\n`);
    const { logger, lines } = capture();
    const client = new SlurmClient({
      transport: new RestTransport({ url, user: 'alice', tokenFile: join(dir, 'jwt') }),
      logger,
    });
    const error = (await client
      .send(new ListNodes())
      .then(
        () => new Error('expected a failure'),
        (e: unknown) => e,
      )
      .finally(() => rmSync(dir, { recursive: true, force: true }))) as Error;
    await client.close();
    expect(seen).toContain(token);
    expect(error).toMatchObject({ name: 'RestRequestError', status: 500 });
    const everything = [error.message, error.stack ?? '', JSON.stringify(error), lines.join('\n')].join('\n');
    expect(everything).toContain('[REDACTED]');
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(token.split('.')[2]);
  });

  it('reports a missing token as AuthRefusedError without reading further', async () => {
    const client = new SlurmClient({
      transport: new RestTransport({ url, tokenEnv: 'SLURMCAST_TEST_NO_SUCH_TOKEN' }),
    });
    await expect(client.send(new ListNodes())).rejects.toBeInstanceOf(AuthRefusedError);
    await client.close();
  });
});
