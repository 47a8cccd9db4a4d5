import { ConfigurationError } from '../../errors/ConfigurationError.js';
import { isInstance } from '../../errors/thrown.js';
import { CircuitBreaker } from '../circuit/CircuitBreaker.js';
import { RetryPolicy } from '../retry/RetryPolicy.js';
import { TimeoutManager } from '../timeout/TimeoutManager.js';

/** `value[key]`; a getter that throws is a configuration error, not a crash later. */
function field(option: string, value: object, key: string): unknown {
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    throw new ConfigurationError(option, 'a readable value', '[a getter that throws]');
  }
}

/** undefined, or an object whose `methods` are functions (the hook's interface). */
function hook(
  option: string,
  value: unknown,
  required: readonly string[],
  optional: readonly string[] = [],
): void {
  if (value === undefined) return;
  const expected = `an object with ${required.map((m) => `${m}()`).join(' and ')}`;
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) {
    throw new ConfigurationError(option, expected, value);
  }
  for (const name of required) {
    if (typeof field(`${option}.${name}`, value, name) !== 'function') {
      throw new ConfigurationError(`${option}.${name}`, 'a function', field(option, value, name));
    }
  }
  for (const name of optional) {
    const member = field(`${option}.${name}`, value, name);
    if (member !== undefined && typeof member !== 'function') {
      throw new ConfigurationError(`${option}.${name}`, 'a function or nothing', member);
    }
  }
}

/** undefined, or a plain table whose every own value passes `check`. */
function table(
  option: string,
  value: unknown,
  expectation: string,
  check: (entry: unknown) => boolean,
): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigurationError(option, 'an object', value);
  }
  for (const key of Object.keys(value)) {
    const entry = field(`${option}.${key}`, value, key);
    if (!check(entry)) throw new ConfigurationError(`${option}.${key}`, expectation, entry);
  }
}

/**
 * `retry` / `breaker`: the policy, its options object or false. The options themselves are checked
 * by the policy when the first method is read; a wrong kind of value is caught here, at wrap time.
 */
function policyOption(
  option: string,
  value: unknown,
  type: abstract new (...args: never[]) => object,
  label: string,
): void {
  if (value === undefined || value === false || isInstance(value, type)) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigurationError(option, `${label}, its options object, or false`, value);
  }
}

function optionalString(option: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'string')
    throw new ConfigurationError(option, 'a string', value);
}

/**
 * Checks the options of withReliability that are used later, at call time or after a failure, so
 * that a mistake surfaces as a ConfigurationError when the component is wrapped rather than as a
 * TypeError in the middle of an install (or, worse, in place of the error being reported).
 * `retry` and `breaker` settings are validated by the policies when the first method is read.
 */
export function validateWithReliabilityOptions(options: object): void {
  const get = (key: string) => field(`withReliability options.${key}`, options, key);
  table(
    'withReliability options.methods',
    get('methods'),
    'false or a MethodOptions object',
    (entry) => entry === undefined || entry === false || (typeof entry === 'object' && entry !== null),
  );
  table(
    'withReliability options.aliases',
    get('aliases'),
    'the name of a method of the component',
    (entry) => typeof entry === 'string' && entry.length > 0,
  );
  table(
    'withReliability options.fallbacks',
    get('fallbacks'),
    'a function',
    (entry) => typeof entry === 'function',
  );
  policyOption('withReliability options.retry', get('retry'), RetryPolicy, 'a RetryPolicy');
  policyOption('withReliability options.breaker', get('breaker'), CircuitBreaker, 'a CircuitBreaker');
  hook('withReliability options.health', get('health'), ['record']);
  hook('withReliability options.recovery', get('recovery'), ['recover']);
  hook('withReliability options.capture', get('capture'), ['capture']);
  hook('withReliability options.logger', get('logger'), ['warn', 'error'], ['debug', 'info']);
  optionalString('withReliability options.correlationId', get('correlationId'));
  optionalString('withReliability options.phase', get('phase'));
  const signal = get('signal');
  if (signal !== undefined && !isInstance(signal, AbortSignal)) {
    throw new ConfigurationError('withReliability options.signal', 'an AbortSignal', signal);
  }
  const timeouts = get('timeouts');
  if (timeouts !== undefined && !isInstance(timeouts, TimeoutManager)) {
    throw new ConfigurationError('withReliability options.timeouts', 'a TimeoutManager', timeouts);
  }
  const timeout = get('timeout');
  if (
    timeout !== undefined &&
    timeout !== false &&
    !(typeof timeout === 'string' && timeout.length > 0) &&
    !(typeof timeout === 'number' && timeout > 0)
  ) {
    throw new ConfigurationError(
      'withReliability options.timeout',
      'an operation name, a positive number of ms, or false',
      timeout,
    );
  }
}
