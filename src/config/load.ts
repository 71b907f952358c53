import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
// The redactor module alone: the SDK's index loads every transport and wire format (~0.1 s), which
// every command that reads its config would pay.
import { Redactor } from '../../sdk/redact.js';
import { ConfigSchema, type Config } from './schema.js';
import { ConfigError } from './errors.js';

/**
 * Config errors are built from key paths, positions and the schema's own words, never from the
 * file's text: a config holds credentials (`slurm.env.SLURM_JWT`…), and the line a parser trips on
 * is as likely as any other to be one of them. yaml's own messages are not used for that reason
 * (with `prettyErrors` they carry a code frame of the offending line; some quote tokens).
 */

/** Removes anything shaped like a JWT from a message, in case a key or path was one. */
const jwtShapes = new Redactor();

/**
 * Parses and validates a config object. Every problem is reported at once, each with its dotted key.
 * @throws {ConfigError} when a key is unknown or a value has the wrong form.
 */
export function resolveConfig(raw: unknown, path?: string): Config {
  const parsed = ConfigSchema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.flatMap((issue) => describeIssue(issue));
  const where = path === undefined ? 'config' : path;
  throw new ConfigError(
    jwtShapes.redact(`${where} is not valid:\n${issues.map((i) => `  - ${i.key}: ${i.message}`).join('\n')}`),
    path === undefined ? { issues } : { path, issues },
  );
}

function describeIssue(issue: z.core.$ZodIssue): { key: string; message: string }[] {
  const base = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => ({
      key: jwtShapes.redact(base === '' ? k : `${base}.${k}`),
      message: 'unknown key (check its spelling against config/slurmcast.example.yaml)',
    }));
  }
  // zod's messages name the expected form, never the value received (issues carry no `input`
  // unless asked to), so they are safe to show.
  return [{ key: jwtShapes.redact(base === '' ? '(top level)' : base), message: issue.message }];
}

/** What each yaml error code means, in words that quote nothing from the file. */
const YAML_PROBLEMS: Readonly<Record<string, string>> = {
  BAD_INDENT: 'wrong indentation, or a [ or { that is never closed',
  BLOCK_AS_IMPLICIT_KEY:
    'a second ": " on one line (quote a value that contains ": ", or put the nested mapping on its own lines)',
  MULTILINE_IMPLICIT_KEY: 'a key that runs over several lines (a missing ":" on the line before?)',
  MISSING_CHAR: 'a quote, bracket or brace that is never closed',
  DUPLICATE_KEY: 'the same key twice in one mapping',
  TAB_AS_INDENT: 'a tab used for indentation (YAML allows only spaces)',
  BAD_DQ_ESCAPE: 'an invalid backslash escape inside double quotes',
  BAD_SCALAR_START: 'a plain value starting with a character YAML reserves (quote it)',
  UNEXPECTED_TOKEN: 'a character that does not belong there',
  BAD_ALIAS: 'an alias (*name) that is not valid',
  MULTIPLE_DOCS: 'more than one document (---) in the file',
};

/**
 * Mappings of the config whose keys are worth naming, by dotted path; every other key holds a
 * value. Keys of `slurm.env` are variable names, and what a broken line turns into a key below
 * them is as likely a secret as not, so the walk never goes deeper than the schema does.
 */
const CONTAINERS = new Set([
  '',
  'slurm',
  'slurm.env',
  'slurm.ssh',
  'slurm.rest',
  'store',
  'store.influx',
  'costs',
  'engine',
]);

function valueEnd(node: unknown): number | undefined {
  if (!(isScalar(node) || isMap(node) || isSeq(node))) return undefined;
  const range = node.range;
  return range === null || range === undefined ? undefined : range[2];
}

/** The key whose entry spans `offset`: its dotted path (as deep as the schema goes) and where it starts. */
function keyAt(doc: Document, offset: number): { path: string; keyOffset: number } | undefined {
  const path: string[] = [];
  let keyOffset: number | undefined;
  let node: unknown = doc.contents;
  while (isMap(node) && CONTAINERS.has(path.join('.'))) {
    const pair = node.items.find((p) => {
      const start = isScalar(p.key) ? p.key.range?.[0] : undefined;
      const end = valueEnd(p.value) ?? (isScalar(p.key) ? p.key.range?.[2] : undefined);
      return start !== undefined && end !== undefined && start <= offset && offset <= end;
    });
    if (pair === undefined || !isScalar(pair.key)) break;
    path.push(String(pair.key.value));
    keyOffset = pair.key.range?.[0];
    node = pair.value;
  }
  if (path.length === 0 || keyOffset === undefined) return undefined;
  return { path: jwtShapes.redact(path.join('.')), keyOffset };
}

/**
 * Parses YAML (or JSON, which is YAML) into plain data.
 * @throws {ConfigError} naming the line, column, key and kind of the first syntax error.
 */
export function parseConfigText(text: string, path: string): unknown {
  const lineCounter = new LineCounter();
  // logLevel 'silent': yaml would otherwise print warnings, code frame included, to stderr.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, logLevel: 'silent' });
  const first = doc.errors[0];
  if (first === undefined) return doc.toJS();
  const { line, col } = lineCounter.linePos(first.pos[0]);
  const key = keyAt(doc, first.pos[0]);
  const keyLine = key === undefined ? undefined : lineCounter.linePos(key.keyOffset).line;
  const problem = YAML_PROBLEMS[first.code] ?? `a YAML syntax error (${first.code})`;
  const where =
    key === undefined
      ? ''
      : keyLine === line
        ? `, in ${key.path}`
        : `, in ${key.path} (which starts on line ${keyLine ?? line})`;
  throw new ConfigError(
    `config file ${path} is not valid YAML or JSON: line ${line}, column ${col}${where}: ${problem}. Fix it there (the file's text is not shown: it may hold secrets)`,
    {
      path,
      issues: [{ key: key?.path ?? `line ${line}`, message: problem }],
      position: { line, column: col },
    },
  );
}

/**
 * Reads a YAML or JSON config file (JSON is valid YAML) and validates it; no file means all defaults.
 * @throws {ConfigError} when the file cannot be read, parsed or validated.
 * @example const config = await loadConfig('config/slurmcast.example.yaml');
 */
export async function loadConfig(path: string | undefined): Promise<Config> {
  if (path === undefined) return resolveConfig({});
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read config file ${path}: check that it exists and is readable`, {
      path,
      cause,
    });
  }
  return resolveConfig(parseConfigText(text, path), path);
}
