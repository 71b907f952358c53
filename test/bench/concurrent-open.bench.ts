/**
 * Stress check: N processes create and open the same new embedded store at the same moment, T times.
 *
 *   npx tsx test/bench/concurrent-open.bench.ts [trials=500] [processes=3]
 *
 * Prints the failures (there must be none) and exits 1 when there are any.
 */
import { concurrentOpens } from '../unit/store/concurrent-open.js';

const trials = Number(process.argv[2] ?? 500);
const processes = Number(process.argv[3] ?? 3);
const started = performance.now();
const result = await concurrentOpens(trials, processes);
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(
  `${result.failures.length} failures in ${trials} trials of ${processes} processes (${seconds} s)`,
);
for (const failure of result.failures.slice(0, 20)) console.log(failure);
process.exitCode = result.failures.length === 0 ? 0 : 1;
