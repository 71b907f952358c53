import { rename, rm, writeFile } from 'node:fs/promises';
import { removeOnAbort } from './abort-cleanup.js';

/**
 * Writes `data` to `path` so that readers see either the old file or the whole new one, never a part:
 * the data goes to a temporary file beside it (same directory, so the rename is atomic), which is
 * renamed into place at the end. If the process is stopped meanwhile, the temporary file is removed
 * (see `removeOnAbort`) and `path` is untouched.
 * @throws the file system's error (the temporary file is removed first).
 * @example await writeFileAtomic('.slurmcast/demo/results.json', json);
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  // The pid keeps two processes writing the same output from sharing a temporary file.
  const tmp = `${path}.${process.pid}.tmp`;
  const done = removeOnAbort(tmp);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  } finally {
    done();
  }
}
