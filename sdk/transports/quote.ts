/**
 * Quoting for a remote POSIX shell (sshd runs the command through the login shell with `-c`).
 * Every word is wrapped in single quotes, inside which a POSIX shell gives no character a meaning;
 * a single quote itself is written as `'\''` (close, escaped quote, reopen). NUL cannot be carried
 * in an argument at all and is refused.
 */
export function quoteForPosixShell(word: string): string {
  if (word.includes('\u0000')) throw new RangeError('an argument cannot contain NUL');
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A whole command line: `env 'K=V' … 'program' 'arg' …`. `env` sets the variables without the shell parsing them. */
export function remoteCommandLine(
  program: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): string {
  const words: string[] = [];
  const entries = Object.entries(env);
  if (entries.length > 0) {
    words.push('env');
    for (const [k, v] of entries) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
        throw new RangeError(`not an environment variable name: ${JSON.stringify(k)}`);
      words.push(quoteForPosixShell(`${k}=${v}`));
    }
  }
  words.push(quoteForPosixShell(program), ...args.map(quoteForPosixShell));
  return words.join(' ');
}
