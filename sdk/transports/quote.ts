/**
 * Quoting for a POSIX shell. Every word is wrapped in single quotes, inside which a POSIX shell gives
 * no character a meaning; a single quote itself is written as `'\''` (close, escaped quote, reopen).
 * NUL cannot be carried in an argument at all and is refused.
 *
 * The project keeps this one rule instead of `shell-quote`'s `quote()`, which switches between
 * backslashes, double quotes and single quotes by content: one rule is easier to prove, and the
 * property test in `test/unit/sdk/quote.test.ts` checks it byte for byte against a real `sh`.
 */
export function quoteForPosixShell(word: string): string {
  if (word.includes('\u0000')) throw new RangeError('an argument cannot contain NUL');
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What the ssh transport sends for one remote command. */
export interface RemoteInvocation {
  /**
   * The command line sshd hands to the login shell. It holds no data at all, only the payload's size
   * and word count, and no character that tcsh/csh treat differently from sh inside single quotes
   * (`!`, newline, backslash), so it means the same under every common login shell.
   */
  readonly commandLine: string;
  /** The payload (environment and words as POSIX shell text), then the command's own stdin. */
  readonly stdin: string;
}

/**
 * Builds a remote invocation that keeps environment values and arguments off every command line on
 * the remote host (where `ps` would show them to every user) and out of reach of the login shell's
 * syntax. The login shell runs `/bin/sh -c '<bootstrap>'`; the bootstrap reads exactly the payload's
 * bytes from stdin with `dd`, evaluates it (exports, then `set -- program args…`), checks that every
 * word arrived, and `exec`s the program, which inherits the rest of stdin unread.
 */
export function remoteInvocation(
  program: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  commandStdin = '',
): RemoteInvocation {
  const lines: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (!ENV_NAME.test(k)) throw new RangeError(`not an environment variable name: ${JSON.stringify(k)}`);
    lines.push(`${k}=${quoteForPosixShell(v)}`, `export ${k}`);
  }
  const words = [program, ...args];
  lines.push(`set -- ${words.map(quoteForPosixShell).join(' ')}`);
  const payload = `${lines.join('\n')}\n`;
  const bytes = Buffer.byteLength(payload, 'utf8');
  // bs=1 makes dd read byte by byte, so it never takes bytes that belong to the command's stdin.
  // The word count guards against a payload cut short: a missing word is a refusal, not a shorter command.
  const bootstrap = `eval "$(dd bs=1 count=${bytes} 2>/dev/null)" && [ $# -eq ${words.length} ] && exec "$@"`;
  return { commandLine: `exec /bin/sh -c '${bootstrap}'`, stdin: payload + commandStdin };
}
