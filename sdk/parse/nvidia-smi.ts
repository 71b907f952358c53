import { Parser } from 'xml2js';
import { z } from 'zod';
import { SlurmError, truncateForMessage } from '../errors.js';
import type { SlurmErrorOptions } from '../errors.js';

/**
 * `nvidia-smi -q -x` output (the `nvidia_smi_log` document of NVIDIA's `nvsmi_device_v*.dtd`) → one
 * typed record per GPU. Pure: the caller runs nvidia-smi (or reads a sample file) and hands over the
 * text. Element names checked against driver generations 470 (DTD v11) to 550 (DTD v12); see
 * test/fixtures/nvidia-smi/README.md. Only the fields Slurmcast uses are read, so elements a newer
 * driver adds are ignored rather than refused.
 */

/** Why an nvidia-smi document was refused. */
export const NvidiaSmiProblem = {
  /** Not XML at all (nvidia-smi printed an error such as "could not communicate with the driver"). */
  notXml: 'not-xml',
  /** XML, but not an `nvidia_smi_log` document. */
  wrongDocument: 'wrong-document',
  /** An element Slurmcast needs is missing (cut-short output or an unknown driver generation). */
  missingField: 'missing-field',
  /** An element is there but its value cannot be read (e.g. `12 GB` where `MiB` is documented). */
  badValue: 'bad-value',
  /** Fewer `<gpu>` elements than `<attached_gpus>` says: the output was cut short. */
  truncated: 'truncated',
} as const;
export type NvidiaSmiProblem = (typeof NvidiaSmiProblem)[keyof typeof NvidiaSmiProblem];

/** nvidia-smi's output could not be understood; nothing was parsed. */
export class NvidiaSmiOutputError extends SlurmError {
  override readonly name = 'NvidiaSmiOutputError' as const;
  readonly retryable = false;
  readonly problem: NvidiaSmiProblem;
  /** The element path that failed (e.g. `gpu[1].fb_memory_usage.used`), when one did. */
  readonly field: string | undefined;
  constructor(
    details: { problem: NvidiaSmiProblem; field?: string; detail: string },
    options: SlurmErrorOptions = {},
  ) {
    const where = details.field === undefined ? '' : ` at ${details.field}`;
    super(
      `nvidia-smi -q -x: ${details.problem}${where}: ${details.detail}. Check that nvidia-smi runs on the node and that its driver is one of the documented generations (docs/gpu-use.md)`,
      { operation: 'ParseNvidiaSmi', ...options },
    );
    this.problem = details.problem;
    this.field = details.field;
  }
}

/** One process holding GPU memory. */
export const NvidiaSmiProcessSchema = z.object({
  pid: z.number().int().nonnegative(),
  processName: z.string().nullable(),
  /** Null when the driver reports `N/A` (MIG mode without privileges). */
  usedMemMiB: z.number().nonnegative().nullable(),
});
export type NvidiaSmiProcess = z.infer<typeof NvidiaSmiProcessSchema>;

/** One GPU as `nvidia-smi -q -x` reports it. */
export const NvidiaSmiGpuSchema = z.object({
  /** Position in the document: nvidia-smi's GPU index. */
  index: z.number().int().nonnegative(),
  /** `/dev/nvidia<minor>`; Slurm's gres.conf `File=` names it. Null when the driver does not say. */
  minorNumber: z.number().int().nonnegative().nullable(),
  pciBusId: z.string().min(1),
  uuid: z.string().min(1),
  productName: z.string().min(1),
  /** Percent of the sample period a kernel ran; null when `N/A` (MIG mode). */
  utilGpuPct: z.number().min(0).max(100).nullable(),
  /** Percent of the period memory was read or written; null when `N/A`. */
  utilMemPct: z.number().min(0).max(100).nullable(),
  memUsedMiB: z.number().nonnegative(),
  memTotalMiB: z.number().nonnegative(),
  processes: z.array(NvidiaSmiProcessSchema),
});
export type NvidiaSmiGpu = z.infer<typeof NvidiaSmiGpuSchema>;

