import type { CircuitBreaker } from '../circuit/CircuitBreaker.js';
import type { CircuitBreakerOptions } from '../circuit/options.js';
import type { RetryPolicyOptions } from '../retry/options.js';
import type { RetryPolicy } from '../retry/RetryPolicy.js';
import type { TimeoutManager } from '../timeout/TimeoutManager.js';
import type { CaptureHook, HealthHook, Logger, RecoveryHook } from './hooks.js';
import type { MethodsOption } from './reliable.js';

/** A method's own policies; anything left out uses the component-wide setting. */
export interface MethodOptions {
  /** Retry options or a shared RetryPolicy; `false` disables retries for this method. */
  retry?: RetryPolicyOptions | RetryPolicy | false;
  /** Breaker options or a shared CircuitBreaker; `false` disables the breaker for this method. */
  breaker?: CircuitBreakerOptions | CircuitBreaker | false;
  /** An operation name from the TimeoutManager table (e.g. `'model_download'`), ms, or `false`. */
  timeout?: string | number | false;
}

/** Any callable, for fallbacks (the component decides the real signature). */
export type AnyFunction = (...args: never[]) => unknown;

/** Defaults of {@link WithReliabilityOptions} that are numbers (the policies' own are in their files). */
export const WITH_RELIABILITY_DEFAULTS = Object.freeze({
  /** Runs of one call that recovery may ask for. */
  maxRecoveryAttempts: 1,
  /** How long a caller waits for the capture hook, in ms. */
  captureTimeout: 10_000,
});

/** Options of {@link withReliability}. */
export interface WithReliabilityOptions<T extends object> {
  /** Component name for errors, events, health and breakers. Required. */
  name: string;
  /** Default retry for every method (default: RetryPolicy defaults); `false` for none. */
  retry?: RetryPolicyOptions | RetryPolicy | false;
  /** Default breaker shared by the component's methods (default: one breaker named after it); `false` for none. */
  breaker?: CircuitBreakerOptions | CircuitBreaker | false;
  /** Default time budget: an operation name, ms, or `false` (default: the table's unknown-operation budget, 300 s). */
  timeout?: string | number | false;
  /** Resolves operation names to budgets. Default: a TimeoutManager with the built-in table. */
  timeouts?: TimeoutManager;
  /**
   * Per-method settings; `false` passes the method through untouched (no policies, no health), and
   * the wrapped type keeps the method's own (possibly synchronous) signature.
   */
  methods?: MethodsOption<T>;
  /** Version shims: a missing old method name → the new name on the component. */
  aliases?: Readonly<Record<string, string>>;
  /** Implementations for methods the component lacks (called with the component as `this`). */
  fallbacks?: Readonly<Record<string, AnyFunction>>;
  /** Asked what to do after a final failure ('retry' runs the call again). */
  recovery?: RecoveryHook;
  /** How many times recovery may ask for another run of one call. Default 1. */
  maxRecoveryAttempts?: number;
  /** Receives every call's outcome. */
  health?: HealthHook;
  /** Records rich context of final failures. */
  capture?: CaptureHook;
  /**
   * How long the caller waits for `capture` before it gets its error anyway, in ms (the capture
   * goes on in the background; an abort of the call's signal also stops the wait). Default 10 000.
   */
  captureTimeout?: number;
  /** Correlation id passed to capture (e.g. one per install run). */
  correlationId?: string;
  /** Phase passed to capture (e.g. `'download'`). */
  phase?: string;
  /** Aborts every call of the component (e.g. Ctrl-C for the whole install). */
  signal?: AbortSignal;
  /** Gets retry warnings and final failures. */
  logger?: Logger;
}
