import { writeSync } from 'node:fs';
import { isMainThread, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';

/**
 * Exit codes of a command stopped by a signal: 128 + the signal's number, as shells report them.
 * (The others, 0 to 3, are `ExitCode` in context.ts.)
 */
export const SignalExitCode = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof SignalExitCode;

/**
 * What a command needs to know about the terminal its stderr goes to. A command runs in a worker
 * thread whose stderr is a pipe to the supervising thread, so the supervisor looks at the real stream
 * and passes this in (see `CommandWorkerData`).
 */
export interface TerminalInfo {
  /** stderr is a terminal: progress may be drawn there. */
  readonly stderrIsTty: boolean;
  /** Width of that terminal in characters. */
  readonly columns: number;
  /** Width of stdout when it is a terminal (help text wraps to it), else null. */
  readonly stdoutColumns: number | null;
}

/** What the supervisor (`main.ts`) hands to the worker that runs the command. */
export interface CommandWorkerData {
  readonly argv: readonly string[];
  readonly terminal: TerminalInfo;
  /** Where the worker registers paths to remove if it is stopped (see `removeOnAbort`). */
  readonly cleanupPort: MessagePort;
}

/** A registration sent on `cleanupPort`. */
export type CleanupMessage = { readonly add: string } | { readonly remove: string };

/**
 * Writes `text` on stderr now, even from a worker busy computing. A worker's `process.stderr` is a pipe
 * to the supervisor that sends its first write at once but holds the next ones until the worker's event
 * loop runs again, which a synchronous computation does not let happen. Writing to the process's file
 * descriptor 2 is immediate, and comes before any later output of the command (which the supervisor
 * forwards), so a progress line is cleared before the result is printed.
 */
export function writeStderrNow(text: string): void {
  try {
    writeSync(2, text);
  } catch {
    // Progress is best effort: a stderr that is closed or full drops it rather than failing the command.
  }
}

/** The terminal as the running thread sees it: the real stderr, or what the supervisor passed in. */
export function stderrTerminal(): TerminalInfo {
  const passed = isMainThread ? undefined : (workerData as Partial<CommandWorkerData> | null)?.terminal;
  if (passed !== undefined) return passed;
  return {
    stderrIsTty: process.stderr.isTTY === true,
    columns: process.stderr.columns || 80,
    stdoutColumns: process.stdout.isTTY === true ? process.stdout.columns || 80 : null,
  };
}
