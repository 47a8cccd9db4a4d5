import { ReliabilityError } from './ReliabilityError.js';

/** The server asked to wait longer than the retry policy's `maxRetryAfter`; the wait is in the error. */
export class RetryAfterTooLongError extends ReliabilityError {
  /** How long the server asked to wait, in milliseconds. */
  readonly retryAfterMs: number;
  /** The policy's cap, in milliseconds. */
  readonly maxRetryAfterMs: number;

  constructor(retryAfterMs: number, maxRetryAfterMs: number, options: { cause?: unknown } = {}) {
    const wait = Math.ceil(retryAfterMs / 1000);
    super(
      `The server asked to wait ${wait} s before retrying, longer than the allowed ${Math.ceil(maxRetryAfterMs / 1000)} s`,
      'ERR_RETRY_AFTER_TOO_LONG',
      'rate_limit',
      {
        ...options,
        remediation: [
          `Wait ${wait} s and run the operation again, or raise maxRetryAfter to let the installer wait.`,
          'Use an access token (e.g. HF_TOKEN) for higher rate limits, or configure a mirror.',
        ],
      },
    );
    this.retryAfterMs = retryAfterMs;
    this.maxRetryAfterMs = maxRetryAfterMs;
  }
}
