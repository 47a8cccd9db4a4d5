import type { ErrorClassification } from '../errors/classify.js';

/** Payload of the `retry` event, also given to `onRetry` and `decide`. */
export interface RetryInfo {
  /** The operation name. */
  readonly operation: string;
  /** The attempt that just failed (1-based). */
  readonly attempt: number;
  /** What it threw. */
  readonly error: unknown;
  /** How it was classified. */
  readonly classification: ErrorClassification;
  /** How long the policy will wait before the next attempt, in ms. */
  readonly delayMs: number;
  /** Retries left after this one (Infinity for an unbounded budget). */
  readonly retriesLeft: number;
  /** Whether the delay came from the server (Retry-After / RateLimit). */
  readonly serverDirected: boolean;
}

/** Payload of the `retry:give-up` event. */
export interface RetryGiveUpInfo {
  /** The operation name. */
  readonly operation: string;
  /** Attempts made in all. */
  readonly attempts: number;
  /** Why retrying stopped. */
  readonly reason: 'exhausted' | 'not-retryable' | 'skipped' | 'retry-after-too-long' | 'cancelled';
  /** The error the call rejects with (a RetriesExhaustedError when `exhausted`). */
  readonly error: unknown;
}

/** Events of a RetryPolicy. */
export interface RetryEvents {
  /** An attempt failed and another follows after `delayMs`. */
  retry: RetryInfo;
  /** The policy stopped retrying; the call rejects. */
  'retry:give-up': RetryGiveUpInfo;
}
