/**
 * vitest globalSetup for the unit project: proves every unit test cleans up the temporary files and
 * directories it creates.
 *
 * The run gets a private temporary directory (`TMPDIR`, so `os.tmpdir()` in every test worker points
 * into it). Anything still in it when the run ends was left behind by a test: teardown names each entry
 * and throws, which fails the run, then removes the directory so nothing accumulates. A private
 * directory rather than a before/after listing of /tmp, because other test runs on the same machine
 * create and remove their own `slurmcast-*` entries there at the same time.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let runTmp: string | undefined;
let outerTmp: string | undefined;

export function setup(): void {
  outerTmp = process.env['TMPDIR'];
  runTmp = mkdtempSync(join(tmpdir(), 'slurmcast-unit-run-'));
  process.env['TMPDIR'] = runTmp;
}

export function teardown(): void {
  if (runTmp === undefined) return;
  const dir = runTmp;
  runTmp = undefined;
  if (outerTmp === undefined) delete process.env['TMPDIR'];
  else process.env['TMPDIR'] = outerTmp;
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
