import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiVersionError,
  AuthRefusedError,
  HostKeyError,
  HostUnreachableError,
  ListNodes,
  LocalTransport,
  MalformedOutputError,
  Ping,
  RestTransport,
  SlurmClient,
  SlurmctldDownError,
  SlurmTimeoutError,
  SshKeyError,
  SshTransport,
} from '../../../sdk/index.js';
import { loadLab } from '../lab.js';

const lab = loadLab();
const dir = mkdtempSync(join(tmpdir(), 'slurmcast-sdk-faults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

async function failure(client: SlurmClient, command: ListNodes = new ListNodes()): Promise<unknown> {
  try {
    return await client.send(command).then(() => new Error('expected a failure'));
  } catch (error) {
    return error;
  } finally {
    await client.close();
  }
}

describe('faults are typed errors that say what to check', () => {
  it('unreachable ssh host and REST endpoint', async () => {
    const port = await freePort();
    const ssh = await failure(new SlurmClient({ transport: new SshTransport({ ...lab.ssh, port }) }));
    expect(ssh).toBeInstanceOf(HostUnreachableError);
    expect((ssh as Error).message).toContain(`127.0.0.1:${port}`);
    const rest = await failure(
      new SlurmClient({
        transport: new RestTransport({
          url: `http://127.0.0.1:${port}`,
          user: 'root',
          tokenFile: lab.rest.tokenFile,
        }),
      }),
    );
    expect(rest).toBeInstanceOf(HostUnreachableError);
    const socket = await failure(
      new SlurmClient({ transport: new RestTransport({ socketPath: join(dir, 'nothing.sock') }) }),
    );
    expect(socket).toBeInstanceOf(HostUnreachableError);
  });

  it('refused ssh key and refused JWT', async () => {
    const key = join(dir, 'stranger');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    const ssh = await failure(
      new SlurmClient({ transport: new SshTransport({ ...lab.ssh, privateKeyPath: key }) }),
    );
    expect(ssh).toBeInstanceOf(AuthRefusedError);
    const badToken = join(dir, 'bad.jwt');
    writeFileSync(
      badToken,
      'eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjEsInN1biI6InJvb3QifQ.not-a-valid-signature-at-all',
    );
    const rest = await failure(
      new SlurmClient({
        transport: new RestTransport({ url: lab.rest.url, user: 'root', tokenFile: badToken }),
      }),
    );
    expect(rest).toBeInstanceOf(AuthRefusedError);
    expect(JSON.stringify(rest) + String((rest as Error).message)).not.toContain(
      'not-a-valid-signature-at-all',
    );
  });

  it('a passphrase-protected key: SshKeyError without its passphrase, a working connection with it', async () => {
    const key = join(dir, 'lab_key_with_passphrase');
    writeFileSync(key, readFileSync(lab.ssh.privateKeyPath), { mode: 0o600 });
    execFileSync('ssh-keygen', ['-q', '-p', '-N', 'lab-pass-phrase', '-f', key]);
    const without = await failure(
      new SlurmClient({ transport: new SshTransport({ ...lab.ssh, privateKeyPath: key }) }),
    );
    expect(without).toBeInstanceOf(SshKeyError);
    expect(without).toMatchObject({ problem: 'passphrase-needed' });
    process.env['SLURMCAST_TEST_LAB_PASSPHRASE'] = 'lab-pass-phrase';
    try {
      const client = new SlurmClient({
        transport: new SshTransport({
          ...lab.ssh,
          env: lab.env,
          privateKeyPath: key,
          passphraseEnv: 'SLURMCAST_TEST_LAB_PASSPHRASE',
        }),
      });
      try {
        expect((await client.send(new Ping())).controllers[0]?.up).toBe(true);
      } finally {
        await client.close();
      }
    } finally {
      delete process.env['SLURMCAST_TEST_LAB_PASSPHRASE'];
    }
  });

  it('unknown and changed ssh host keys, and the loud opt-out', async () => {
    const empty = join(dir, 'known_hosts_empty');
    writeFileSync(empty, '');
    const unknown = await failure(
      new SlurmClient({ transport: new SshTransport({ ...lab.ssh, knownHostsPath: empty }) }),
    );
    expect(unknown).toBeInstanceOf(HostKeyError);
    expect(unknown).toMatchObject({ reason: 'unknown' });
    const otherKey = join(dir, 'other_host_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
    const pub = readFileSync(`${otherKey}.pub`, 'utf8').split(' ');
    const changedFile = join(dir, 'known_hosts_changed');
    writeFileSync(changedFile, `[${lab.ssh.host}]:${lab.ssh.port} ${pub[0] ?? ''} ${pub[1] ?? ''}\n`);
    const changed = await failure(
      new SlurmClient({ transport: new SshTransport({ ...lab.ssh, knownHostsPath: changedFile }) }),
    );
    expect(changed).toMatchObject({ name: 'HostKeyError', reason: 'changed' });
    const warnings: string[] = [];
    const log = (_f: Record<string, unknown>, m: string): void => void warnings.push(m);
    const insecure = new SlurmClient({
      transport: new SshTransport({
        ...lab.ssh,
        env: lab.env,
        knownHostsPath: empty,
        insecureSkipHostKeyCheck: true,
        logger: { debug: log, info: log, warn: log, error: log },
      }),
    });
    expect((await insecure.send(new Ping())).controllers[0]?.up).toBe(true);
    await insecure.close();
    expect(warnings.some((w) => w.startsWith('INSECURE'))).toBe(true);
  });

  it('slurmctld down: a config whose controller port has nothing listening', async () => {
    const port = await freePort();
    const conf = readFileSync(lab.slurmConf, 'utf8').replace(/^SlurmctldPort=.*$/m, `SlurmctldPort=${port}`);
    const confPath = join(dir, 'slurm.conf');
    writeFileSync(
      confPath,
      conf.includes(`SlurmctldPort=${port}`) ? conf : `${conf}\nSlurmctldPort=${port}\n`,
    );
    const client = new SlurmClient({
      transport: new LocalTransport({ env: { SLURM_CONF: confPath } }),
      timeoutMs: 60_000,
    });
    expect((await client.send(new Ping())).controllers.every((c) => !c.up)).toBe(true);
    const error = await failure(client);
    expect(error).toBeInstanceOf(SlurmctldDownError);
    expect((error as Error).message).toMatch(/slurmctld is not answering/);
  });

  it('a command that hangs times out; garbled and truncated output is reported', async () => {
    const bin = mkdtempSync(join(dir, 'bin-'));
    const write = (name: string, body: string): void => {
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    write('scontrol', 'sleep 20');
    const slow = await failure(
      new SlurmClient({ transport: new LocalTransport({ binDir: bin }), timeoutMs: 300 }),
    );
    expect(slow).toBeInstanceOf(SlurmTimeoutError);
    write('scontrol', 'echo "NodeName=c1 State=IDLE CPUTot=@@@ garbage"');
    expect(await failure(new SlurmClient({ transport: new LocalTransport({ binDir: bin }) }))).toMatchObject({
      name: 'MalformedOutputError',
      field: 'CPUTot',
    });
    write('scontrol', 'head -c 5000 /dev/zero | tr "\\0" x');
    const big = await failure(
      new SlurmClient({ transport: new LocalTransport({ binDir: bin, outputLimitBytes: 1000 }) }),
    );
    expect(big).toBeInstanceOf(MalformedOutputError);
    expect(big).toMatchObject({ reason: 'too-large' });
  });

  describe('REST API version mismatch', () => {
    let server: Server;
    let url = '';
    beforeAll(async () => {
      server = createServer((req, res) => {
        if (req.url === '/openapi/v3') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              paths: { '/slurm/v0.0.40/ping': {}, '/slurm/v0.0.41/ping': {}, '/slurmdb/v0.0.41/jobs': {} },
            }),
          );
        } else {
          res.writeHead(404);
          res.end('Not Found');
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const a = server.address();
      url = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    it('names the versions the server offers', async () => {
      const error = await failure(
        new SlurmClient({
          transport: new RestTransport({ url, user: 'root', tokenFile: lab.rest.tokenFile }),
        }),
      );
      expect(error).toBeInstanceOf(ApiVersionError);
      expect(error).toMatchObject({ offered: ['v0.0.40', 'v0.0.41'] });
    });
  });
});
