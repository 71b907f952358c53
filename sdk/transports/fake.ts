import type {
  CliRequest,
  CliResponse,
  HttpRequest,
  HttpResponse,
  SendContext,
  Transport,
  WireRequest,
  WireResponse,
} from '../wire.js';

/** One recorded exchange: which requests it answers, and with what (or what it throws). */
export interface FakeReply<P extends 'cli' | 'http'> {
  match: (request: P extends 'cli' ? CliRequest : HttpRequest) => boolean;
  reply:
    | (P extends 'cli' ? Omit<CliResponse, 'protocol'> : Omit<HttpResponse, 'protocol'>)
    | ((
        request: P extends 'cli' ? CliRequest : HttpRequest,
        context: SendContext,
      ) => Promise<WireResponse> | WireResponse);
}

/**
 * A transport that replays recorded outputs (see `test/fixtures/slurm-22.05/`), for unit tests of
 * commands, parsers, middleware and the client. It keeps every request it was sent in `sent`.
 * Unmatched requests fail loudly, naming the request.
 */
export class FakeTransport<P extends 'cli' | 'http' = 'cli'> implements Transport<P> {
  readonly name: string;
  readonly protocol: P;
  readonly sent: WireRequest[] = [];
  readonly #replies: FakeReply<P>[];
  closed = false;

  constructor(options: { protocol: P; name?: string; replies?: FakeReply<P>[] }) {
    this.protocol = options.protocol;
    this.name = options.name ?? 'fake';
    this.#replies = [...(options.replies ?? [])];
  }

  /** Adds a reply; later replies win over earlier ones. */
  on(reply: FakeReply<P>): this {
    this.#replies.unshift(reply);
    return this;
  }

  async send(
    request: P extends 'cli' ? CliRequest : HttpRequest,
    context: SendContext,
  ): Promise<P extends 'cli' ? CliResponse : HttpResponse> {
    this.sent.push(request);
    const found = this.#replies.find((r) => r.match(request));
    if (found === undefined) {
      throw new Error(`FakeTransport: no recorded reply for ${JSON.stringify(request)}`);
    }
    const reply = found.reply;
    const response =
      typeof reply === 'function'
        ? await reply(request, context)
        : ({ protocol: this.protocol, ...reply } as WireResponse);
    return response as P extends 'cli' ? CliResponse : HttpResponse;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Matches a CLI request by program and, optionally, its first arguments. */
export function cliMatch(program: string, ...leadingArgs: string[]): (r: CliRequest) => boolean {
  return (r) => r.program === program && leadingArgs.every((a, i) => r.args[i] === a);
}

/** Matches an HTTP request by method and path (without query). */
export function httpMatch(method: string, path: string): (r: HttpRequest) => boolean {
  return (r) => r.method === method && r.path === path;
}
