import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quoteForPosixShell, remoteCommandLine } from '../../../sdk/index.js';

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

  it('sets environment through env with quoted words and refuses NUL and odd variable names', () => {
    const line = remoteCommandLine('printenv', ['X'], { X: "$(id) 'q'\n" });
    expect(execFileSync('sh', ['-c', line], { encoding: 'utf8' })).toBe("$(id) 'q'\n\n");
    expect(() => quoteForPosixShell('a\u0000b')).toThrow(RangeError);
    expect(() => remoteCommandLine('x', [], { 'A;B': '1' })).toThrow(RangeError);
  });
});
