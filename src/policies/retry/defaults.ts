/** Defaults of {@link RetryPolicyOptions}; see docs/policies.md for the table. */
export const RETRY_DEFAULTS = Object.freeze({
  /** Retries after the first attempt (so 4 attempts in all). */
  retries: 3,
  /** Delays before retries 1, 2 and 3, in ms; beyond the end the last one doubles. */
  delays: Object.freeze([2000, 4000, 8000]) as readonly number[],
  /** No delay ever exceeds this, in ms. */
  maxDelay: 60_000,
  /** Jitter mode. */
  jitter: 'none' as const,
  /** Spread of the `bounded` jitter mode (±20 %). */
  jitterRatio: 0.2,
  /** Whether Retry-After / RateLimit headers replace the scheduled delay. */
  honorRetryAfter: true,
  /** Longest server-directed wait honoured, in ms; longer waits fail with RetryAfterTooLongError. */
  maxRetryAfter: 120_000,
});
