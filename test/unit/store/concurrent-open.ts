import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const childPath = fileURLToPath(new URL('./open-child.ts', import.meta.url));

/** What happened in a run of trials: each trial has every process open the same new store at once. */
export interface ConcurrentOpenResult {
  trials: number;
  processes: number;
  /** One line per failed open: `trial <n>: <error name>: <message>`. */
  failures: string[];
}

interface Child {
  process: ChildProcessWithoutNullStreams;
  lines: Interface;
  next(): Promise<string>;
}

function startChild(): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', childPath], { stdio: 'pipe' });
  const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
  const queue: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => {
    const resolve = waiting.shift();
    if (resolve === undefined) queue.push(line);
    else resolve(line);
  });
  child.once('exit', (code) => {
    for (const resolve of waiting.splice(0)) resolve(`exited with ${code ?? 'signal'}`);
  });
  return {
    process: child,
    lines,
    next: () =>
      new Promise((resolve) => {
        const line = queue.shift();
        if (line === undefined) waiting.push(resolve);
        else resolve(line);
      }),
  };
}

/**
 * Starts `processes` real child processes and, `trials` times, has all of them create and open the
 * same new store file at the same moment. Cleans up its files and stops the children it started.
 */
export async function concurrentOpens(trials: number, processes: number): Promise<ConcurrentOpenResult> {
  const dir = mkdtempSync(join(tmpdir(), 'slurmcast-concurrent-open-'));
  const children = Array.from({ length: processes }, startChild);
  const failures: string[] = [];
  try {
    // Warm-up: every child has loaded its modules before the first timed trial.
    for (const child of children) child.process.stdin.write(`${join(dir, 'warm-up.db')}\n`);
    for (const child of children) await child.next();
    for (let trial = 0; trial < trials; trial += 1) {
      const path = `${join(dir, `trial-${trial}.db`)}\n`;
      for (const child of children) child.process.stdin.write(path);
      for (const child of children) {
        const answer = await child.next();
        if (answer !== 'ok') failures.push(`trial ${trial}: ${answer}`);
      }
    }
  } finally {
    for (const child of children) {
      child.process.stdin.end();
      child.lines.close();
    }
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.process.exitCode !== null) resolve();
            else child.process.once('exit', () => resolve());
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  }
  return { trials, processes, failures };
}