/** A whole `nvidia-smi -q -x` document. */
export const NvidiaSmiLogSchema = z.object({
  driverVersion: z.string().min(1),
  cudaVersion: z.string().nullable(),
  gpus: z.array(NvidiaSmiGpuSchema),
});
export type NvidiaSmiLog = z.infer<typeof NvidiaSmiLogSchema>;

// xml2js with explicitArray: every child element is an array; text-only elements are strings and
// elements with attributes or children are objects (`$` holds the attributes, `_` the text).

function fail(problem: NvidiaSmiProblem, detail: string, field?: string): never {
  throw new NvidiaSmiOutputError(field === undefined ? { problem, detail } : { problem, field, detail });
}

function children(node: unknown, key: string): unknown[] {
  if (typeof node !== 'object' || node === null) return [];
  const value = (node as Record<string, unknown>)[key];
  return Array.isArray(value) ? value : [];
}

function isElement(node: unknown): node is Record<string, unknown> {
  return typeof node === 'object' && node !== null;
}

/** The text of the first `key` child, or undefined when there is none. */
function textOf(node: unknown, key: string): string | undefined {
  const first = children(node, key)[0];
  if (first === undefined) return undefined;
  if (typeof first === 'string') return first;
  if (isElement(first) && typeof first['_'] === 'string') return first['_'];
  return '';
}

function needText(node: unknown, key: string, path: string): string {
  const text = textOf(node, key);
  if (text === undefined) fail(NvidiaSmiProblem.missingField, 'element missing', `${path}.${key}`);
  return text;
}

function needChild(node: unknown, key: string, path: string): Record<string, unknown> {
  const first = children(node, key)[0];
  if (isElement(first)) return first;
  return fail(NvidiaSmiProblem.missingField, 'element missing or empty', `${path}.${key}`);
}

const NOT_AVAILABLE = new Set(['N/A', '[N/A]', '[Not Supported]', 'Not Supported']);

/** `87 %` → 87; `N/A` → null. */
function percent(text: string, field: string): number | null {
  if (NOT_AVAILABLE.has(text)) return null;
  const m = /^(\d+(?:\.\d+)?)\s*%$/.exec(text);
  const value = m?.[1] === undefined ? NaN : Number(m[1]);
  if (!Number.isFinite(value) || value > 100) {
    fail(NvidiaSmiProblem.badValue, `expected "<0-100> %", got ${JSON.stringify(text)}`, field);
  }
  return value;
}

/** `31022 MiB` → 31022; `N/A` → null. */
function mebibytes(text: string, field: string): number | null {
  if (NOT_AVAILABLE.has(text)) return null;
  const m = /^(\d+(?:\.\d+)?)\s*MiB$/.exec(text);
  if (m?.[1] === undefined) {
    fail(NvidiaSmiProblem.badValue, `expected "<n> MiB", got ${JSON.stringify(text)}`, field);
  }
  return Number(m[1]);
}

function requiredMebibytes(text: string, field: string): number {
  return mebibytes(text, field) ?? fail(NvidiaSmiProblem.badValue, 'the driver reported N/A', field);
}

function integer(text: string, field: string): number {
  if (!/^\d+$/.test(text)) {
    fail(NvidiaSmiProblem.badValue, `expected a whole number, got ${JSON.stringify(text)}`, field);
  }
  return Number(text);
}

function parseXml(xml: string): unknown {
  // xml2js calls back synchronously unless `async` is set, which keeps this parser pure and sync.
  const parser = new Parser({ explicitArray: true, trim: true, strict: true, async: false });
  let result: unknown;
  let error: unknown;
  let called = false;
  parser.parseString(xml, (err: Error | null, value: unknown) => {
    called = true;
    error = err;
    result = value;
  });
  if (!called) fail(NvidiaSmiProblem.notXml, 'the XML parser did not finish');
  if (error !== null && error !== undefined) {
    throw new NvidiaSmiOutputError(
      {
        problem: NvidiaSmiProblem.notXml,
        detail: `not an XML document (${error instanceof Error ? error.message.split('\n')[0] : 'parse error'}); output starts ${JSON.stringify(truncateForMessage(xml.trim(), 120))}`,
      },
      { cause: error },
    );
  }
  return result;
}

