import { writeFile } from 'node:fs/promises';
import type { z } from 'zod';
import { ConfigSchema } from './schema.js';

/**
 * The config reference (`docs/config.md`), rendered from the zod schema: every key with its type,
 * default and description, so that the page cannot say something the schema does not. A unit test
 * fails when the page differs from what this renders; `npm run docs:config` rewrites it.
 */

type AnySchema = z.core.$ZodType;

interface Row {
  key: string;
  type: string;
  default: string;
  description: string;
}

/** The schema's `.describe` text, wherever in the wrappers it was put. */
function descriptionOf(schema: AnySchema): string | undefined {
  return (schema as unknown as { description?: string }).description;
}

interface Unwrapped {
  inner: AnySchema;
  optional: boolean;
  nullable: boolean;
  hasDefault: boolean;
  defaultValue: unknown;
  description: string | undefined;
}

/** Peels `default`, `prefault`, `optional` and `nullable` off a schema, keeping what each says. */
function unwrap(schema: AnySchema): Unwrapped {
  const out: Unwrapped = {
    inner: schema,
    optional: false,
    nullable: false,
    hasDefault: false,
    defaultValue: undefined,
    description: undefined,
  };
  let current = schema;
  for (;;) {
    out.description ??= descriptionOf(current);
    const def = current._zod.def as { type: string; innerType?: AnySchema; defaultValue?: unknown };
    if (def.innerType === undefined) break;
    if (def.type === 'default' || def.type === 'prefault') {
      if (!out.hasDefault) out.defaultValue = def.defaultValue;
      out.hasDefault = true;
    } else if (def.type === 'optional') out.optional = true;
    else if (def.type === 'nullable') out.nullable = true;
    else break;
    current = def.innerType;
  }
  out.inner = current;
  return out;
}

function typeText(schema: AnySchema): string {
  const def = schema._zod.def as {
    type: string;
    entries?: Record<string, string>;
    element?: AnySchema;
    valueType?: AnySchema;
    checks?: { _zod: { def: { check: string; format?: string } } }[];
  };
  switch (def.type) {
    case 'enum':
      return Object.values(def.entries ?? {})
        .map((v) => `\`${v}\``)
        .join(' \\| ');
    case 'array': {
      const element = def.element === undefined ? undefined : unwrap(def.element).inner;
      if (element === undefined) return 'list';
      const text = typeText(element);
      return text === 'section' ? 'list of sections (keys below)' : `list of ${text}`;
    }
    case 'record':
      return `map of string to ${def.valueType === undefined ? 'value' : typeText(unwrap(def.valueType).inner)}`;
    case 'object':
      return 'section';
    case 'number': {
      const whole = (def.checks ?? []).some((c) => c._zod.def.format === 'safeint');
      return whole ? 'whole number' : 'number';
    }
    default:
      return def.type;
  }
}

function defaultText(u: Unwrapped): string {
  if (!u.hasDefault) return u.optional ? '(none)' : '(required)';
  const value = u.defaultValue;
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0)
    return '';
  return `\`${JSON.stringify(value)}\``;
}

function shapeOf(schema: AnySchema): Record<string, AnySchema> | undefined {
  const def = schema._zod.def as { type: string; shape?: Record<string, AnySchema> };
  return def.type === 'object' ? def.shape : undefined;
}

function rows(shape: Record<string, AnySchema>, prefix: string): Row[] {
  const out: Row[] = [];
  for (const [name, schema] of Object.entries(shape)) {
    const key = `${prefix}${name}`;
    const u = unwrap(schema);
    out.push({
      key,
      type: typeText(u.inner) + (u.nullable ? ' or null' : ''),
      default: defaultText(u),
      description: u.description ?? '',
    });
    const inner = shapeOf(u.inner);
    if (inner !== undefined) out.push(...rows(inner, `${key}.`));
    const def = u.inner._zod.def as { type: string; element?: AnySchema };
    if (def.type === 'array' && def.element !== undefined) {
      const elementShape = shapeOf(unwrap(def.element).inner);
      if (elementShape !== undefined) out.push(...rows(elementShape, `${key}[].`));
    }
  }
  return out;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The whole `docs/config.md` page. */
export function configReferencePage(): string {
  const table = rows(shapeOf(ConfigSchema) ?? {}, '').map(
    (r) => `| \`${r.key}\` | ${r.type} | ${r.default} | ${cell(r.description)} |`,
  );
  return [
    '# Config reference',
    '',
    '<!-- Generated from src/config/schema.ts by `npm run docs:config`; do not edit by hand. -->',
    '',
    'Every key of a Slurmcast config file (YAML or JSON, `--config FILE` or `$SLURMCAST_CONFIG`). Every key is',
    'optional unless marked (required); a section left out takes the defaults of its keys. A misspelt key is an',
    'error that names it. `config/slurmcast.example.yaml` is a commented example; numbers with a range come from',
    'the parameter table in `src/config/params.ts` (also shown in [the CLI reference](cli.md)).',
    '',
    '| key | type | default | description |',
    '| --- | --- | --- | --- |',
    ...table,
    '',
  ].join('\n');
}

/** Writes the page (`npm run docs:config`). */
export async function writeConfigReference(path: string): Promise<void> {
  await writeFile(path, configReferencePage());
}
