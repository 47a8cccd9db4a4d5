import type { ErrorCategory } from './category.js';
import { ReliabilityError } from './ReliabilityError.js';

/** Options for {@link RetryableResultError}. */
export interface RetryableResultErrorOptions {
  /** What kind of failure the result stands for (default `'unknown'`; a fetch Response: from its status). */
  readonly category?: ErrorCategory;
  /** How long the result asked to wait before the next attempt (Retry-After / RateLimit), ms. */
  readonly retryAfterMs?: number;
  /** The HTTP status, when the result is an HTTP response. */
  readonly status?: number;
  /** What the message says the result was (e.g. `HTTP 503`); default `a result`. */
  readonly description?: string;
}

/**
 * A result that RetryPolicy's `retryOnResult` judged a failure (a fetch Response with 503, say).
 * It is what retry listeners, `onRetry` and `decide` see as the attempt's `error`; the caller never
 * gets it: when retries end on such a result, `execute()` resolves with the result itself.
 */
export class RetryableResultError extends ReliabilityError {
  /** The result the attempt produced. */
  readonly result: unknown;
  /** Always true: the result was judged worth another attempt. */
  readonly retryable = true;
  /** Server-directed wait before the next attempt, ms (absent: the policy's schedule). */
  readonly retryAfterMs: number | undefined;
  /** The HTTP status, when the result is an HTTP response. */
  readonly status: number | undefined;

  constructor(result: unknown, options: RetryableResultErrorOptions = {}) {
    super(
      `The attempt returned ${options.description ?? 'a result'} that retryOnResult asked to retry`,
      'ERR_RETRYABLE_RESULT',
      options.category ?? 'unknown',
    );
    this.result = result;
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
  }
}
