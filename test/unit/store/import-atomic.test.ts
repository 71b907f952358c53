import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ImportConflictError, TraceFormatError, TraceReadError } from '../../../src/collect/errors.js';
import { importAlibabaGpu, importSwf } from '../../../src/collect/import-history.js';
import { openEmbeddedStore } from '../../../src/store/sqlite.js';
import type { HistoryStore } from '../../../src/store/types.js';
import { tracePath } from '../../traces.js';

// Real traces are inputs of these tests: a missing one fails the test, naming where it was looked for.
const kth = tracePath('KTH-SP2-1996-2.1-cln.swf.gz');
const KTH_JOBS = 28_476;
const dir = mkdtempSync(join(tmpdir(), 'slurmcast-import-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let stores = 0;
function freshStore(): HistoryStore {
  stores += 1;
  return openEmbeddedStore(join(dir, `store-${stores}.db`));
}

function swfFile(name: string, lines: readonly string[]): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, ['; UnixStartTime: 1000000000', ...lines, ''].join('\n'));
  return path;
}

const jobLine = (id: string | number, submit: number | string = 0, cpus: number | string = 4): string =>
  `${id} ${submit} 10 100 ${cpus} -1 -1 4 200 -1 1 1 1 -1 -1 -1 -1 -1`;

describe('a failed import leaves the store as it was', () => {
  it('commits nothing from a truncated .gz, and a retry of the whole file imports it all', async () => {
    const bytes = readFileSync(kth);
    const truncated = join(dir, 'truncated.swf.gz');
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    const store = freshStore();
    // Small batches: several are written before the gzip stream ends early.
    await expect(importSwf(store, truncated, { batchSize: 2_000 })).rejects.toBeInstanceOf(TraceReadError);
    expect(await store.countJobs()).toBe(0);
    expect(await store.manifests()).toEqual([]);
    const retry = await importSwf(store, kth, { batchSize: 2_000 });
    expect(retry).toMatchObject({ outcome: 'imported', imported: KTH_JOBS, jobsInStore: KTH_JOBS });
    await store.close();
  });

  it('commits nothing when --strict meets a garbage line at the end', async () => {
    const text = `${gunzipSync(readFileSync(kth)).toString('utf8')}this line is garbage\n`;
    const path = join(dir, 'trailing-garbage.swf');
    writeFileSync(path, text);
    const store = freshStore();
    const failure = importSwf(store, path, { strict: true, batchSize: 2_000 });
    await expect(failure).rejects.toBeInstanceOf(TraceFormatError);
    await expect(failure).rejects.toMatchObject({ line: text.split('\n').length - 1 });
    expect(await store.countJobs()).toBe(0);
    await store.close();
  });

  it('keeps the earlier import of a source whole when its replacement fails', async () => {
    const good = swfFile('replace/good.swf', [jobLine(1), jobLine(2)]);
    const bad = swfFile('replace/bad.swf', [jobLine(1), jobLine(2), jobLine(3), 'garbage']);
    const store = freshStore();
    await importSwf(store, good, { source: 'swf:x' });
    await expect(
      importSwf(store, bad, { source: 'swf:x', replace: true, strict: true, batchSize: 1 }),
    ).rejects.toBeInstanceOf(TraceFormatError);
    expect(await store.countJobs({ source: 'swf:x' })).toBe(2);
    expect((await store.manifests()).map((m) => m.fileName)).toEqual(['good.swf']);
    await store.close();
  });
});

