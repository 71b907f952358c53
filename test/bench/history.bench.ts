/**
 * History benchmarks (issue 3): SWF parse rate, hourly series for 1,000,000 jobs, and peak memory of
 * reading a 10,000,000-line SWF file. Run: `npx tsx test/bench/history.bench.ts`. Writes its figures into
 * docs/benchmarks.md between `<!-- history:begin -->` and `<!-- history:end -->`.
 *
 * Inputs are built from the real logs in /work/shared/traces (read in place; generated files go to a
 * temporary directory that is removed at the end).
 */
import { execFile } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import type { JobRecord } from '../../src/shared/job-record.js';
import { readSwf } from '../../src/collect/swf.js';
import { buildPoolSeries } from '../../src/series/build.js';
import { tracePath } from '../traces.js';

const TRACES = dirname(tracePath('README.md'));
const CURIE = join(TRACES, 'CEA-Curie-2011-2.1-cln.swf.gz');
const KTH = join(TRACES, 'KTH-SP2-1996-2.1-cln.swf.gz');
const COMMAND = 'npx tsx test/bench/history.bench.ts';
const DOC = new URL('../../docs/benchmarks.md', import.meta.url).pathname;
const BEGIN = '<!-- history:begin -->';
const END = '<!-- history:end -->';

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function readRate(
  path: string,
  repeats: number,
): Promise<{ jobs: number; seconds: number; rate: number }> {
  const times: number[] = [];
  let jobs = 0;
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    jobs = 0;
    for await (const batch of readSwf(path)) jobs += batch.length;
    times.push((performance.now() - started) / 1000);
  }
  const seconds = median(times);
  return { jobs, seconds, rate: jobs / seconds };
}

async function readRecords(path: string): Promise<JobRecord[]> {
  const out: JobRecord[] = [];
  for await (const batch of readSwf(path)) for (const r of batch) out.push(r);
  return out;
}

/** `count` jobs made by replaying `base` again and again, each copy shifted past the previous one. */
function replay(base: readonly JobRecord[], count: number): JobRecord[] {
  let first = Infinity;
  let last = -Infinity;
  for (const r of base) {
    first = Math.min(first, r.submitS);
    last = Math.max(last, r.submitS);
  }
  const span = last - first + 86_400;
  const out: JobRecord[] = [];
  for (let copy = 0; out.length < count; copy++) {
    const shift = copy * span;
    for (const r of base) {
      if (out.length === count) break;
      out.push({
        ...r,
        jobId: `${r.jobId}.${copy}`,
        submitS: r.submitS + shift,
        startS: r.startS === null ? null : r.startS + shift,
        endS: r.endS === null ? null : r.endS + shift,
      });
    }
  }
  return out;
}

