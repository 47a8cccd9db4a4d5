/**
 * Safe looks at thrown values. JavaScript can throw anything: `null`, a string, an object whose
 * getters throw, a revoked Proxy (every property read, `instanceof` and `Array.isArray` throw), an
 * object whose `toString` throws. The policies must report and rethrow such a value, never fail
 * with the error a getter threw; every read of a thrown value in the package goes through here.
 */

/** `value[key]`, or `undefined` when reading it throws (a hostile getter, a revoked Proxy). */
export function readProperty(value: unknown, key: PropertyKey): unknown {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined;
  try {
    return (value as Record<PropertyKey, unknown>)[key];
  } catch {
    return undefined;
  }
}

/** `value instanceof type`, or false when the check throws (a revoked Proxy, a hostile prototype). */
export function isInstance<T>(value: unknown, type: abstract new (...args: never[]) => T): value is T {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  try {
    return value instanceof type;
  } catch {
    return false;
  }
}

/** `Array.isArray(value)`, or false when it throws (a revoked Proxy). */
export function isArraySafe(value: unknown): value is readonly unknown[] {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

/**
 * A one-line description of any thrown value for messages: an Error's `message`, a string as is,
 * else `String(value)`; when even that throws, `[unprintable <type>]`. Never throws.
 */
export function describeThrown(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isInstance(value, Error)) {
    const message = readProperty(value, 'message');
    if (typeof message === 'string') return message;
  }
  try {
    return String(value);
  } catch {
    return `[unprintable ${value === null ? 'null' : typeof value}]`;
  }
}