describe('a source is identified by its content as well as its name', () => {
  it('refuses another file of the same name, naming both, until given --source or --replace', async () => {
    const a = swfFile('a/log.swf', [jobLine(1), jobLine(2), jobLine(3)]);
    const b = swfFile('b/log.swf', [jobLine(1), jobLine(2)]);
    const store = freshStore();
    expect(await importSwf(store, a)).toMatchObject({
      source: 'swf:log',
      outcome: 'imported',
      jobsInStore: 3,
    });
    const conflict = importSwf(store, b);
    await expect(conflict).rejects.toBeInstanceOf(ImportConflictError);
    await expect(conflict).rejects.toThrow(/swf:log already holds log\.swf .*--source NAME.*--replace/);
    await expect(conflict).rejects.toThrow(`and ${b} (sha256 `);
    expect(await store.countJobs()).toBe(3);
    expect(await importSwf(store, b, { source: 'swf:log-b' })).toMatchObject({
      outcome: 'imported',
      jobsInStore: 2,
    });
    expect(await store.countJobs()).toBe(5);
    await store.close();

    const replacing = freshStore();
    await importSwf(replacing, a);
    expect(await importSwf(replacing, b, { replace: true })).toMatchObject({
      outcome: 'replaced',
      jobsInStore: 2,
    });
    expect(await replacing.countJobs()).toBe(2);
    await replacing.close();
  });

  it('adds nothing for a copy of an imported file, and says which source holds it', async () => {
    const original = swfFile('copy/original.swf', [jobLine(1), jobLine(2)]);
    const copy = join(dir, 'copy', 'elsewhere.swf');
    copyFileSync(original, copy);
    const store = freshStore();
    const first = await importSwf(store, original);
    const again = await importSwf(store, copy);
    expect(again).toMatchObject({
      outcome: 'unchanged',
      sameContentAs: 'swf:original',
      contentSha256: first.contentSha256,
      imported: 0,
    });
    expect(await store.countJobs()).toBe(2);
    expect(await store.manifests()).toEqual([
      expect.objectContaining({ source: 'swf:original', fileName: 'original.swf', jobCount: 2 }),
    ]);
    await store.close();
  });

  it('reports a job id repeated inside one file with its line numbers instead of overwriting the job', async () => {
    const lines = Array.from({ length: 10 }, (_, i) => jobLine(i + 1, i * 10));
    lines.splice(6, 0, jobLine(3, 999));
    const path = swfFile('dup.swf', lines);
    const store = freshStore();
    const result = await importSwf(store, path);
    expect(result).toMatchObject({ imported: 10, skipped: 1, duplicates: 1, jobsInStore: 10 });
    // Line 1 is the header: job 3 is on line 4, its repeat on line 8.
    expect(result.skips).toEqual([{ line: 8, reason: 'job id 3 repeats line 4; the first is kept' }]);
    await expect(importSwf(freshStore(), path, { strict: true })).rejects.toMatchObject({ line: 8 });
    await store.close();
  });
});

describe('values out of range are rejected per line', () => {
  it('skips a 300-digit submit time, 4e21 CPUs and a job id that would lose digits, with line numbers', async () => {
    const path = swfFile('ranges.swf', [
      jobLine(1),
      jobLine(2, '9'.repeat(300)),
      jobLine(3, 0, '4000000000000000000000'),
      jobLine('99999999999999999999'),
      jobLine('100000000000000000000'),
      jobLine(6),
    ]);
    const store = freshStore();
    const result = await importSwf(store, path);
    expect(result).toMatchObject({ imported: 2, skipped: 4, jobsInStore: 2 });
    expect(result.skips.map((s) => s.line)).toEqual([3, 4, 5, 6]);
    expect(result.skips[0]?.reason).toMatch(/submit time .* is outside/);
    expect(result.skips[1]?.reason).toMatch(/CPU count 4e\+21 is outside/);
    expect(result.skips[2]?.reason).toMatch(/job number\) has more digits than an exact integer/);
    const stored: number[] = [];
    for await (const batch of store.jobs()) stored.push(...batch.map((r) => r.submitS));
    expect(stored.every(Number.isFinite)).toBe(true);
    await store.close();
  });

  it('skips Alibaba rows with an infinite time or scheduled before created, with line numbers', async () => {
    const header =
      'name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time';
    const pods = join(dir, 'openb_pod_list_ranges.csv');
    writeFileSync(
      pods,
      [
        header,
        'pod-a,8000,16384,1,1000,,LS,Succeeded,0,7200,0',
        `pod-b,8000,16384,1,1000,,LS,Succeeded,${'9'.repeat(400)},7200,0`,
        'pod-c,8000,16384,1,1000,,LS,Succeeded,600,7200,100',
        'pod-d,8000,16384,1,1000,,LS,Succeeded,100,50,',
        'pod-a,8000,16384,1,1000,,LS,Succeeded,0,7200,0',
        `pod-f,8000,16384,1,1000,,LS,Succeeded,${9e12},${9e12},${9e12}`,
        '',
      ].join('\n'),
    );
    const store = freshStore();
    const result = await importAlibabaGpu(store, { podsPath: pods, start: '2023-01-01T00:00:00Z' });
    expect(result).toMatchObject({ imported: 1, skipped: 5, duplicates: 1, jobsInStore: 1 });
    expect(result.skips.map((s) => s.line)).toEqual([3, 4, 5, 6, 7]);
    expect(result.skips[0]?.reason).toMatch(/creation_time: expected an exact integer/);
    expect(result.skips[1]?.reason).toMatch(/scheduled before it was created/);
    expect(result.skips[2]?.reason).toMatch(/deleted before/);
    expect(result.skips[3]?.reason).toMatch(/name pod-a repeats line 2/);
    expect(result.skips[4]?.reason).toMatch(/submit time .* is outside/);
    await store.close();
  });
});
