import { SlurmcastError } from '../shared/errors.js';

/**
 * The base of every error raised while collecting or importing job history (sacct, workload logs,
 * GPU traces). Callers branch on the subclass, never on the message.
 */
export class CollectError extends SlurmcastError {
  override readonly name: string = 'CollectError';
  readonly retryable: boolean;
  constructor(message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.retryable = options.retryable ?? false;
  }
}

/** The trace formats the importers read. */
export const TraceFormats = ['swf', 'alibaba-pods', 'alibaba-nodes'] as const;
export type TraceFormat = (typeof TraceFormats)[number];

/**
 * A workload log (SWF, Alibaba CSV) has content the reader cannot use: a malformed job line in strict
 * mode, a missing column, an unreadable header. `line` is 1-based and counts every line of the
 * decompressed file, header lines included, so `sed -n '<line>p'` shows it.
 */
export class TraceFormatError extends CollectError {
  override readonly name = 'TraceFormatError' as const;
  readonly format: TraceFormat;
  readonly path: string;
  /** 1-based line number in the (decompressed) file, or null when the problem is not one line. */
  readonly line: number | null;
  /** What was wrong, without the file name or line (those are fields). */
  readonly reason: string;
  constructor(details: {
    format: TraceFormat;
    path: string;
    line: number | null;
    reason: string;
    cause?: unknown;
  }) {
    const where = details.line === null ? details.path : `${details.path}:${details.line}`;
    super(`${where}: ${details.reason}`, { retryable: false, cause: details.cause });
    this.format = details.format;
    this.path = details.path;
    this.line = details.line;
    this.reason = details.reason;
  }
}

/** A workload log could not be opened or read (missing file, permission, corrupt gzip stream). */
export class TraceReadError extends CollectError {
  override readonly name = 'TraceReadError' as const;
  readonly path: string;
  constructor(path: string, options: { cause?: unknown } = {}) {
    const detail = options.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(`cannot read ${path}${detail}; check that the file exists, is readable and is plain text or gzip`, {
      retryable: false,
      cause: options.cause,
    });
    this.path = path;
  }
}

/** What an import conflict knows about one side: the file and its content hash. */
export interface ImportedContent {
  fileName: string;
  contentSha256: string;
}

/**
 * A file would be imported under a source name that already holds other content (another file of
 * the same name, a changed copy, or collected jobs). Nothing was written. Bad input: exit code 2.
 */
export class ImportConflictError extends CollectError {
  override readonly name = 'ImportConflictError' as const;
  readonly source: string;
  /** What the source holds now (its file name); null for jobs without a manifest (collected ones). */
  readonly existing: ImportedContent | null;
  /** The file being imported, as its path was given. */
  readonly incoming: ImportedContent;
  constructor(details: { source: string; existing: ImportedContent | null; incoming: ImportedContent }) {
    const short = (sha: string): string => sha.slice(0, 12);
    const held =
      details.existing === null
        ? 'jobs that were not imported from a file'
        : `${details.existing.fileName} (sha256 ${short(details.existing.contentSha256)}…)`;
    super(
      `source ${details.source} already holds ${held}, and ${details.incoming.fileName} (sha256 ${short(details.incoming.contentSha256)}…) has other content: pass --source NAME to import it as another source, or --replace to replace the jobs of ${details.source} with it`,
      { retryable: false },
    );
    this.source = details.source;
    this.existing = details.existing;
    this.incoming = details.incoming;
  }
}
