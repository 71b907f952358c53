import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigSchema, type Config } from './schema.js';
import { ConfigError } from './errors.js';

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
    `${where} is not valid:\n${issues.map((i) => `  - ${i.key}: ${i.message}`).join('\n')}`,
    path === undefined ? { issues } : { path, issues },
  );
}

function describeIssue(issue: z.core.$ZodIssue): { key: string; message: string }[] {
  const base = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => ({
      key: base === '' ? k : `${base}.${k}`,
      message: 'unknown key (check its spelling against config/slurmcast.example.yaml)',
    }));
  }
  return [{ key: base === '' ? '(top level)' : base, message: issue.message }];
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
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new ConfigError(`config file ${path} is not valid YAML or JSON: ${detail}`, { path, cause });
  }
  return resolveConfig(raw, path);
}
