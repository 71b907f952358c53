/**
 * Paths to remove if the process is stopped (Ctrl-C, SIGTERM) before the work that made them ends:
 * temporary output files and lock directories.
 *
 * The CLI runs every command in a worker thread and, on a signal, terminates that worker and removes
 * what it registered here; nothing in the worker gets a chance to run once it is terminated, so the
 * registration has to be known to the supervising thread beforehand. The sink is process-wide on
 * purpose, like a signal handler: it describes the process, not a computation, and library code that
 * runs without the CLI simply has no sink (registrations are then no-ops).
 */

/** Receives registrations; the CLI's worker installs one that forwards them to its supervisor. */
export interface AbortCleanupSink {
  add(path: string): void;
  remove(path: string): void;
}

let sink: AbortCleanupSink | undefined;

/** Installs the sink that receives registrations (the CLI worker does this once, at start). */
export function setAbortCleanupSink(next: AbortCleanupSink | undefined): void {
  sink = next;
}

/**
 * Registers `path` (file or directory) for removal if the process is stopped before the returned
 * function is called; call it once the path is either removed or in its final place.
 * @example const done = removeOnAbort(tmp); await writeFile(tmp, data); await rename(tmp, path); done();
 */
export function removeOnAbort(path: string): () => void {
  const current = sink;
  if (current === undefined) return () => undefined;
  current.add(path);
  let registered = true;
  return () => {
    if (!registered) return;
    registered = false;
    current.remove(path);
  };
}
