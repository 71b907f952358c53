/**
 * vitest globalSetup for the unit project: proves every unit test cleans up the temporary files and
 * directories it creates.
 *
 * The unit workers get a private temporary directory (`TMPDIR` in the project's `env`, so `os.tmpdir()`
 * in every unit test worker points into it; the integration project is not affected). Anything still in it when the run ends was left behind by a test: teardown names each entry
 * and throws, which fails the run, then removes the directory so nothing accumulates. A private
 * directory rather than a before/after listing of /tmp, because other test runs on the same machine
 * create and remove their own `slurmcast-*` entries there at the same time.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';

/** Set by vitest.config.ts, which also points the unit workers' `TMPDIR` at it. */
function unitTmpDir(): string {
  const dir = process.env['SLURMCAST_UNIT_TMPDIR'];
  if (dir === undefined || dir === '')
    throw new Error('SLURMCAST_UNIT_TMPDIR is not set: run the tests through vitest.config.ts');
  return dir;
}

let runTmp: string | undefined;

export function setup(): void {
  runTmp = unitTmpDir();
  // Not recursive: the directory is this run's own (its name carries the run's pid), so it must be new.
  mkdirSync(runTmp);
}

export function teardown(): void {
  if (runTmp === undefined) return;
  const dir = runTmp;
  runTmp = undefined;
  // tsx's compile cache (`tsx-<uid>`), made by the CLI child processes the tests start: a tool's
  // cache that is meant to stay, not a file a test created.
  const toolCaches = new Set([`tsx-${process.getuid?.() ?? ''}`]);
  const leaked = readdirSync(dir)
    .filter((name) => !toolCaches.has(name))
    .sort();
  rmSync(dir, { recursive: true, force: true });
  if (leaked.length > 0) {
    // vitest reports an error thrown here but still exits 0: set the exit code so the run fails.
    process.exitCode = 1;
    throw new Error(
      `unit tests left ${leaked.length} temporary file(s) or directories behind: ${leaked.join(', ')}; ` +
        'remove what a test creates in its afterEach/afterAll (rmSync(path, { recursive: true, force: true }))',
    );
  }
}
