import { MalformedOutputError } from '../errors.js';
import { MAX_EPOCH_S, type Tres } from '../models.js';

/**
 * Small, allocation-light converters for Slurm's text values. They return `undefined` for a value
 * they do not understand; callers turn that into a `MalformedOutputError` naming the field, so the
 * hot sacct loop needs no exceptions or regular expressions on the happy path.
 */

/** Parses a non-negative decimal integer made only of digits; undefined otherwise. */
export function parseCount(text: string): number | undefined {
  const n = text.length;
  if (n === 0 || n > 15) return undefined;
  let value = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    value = value * 10 + c;
  }
  return value;
}

/** Epoch seconds (SLURM_TIME_FORMAT=%s) or one of Slurm's "no time" words → null. */
export function parseEpoch(text: string): number | null | undefined {
  if (text === '' || text === 'Unknown' || text === 'None' || text === 'N/A' || text === '0') return null;
  const epoch = parseCount(text);
  return epoch === undefined || epoch > MAX_EPOCH_S ? undefined : epoch;
}

/** `[DD-][HH:]MM:SS[.fff]` (sacct Elapsed/TotalCPU) → seconds, rounded to ms. */
export function parseClockDuration(text: string): number | undefined {
  if (text === '') return 0;
  let days = 0;
  let rest = text;
  const dash = rest.indexOf('-');
  if (dash >= 0) {
    const d = parseCount(rest.slice(0, dash));
    if (d === undefined) return undefined;
    days = d;
    rest = rest.slice(dash + 1);
  }
  let fraction = 0;
  const dot = rest.indexOf('.');
  if (dot >= 0) {
    const digits = rest.slice(dot + 1);
    const f = parseCount(digits);
    if (f === undefined) return undefined;
    fraction = f / 10 ** digits.length;
    rest = rest.slice(0, dot);
  }
  const parts = rest.split(':');
  if (parts.length < 2 || parts.length > 3) return undefined;
  let seconds = 0;
  for (const part of parts) {
    const v = parseCount(part);
    if (v === undefined) return undefined;
    seconds = seconds * 60 + v;
  }
  return Math.round((days * 86_400 + seconds + fraction) * 1000) / 1000;
}

/** Minutes, or null for UNLIMITED / Partition_Limit / INFINITE / NONE. */
export function parseLimitMinutes(text: string): number | null | undefined {
  if (
    text === 'UNLIMITED' ||
    text === 'Partition_Limit' ||
    text === 'INFINITE' ||
    text === 'NONE' ||
    text === ''
  ) {
    return null;
  }
  const v = parseCount(text);
  if (v !== undefined) return v;
  // scontrol's [DD-]HH:MM:SS form, to minutes.
  const s = parseClockDuration(text);
  return s === undefined ? undefined : Math.floor(s / 60);
}

const SIZE_FACTORS_MIB: Readonly<Record<string, number>> = {
  K: 1 / 1024,
  M: 1,
  G: 1024,
  T: 1024 * 1024,
  P: 1024 * 1024 * 1024,
};

/** `512M`, `4G`, `1000` (MiB when no suffix) → MiB. */
export function parseSizeMiB(text: string): number | undefined {
  if (text === '') return undefined;
  const last = text.charAt(text.length - 1);
  const factor = SIZE_FACTORS_MIB[last];
  const digits = factor === undefined ? text : text.slice(0, -1);
  const v = Number(digits);
  if (digits === '' || !Number.isFinite(v) || v < 0) return undefined;
  return v * (factor ?? 1);
}

/** sacct MaxRSS (`1234K`, `12M`, `0`) → bytes; '' → null. */
export function parseRssBytes(text: string): number | null | undefined {
  if (text === '') return null;
  const mib = parseSizeMiB(
    text.endsWith('K') || text.endsWith('M') || text.endsWith('G') ? text : `${text}K`,
  );
  return mib === undefined ? undefined : Math.round(mib * 1024 * 1024);
}

/** An empty TRES set. */
export function emptyTres(): Tres {
  return {
    cpu: null,
    memMiB: null,
    nodeCount: null,
    billing: null,
    gpuCount: null,
    gpuByType: {},
    other: {},
  };
}

/** Adds one TRES entry by Slurm name (`cpu`, `mem`, `gres/gpu:a100`…) to a TRES set; false if the value is bad. */
export function addTres(tres: Tres, name: string, value: string | number, memUnit: 'text' | 'MiB'): boolean {
  if (name === 'mem') {
    const mib = typeof value === 'number' ? value : memUnit === 'text' ? parseSizeMiB(value) : Number(value);
    if (mib === undefined || !Number.isFinite(mib)) return false;
    tres.memMiB = (tres.memMiB ?? 0) + mib;
    return true;
  }
  const n =
    typeof value === 'number'
      ? value
      : name.startsWith('fs/') || name === 'energy'
        ? parseSizeMiB(value)
        : Number(value);
  if (n === undefined || !Number.isFinite(n) || n < 0) return false;
  if (name === 'cpu') tres.cpu = (tres.cpu ?? 0) + n;
  else if (name === 'node') tres.nodeCount = (tres.nodeCount ?? 0) + n;
  else if (name === 'billing') tres.billing = (tres.billing ?? 0) + n;
  else if (name === 'gres/gpu') tres.gpuCount = (tres.gpuCount ?? 0) + n;
  else if (name.startsWith('gres/gpu:')) {
    const type = name.slice('gres/gpu:'.length);
    tres.gpuByType[type] = (tres.gpuByType[type] ?? 0) + n;
  } else tres.other[name] = (tres.other[name] ?? 0) + n;
  return true;
}

