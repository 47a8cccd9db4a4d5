import { ConfigurationError } from '../errors/ConfigurationError.js';
import { isArraySafe } from '../errors/thrown.js';

/** Throws ConfigurationError unless `value` is undefined or a non-negative integer (or Infinity when allowed). */
export function optionalCount(option: string, value: unknown, allowInfinity = false): number | undefined {
  if (value === undefined) return undefined;
  if (
    typeof value === 'number' &&
    ((Number.isInteger(value) && value >= 0) || (allowInfinity && value === Number.POSITIVE_INFINITY))
  ) {
    return value;
  }
  throw new ConfigurationError(
    option,
    allowInfinity ? 'a non-negative integer or Infinity' : 'a non-negative integer',
    value,
  );
}

/** Throws ConfigurationError unless `value` is undefined or a finite number ≥ `min`. */
export function optionalNumber(option: string, value: unknown, min = 0): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isFinite(value) && value >= min) return value;
  throw new ConfigurationError(option, `a finite number ≥ ${min}`, value);
}

/** Throws ConfigurationError unless `value` is undefined or a positive duration in ms (Infinity allowed). */
export function optionalDuration(option: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && value > 0 && !Number.isNaN(value)) return value;
  throw new ConfigurationError(option, 'a positive number of milliseconds', value);
}

/** Throws ConfigurationError unless `value` is undefined or a function. */
export function optionalFunction<F>(option: string, value: unknown): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'function') return value as F;
  throw new ConfigurationError(option, 'a function', value);
}

/** Throws ConfigurationError unless `value` is undefined or one of `allowed`. */
export function optionalOneOf<T extends string>(
  option: string,
  value: unknown,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigurationError(option, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
}

/** Throws ConfigurationError unless `value` is undefined or a boolean. */
export function optionalBoolean(option: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'boolean') return value;
  throw new ConfigurationError(option, 'true or false', value);
}

/** Throws ConfigurationError unless `value` is an object other than an array (or undefined). */
export function optionalObject<T extends object>(option: string, value: unknown): T | undefined {
  if (value === undefined) return undefined;
  // An array is an object to `typeof` but never an options object: `new X([…])` is a mistake.
  if (typeof value === 'object' && value !== null && !isArraySafe(value)) return value as T;
  throw new ConfigurationError(option, 'an options object', value);
}
