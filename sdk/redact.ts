/**
 * Secret redaction. Transports register every secret they use (JWTs, passphrases) here the moment they
 * read it; logs and errors pass through `redact` before anyone sees them.
 */
export class Redactor {
  readonly #secrets = new Set<string>();

  /** Registers a secret; short strings are ignored because replacing them would mangle ordinary text. */
  add(secret: string | undefined): void {
    if (secret !== undefined && secret.trim().length >= 8) this.#secrets.add(secret.trim());
  }

  /** Replaces every registered secret, and anything shaped like a JWT, with `[REDACTED]`. */
  redact(text: string): string {
    let out = text;
    for (const s of this.#secrets) out = out.split(s).join('[REDACTED]');
    return out.replace(/eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '[REDACTED]');
  }

  /** Redacts an error's message and stack (and its causes') in place, and returns it. */
  redactError<E>(error: E): E {
    let current: unknown = error;
    for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
      const e = current;
      try {
        e.message = this.redact(e.message);
        if (e.stack !== undefined) e.stack = this.redact(e.stack);
      } catch {
        // Frozen or getter-only message: leave it; it was built without secrets.
      }
      current = e.cause;
    }
    return error;
  }
}