/** `cpu=2,mem=512M,node=1,billing=2,gres/gpu=2,gres/gpu:a100=2` → Tres; undefined when garbled. */
export function parseTresString(text: string): Tres | undefined {
  const tres = emptyTres();
  if (text === '' || text === '(null)' || text === 'N/A') return tres;
  for (const item of text.split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) return undefined;
    if (!addTres(tres, item.slice(0, eq), item.slice(eq + 1), 'text')) return undefined;
  }
  return tres;
}

/** `gpu:a100:4,gpu:h100:2(S:0)` (scontrol Gres=) → list of { name, type, count }. */
export function parseGresList(
  text: string,
): { name: string; type: string | null; count: number }[] | undefined {
  if (text === '' || text === '(null)' || text === 'N/A') return [];
  const out: { name: string; type: string | null; count: number }[] = [];
  // Commas inside "(S:0-1)" socket annotations are not separators.
  for (const raw of splitTopLevel(text, ',')) {
    const item = raw.replace(/\(.*\)$/, '');
    const parts = item.split(':');
    const name = parts[0] ?? '';
    if (name === '') return undefined;
    let type: string | null = null;
    let countText = '1';
    if (parts.length === 2) {
      const second = parts[1] ?? '';
      if (parseCount(second) !== undefined) countText = second;
      else type = second;
    } else if (parts.length >= 3) {
      type = parts.slice(1, -1).join(':');
      countText = parts[parts.length - 1] ?? '';
    }
    const count = parseCount(countText);
    if (count === undefined) return undefined;
    out.push({ name, type, count });
  }
  return out;
}

/** Splits on `sep` outside parentheses and brackets. */
export function splitTopLevel(text: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === sep && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

/** Expands a Slurm hostlist (`c[1-3,5],gpu01`) into names. */
export function expandHostlist(text: string): string[] | undefined {
  if (text === '' || text === '(null)' || text === 'None') return [];
  const out: string[] = [];
  for (const item of splitTopLevel(text, ',')) {
    const expanded = expandOne(item);
    if (expanded === undefined) return undefined;
    out.push(...expanded);
  }
  return out;
}

function expandOne(item: string): string[] | undefined {
  const open = item.indexOf('[');
  if (open < 0) return item === '' ? undefined : [item];
  const close = item.indexOf(']', open);
  if (close < 0) return undefined;
  const prefix = item.slice(0, open);
  const suffixes = expandOne(item.slice(close + 1)) ?? (close + 1 === item.length ? [''] : undefined);
  if (suffixes === undefined) return undefined;
  const names: string[] = [];
  for (const range of item.slice(open + 1, close).split(',')) {
    const dash = range.indexOf('-');
    const lo = dash < 0 ? range : range.slice(0, dash);
    const hi = dash < 0 ? range : range.slice(dash + 1);
    const a = parseCount(lo);
    const b = parseCount(hi);
    if (a === undefined || b === undefined || b < a || b - a > 100_000) return undefined;
    for (let i = a; i <= b; i++) {
      const digits = String(i).padStart(lo.length, '0');
      for (const s of suffixes) names.push(`${prefix}${digits}${s}`);
    }
  }
  return names;
}

/** Comma list with Slurm's "nothing" spellings removed. */
export function parseNameList(text: string | null | undefined): string[] {
  if (text === null || text === undefined || text === '' || text === '(null)' || text === 'N/A') return [];
  return text.split(',').filter((s) => s !== '');
}

/** Null for Slurm's "nothing" spellings. */
export function nullIfEmpty(text: string | null | undefined): string | null {
  if (text === null || text === undefined || text === '' || text === '(null)' || text === 'N/A') return null;
  return text;
}

/**
 * Parses one `scontrol show … -o` line (`Key=Value Key=Value…`) into a map. Values may contain
 * spaces (Reason=…, Comment=…): a space-separated token that does not start with `Key=` continues the
 * previous value.
 */
export function parseKeyValueLine(line: string): Map<string, string> {
  const map = new Map<string, string>();
  let key: string | undefined;
  for (const token of line.split(' ')) {
    const eq = token.indexOf('=');
    if (eq > 0 && /^[A-Za-z][A-Za-z0-9_:/]*$/.test(token.slice(0, eq))) {
      key = token.slice(0, eq);
      map.set(key, token.slice(eq + 1));
    } else if (key !== undefined && token !== '') {
      // scontrol pads some fields with two spaces; empty tokens are padding, not value.
      map.set(key, `${map.get(key) ?? ''} ${token}`);
    }
  }
  return map;
}

/** Raises a MalformedOutputError for a field. */
export function badField(operation: string, field: string, record: string, detail: string): never {
  throw new MalformedOutputError({ reason: 'garbled', field, record, detail }, { operation });
}
