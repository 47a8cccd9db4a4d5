import type { ErrorCategory } from '../../errors/category.js';
import { RetriesExhaustedError } from '../../errors/RetriesExhaustedError.js';
import { RetryableResultError } from '../../errors/RetryableResultError.js';
import { isThenable } from '../../shared/abort.js';
import type { PolicyFunction } from '../policy/types.js';

/**
 * What `retryOnResult` answers for a result: `false` / `undefined` accepts it; `true` retries on the
 * policy's schedule; an object retries too, after `retryAfterMs` when given (a server-directed wait,
 * capped by `maxRetryAfter` like Retry-After on errors), with `category` for events and
 * classification, and `discard()` called when the result is dropped for a new attempt (e.g. to
 * cancel an unread response body). The result that ends the retries is never discarded.
 */
export type ResultVerdict =
  | boolean
  | undefined
  | {
      /** Wait this long before the next attempt, ms. */
      readonly retryAfterMs?: number | undefined;
      /** What the failure is, for events and classifyError (default `'unknown'`). */
      readonly category?: ErrorCategory | undefined;
      /** The HTTP status, when the result is an HTTP response. */
      readonly status?: number | undefined;
      /** Short description for the message, e.g. `HTTP 503`. */
      readonly description?: string | undefined;
      /** Releases the result when another attempt replaces it. */
      readonly discard?: (() => void) | undefined;
    };

/** Judges results: the `retryOnResult` option. */
export type ResultJudge = (result: unknown) => ResultVerdict;

/** A rejected result on its way through the retry loop, with what releases it. */
class JudgedResult extends RetryableResultError {
  readonly discard: (() => void) | undefined;

  constructor(result: unknown, verdict: Exclude<ResultVerdict, boolean | undefined> | true) {
    const details = verdict === true ? {} : verdict;
    super(result, {
      ...(details.category === undefined ? {} : { category: details.category }),
      ...(details.retryAfterMs === undefined ? {} : { retryAfterMs: details.retryAfterMs }),
      ...(details.status === undefined ? {} : { status: details.status }),
      ...(details.description === undefined ? {} : { description: details.description }),
    });
    this.discard = details.discard;
    // Listeners see a plain RetryableResultError.
    this.name = 'RetryableResultError';
  }
}

/**
 * `fn` with its results judged: a result `judge` wants retried is thrown as a RetryableResultError,
 * so the retry loop treats it like a failure (schedule, Retry-After, decide, events). The result an
 * attempt replaces is discarded when the next attempt starts.
 */
export function judgeResults<T>(fn: PolicyFunction<T>, judge: ResultJudge): PolicyFunction<T> {
  let pending: JudgedResult | undefined;
  const check = (result: T): T => {
    const verdict = judge(result);
    if (verdict === false || verdict === undefined || verdict === null) return result;
    pending = new JudgedResult(result, verdict);
    throw pending;
  };
  return (ctx) => {
    const previous = pending;
    pending = undefined;
    if (previous?.discard) {
      try {
        previous.discard();
      } catch {
        // Releasing a dropped result is best effort; it must not fail the new attempt.
      }
    }
    const result = fn(ctx);
    return isThenable<T>(result) ? Promise.resolve(result).then(check) : check(result);
  };
}

/**
 * The result to resolve with when retries ended on a rejected result (exhausted, skipped by
 * `decide`, vetoed by `retryOn`, a too-long Retry-After); otherwise the error is rethrown. Why
 * resolve: the result is a valid value of the call (a Response is still a Response), and the caller
 * would check it anyway (`response.ok`) — turning it into an error would lose it, like Polly's
 * Outcome keeps the last result.
 */
export function resolveRejectedResult<T>(error: unknown): T {
  const judged = judgedIn(error);
  if (judged) return judged.result as T;
  throw error;
}

function judgedIn(error: unknown): JudgedResult | undefined {
  if (error instanceof JudgedResult) return error;
  if (error instanceof RetriesExhaustedError) {
    const last = error.attempts.at(-1)?.error;
    return last instanceof JudgedResult ? last : undefined;
  }
  // RetryAfterTooLongError carries the rejected result as its cause.
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause instanceof JudgedResult && (error as { code?: unknown }).code === 'ERR_RETRY_AFTER_TOO_LONG'
    ? cause
    : undefined;
}
