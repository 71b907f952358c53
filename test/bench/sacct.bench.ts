/**
 * Benchmark: the sacct `-P` parser (`parseSacct`), in job records per second on one core.
 *
 *   npx tsx test/bench/sacct.bench.ts
 *
 * Input: 200,000 synthetic jobs in the Slurm 22.05 field layout, each a job row plus its `.batch` step
 * (400,000 lines, what `sacct` prints for batch jobs), a third of them with GPUs by type. 7 timed parses
 * after warm-up; the headline is the fastest (the one least disturbed by other work on the machine),
 * the median is shown next to it. Writes its section of docs/benchmarks.md between
 * `<!-- sacct:begin -->` and `<!-- sacct:end -->`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { JobRecordSchema } from '../../sdk/index.js';
import { parseSacct } from '../../sdk/parse/sacct.js';
import { syntheticSacct } from './sacct-input.js';

const COMMAND = 'npx tsx test/bench/sacct.bench.ts';
const DOC = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));
const JOBS = 200_000;
const RUNS = 7;
const TARGET = 300_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const text = syntheticSacct(JOBS);
const lineCount = JOBS * 2;
// Warm-up, and a correctness check outside the timed runs.
const warm = parseSacct(text);
if (warm.length !== JOBS) throw new Error(`expected ${JOBS} jobs, parsed ${warm.length}`);
for (let i = 0; i < warm.length; i += 997) JobRecordSchema.parse(warm[i]);
parseSacct(text);

const seconds: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const started = performance.now();
  const jobs = parseSacct(text);
  seconds.push((performance.now() - started) / 1000);
  if (jobs.length !== JOBS) throw new Error('job count changed between runs');
}
const s = Math.min(...seconds);
const jobsPerS = JOBS / s;
const rowsPerS = lineCount / s;
const medianJobsPerS = JOBS / median(seconds);
const load = loadavg()
  .map((l) => l.toFixed(1))
  .join(' / ');
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
console.log(
  `sacct parser: ${fmt(jobsPerS)} job records/s best, ${fmt(medianJobsPerS)} median (${fmt(rowsPerS)} lines/s), load ${load}`,
);

const section = [
  '<!-- sacct:begin -->',
  '## sacct `-P` parser',
  '',
  `Command: \`${COMMAND}\` (Node ${process.version}, ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, one core; fastest of ${RUNS} runs after warm-up, median next to it).`,
  '',
  `Input: ${fmt(JOBS)} synthetic Slurm 22.05 jobs, each a job row plus its \`.batch\` step (${fmt(lineCount)} lines, ${(text.length / 2 ** 20).toFixed(0)} MiB); a third with GPUs by type, some array ids, cancelled and failed jobs. Every 997th record is checked against \`JobRecordSchema\` outside the timed runs.`,
  '',
  '| Measure | Result | Target |',
  '|---|---:|---|',
  `| job records/s (\`parseSacct\`, steps folded in), fastest run | **${fmt(jobsPerS)}** ${jobsPerS >= TARGET ? '✓' : '✗'} (${s.toFixed(3)} s) | ≥ ${fmt(TARGET)} |`,
  `| job records/s, median run | ${fmt(medianJobsPerS)} | – |`,
  `| lines/s, fastest run | ${fmt(rowsPerS)} | – |`,
  '',
  `Load average when it ran: ${load} on ${cpus().length} cores (other work on the machine lowers these figures).`,
  '<!-- sacct:end -->',
].join('\n');

const doc = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '# Benchmarks\n';
const pattern = /<!-- sacct:begin -->[\s\S]*?<!-- sacct:end -->/;
writeFileSync(DOC, pattern.test(doc) ? doc.replace(pattern, section) : `${doc.trimEnd()}\n\n${section}\n`);
console.log(`wrote the sacct section of ${DOC}`);
