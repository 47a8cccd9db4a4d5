import { ConfigurationError } from '../../errors/ConfigurationError.js';
import { classifyError } from '../../errors/classify.js';
import {
  optionalCount,
  optionalDuration,
  optionalFunction,
  optionalNumber,
  optionalObject,
} from '../../shared/validate.js';
import { CIRCUIT_DEFAULTS } from './defaults.js';
import { isSavedCircuitState, type SavedCircuitState } from './state.js';

/** Options of a CircuitBreaker; every field is optional and has a documented default. */
export interface CircuitBreakerOptions {
  /** Name shown in errors, events, health and the registry. Default `'circuit-<n>'`. */
  name?: string;
  /** Open after this many failures in a row. Default 5. */
  consecutiveFailures?: number;
  /** Open when the failure rate in the window exceeds this percentage. Default 50. */
  errorThresholdPercentage?: number;
  /** Minimum calls in the window before the rate counts. Default 5. */
  volumeThreshold?: number;
  /** Rolling window length in ms. Default 10 000. */
  rollingWindow?: number;
  /** Cool-down before trial calls, in ms. Default 60 000. */
  resetTimeout?: number;
  /** Trial calls admitted when half-open; that many successes close it. Default 1. */
  halfOpenProbes?: number;
  /**
   * Whether an error counts against the breaker. Default: retryable errors and unknown errors
   * count; a 404, bad input or a cancellation does not (the service itself answered).
   */
  isFailure?: (error: unknown) => boolean;
  /** A state saved with `toJSON()`, to restore after a restart. */
  state?: SavedCircuitState;
}

/** Options after validation, with defaults applied. */
export interface ResolvedCircuitOptions {
  /** Breaker name. */
  readonly name: string;
  /** Failures in a row that open the breaker. */
  readonly consecutiveFailures: number;
  /** Failure rate (percent) in the window that opens it. */
  readonly errorThresholdPercentage: number;
  /** Calls the window must hold before the rate counts. */
  readonly volumeThreshold: number;
  /** Window length in ms. */
  readonly rollingWindow: number;
  /** Cool-down in ms. */
  readonly resetTimeout: number;
  /** Trial calls admitted when half-open. */
  readonly halfOpenProbes: number;
  /** Which errors count as failures. */
  readonly isFailure: (error: unknown) => boolean;
  /** Saved state restored at construction. */
  readonly state: SavedCircuitState | undefined;
}

/** The default failure predicate, see {@link CircuitBreakerOptions.isFailure}. */
export function defaultIsFailure(error: unknown): boolean {
  const { category, retryable } = classifyError(error);
  if (category === 'cancelled' || category === 'circuit_open') return false;
  return retryable || category === 'unknown';
}

/** Longest delay setTimeout honours; Node turns anything longer (Infinity too) into 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;
/** The rolling window is split into this many buckets, each rotated by its own interval. */
const WINDOW_BUCKETS = 10;

/** A duration that ends up in a timer: longer ones would fire after 1 ms instead of never. */
function timerDuration(option: string, value: unknown, max: number): number | undefined {
  const duration = optionalDuration(option, value);
  if (duration !== undefined && duration > max) {
    throw new ConfigurationError(option, `a positive number of milliseconds up to ${max}`, value);
  }
  return duration;
}

let unnamed = 0;

/** Validates user options strictly and applies the defaults. */
export function resolveCircuitOptions(options: CircuitBreakerOptions = {}): ResolvedCircuitOptions {
  optionalObject('CircuitBreaker options', options);
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name.length === 0)) {
    throw new ConfigurationError('CircuitBreaker.name', 'a non-empty string', options.name);
  }
  if (options.state !== undefined && !isSavedCircuitState(options.state)) {
    throw new ConfigurationError(
      'CircuitBreaker.state',
      "a saved state from toJSON(): { state: 'closed' | 'open', openedAt? }",
      options.state,
    );
  }
  const percentage = optionalNumber(
    'CircuitBreaker.errorThresholdPercentage',
    options.errorThresholdPercentage,
  );
  if (percentage !== undefined && percentage > 100) {
    throw new ConfigurationError(
      'CircuitBreaker.errorThresholdPercentage',
      'a number from 0 to 100',
      percentage,
    );
  }
  const probes = optionalCount('CircuitBreaker.halfOpenProbes', options.halfOpenProbes);
  if (probes === 0) throw new ConfigurationError('CircuitBreaker.halfOpenProbes', 'an integer ≥ 1', probes);
  const consecutive = optionalCount('CircuitBreaker.consecutiveFailures', options.consecutiveFailures, true);
  if (consecutive === 0)
    throw new ConfigurationError(
      'CircuitBreaker.consecutiveFailures',
      'an integer ≥ 1 or Infinity',
      consecutive,
    );
  unnamed += options.name === undefined ? 1 : 0;
  return {
    name: options.name ?? `circuit-${unnamed}`,
    consecutiveFailures: consecutive ?? CIRCUIT_DEFAULTS.consecutiveFailures,
    errorThresholdPercentage: percentage ?? CIRCUIT_DEFAULTS.errorThresholdPercentage,
    volumeThreshold:
      optionalCount('CircuitBreaker.volumeThreshold', options.volumeThreshold) ??
      CIRCUIT_DEFAULTS.volumeThreshold,
    rollingWindow:
      timerDuration('CircuitBreaker.rollingWindow', options.rollingWindow, MAX_TIMER_MS * WINDOW_BUCKETS) ??
      CIRCUIT_DEFAULTS.rollingWindow,
    resetTimeout:
      timerDuration('CircuitBreaker.resetTimeout', options.resetTimeout, MAX_TIMER_MS) ??
      CIRCUIT_DEFAULTS.resetTimeout,
    halfOpenProbes: probes ?? CIRCUIT_DEFAULTS.halfOpenProbes,
    isFailure: optionalFunction('CircuitBreaker.isFailure', options.isFailure) ?? defaultIsFailure,
    state: options.state,
  };
}
