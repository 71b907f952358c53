/**
 * Where tests find the published workload logs (SWF, Alibaba GPU), which are read in place and never
 * copied into the project. They are a required input, not an optional one: CI puts a copy of `shared/`
 * beside the clone, so a missing trace fails the test that needs it, naming where it was looked for.
 *
 * Looked for, in order: `$SLURMCAST_TRACES`; `shared/traces` beside this clone; and, when this checkout
 * is a git worktree, `shared/traces` beside the main checkout it belongs to.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const cloneRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The main checkout of a git worktree (its `.git` is a file `gitdir: <main>/.git/worktrees/<name>`). */
function mainCheckoutOf(root: string): string | undefined {
  const dotGit = join(root, '.git');
  if (!existsSync(dotGit) || !statSync(dotGit).isFile()) return undefined;
  const match = /^gitdir:\s*(.+?)\/\.git\/worktrees\/[^/]+\s*$/m.exec(readFileSync(dotGit, 'utf8'));
  return match?.[1];
}

/** The directories a trace is looked for in, first match wins. */
export function traceDirectories(): string[] {
  const fromEnv = process.env['SLURMCAST_TRACES'];
  if (fromEnv !== undefined && fromEnv !== '') return [resolve(fromEnv)];
  const main = mainCheckoutOf(cloneRoot);
  const roots = main === undefined || main === cloneRoot ? [cloneRoot] : [cloneRoot, main];
  return roots.map((root) => resolve(root, '../shared/traces'));
}

/** A required shared trace file that is missing. */
export class MissingTraceError extends Error {
  override readonly name = 'MissingTraceError' as const;
  constructor(file: string, looked: readonly string[]) {
    super(
      `shared trace ${file} not found (looked in ${looked.join(', ')}): the tests read the published logs from shared/traces beside the clone, as CI provides them; put a copy of shared/ there or set SLURMCAST_TRACES to the directory holding them`,
    );
  }
}

/**
 * The path of a shared trace file.
 * @throws {MissingTraceError} when no trace directory holds it.
 */
export function tracePath(file: string): string {
  const looked = traceDirectories();
  for (const dir of looked) {
    const path = join(dir, file);
    if (existsSync(path)) return path;
  }
  throw new MissingTraceError(file, looked);
}
