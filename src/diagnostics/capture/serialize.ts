import { serializeError } from 'serialize-error';
import type { SerializedError, StackFrame } from './types.js';

/** Limits applied while serializing an error chain. */
export interface SerializeLimits {
  /** Cause levels kept (default 10). */
  readonly maxCauseDepth?: number;
  /** Inner errors kept per AggregateError (default 20). */
  readonly maxAggregate?: number;
  /** Frames kept per error (default 50). */
  readonly maxFrames?: number;
  /** Characters kept per message (default 8000). */
  readonly maxMessageLength?: number;
}

/** Turns every text of the serialized error into safe text (redaction, home folder → `~`). */
export type TextFilter = (text: string) => string;

// `    at fn (file:line:col)` / `    at file:line:col` / `    at async fn (file:line:col)`
const FRAME = /^\s*at (?:(.*?) \()?(.+?):(\d+):(\d+)\)?\s*$/;

/** Parses one V8 stack line; undefined for lines that are not frames (`at native`, messages). */
export function parseStackLine(line: string): StackFrame | undefined {
  const match = FRAME.exec(line);
  if (!match) return undefined;
  let file = match[2]!;
  // `at eval (eval at f (file:1:2), <anonymous>:1:1)`: keep the outer location.
  const evalAt = /\(([^()]+):(\d+):(\d+)\)/.exec(file);
  if (evalAt && file.startsWith('eval at')) file = evalAt[1]!;
  if (file.startsWith('file://')) file = file.slice('file://'.length);
  const lineNo = Number(match[3]);
  const column = Number(match[4]);
  const frame: { -readonly [K in keyof StackFrame]: StackFrame[K] } = {
    file,
    line: lineNo,
    column,
    location: `${file}:${lineNo}:${column}`,
    external: file.startsWith('node:') || file.includes('node_modules') || file.startsWith('internal/'),
  };
  if (match[1]) frame.function = match[1];
  return frame;
}

/** The frame lines of a V8 stack (everything after the message), trimmed. */
export function stackLines(stack: string): string[] {
  const lines = stack.split('\n');
  const frames: string[] = [];
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed.startsWith('at ')) frames.push(trimmed);
  }
  return frames;
}

const STANDARD_KEYS = new Set([
  'name',
  'message',
  'stack',
  'cause',
  'errors',
  'code',
  'errno',
  'syscall',
  'status',
  'category',
]);

function describeNonError(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return 'undefined';
  try {
    return typeof value === 'object' ? (JSON.stringify(value) ?? String(value)) : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function limitText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
}

function filterDeep(value: unknown, filter: TextFilter, depth: number): unknown {
  if (typeof value === 'string') return filter(limitText(value, 2000));
  if (typeof value !== 'object' || value === null) return value;
  if (depth > 4) return '[Truncated]';
  if (Array.isArray(value)) return value.slice(0, 50).map((item) => filterDeep(item, filter, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = filterDeep(item, filter, depth + 1);
  return out;
}

/**
 * Serializes an error (or any thrown value) with its whole `cause` chain and the inner errors of an
 * AggregateError. Every text goes through `filter` — pass the redactor. Cycles end the chain.
 */
export function serializeErrorChain(
  error: unknown,
  filter: TextFilter,
  limits: SerializeLimits = {},
): SerializedError {
  const maxCauseDepth = limits.maxCauseDepth ?? 10;
  const maxAggregate = limits.maxAggregate ?? 20;
  const maxFrames = limits.maxFrames ?? 50;
  const maxMessageLength = limits.maxMessageLength ?? 8000;
  const seen = new Set<unknown>();

  const visit = (value: unknown, depth: number): SerializedError => {
    if (typeof value === 'object' && value !== null) seen.add(value);
    const isObject = typeof value === 'object' && value !== null;
    const fields = (isObject ? value : {}) as Record<string, unknown>;
    const looksLikeError = value instanceof Error || (isObject && typeof fields.message === 'string');
    if (!looksLikeError) {
      return {
        name: value === null ? 'null' : typeof value === 'object' ? 'NonError' : typeof value,
        message: filter(limitText(describeNonError(value), maxMessageLength)),
        stack: [],
        frames: [],
      };
    }

    const name =
      typeof fields.name === 'string'
        ? fields.name
        : value instanceof Error
          ? value.constructor.name
          : 'Error';
    const message = typeof fields.message === 'string' ? fields.message : '';
    const rawStack = typeof fields.stack === 'string' ? fields.stack : '';
    const lines = stackLines(rawStack).slice(0, maxFrames).map(filter);
    const frames: StackFrame[] = [];
    for (const line of lines) {
      const frame = parseStackLine(line);
      if (frame) frames.push(frame);
    }

    const out: { -readonly [K in keyof SerializedError]: SerializedError[K] } = {
      name: filter(name),
      message: filter(limitText(message, maxMessageLength)),
      stack: lines,
      frames,
    };
    if (typeof fields.code === 'string' || typeof fields.code === 'number')
      out.code = filter(String(fields.code));
    if (typeof fields.errno === 'number') out.errno = fields.errno;
    if (typeof fields.syscall === 'string') out.syscall = filter(fields.syscall);
    const status = fields.status ?? fields.statusCode;
    if (typeof status === 'number') out.status = status;
    if (typeof fields.category === 'string') out.category = fields.category;

    // Own extra properties (hostname, port, address, path, attempts…) through serialize-error,
    // which handles Buffers, toJSON and cycles.
    let plain: Record<string, unknown> = {};
    try {
      const serialized = serializeError(value, { maxDepth: 4 }) as Record<string, unknown>;
      if (typeof serialized === 'object' && serialized !== null) plain = serialized;
    } catch {
      plain = {};
    }
    const properties: Record<string, unknown> = {};
    let any = false;
    for (const [key, item] of Object.entries(plain)) {
      if (STANDARD_KEYS.has(key) || item === undefined) continue;
      properties[filter(key)] = filterDeep(item, filter, 0);
      any = true;
    }
    if (any) out.properties = properties;

    const cause = fields.cause;
    if (cause !== undefined && depth < maxCauseDepth && !seen.has(cause)) out.cause = visit(cause, depth + 1);
    const errors = fields.errors;
    if (Array.isArray(errors) && errors.length > 0 && depth < maxCauseDepth) {
      out.errors = errors
        .slice(0, maxAggregate)
        .filter((inner) => !seen.has(inner))
        .map((inner) => visit(inner, depth + 1));
    }
    return out;
  };

  return visit(error, 0);
}
