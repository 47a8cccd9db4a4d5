import type { ErrorClassification } from './classify.js';
import { ReliabilityError } from './ReliabilityError.js';
import { describeThrown } from './thrown.js';

/** One failed attempt as recorded by RetryPolicy. */
export interface AttemptFailure {
  /** 1-based attempt number. */
  readonly attempt: number;
  /** What the attempt threw. */
  readonly error: unknown;
  /** How classifyError saw it. */
  readonly classification: ErrorClassification;
}

/**
 * How many of the first and of the last failed attempts a retry sequence keeps (so at most
 * `2 × ATTEMPTS_KEPT` errors are held): `retries: Infinity` must not hold every error it ever saw.
 * The attempts in between are only counted.
 */
export const ATTEMPTS_KEPT = 10;

/** Options of a {@link RetriesExhaustedError}. */
export interface RetriesExhaustedErrorOptions {
  /**
   * How many attempts failed in all, when `attempts` holds only a window of them. Default (and
   * never less than) `attempts.length`.
   */
  readonly totalAttempts?: number;
}

/**
 * Every attempt failed and the retry budget is spent. The category is that of the last
 * attempt's error, `cause` is the last error (exactly the value thrown, whatever it is).
 * `attempts` holds the first and the last {@link ATTEMPTS_KEPT} attempts (all of them when there
 * were at most twice that many); `totalAttempts` counts them all.
 */
export class RetriesExhaustedError extends ReliabilityError {
  /** How many of the first and of the last failed attempts `attempts` keeps (10). */
  static readonly ATTEMPTS_KEPT = ATTEMPTS_KEPT;
  /** The first and last {@link ATTEMPTS_KEPT} failed attempts, in order (see `totalAttempts`). */
  readonly attempts: readonly AttemptFailure[];
  /** How many attempts failed in all. */
  readonly totalAttempts: number;
  /** Attempts counted but not kept in `attempts` (those between the first and the last ones). */
  readonly omittedAttempts: number;

  constructor(
    operation: string,
    attempts: readonly AttemptFailure[],
    options: RetriesExhaustedErrorOptions = {},
  ) {
    const stated = options.totalAttempts;
    const total =
      typeof stated === 'number' && Number.isSafeInteger(stated) && stated > attempts.length
        ? stated
        : attempts.length;
    const kept =
      attempts.length > 2 * ATTEMPTS_KEPT
        ? [...attempts.slice(0, ATTEMPTS_KEPT), ...attempts.slice(-ATTEMPTS_KEPT)]
        : [...attempts];
    const last = attempts[attempts.length - 1];
    // Whatever was thrown (a string, null, an object whose getters throw) can be described.
    const lastMessage = last ? describeThrown(last.error) : 'no attempt recorded';
    super(
      `"${operation}" failed after ${total} attempt${total === 1 ? '' : 's'}: ${lastMessage}`,
      'ERR_RETRIES_EXHAUSTED',
      last?.classification.category ?? 'unknown',
      { cause: last?.error, ...(last ? { remediation: last.classification.remediation } : {}) },
    );
    this.attempts = kept;
    this.totalAttempts = total;
    this.omittedAttempts = total - kept.length;
  }
}
