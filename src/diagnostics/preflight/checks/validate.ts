// Option checks of the built-in check factories. A mistake throws ConfigurationError naming the
// option as `checks.<factory>.<option>` when the check is created, before anything runs: a typo in
// an installer's preflight list must not surface as a check that "crashed" on the user's machine.
import { ConfigurationError } from '../../../errors/ConfigurationError.js';
import type { CheckOptions } from '../types.js';

/** How a factory's option is named in errors: `checks.diskSpace.path`. */
function name(factory: string, option: string): string {
  return `checks.${factory}.${option}`;
}

/**
 * The options object of a factory. `shorthand` names the option a string argument stands for
 * (`writable('/models')` is `{ path: '/models' }`); without one, only an object is accepted.
 */
export function checkOptions<T extends object>(
  factory: string,
  value: unknown,
  shorthand?: keyof T & string,
): T {
  if (shorthand !== undefined && typeof value === 'string') return { [shorthand]: value } as T;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    checkCommon(factory, value as CheckOptions);
    return value as T;
  }
  if (shorthand !== undefined) {
    throw new ConfigurationError(name(factory, shorthand), `a string or { ${shorthand}, … }`, value);
  }
  throw new ConfigurationError(`checks.${factory} options`, 'an options object', value);
}

/** `id` and `timeout`, which every factory takes. */
function checkCommon(factory: string, options: CheckOptions): void {
  optionalString(factory, 'id', options.id);
  optionalMilliseconds(factory, 'timeout', options.timeout);
}

/** A non-empty string. */
export function requireString(factory: string, option: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw new ConfigurationError(name(factory, option), 'a non-empty string', value);
  }
  return value;
}

/** undefined or a non-empty string. */
export function optionalString(factory: string, option: string, value: unknown): string | undefined {
  return value === undefined ? undefined : requireString(factory, option, value);
}

/** A finite number of bytes ≥ 0. */
export function requireBytes(factory: string, option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigurationError(name(factory, option), 'a finite number of bytes ≥ 0', value);
  }
  return value;
}

/** undefined or a finite number of bytes ≥ 0. */
export function optionalBytes(factory: string, option: string, value: unknown): number | undefined {
  return value === undefined ? undefined : requireBytes(factory, option, value);
}

/** undefined or a finite number of milliseconds > 0 (a timer cannot wait NaN or forever). */
export function optionalMilliseconds(factory: string, option: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  throw new ConfigurationError(name(factory, option), 'a finite number of milliseconds > 0', value);
}

/** undefined or a function. */
export function optionalFunction<F>(factory: string, option: string, value: unknown): F | undefined {
  if (value === undefined || typeof value === 'function') return value as F | undefined;
  throw new ConfigurationError(name(factory, option), 'a function', value);
}

/** undefined or true / false. */
export function optionalBoolean(factory: string, option: string, value: unknown): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw new ConfigurationError(name(factory, option), 'true or false', value);
}

/** undefined or a table of strings (headers, an environment). */
export function optionalStrings(
  factory: string,
  option: string,
  value: unknown,
  allowUndefined = false,
): Readonly<Record<string, string | undefined>> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigurationError(name(factory, option), 'an object of strings', value);
  }
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string' && !(allowUndefined && entry === undefined)) {
      throw new ConfigurationError(name(factory, `${option}.${key}`), 'a string', entry);
    }
  }
  return value as Readonly<Record<string, string | undefined>>;
}

/** A semver range (`>=3.10 <3.13`); `isRange` is semver's validRange, loaded by the caller. */
export function requireRange(factory: string, value: unknown, isRange: (range: string) => boolean): string {
  if (typeof value === 'string' && isRange(value)) return value;
  throw new ConfigurationError(name(factory, 'range'), "a semver range such as '>=20.19'", value);
}

/** A ConfigurationError for `checks.<factory>.<option>` (for checks of their own). */
export function invalidOption(factory: string, option: string, expectation: string, value: unknown): never {
  throw new ConfigurationError(name(factory, option), expectation, value);
}
