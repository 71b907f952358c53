/**
 * `npm run test:stress -- N [vitest filters…]`: the integration suite N times in a row against one lab.
 *
 * Starts a lab once with `test/lab/up.sh` in a fresh temporary directory, runs
 * `vitest run --project integration` N times with `SLURMCAST_LAB_JSON` pointing at it (so no run starts
 * a lab of its own and every run meets what the runs before it left behind), stops the lab with its own
 * `down.sh` and removes the directory (`SLURMCAST_LAB_KEEP=1` keeps it, logs included). Prints each
 * run's result and duration, writes the outcome into the stress section of docs/benchmarks.md, and exits
 * 1 when any run failed.
 *
 * Ctrl-C (SIGINT) or SIGTERM stops the run in progress, still stops the lab, leaves the docs as they
 * were (an interrupted series proves nothing) and exits 130 or 143. Extra arguments after N go to
 * vitest (file filters, `-t`); the docs section shows the full command.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  StressError,
  parseRunCount,
  renderStressSection,
  replaceStressSection,
  runPassed,
  summariseVitestReport,
  type RunSummary,
  type StressRun,
} from './report.js';
import { parseLabUpOutput } from '../lab/output.js';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const upScript = join(projectRoot, 'test/lab/up.sh');
const downScript = join(projectRoot, 'test/lab/down.sh');
const vitestBin = join(projectRoot, 'node_modules/vitest/vitest.mjs');
const docPath = join(projectRoot, 'docs/benchmarks.md');

const EXIT_FOR_SIGNAL: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };

let interrupted: 'SIGINT' | 'SIGTERM' | null = null;
let current: ChildProcess | undefined;
let stoppingLab = false;

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stoppingLab) {
      process.stderr.write('[stress] stopping the lab; it takes a few seconds\n');
      return;
    }
    interrupted ??= signal;
    process.stderr.write(`[stress] ${signal}: stopping the current run, then the lab\n`);
    // A terminal's Ctrl-C reaches the child already; a SIGTERM sent to this pid alone does not.
    current?.kill(signal);
  });
}

/** Runs a child; resolves with its exit code (128 + signal number when a signal ended it) and stdout. */
function run(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; captureStdout?: boolean } = {},
): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: projectRoot,
      env: options.env ?? process.env,
      stdio: ['ignore', options.captureStdout === true ? 'pipe' : 'inherit', 'inherit'],
    });
    current = child;
    let stdout = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.once('error', (cause) => {
      current = undefined;
      reject(
        new StressError(`could not start ${command}`, 'check that it is installed and on PATH', { cause }),
      );
    });
    child.once('close', (code, signal) => {
      current = undefined;
      resolve({ code: code ?? (signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1), stdout });
    });
  });
}

function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const memGiB = Math.round(totalmem() / 2 ** 30);
  return `Node ${process.version}, ${cpus().length} cores ${cpu}, ${memGiB} GiB`;
}

function commit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: projectRoot,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: projectRoot,
      encoding: 'utf8',
    }).trim();
    return dirty === '' ? head : `${head} with uncommitted changes`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

function readSummary(reportPath: string, exitCode: number): RunSummary {
  if (!existsSync(reportPath)) {
    return { passedTests: 0, failedTests: 0, firstError: `vitest wrote no report (exit ${exitCode})` };
  }
  return summariseVitestReport(JSON.parse(readFileSync(reportPath, 'utf8')), projectRoot);
}

async function main(): Promise<number> {
  let runCount: number;
  try {
    runCount = parseRunCount(process.argv[2]);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const vitestFilters = process.argv.slice(3);
  const command = ['npm run test:stress --', String(runCount), ...vitestFilters].join(' ');
  const tested = commit();
  const labDir = mkdtempSync(join(tmpdir(), 'slurmcast-stress-lab-'));
  const reportDir = mkdtempSync(join(tmpdir(), 'slurmcast-stress-reports-'));
  const runs: StressRun[] = [];
  let labStartS: number;
  try {
    const upStarted = performance.now();
    const up = await run('bash', [upScript, labDir], { captureStdout: true });
    labStartS = (performance.now() - upStarted) / 1000;
    if (interrupted !== null) return EXIT_FOR_SIGNAL[interrupted];
    if (up.code !== 0) {
      process.stderr.write(
        `[stress] up.sh ${labDir} exited ${up.code}; its output above names the failing step\n`,
      );
      return 1;
    }
    const { labJson } = parseLabUpOutput(up.stdout);
    for (let index = 1; index <= runCount && interrupted === null; index += 1) {
      const reportPath = join(reportDir, `run-${index}.json`);
      process.stderr.write(`[stress] run ${index} of ${runCount}\n`);
      const started = performance.now();
      const result = await run(
        process.execPath,
        [
          vitestBin,
          'run',
          '--project',
          'integration',
          '--reporter=default',
          '--reporter=json',
          `--outputFile.json=${reportPath}`,
          ...vitestFilters,
        ],
        { env: { ...process.env, SLURMCAST_LAB_JSON: labJson } },
      );
      const durationS = (performance.now() - started) / 1000;
      if (interrupted !== null) break;
      const stressRun: StressRun = {
        index,
        exitCode: result.code,
        durationS,
        summary: readSummary(reportPath, result.code),
      };
      runs.push(stressRun);
      process.stderr.write(
        `[stress] run ${index}: ${runPassed(stressRun) ? 'pass' : 'FAIL'} in ${durationS.toFixed(1)} s` +
          (stressRun.summary.firstError === null ? '\n' : ` (${stressRun.summary.firstError})\n`),
      );
    }
  } finally {
    stoppingLab = true;
    const down = await run('bash', [downScript, labDir]);
    if (down.code !== 0) process.stderr.write(`[stress] down.sh ${labDir} exited ${down.code}\n`);
    if (process.env['SLURMCAST_LAB_KEEP'] === '1')
      process.stderr.write(`[stress] lab directory kept: ${labDir}\n`);
    else rmSync(labDir, { recursive: true, force: true });
    rmSync(reportDir, { recursive: true, force: true });
  }

  const passed = runs.filter(runPassed).length;
  for (const r of runs) {
    process.stdout.write(
      `run ${r.index}: ${runPassed(r) ? 'pass' : 'FAIL'} ${r.durationS.toFixed(1)} s${r.summary.firstError === null ? '' : `  ${r.summary.firstError}`}\n`,
    );
  }
  process.stdout.write(`${passed} of ${runs.length} runs passed\n`);
  if (interrupted !== null) {
    process.stderr.write('[stress] interrupted: docs/benchmarks.md left as it was\n');
    return EXIT_FOR_SIGNAL[interrupted];
  }
  const section = renderStressSection({
    command,
    machine: machine(),
    date: new Date().toISOString().slice(0, 10),
    commit: tested,
    labStartS,
    runs,
  });
  writeFileSync(docPath, replaceStressSection(readFileSync(docPath, 'utf8'), section));
  process.stderr.write(`[stress] wrote the stress section of ${docPath}\n`);
  return passed === runs.length ? 0 : 1;
}

process.exitCode = await main();
