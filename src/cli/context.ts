import type { Config } from '../config/schema.js';

/** Options every command accepts. */
export interface GlobalArgs {
  json: boolean;
  config: string | undefined;
}

/** Exit codes: 0 ok, 1 failure, 2 usage/config error, 3 partly applied. */
export const ExitCode = { ok: 0, failure: 1, usage: 2, partial: 3 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The command line itself is wrong (missing or conflicting options): exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError' as const;
}

/** Loads the config named by `--config` (or $SLURMCAST_CONFIG); defaults when neither is given. */
export async function configFor(args: GlobalArgs): Promise<Config> {
  // Loaded when a command needs it, so that `--help` and usage errors start fast (zod, yaml).
  const { loadConfig } = await import('../config/load.js');
  return loadConfig(args.config ?? process.env['SLURMCAST_CONFIG']);
}

/** Prints a result: JSON for machines, or the human rendering. */
export function output(args: GlobalArgs, result: unknown, human: () => string): void {
  process.stdout.write(args.json ? `${JSON.stringify(result, null, 2)}\n` : `${human()}\n`);
}

/** Renders rows as an aligned text table. */
export function table(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = [headers, ...rows].map((row) =>
    row.map((c) => (c === null || c === undefined ? '-' : String(c))),
  );
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
