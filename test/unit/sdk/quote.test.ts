import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quoteForPosixShell, remoteInvocation } from '../../../sdk/index.js';

const HOSTILE = [
  '; rm -rf /tmp/x',
  '$(touch /tmp/pwned)',
  '`id`',
  "it's",
  '"dq"',
  'a\nb',
  'tab\there',
  '|pipe',
  'ünï✓',
  '',
  '\\',
  "'",
  "''\\''",
];

/** Runs `printf '%s\0' <quoted words>` through a real sh and returns the words it received. */
function roundTrip(words: string[]): string[] {
  const line = `printf '%s\\0' ${words.map(quoteForPosixShell).join(' ')}`;
  const out = execFileSync('sh', ['-c', line], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('quoting for the remote POSIX shell', () => {
  it('passes hostile strings through sh -c unchanged', () => {
    expect(roundTrip(HOSTILE)).toEqual(HOSTILE);
  });

  it('round-trips any string without NUL (property)', () => {
    const word = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\u0000'));
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 40 }), (words) => {
        expect(roundTrip(words)).toEqual(words);
      }),
      // Each run starts a shell, which is slow in sandboxes; 40 words per run keeps coverage high.
      { numRuns: 30 },
    );
  }, 60_000);

  it('refuses NUL and names that are not environment variable names', () => {
    expect(() => quoteForPosixShell('a\u0000b')).toThrow(RangeError);
    expect(() => remoteInvocation('x', [], { 'A;B': '1' })).toThrow(RangeError);
    expect(() => remoteInvocation('x', [], { X: 'a\u0000b' })).toThrow(RangeError);
  });
});

/** Runs a remote invocation the way sshd would: `<login shell> -c <command line>`, payload on stdin. */
function runAsSshd(
  loginShell: string,
  invocation: { commandLine: string; stdin: string },
): { stdout: string; status: number | null } {
  const result = spawnSync(loginShell, ['-c', invocation.commandLine], {
    input: invocation.stdin,
    encoding: 'utf8',
  });
  return { stdout: result.stdout, status: result.status };
}

describe('remote invocations: data on stdin, nothing on the command line', () => {
  const secret = "s3cr3t value with 'quotes', $(id) and !bang\nand a newline";

  it('keeps env values and arguments off the command line, which holds no !, newline or backslash', () => {
    const invocation = remoteInvocation('printf', ['%s', 'argument-on-stdin'], { SLURMCAST_SECRET: secret });
    expect(invocation.commandLine).not.toContain('s3cr3t');
    expect(invocation.commandLine).not.toContain('argument-on-stdin');
    expect(invocation.commandLine).not.toMatch(/[!\n\\]/);
  });

  for (const loginShell of ['sh', 'bash']) {
    it(`${loginShell} as login shell: every word and env value arrives byte for byte (property)`, () => {
      const word = fc.string({ unit: 'binary', maxLength: 30 }).filter((s) => !s.includes('\u0000'));
      fc.assert(
        fc.property(fc.array(word, { maxLength: 12 }), word, (words, value) => {
          const invocation = remoteInvocation('sh', ['-c', 'printf "%s\\0" "$X" "$@"', 'sh', ...words], {
            X: value,
          });
          const { stdout, status } = runAsSshd(loginShell, invocation);
          expect(status).toBe(0);
          expect(stdout.split('\0').slice(0, -1)).toEqual([value, ...words]);
        }),
        { numRuns: 25 },
      );
    }, 60_000);
  }

  it('leaves the rest of stdin to the program, which sees the environment but not the payload', () => {
    const invocation = remoteInvocation(
      'sh',
      ['-c', 'printf "%s|" "$SLURMCAST_SECRET"; cat'],
      {
        SLURMCAST_SECRET: secret,
      },
      'the script\nsbatch would read\n',
    );
    expect(runAsSshd('sh', invocation).stdout).toBe(`${secret}|the script\nsbatch would read\n`);
  });

  it('runs nothing when the payload is cut short', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slurmcast-quote-'));
    try {
      const first = join(dir, 'first');
      const second = join(dir, 'second');
      const invocation = remoteInvocation('touch', [first, second], {});
      const lastWord = invocation.stdin.lastIndexOf(` '${second}'`);
      // Cut before the last word, inside it, and just before its closing quote.
      for (const cut of [lastWord, lastWord + 3, invocation.stdin.length - 2]) {
        const { status } = runAsSshd('sh', { ...invocation, stdin: invocation.stdin.slice(0, cut) });
        expect(status).not.toBe(0);
        expect(readdirSync(dir)).toEqual([]);
      }
      // The whole payload does run: the cuts above are what stopped it.
      expect(runAsSshd('sh', invocation).status).toBe(0);
      expect(readdirSync(dir).sort()).toEqual(['first', 'second']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
