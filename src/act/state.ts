import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../shared/atomic-write.js';
import { ActStateError } from './errors.js';
import { emptyLedger, LedgerSchema, type Ledger } from './ledger.js';
import type { OperationKind, OperationOutcome } from './types.js';

/**
 * The actuator's files, all in the state directory (config `act.stateDir`): `secret` (the ownership
 * key, 0600), `ledger.json` (replaced atomically after every applied operation) and, by default,
 * `audit.jsonl` (appended and fsynced line by line). This is the only module of src/act that does I/O
 * on files.
 */

const SECRET_FILE = 'secret';
const LEDGER_FILE = 'ledger.json';
const SECRET_RE = /^[0-9a-f]{64}$/;

function code(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error ? String(error.code) : undefined;
}

/** The default audit log path for a state directory. */
export function defaultAuditLogPath(stateDir: string): string {
  return join(stateDir, 'audit.jsonl');
}

/**
 * The install's ownership key, created (32 random bytes, mode 0600) the first time. Created with an
 * exclusive open, so two first runs at once agree on one key.
 * @throws {ActStateError} when the file cannot be read or written, or is not a key.
 */
export async function loadOrCreateSecret(stateDir: string): Promise<string> {
  const path = join(stateDir, SECRET_FILE);
  try {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    try {
      const handle = await open(path, 'wx', 0o600);
      try {
        await handle.writeFile(`${randomBytes(32).toString('hex')}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (code(error) !== 'EEXIST') throw error;
    }
    const secret = (await readFile(path, 'utf8')).trim();
    if (!SECRET_RE.test(secret)) throw new ActStateError(path, 'is not an ownership key (64 hex digits)');
    return secret;
  } catch (error) {
    if (error instanceof ActStateError) throw error;
    throw new ActStateError(
      path,
      `cannot read or create the ownership key (${code(error) ?? String(error)})`,
      {
        cause: error,
      },
    );
  }
}

/**
 * The ledger of node changes; empty when there is none yet.
 * @throws {ActStateError} when it cannot be read or is not a ledger.
 */
export async function readLedger(stateDir: string): Promise<Ledger> {
  const path = join(stateDir, LEDGER_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (code(error) === 'ENOENT') return emptyLedger();
    throw new ActStateError(path, `cannot be read (${code(error) ?? String(error)})`, { cause: error });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ActStateError(path, 'is not JSON', { cause: error });
  }
  const parsed = LedgerSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ActStateError(path, `is not a ledger: ${parsed.error.issues[0]?.message ?? 'invalid'}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/** Replaces the ledger atomically: a reader (or a killed run) sees the old one or the new one. */
export async function writeLedger(stateDir: string, ledger: Ledger): Promise<void> {
  const path = join(stateDir, LEDGER_FILE);
  try {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(path, `${JSON.stringify(ledger, null, 2)}\n`);
  } catch (error) {
    throw new ActStateError(path, `cannot be written (${code(error) ?? String(error)})`, { cause: error });
  }
}

/** One line of the audit log. */
export interface AuditRecord {
  /** ISO 8601 UTC. */
  time: string;
  /** `intent` is written before an operation is sent, `result` after: an intent without a result is one a killed run may or may not have done. */
  phase: 'intent' | 'result';
  /** `apply` or `revert`. */
  command: 'apply' | 'revert';
  actionId: string;
  operation: OperationKind;
  target: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  reason: string;
  /** Set on results. */
  outcome?: OperationOutcome;
  error?: string;
}

/**
 * Appends records to the audit log and fsyncs before returning, so a line that was written survives a
 * crash that follows. A line a crash cut short stays as it is, alone on its line.
 * @throws {ActStateError} when the log cannot be appended.
 */
export async function appendAudit(path: string, records: readonly AuditRecord[]): Promise<void> {
  if (records.length === 0) return;
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const handle = await open(path, 'a+', 0o600);
    try {
      // A run killed in mid-line left no newline: start a new line, or this record joins the cut one.
      const { size } = await handle.stat();
      const last = Buffer.alloc(1);
      if (size > 0) await handle.read(last, 0, 1, size - 1);
      const lead = size > 0 && last[0] !== 0x0a ? '\n' : '';
      await handle.appendFile(lead + records.map((r) => `${JSON.stringify(r)}\n`).join(''));
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new ActStateError(path, `cannot append to the audit log (${code(error) ?? String(error)})`, {
      cause: error,
    });
  }
}

/** How much of the audit log's end is read for a run that was killed: one run's lines fit many times. */
const AUDIT_TAIL_BYTES = 256 * 1024;

/**
 * The intents at the end of the audit log that no result follows: operations a killed run sent (or
 * was about to send) without recording what came of them. Only the last `AUDIT_TAIL_BYTES` are read;
 * a killed run's lines are always the last ones. A line cut by the kill is skipped.
 * @throws {ActStateError} when the log exists but cannot be read.
 */
export async function danglingIntents(path: string): Promise<AuditRecord[]> {
  let text: string;
  try {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, AUDIT_TAIL_BYTES);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      text = buffer.toString('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (code(error) === 'ENOENT') return [];
    throw new ActStateError(path, `cannot read the audit log (${code(error) ?? String(error)})`, {
      cause: error,
    });
  }
  const keyOf = (r: AuditRecord): string => JSON.stringify([r.command, r.actionId, r.operation, r.target]);
  const open_ = new Map<string, AuditRecord>();
  for (const line of text.split('\n')) {
    let record: AuditRecord;
    try {
      record = JSON.parse(line) as AuditRecord;
    } catch {
      continue; // the first line of the tail, or one the kill cut short
    }
    if (record.phase === 'intent') open_.set(keyOf(record), record);
    // Dry-run and capped results are written without an intent: they answer none.
    else if (record.phase === 'result' && record.outcome !== 'dry-run' && record.outcome !== 'capped')
      open_.delete(keyOf(record));
  }
  return [...open_.values()];
}
