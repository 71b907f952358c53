import { afterAll, describe, expect, it } from 'vitest';
import {
  ListNodes,
  SlurmClient,
  SshTransport,
  type CliRequest,
  type SlurmProgram,
} from '../../../sdk/index.js';
import { loadLab } from '../lab.js';

const lab = loadLab();
const tcshUser = lab.ssh.tcshUsername;
if (tcshUser === undefined) {
  throw new Error('lab.json has no ssh.tcshUsername: restart the lab with the current test/lab/up.sh');
}

const transports: SshTransport[] = [];
afterAll(async () => {
  for (const t of transports) await t.close();
});

function ssh(username: string, env: Record<string, string> = {}): SshTransport {
  const t = new SshTransport({ ...lab.ssh, username, env });
  transports.push(t);
  return t;
}

/** Runs any program through the transport (the SDK itself only ever runs Slurm's programs). */
async function run(
  transport: SshTransport,
  program: string,
  args: string[],
  stdin?: string,
): Promise<{ stdout: string; stderr: string; exitCode: number | null }> {
  const request: CliRequest = {
    protocol: 'cli',
    program: program as SlurmProgram,
    args,
    mutates: false,
    ...(stdin === undefined ? {} : { stdin }),
  };
  return transport.send(request, { signal: new AbortController().signal, operation: 'test' });
}

/**
 * Prints the command line of the shell running it and of every ancestor up to init, then every
 * command line on the host, then the secret as the program sees it in its environment.
 */
const SHOW_COMMAND_LINES = [
  'p=$$',
  'while [ "$p" -gt 1 ]; do tr "\\0" " " < /proc/$p/cmdline; echo; p=$(sed -n "s/^PPid:[[:space:]]*//p" /proc/$p/status); done',
  // The marker is computed, so that the script's own text (on its command line) does not hold it.
  'echo "@@$((1 + 1))@@"',
  'for f in /proc/[0-9]*/cmdline; do tr "\\0" " " < "$f" 2>/dev/null; echo; done',
  'echo "@@$((1 + 1))@@"',
  'printf "%s" "$SLURMCAST_TEST_SECRET"',
].join('\n');

describe.each([
  ['root (bash login shell)', lab.ssh.username],
  [`${tcshUser} (tcsh login shell)`, tcshUser],
])('ssh as %s', (_label, username) => {
  it('keeps env values off every command line on the remote host, while the command sees them', async () => {
    // Made of letters only, so that even the old quoting would have carried it intact under tcsh.
    const secret = `SecretValue${process.pid}${username.length}Xq`;
    const result = await run(ssh(username, { SLURMCAST_TEST_SECRET: secret }), 'sh', [
      '-c',
      SHOW_COMMAND_LINES,
    ]);
    expect(result.exitCode).toBe(0);
    const [ancestors = '', everyone = '', seen = ''] = result.stdout.split('@@2@@\n');
    expect(ancestors).toContain('sh -c'); // the walk did see the command's own shell
    expect(ancestors).not.toContain(secret);
    expect(everyone).not.toContain(secret);
    expect(seen).toBe(secret);
  });

  it('carries every argument and env value byte for byte: !, newlines, $, backquotes, quotes, unicode', async () => {
    const hostile = [
      'a!b',
      '!!',
      '!$',
      'line1\nline2',
      '\n',
      '$HOME',
      '${USER}',
      '`id`',
      '$(id)',
      "it's",
      '"double"',
      "'\\''",
      '\\',
      'back\\slash\\n',
      'tab\there',
      'ünïcødé ✓ 日本',
      '; rm -rf /tmp/nothing',
      '*',
      '~',
      '{a,b}',
      '',
      '-n',
    ];
    const value = 'env !value\nwith $x `y` \'z\' "w" ✓';
    const result = await run(ssh(username, { SLURMCAST_TEST_VALUE: value }), 'sh', [
      '-c',
      'printf "%s\\0" "$SLURMCAST_TEST_VALUE" "$@"',
      'sh',
      ...hostile,
    ]);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split('\0').slice(0, -1)).toEqual([value, ...hostile]);
  });

  it('leaves stdin to the command (as sbatch reading its script would)', async () => {
    const script = '#!/bin/sh\necho "hello !world"\n';
    const result = await run(ssh(username), 'cat', [], script);
    expect(result.stdout).toBe(script);
  });
});

it(`runs Slurm's commands through the SDK for a user whose login shell is tcsh`, async () => {
  const client = new SlurmClient({ transport: ssh(tcshUser, lab.env) });
  try {
    expect((await client.send(new ListNodes())).map((n) => n.name)).toEqual(lab.nodes);
  } finally {
    await client.close();
  }
});

describe('ssh output is decoded whole', () => {
  it('brings back multi-byte characters intact however the channel splits the bytes', async () => {
    // Large enough to arrive in many chunks; odd lengths put chunk boundaries inside characters.
    const text = 'ünïcødé ✓ 漢字 '.repeat(40_000);
    const result = await run(ssh(lab.ssh.username), 'cat', [], text);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.includes('\uFFFD')).toBe(false);
    expect(result.stdout).toBe(text);
  });
});