/** Writes a plain SWF file of `lines` job lines by repeating the Curie log with shifted ids and times. */
async function writeBigSwf(path: string, lines: number): Promise<void> {
  const text = gunzipSync(await readFile(CURIE)).toString('utf8');
  const header = text.split('\n').filter((l) => l.startsWith(';'));
  const jobs = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith(';'));
  const parsed = jobs.map((l) => l.trim().split(/\s+/));
  let maxId = 0;
  let first = Infinity;
  let last = -Infinity;
  for (const f of parsed) {
    maxId = Math.max(maxId, Number(f[0]));
    first = Math.min(first, Number(f[1]));
    last = Math.max(last, Number(f[1]));
  }
  const span = last - first + 86_400;
  const out = createWriteStream(path);
  const write = async (chunk: string): Promise<void> => {
    if (!out.write(chunk)) await once(out, 'drain');
  };
  await write(`${header.join('\n')}\n`);
  let written = 0;
  for (let copy = 0; written < lines; copy++) {
    const buffer: string[] = [];
    for (const f of parsed) {
      if (written === lines) break;
      const fields = [...f];
      fields[0] = String(Number(f[0]) + copy * maxId);
      fields[1] = String(Number(f[1]) + copy * span);
      buffer.push(fields.join(' '));
      written++;
      if (buffer.length === 50_000) {
        await write(`${buffer.join('\n')}\n`);
        buffer.length = 0;
      }
    }
    if (buffer.length > 0) await write(`${buffer.join('\n')}\n`);
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

async function main(): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), 'slurmcast-bench-history-'));
  try {
    // 1. Parse rate: the reader on the real logs, gzip and plain.
    const plainCurie = join(tmp, 'curie.swf');
    await writeFile(plainCurie, gunzipSync(await readFile(CURIE)));
    const curieGz = await readRate(CURIE, 3);
    const curiePlain = await readRate(plainCurie, 5);
    const kthGz = await readRate(KTH, 5);
    console.log('parse', { curieGz, curiePlain, kthGz });

    // 2. Hourly series for 1,000,000 jobs (Curie replayed, 17 pools).
    const base = await readRecords(CURIE);
    const million = replay(base, 1_000_000);
    const seriesTimes: number[] = [];
    const seriesCpu: number[] = [];
    let buckets = 0;
    let pools = 0;
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const cpuStarted = process.cpuUsage();
      const series = buildPoolSeries(million, { stepS: 3600, timeZone: 'Europe/Paris' });
      seriesTimes.push((performance.now() - started) / 1000);
      seriesCpu.push(process.cpuUsage(cpuStarted).user / 1e6);
      pools = series.length;
      buckets = series[0]?.values['arrivals']?.length ?? 0;
    }
    const seriesS = median(seriesTimes);
    const seriesCpuS = median(seriesCpu);
    const fiveMinStarted = performance.now();
    const fiveMin = buildPoolSeries(million, { stepS: 300, timeZone: 'Europe/Paris' });
    const fiveMinS = (performance.now() - fiveMinStarted) / 1000;
    const fiveMinBuckets = fiveMin[0]?.values['arrivals']?.length ?? 0;
    console.log('series', { seriesS, pools, buckets, fiveMinS, fiveMinBuckets });
    million.length = 0;

    // 3. Peak memory of reading a 10,000,000-line SWF file, in a child process of its own.
    const big = join(tmp, 'big.swf');
    const lines = 10_000_000;
    const generated = performance.now();
    await writeBigSwf(big, lines);
    const bigBytes = (await stat(big)).size;
    console.log('generated', { lines, bytes: bigBytes, seconds: (performance.now() - generated) / 1000 });
    const child = new URL('./history-read-child.ts', import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', child, big], {
      maxBuffer: 1 << 20,
    });
    const big10m = JSON.parse(stdout) as {
      jobs: number;
      lines: number;
      skipped: number;
      seconds: number;
      maxRssKiB: number;
    };
    console.log('10M read', big10m);

    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    const load = loadavg()[0]?.toFixed(1) ?? '?';
    const section = [
      BEGIN,
      '## History: SWF reader and demand series',
      '',
      `Command: \`${COMMAND}\` (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpu}, ${cpus().length} cores shared with other work: 1-min load average ${load} at the end of the run).`,
      'Inputs are the real logs in `shared/traces` beside the clone; generated inputs live in a temporary directory that is removed.',
      '',
      '| Measure | Input | Result | Target |',
      '|---|---|---:|---|',
      `| SWF parse rate, plain text | CEA-Curie decompressed (${fmt(curiePlain.jobs)} jobs), median of 5 | **${fmt(curiePlain.rate)} jobs/s** (${curiePlain.seconds.toFixed(3)} s) | well above 200,000 jobs/s (store import target) |`,
      `| SWF parse rate, gzip | CEA-Curie .gz (${fmt(curieGz.jobs)} jobs), median of 3 | **${fmt(curieGz.rate)} jobs/s** (${curieGz.seconds.toFixed(3)} s) | same |`,
      `| SWF parse rate, gzip, small file | KTH-SP2 .gz (${fmt(kthGz.jobs)} jobs), median of 5 | ${fmt(kthGz.rate)} jobs/s (${kthGz.seconds.toFixed(3)} s) | – |`,
      `| Hourly series, 1,000,000 jobs | CEA-Curie replayed ×3.2, ${pools} pools × ${fmt(buckets)} hourly buckets, median of 3 | **${seriesS.toFixed(2)} s** wall (${seriesCpuS.toFixed(2)} s CPU) | < 5 s |`,
      `| 5-minute series, 1,000,000 jobs | same, ${fmt(fiveMinBuckets)} buckets per pool | ${fiveMinS.toFixed(2)} s | – |`,
      `| Peak memory reading a 10,000,000-line SWF | CEA-Curie repeated with shifted ids/times, ${(bigBytes / 2 ** 20).toFixed(0)} MiB plain text; child process, max RSS | **${(big10m.maxRssKiB / 1024).toFixed(0)} MiB** (${fmt(big10m.jobs)} jobs in ${big10m.seconds.toFixed(1)} s = ${fmt(big10m.jobs / big10m.seconds)} jobs/s) | < 500 MB |`,
      '',
      'The series time covers pooling the records and the sweep (`buildPoolSeries` on records already in memory).',
      'The memory figure is the reader alone (what `import` streams into a store); the sacct parse rate and the',
      'store import rate are measured by their own benchmarks.',
      END,
    ].join('\n');
    const doc = existsSync(DOC) ? await readFile(DOC, 'utf8') : '# Benchmarks\n';
    const from = doc.indexOf(BEGIN);
    const to = doc.indexOf(END);
    const next =
      from !== -1 && to > from
        ? doc.slice(0, from) + section + doc.slice(to + END.length)
        : `${doc.trimEnd()}\n\n${section}\n`;
    await writeFile(DOC, next);
    console.log(`wrote ${DOC}`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
