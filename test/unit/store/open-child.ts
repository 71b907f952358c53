/**
 * A child process for the concurrent-open test: for every line on stdin (a store path) it opens the
 * embedded store there, reads it, closes it and answers `ok` or `<error name>: <message>` on stdout.
 * Several of these open the same new path at the same moment when the parent writes to all at once.
 */
import { createInterface } from 'node:readline';
import { openEmbeddedStore } from '../../../src/store/sqlite.js';

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const path of lines) {
  let answer = 'ok';
  try {
    const store = openEmbeddedStore(path);
    await store.countJobs();
    await store.close();
  } catch (error) {
    answer = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  process.stdout.write(`${answer.replace(/\n/g, ' ')}\n`);
}
