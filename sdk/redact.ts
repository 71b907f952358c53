/**
 * Secret redaction. Transports register every secret they use (JWTs, passphrases) here the moment they
 * read it; logs and errors pass through `redact` before anyone sees them.
 */
export class Redactor {
  readonly #secrets = new Set<string>();
  readonly #linked: Redactor[] = [];

  /**
   * Also redacts every secret `other` knows, now and later: a client links the redactors of the
   * transports it was given, so a token a transport reads is redacted from the client's errors too.
   */
  link(other: Redactor): void {
    if (other !== this && !this.#linked.includes(other)) this.#linked.push(other);
  }

  #collect(into: Set<string>, visited: Set<Redactor>): void {
    if (visited.has(this)) return;
    visited.add(this);
    for (const s of this.#secrets) into.add(s);
    for (const r of this.#linked) r.#collect(into, visited);
  }

  /**
   * Registers a secret, however short: a short token is still a token, and a message mangled by a
   * redacted `abc` is a far smaller harm than a leaked one.
   */
  add(secret: string | undefined): void {
    if (secret === undefined) return;
    for (const s of [secret, secret.trim()]) if (s !== '') this.#secrets.add(s);
  }

  /** Replaces every registered secret, and anything shaped like a JWT, with `[REDACTED]`. */
  redact(text: string): string {
    let out = text;
    // Longest first, so a secret that contains another is replaced whole.
    const all = new Set<string>();
    this.#collect(all, new Set());
    const secrets = [...all].sort((a, b) => b.length - a.length);
    for (const s of secrets) out = out.split(s).join('[REDACTED]');
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