function parseProcess(node: unknown, path: string): NvidiaSmiProcess {
  const usedMemory = textOf(node, 'used_memory');
  const name = textOf(node, 'process_name');
  return {
    pid: integer(needText(node, 'pid', path), `${path}.pid`),
    processName: name === undefined || name === '' ? null : name,
    usedMemMiB: usedMemory === undefined ? null : mebibytes(usedMemory, `${path}.used_memory`),
  };
}

function parseGpu(node: unknown, index: number): NvidiaSmiGpu {
  const path = `gpu[${index}]`;
  if (!isElement(node)) fail(NvidiaSmiProblem.missingField, 'empty <gpu> element', path);
  const attributes = node['$'];
  const idAttribute =
    isElement(attributes) && typeof attributes['id'] === 'string' ? attributes['id'] : undefined;
  const pciBusId = idAttribute ?? textOf(needChild(node, 'pci', path), 'pci_bus_id');
  if (pciBusId === undefined || pciBusId === '') {
    fail(NvidiaSmiProblem.missingField, 'no id attribute and no pci.pci_bus_id', `${path}.id`);
  }
  const memory = needChild(node, 'fb_memory_usage', path);
  const utilisation = needChild(node, 'utilization', path);
  const minor = textOf(node, 'minor_number');
  const processList = children(node, 'processes')[0];
  return {
    index,
    minorNumber:
      minor === undefined || NOT_AVAILABLE.has(minor) ? null : integer(minor, `${path}.minor_number`),
    pciBusId,
    uuid: needText(node, 'uuid', path),
    productName: needText(node, 'product_name', path),
    utilGpuPct: percent(
      needText(utilisation, 'gpu_util', `${path}.utilization`),
      `${path}.utilization.gpu_util`,
    ),
    utilMemPct: percent(
      needText(utilisation, 'memory_util', `${path}.utilization`),
      `${path}.utilization.memory_util`,
    ),
    memUsedMiB: requiredMebibytes(
      needText(memory, 'used', `${path}.fb_memory_usage`),
      `${path}.fb_memory_usage.used`,
    ),
    memTotalMiB: requiredMebibytes(
      needText(memory, 'total', `${path}.fb_memory_usage`),
      `${path}.fb_memory_usage.total`,
    ),
    // An empty `<processes>` is a string ('' after trimming): no process holds the GPU.
    processes: children(processList, 'process_info').map((p, i) =>
      parseProcess(p, `${path}.processes.process_info[${i}]`),
    ),
  };
}

/**
 * Parses `nvidia-smi -q -x` output.
 * @throws {NvidiaSmiOutputError} when the text is not an `nvidia_smi_log` document, lacks a field
 *   Slurmcast reads, holds a value in an undocumented form, or was cut short.
 * @example
 * const log = parseNvidiaSmiXml(execFileSync('nvidia-smi', ['-q', '-x'], { encoding: 'utf8' }));
 * log.gpus.map((g) => `${g.index}: ${g.utilGpuPct ?? 'n/a'} %`);
 */
export function parseNvidiaSmiXml(xml: string): NvidiaSmiLog {
  const document = parseXml(xml);
  if (!isElement(document) || !isElement(document['nvidia_smi_log'])) {
    const root = isElement(document) ? Object.keys(document)[0] : undefined;
    fail(NvidiaSmiProblem.wrongDocument, `expected an <nvidia_smi_log> document, got <${root ?? '?'}>`);
  }
  const log = document['nvidia_smi_log'];
  const gpus = children(log, 'gpu').map((g, i) => parseGpu(g, i));
  const attached = textOf(log, 'attached_gpus');
  if (attached !== undefined) {
    const expected = integer(attached, 'attached_gpus');
    if (gpus.length < expected) {
      fail(
        NvidiaSmiProblem.truncated,
        `attached_gpus says ${expected}, the document has ${gpus.length} <gpu> elements`,
      );
    }
  }
  const cuda = textOf(log, 'cuda_version');
  const parsed = NvidiaSmiLogSchema.safeParse({
    driverVersion: needText(log, 'driver_version', 'nvidia_smi_log'),
    cudaVersion: cuda === undefined || cuda === '' ? null : cuda,
    gpus,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    fail(NvidiaSmiProblem.badValue, issue?.message ?? 'invalid', issue?.path.join('.'));
  }
  return parsed.data;
}
