import { isArraySafe, isInstance, readProperty } from '../../errors/thrown.js';
import { redact } from './redactText.js';
import { isSecretName, REDACTED, type RedactOptions } from './secrets.js';

/** Header values that are URLs chosen by a server: shown without query string or fragment. */
const URL_HEADERS = new Set(['location', 'content-location', 'refresh']);

function redactHeaderValue(name: string, value: string, options: RedactOptions | undefined): string {
  if (isSecretName(name)) return REDACTED;
  if (URL_HEADERS.has(name.toLowerCase())) return redact(value.replace(/[?#][\s\S]*$/, ''), options);
  return redact(value, options);
}

/**
 * A redacted copy of response headers, for errors that keep them (HttpError): values of
 * secret-named headers (`WWW-Authenticate`, `Set-Cookie`, `X-Amz-Security-Token`, …) become
 * `[REDACTED]`, URL-valued headers (`Location`) lose their query string (signed URLs), every other
 * value goes through {@link redact}. Retry-After and RateLimit keep their meaning.
 */
export function redactHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  options?: RedactOptions,
): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string') out[name] = redactHeaderValue(name, value, options);
    else if (Array.isArray(value))
      out[name] = value.map((item) => redactHeaderValue(name, String(item), options));
    else out[name] = value;
  }
  return out;
}

/** Bounds of one walk: errors with huge or cyclic graphs end the walk, never the caller. */
const MAX_DEPTH = 8;
const MAX_NODES = 256;

interface Walk {
  readonly options: RedactOptions | undefined;
  readonly seen: Set<object>;
}

/** Objects worth walking into: errors, arrays and plain records (never sockets, buffers, classes). */
function walkable(value: unknown): value is object {
  // Stryker disable next-line all: the checks below answer false for these values too
  if (typeof value !== 'object' || value === null) return false;
  if (isInstance(value, Error) || isArraySafe(value)) return true;
  try {
    const proto = Object.getPrototypeOf(value);
    return proto === Object.prototype || proto === null;
  } catch {
    return false;
  }
}

function ownKeys(value: object): PropertyKey[] {
  try {
    return Reflect.ownKeys(value);
  } catch {
    return [];
  }
}

/** Writes `value` to `target[key]`; false when the object refuses (frozen, read-only accessor). */
function write(target: object, key: PropertyKey, value: unknown): boolean {
  try {
    if (Reflect.set(target, key, value)) return true;
  } catch {
    // fall through to defineProperty
  }
  try {
    const descriptor = Object.getOwnPropertyDescriptor(target, key);
    if (descriptor && !descriptor.configurable) return false;
    Object.defineProperty(target, key, {
      value,
      writable: true,
      configurable: true,
      enumerable: descriptor?.enumerable ?? false,
    });
    return true;
  } catch {
    return false;
  }
}

function visit(node: object, walk: Walk, depth: number): void {
  if (depth > MAX_DEPTH || walk.seen.has(node) || walk.seen.size >= MAX_NODES) return;
  walk.seen.add(node);
  const keys = new Set(ownKeys(node));
  // Standard error fields may live on the prototype chain or be accessors: look at them anyway.
  if (isInstance(node, Error)) for (const key of ['message', 'stack', 'cause', 'errors']) keys.add(key);
  for (const key of keys) {
    if (typeof key === 'symbol') continue;
    const value = readProperty(node, key);
    if (typeof value === 'string') {
      const clean = redact(value, walk.options);
      // Stryker disable next-line ConditionalExpression: writing back an unchanged value changes nothing
      if (clean !== value) write(node, key, clean);
    } else if (key === 'headers' && walkable(value) && !isArraySafe(value)) {
      write(node, key, redactHeaders(value as Record<string, string | string[] | undefined>, walk.options));
    } else if (walkable(value)) {
      visit(value, walk, depth + 1);
    }
  }
}

/**
 * Redacts an error in place, with everything it carries: `message` and `stack` (a message is
 * copied into the stack when the error is made), string fields (`url`, …), response `headers`
 * (see {@link redactHeaders}), and the same for every error in its `cause` chain, `errors`
 * (AggregateError) and `attempts` (RetriesExhaustedError), so that `String(error)`, `error.stack`,
 * `JSON.stringify(error)` and any serializer show no registered secret, token shape or secret
 * query parameter. Returns the same value, so `throw redactError(error)` keeps its class, `code`
 * and identity. Fields an object refuses to change (a frozen error) stay as they were; non-error
 * values (strings, numbers, hostile objects) are returned untouched. Never throws.
 */
export function redactError<T>(error: T, options?: RedactOptions): T {
  if (walkable(error)) {
    try {
      visit(error, { options, seen: new Set() }, 0);
    } catch {
      // Best effort: a hostile object must not turn redaction into a new failure.
    }
  }
  return error;
}
