/**
 * Benchmark: how fast the built CLI starts (`--help`, each command's `--help`, a usage error) and how
 * fast Ctrl-C stops a command that computes. Targets: start ≤ 0.3 s warm; stop ≤ 1 s.
 *
 *   npx tsx test/bench/startup.bench.ts
 *
 * Builds the CLI first (`tsc -p tsconfig.build.json`) and runs `node bin/slurmcast.js`, as a user
 * would. Each start is timed from spawn to exit, RUNS times after two warm-up runs; the median is the
 * headline. The stop latency is from SIGINT to exit of `simulate --synthetic --days 200 --policy
 * predictive`, sent once its first progress line shows that it computes. Writes its section of
 * docs/benchmarks.md between `<!-- startup:begin -->` and `<!-- startup:end -->`.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { commands } from '../../src/cli/commands/index.js';

const COMMAND = 'npx tsx test/bench/startup.bench.ts';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOC = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));
const CLI = fileURLToPath(new URL('../../bin/slurmcast.js', import.meta.url));
const RUNS = 15;
const STOPS = 7;
const START_TARGET_MS = 300;
const STOP_TARGET_MS = 1000;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Milliseconds from spawn to exit of one run; fails if the exit code is not the expected one. */
function timedRun(args: readonly string[], expectedCode: number): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8' });
  const ms = performance.now() - started;
  if (result.status !== expectedCode)
    throw new Error(
      `slurmcast ${args.join(' ')} exited ${result.status}, expected ${expectedCode}: ${result.stderr}`,
    );
  return ms;
}

function startTimes(args: readonly string[], expectedCode: number): { median: number; max: number } {
  for (let i = 0; i < 2; i++) timedRun(args, expectedCode);
  const times = Array.from({ length: RUNS }, () => timedRun(args, expectedCode));
  return { median: median(times), max: Math.max(...times) };
}

/** Milliseconds from SIGINT to exit of a predictive simulation that has started computing. */
function stopLatency(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [CLI, '--json', 'simulate', '--synthetic', '--days', '200', '--policy', 'predictive'],
      {
        cwd: ROOT,
        env: { ...process.env, SLURMCAST_PROGRESS: 'lines' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let sentAt: number | undefined;
    child.stderr.on('data', () => {
      if (sentAt !== undefined) return;
      sentAt = performance.now();
      child.kill('SIGINT');
    });
    child.on('close', (code) => {
      if (sentAt === undefined || code !== 130)
        reject(new Error(`expected exit 130 after SIGINT, got ${code}`));
      else resolve(performance.now() - sentAt);
    });
  });
}

execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });

const cases: { label: string; args: string[]; code: number }[] = [
  { label: '`slurmcast --help`', args: ['--help'], code: 0 },
  ...commands.map((c) => {
    const name = String(c.command).split(' ')[0] ?? '';
    return { label: `\`slurmcast ${name} --help\``, args: [name, '--help'], code: 0 };
  }),
  {
    label: '`slurmcast simulate --policy nope` (usage error)',
    args: ['simulate', '--synthetic', '--policy', 'nope'],
    code: 2,
  },
];
const rows: string[] = [];
let worstMedian = 0;
for (const c of cases) {
  const t = startTimes(c.args, c.code);
  worstMedian = Math.max(worstMedian, t.median);
  console.log(`${c.label}: median ${t.median.toFixed(0)} ms, max ${t.max.toFixed(0)} ms`);
  rows.push(
    `| ${c.label} | **${t.median.toFixed(0)}** ${t.median <= START_TARGET_MS ? '✓' : '✗'} | ${t.max.toFixed(0)} | ≤ ${START_TARGET_MS} |`,
  );
}
const bare: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const started = performance.now();
  spawnSync(process.execPath, ['-e', '0']);
  bare.push(performance.now() - started);
}
const stops: number[] = [];
for (let i = 0; i < STOPS; i++) stops.push(await stopLatency());
const stopMedian = median(stops);
const stopMax = Math.max(...stops);
console.log(`SIGINT → exit: median ${stopMedian.toFixed(0)} ms, max ${stopMax.toFixed(0)} ms`);

const load = loadavg()
  .map((l) => l.toFixed(1))
  .join(' / ');
const section = [
  '<!-- startup:begin -->',
  '## CLI start-up and Ctrl-C',
  '',
  `Command: \`${COMMAND}\` (Node ${process.version}, ${cpus()[0]?.model.trim() ?? 'unknown CPU'}). The built CLI (\`node bin/slurmcast.js\`), each start timed from spawn to exit, ${RUNS} runs after 2 warm-up runs; Node itself (\`node -e 0\`) takes ${median(bare).toFixed(0)} ms median here.`,
  '',
  '| Start | median ms | max ms | target ms |',
  '|---|---:|---:|---|',
  ...rows,
  '',
  `Stop: SIGINT sent to \`simulate --synthetic --days 200 --policy predictive\` once it has started computing (its first progress line), to its exit with code 130, ${STOPS} runs: median **${stopMedian.toFixed(0)} ms** ${stopMax <= STOP_TARGET_MS ? '✓' : '✗'}, max ${stopMax.toFixed(0)} ms (target ≤ ${STOP_TARGET_MS} ms).`,
  '',
  `Slowest median start: ${worstMedian.toFixed(0)} ms. Load average when it ran: ${load} on ${cpus().length} cores (other work on the machine raises these figures).`,
  '<!-- startup:end -->',
].join('\n');

const doc = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '# Benchmarks\n';
const pattern = /<!-- startup:begin -->[\s\S]*?<!-- startup:end -->/;
writeFileSync(DOC, pattern.test(doc) ? doc.replace(pattern, section) : `${doc.trimEnd()}\n\n${section}\n`);
console.log(`wrote the startup section of ${DOC}`);
