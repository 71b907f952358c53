/**
 * Benchmark: importing SWF logs into the embedded store (SQLite), in jobs per second.
 *
 *   npx tsx test/bench/store.bench.ts
 *
 * Two figures per log: the whole import (`importSwf`: gunzip + parse + store, what `slurmcast import`
 * does) and the store alone (records already in memory, `upsertJobs` in 20,000-record batches). Each
 * is the best of three runs into a fresh file. Writes its section of docs/benchmarks.md.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importSwf } from '../../src/collect/import-history.js';
import { readSwf } from '../../src/collect/swf.js';
import type { JobRecord } from '../../src/shared/job-record.js';
import { openEmbeddedStore } from '../../src/store/sqlite.js';
import { tracePath } from '../traces.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// The published logs, read in place (see /work/shared/traces/README.md).
const traces = dirname(tracePath('README.md'));
const logs = ['KTH-SP2-1996-2.1-cln.swf.gz', 'CEA-Curie-2011-2.1-cln.swf.gz'];
const TARGET = 200_000;
const RUNS = 3;

async function timed(work: (path: string) => Promise<number>): Promise<{ jobs: number; perS: number }> {
  let best = 0;
  let jobs = 0;
  for (let run = 0; run < RUNS; run += 1) {
    const dir = mkdtempSync(join(tmpdir(), 'slurmcast-bench-'));
    try {
      const start = performance.now();
      jobs = await work(join(dir, 'history.db'));
      best = Math.max(best, jobs / ((performance.now() - start) / 1000));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { jobs, perS: Math.round(best) };
}

const rows: string[] = [];
for (const log of logs) {
  const path = join(traces, log);
  const whole = await timed(async (db) => {
    const store = openEmbeddedStore(db);
    const result = await importSwf(store, path);
    await store.close();
    return result.jobsInStore;
  });
  const records: JobRecord[] = [];
  for await (const batch of readSwf(path)) records.push(...batch);
  const storeOnly = await timed(async (db) => {
    const store = openEmbeddedStore(db);
    for (let i = 0; i < records.length; i += 20_000) await store.upsertJobs(records.slice(i, i + 20_000));
    await store.close();
    return records.length;
  });
  const mark = (n: number): string => (n >= TARGET ? '✓' : '✗');
  rows.push(
    `| ${log.replace('.swf.gz', '')} | ${whole.jobs} | ${whole.perS} ${mark(whole.perS)} | ${storeOnly.perS} ${mark(storeOnly.perS)} |`,
  );
  console.log(`${log}: ${whole.jobs} jobs, import ${whole.perS} jobs/s, store only ${storeOnly.perS} jobs/s`);
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const section = [
  '<!-- store:begin -->',
  '## Store: SWF import into the embedded store',
  '',
  `Command: \`npx tsx test/bench/store.bench.ts\` (Node ${process.version}, ${cpu}, best of ${RUNS}, fresh file each run; SQLite WAL, synchronous=NORMAL, 20,000-job transactions, 32-row prepared upserts).`,
  '',
  `| log | jobs in store | import jobs/s (gunzip + parse + store; target ≥ ${TARGET.toLocaleString('en')}) | store-only jobs/s |`,
  '|---|---:|---:|---:|',
  ...rows,
  '',
  `Load average when it ran: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ')} on ${cpus().length} cores (other work on the machine lowers these figures).`,
  '<!-- store:end -->',
].join('\n');

const docPath = join(root, 'docs/benchmarks.md');
const doc = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '# Benchmarks\n';
const pattern = /<!-- store:begin -->[\s\S]*?<!-- store:end -->/;
writeFileSync(
  docPath,
  pattern.test(doc) ? doc.replace(pattern, section) : `${doc.trimEnd()}\n\n${section}\n`,
);
console.log(`wrote the store section of ${docPath}`);
