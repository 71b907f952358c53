import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { quoteForPosixShell } from '../../../sdk/transports/quote.js';

const mainPath = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));
/** `npm test` installs the tool and sets this: a missing one then fails the test, never skips it. */
const toolsRequired = process.env['SLURMCAST_TOOLS_REQUIRED'] === '1';
// util-linux `script` runs a command on a pseudo-terminal: the one way to give the CLI a real TTY.
const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Runs the CLI from source with stdout and stderr on a pseudo-terminal; returns what it showed. */
function onTerminal(args: readonly string[]): Promise<string> {
  // `script -c` takes one shell command line: every word is quoted (the SDK's POSIX quoting), none is pasted raw.
  const command = [process.execPath, '--import', 'tsx', mainPath, ...args].map(quoteForPosixShell).join(' ');
  return new Promise((resolve, reject) => {
    execFile(
      'script',
      ['-qec', command, '/dev/null'],
      { env: { ...process.env, SLURMCAST_PROGRESS: '' }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout) => (error === null ? resolve(stdout) : reject(error)),
    );
  });
}

describe.skipIf(!hasScript && !toolsRequired)('progress at a terminal (needs util-linux script)', () => {
  it('redraws a progress line on stderr while simulating, and clears it before the result', async () => {
    const shown = await onTerminal(['simulate', '--synthetic', '--days', '5', '--policy', 'reactive']);
    const escape = '\x1b';
    const draw = new RegExp(
      `\\rsimulating reactive: [\\d,]+ / [\\d,]+ jobs arrived \\(\\d+%\\)${escape}\\[K`,
      'g',
    );
    const draws = shown.match(draw) ?? [];
    expect(draws.length).toBeGreaterThanOrEqual(2);
    expect(draws.at(-1)).toContain('(100%)');
    // The line is cleared before the table is printed, so the table starts on a clean line.
    expect(shown.indexOf('\r\x1b[K')).toBeLessThan(shown.indexOf('metric'));
    expect(shown.indexOf('\r\x1b[K')).toBeGreaterThan(shown.lastIndexOf('(100%)'));
  });

  it('shows no progress with --json, even at a terminal', async () => {
    const shown = await onTerminal([
      '--json',
      'simulate',
      '--synthetic',
      '--days',
      '5',
      '--policy',
      'reactive',
    ]);
    expect(shown).not.toContain('simulating');
    expect(shown).toContain('"policy": "reactive"');
  });
});
