import { redact } from './redactText.js';
import {
  isSecretName,
  literalSecrets,
  MIN_SECRET_LENGTH,
  REDACTED,
  type RedactOptions,
  removeLiterals,
} from './secrets.js';

// ---------------------------------------------------------------------------------------------
// Deep redaction

/** Options for {@link redactValue}. */
export interface RedactValueOptions extends RedactOptions {
  /** Deeper values become `'[Truncated]'`. Default 20. */
  readonly maxDepth?: number;
}

interface Walk {
  readonly literals: readonly string[];
  readonly maxDepth: number;
  readonly seen: WeakMap<object, unknown>;
}

function redactString(text: string, walk: Walk): string {
  // The literal list was computed once for the whole walk.
  let out =
    // Stryker disable next-line ConditionalExpression,LogicalOperator: a shortcut; removing no literals, or from a shorter text, changes nothing
    walk.literals.length > 0 && text.length >= MIN_SECRET_LENGTH ? removeLiterals(text, walk.literals) : text;
  out = redact(out, { env: null });
  return out;
}

function walkValue(value: unknown, walk: Walk, depth: number): unknown {
  if (typeof value === 'string') return redactString(value, walk);
  if (typeof value !== 'object' || value === null) {
    return typeof value === 'function'
      ? `[Function ${(value as { name?: string }).name || 'anonymous'}]`
      : value;
  }
  if (depth >= walk.maxDepth) return '[Truncated]';
  const seen = walk.seen.get(value);
  if (seen !== undefined) return seen;

  if (value instanceof Date) return value;
  if (value instanceof URL) return redactString(value.href, walk);
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[${value.constructor.name}]`;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    walk.seen.set(value, out);
    for (const item of value) out.push(walkValue(item, walk, depth + 1));
    return out;
  }
  if (value instanceof Map) {
    const out = new Map<unknown, unknown>();
    walk.seen.set(value, out);
    for (const [key, item] of value) {
      out.set(
        key,
        typeof key === 'string' && isSecretName(key) && isScalar(item)
          ? REDACTED
          : walkValue(item, walk, depth + 1),
      );
    }
    return out;
  }
  if (value instanceof Set) {
    const out = new Set<unknown>();
    walk.seen.set(value, out);
    for (const item of value) out.add(walkValue(item, walk, depth + 1));
    return out;
  }
  const out: Record<string, unknown> = {};
  walk.seen.set(value, out);
  const source = value as Record<string, unknown>;
  const keys = Object.keys(source);
  if (value instanceof Error) {
    for (const key of ['name', 'message', 'stack', 'cause', 'errors']) {
      if (key in value && !keys.includes(key)) keys.unshift(key);
    }
  }
  for (const key of keys) {
    let item: unknown;
    try {
      item = source[key];
    } catch {
      continue;
    }
    out[key] =
      isSecretName(key) && isScalar(item) && item !== '' && item !== null
        ? REDACTED
        : walkValue(item, walk, depth + 1);
  }
  return out;
}

function isScalar(value: unknown): boolean {
  return value === null || (typeof value !== 'object' && typeof value !== 'function');
}

/**
 * Deep redaction of any value: strings go through {@link redact}; values of secret-named keys
 * (`authorization`, `token`, `password`, `apiKey`, …) become `'[REDACTED]'`; Errors become plain
 * objects (name, message, stack, cause, errors and own properties); cycles are preserved; functions
 * are described, binary data is summarised. Returns a new value; the input is not modified.
 */
export function redactValue<T>(value: T, options?: RedactValueOptions): T {
  const walk: Walk = {
    literals: literalSecrets(options),
    maxDepth: options?.maxDepth ?? 20,
    seen: new WeakMap(),
  };
  return walkValue(value, walk, 0) as T;
}
