import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientFromConfig,
  CredentialFormatError,
  diagnose,
  ListNodes,
  Redactor,
  RestTransport,
  SlurmClient,
  SshKeyError,
  SshTransport,
  type SlurmLogger,
} from '../../../sdk/index.js';

const dir = mkdtempSync(join(tmpdir(), 'sdk-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture(): { logger: SlurmLogger; lines: string[] } {
  const lines: string[] = [];
  const log = (fields: Record<string, unknown>, message: string): void =>
    void lines.push(`${message} ${JSON.stringify(fields)}`);
  return { logger: { debug: log, info: log, warn: log, error: log }, lines };
}

async function failure(client: SlurmClient): Promise<Error> {
  try {
    await client.send(new ListNodes());
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  } finally {
    await client.close();
  }
  throw new Error('expected a failure');
}

function shown(error: Error, lines: readonly string[] = []): string {
  let text = `${error.message}\n${error.stack ?? ''}\n${JSON.stringify(error)}\n${lines.join('\n')}`;
  let cause: unknown = error.cause;
  while (cause instanceof Error) {
    text += `\n${cause.message}\n${cause.stack ?? ''}`;
    cause = cause.cause;
  }
  return text;
}

/** Sets an environment variable for the duration of `f`. */
async function withEnv<T>(name: string, value: string, f: () => Promise<T>): Promise<T> {
  const before = process.env[name];
  process.env[name] = value;
  try {
    return await f();
  } finally {
    if (before === undefined) delete process.env[name];
    else process.env[name] = before;
  }
}

describe('redaction', () => {
  it('redacts short secrets as well as long ones, and the longer of two overlapping ones whole', () => {
    const r = new Redactor();
    r.add('k9');
    r.add(' abc123 ');
    r.add('abc123-and-more');
    expect(r.redact('token=k9 other=abc123 long=abc123-and-more')).toBe(
      'token=[REDACTED] other=[REDACTED] long=[REDACTED]',
    );
  });

  describe('against a slurmrestd that echoes the token it was sent', () => {
    let server: Server;
    let url = '';
    beforeAll(async () => {
      server = createServer((req, res) => {
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

    for (const token of ['q7Z', 'short-tok', 'a-long-opaque-token-0123456789abcdefghij']) {
      it(`keeps a ${token.length}-character token from the environment out of errors and logs`, async () => {
        const { logger, lines } = capture();
        const error = await withEnv('SLURMCAST_TEST_SHORT_JWT', token, () =>
          failure(
            new SlurmClient({
              transport: new RestTransport({ url, user: 'alice', tokenEnv: 'SLURMCAST_TEST_SHORT_JWT' }),
              logger,
            }),
          ),
        );
        expect(error).toMatchObject({ name: 'RestRequestError' });
        expect(shown(error, lines)).toContain('[REDACTED]');
        expect(shown(error, lines)).not.toContain(token);
      });
    }
  });

  it('redacts credentials passed in slurm.env from errors', async () => {
    const secret = 'p4ss';
    const bin = mkdtempSync(join(dir, 'bin-'));
    writeFileSync(join(bin, 'scontrol'), '#!/bin/sh\necho "error: token $SLURM_JWT refused" >&2\nexit 1\n', {
      mode: 0o755,
    });
    const client = clientFromConfig({
      transport: 'local',
      env: { SLURM_JWT: secret, PATH: `${bin}:/usr/bin:/bin` },
    });
    const error = await failure(client);
    expect(error).toMatchObject({ name: 'CommandFailedError' });
    expect(shown(error)).toContain('[REDACTED]');
    expect(shown(error)).not.toContain(secret);
  });
});

describe('a token of the wrong form is named as such, not as an unreachable host', () => {
  const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdW4iOiJ4In0.c2lnbmF0dXJl';
  // Port 1 has nothing listening: a request that were sent would fail as unreachable.
  const url = 'http://127.0.0.1:1';

  for (const [what, value] of [
    ['CR/LF inside', `${token}\r\nsecond-line`],
    ['a bare LF inside', `${token.slice(0, 20)}\n${token.slice(20)}`],
    ['a space inside', `${token.slice(0, 20)} ${token.slice(20)}`],
  ] as const) {
    it(`from the environment, with ${what}`, async () => {
      const error = await withEnv('SLURMCAST_TEST_BAD_JWT', value, () =>
        failure(
          new SlurmClient({ transport: new RestTransport({ url, tokenEnv: 'SLURMCAST_TEST_BAD_JWT' }) }),
        ),
      );
      expect(error).toBeInstanceOf(CredentialFormatError);
      expect(error).toMatchObject({ credential: 'JWT', source: '$SLURMCAST_TEST_BAD_JWT' });
      expect(error.message).toContain('one line');
      expect(shown(error)).not.toContain(token.slice(20));
    });
  }

  it('from a file written with Windows line endings and two tokens', async () => {
    const file = join(dir, 'two.jwt');
    writeFileSync(file, `${token}\r\n${token}\r\n`);
    const error = await failure(new SlurmClient({ transport: new RestTransport({ url, tokenFile: file }) }));
    expect(error).toBeInstanceOf(CredentialFormatError);
    expect(error).toMatchObject({ source: `file ${file}` });
    expect(shown(error)).not.toContain(token.slice(20));
  });
});

describe('ssh private keys that cannot be used are SshKeyError, not an unreachable host', () => {
  // Nothing listens on port 1: had the key been accepted, the error would be HostUnreachableError.
  const ssh = (privateKeyPath: string, passphraseEnv?: string): SlurmClient =>
    new SlurmClient({
      transport: new SshTransport({
        host: '127.0.0.1',
        port: 1,
        username: 'nobody',
        privateKeyPath,
        insecureSkipHostKeyCheck: true,
        ...(passphraseEnv === undefined ? {} : { passphraseEnv }),
      }),
    });
  const encrypted = join(dir, 'id_encrypted');
  const encryptedPem = join(dir, 'id_encrypted_pem');
  const garbage = join(dir, 'id_garbage');
  beforeAll(() => {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'pass-phrase', '-f', encrypted]);
    execFileSync('ssh-keygen', [
      '-q',
      '-t',
      'rsa',
      '-b',
      '2048',
      '-m',
      'PEM',
      '-N',
      'pass-phrase',
      '-f',
      encryptedPem,
    ]);
    writeFileSync(garbage, 'this is not a key\n');
  });

  it('a passphrase-protected key (OpenSSH and PEM) without a passphrase', async () => {
    for (const key of [encrypted, encryptedPem]) {
      const error = await failure(ssh(key));
      expect(error).toBeInstanceOf(SshKeyError);
      expect(error).toMatchObject({ problem: 'passphrase-needed', keyPath: key });
      expect(error.message).toMatch(/ssh-add|passphraseEnv/);
    }
  });

  it('a wrong passphrase, which never appears in the error', async () => {
    for (const key of [encrypted, encryptedPem]) {
      const error = await withEnv('SLURMCAST_TEST_PASSPHRASE', 'wrong-secret-phrase', () =>
        failure(ssh(key, 'SLURMCAST_TEST_PASSPHRASE')),
      );
      expect(error).toBeInstanceOf(SshKeyError);
      expect(error).toMatchObject({ problem: 'bad-passphrase' });
      expect(shown(error)).not.toContain('wrong-secret-phrase');
    }
  });

  it('the right passphrase gets as far as the network', async () => {
    const error = await withEnv('SLURMCAST_TEST_PASSPHRASE', 'pass-phrase', () =>
      failure(ssh(encrypted, 'SLURMCAST_TEST_PASSPHRASE')),
    );
    expect(error).toMatchObject({ name: 'HostUnreachableError' });
  });

  it('doctor reports it as the failed auth check, with the fix, and the untried checks as skipped', async () => {
    const checks = await diagnose(ssh(encrypted), { nowEpochS: 0 });
    expect(checks.find((c) => c.name === 'auth')).toMatchObject({ ok: false, detail: 'SshKeyError' });
    expect(checks.find((c) => c.name === 'auth')?.fix).toMatch(/ssh-add/);
    // The key failed to load before any connection: reaching the host and its key were never checked.
    for (const name of ['reach', 'host key'])
      expect(checks.find((c) => c.name === name)).toMatchObject({ ok: false, skipped: true });
  });

  it('a file that is no key, a public key, and a file that cannot be read', async () => {
    expect(await failure(ssh(garbage))).toMatchObject({ name: 'SshKeyError', problem: 'unparseable' });
    expect(await failure(ssh(`${encrypted}.pub`))).toMatchObject({
      name: 'SshKeyError',
      problem: 'unparseable',
    });
    expect(await failure(ssh(join(dir, 'no-such-key')))).toMatchObject({
      name: 'SshKeyError',
      problem: 'unreadable',
    });
  });
});
