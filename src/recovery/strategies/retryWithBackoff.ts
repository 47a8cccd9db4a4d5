import { ConfigurationError } from '../../errors/ConfigurationError.js';
import { sleep } from '../../shared/abort.js';
import { optionalBoolean, optionalDuration } from '../../shared/validate.js';
import type { RecoveryStrategy } from '../types.js';

/** Options of {@link retryWithBackoff}. */
export interface RetryWithBackoffOptions {
  /** Wait before each recovery retry, by recovery attempt (default `[1000, 2000, 4000]`); its length is the budget. */
  delays?: readonly number[];
  /** Wait at least as long as the server asked (Retry-After / RateLimit) (default `true`). */
  honorRetryAfter?: boolean;
  /** Upper bound of any single wait, in ms (default 120 000). */
  maxDelay?: number;
}

/**
 * Waits and asks for one more try, for transient failures (network, timeout, rate limits).
 * Applies only to retryable errors; gives up (`'fail'`) once `delays` is spent for the call.
 */
export function retryWithBackoff(options: RetryWithBackoffOptions = {}): RecoveryStrategy {
  const delays = options.delays ?? [1000, 2000, 4000];
  if (
    !Array.isArray(delays) ||
    delays.some((d) => typeof d !== 'number' || !(d >= 0) || !Number.isFinite(d))
  ) {
    throw new ConfigurationError('retryWithBackoff.delays', 'an array of non-negative numbers of ms', delays);
  }
  const honorRetryAfter =
    optionalBoolean('retryWithBackoff.honorRetryAfter', options.honorRetryAfter) ?? true;
  const maxDelay = optionalDuration('retryWithBackoff.maxDelay', options.maxDelay) ?? 120_000;
  return {
    name: 'retry-with-backoff',
    description: 'Waits a little longer each time and tries again; transient failures often pass.',
    applies: (ctx) => ctx.classification.retryable,
    async run(ctx) {
      const planned = delays[ctx.recoveryAttempts];
      if (planned === undefined) {
        ctx.note(`retry budget of ${delays.length} spent`);
        return 'fail';
      }
      const server = honorRetryAfter ? (ctx.classification.retryAfterMs ?? 0) : 0;
      const wait = Math.min(Math.max(planned, server), maxDelay);
      ctx.note(`waited ${Math.round(wait)} ms before retry ${ctx.recoveryAttempts + 1} of ${delays.length}`);
      await sleep(wait, ctx.signal, 'recovery retry-with-backoff');
      return 'retry';
    },
  };
}
