/**
 * Child process of history.bench.ts: reads one SWF file with the streaming reader and prints what it
 * saw plus its own peak resident memory, so the parent can measure memory of a read in isolation.
 */
import { readSwf } from '../../src/collect/swf.js';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: history-read-child.ts FILE.swf');
const started = performance.now();
const read = readSwf(path);
let jobs = 0;
for await (const batch of read) jobs += batch.length;
const seconds = (performance.now() - started) / 1000;
process.stdout.write(
  `${JSON.stringify({ jobs, lines: read.summary.lines, skipped: read.summary.skipped, seconds, maxRssKiB: process.resourceUsage().maxRSS })}\n`,
);
