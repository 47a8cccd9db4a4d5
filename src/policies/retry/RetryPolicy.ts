import type PRetry from 'p-retry';
import { ConfigurationError } from '../../errors/ConfigurationError.js';
import { classifyError, type ErrorClassification } from '../../errors/classify.js';
import { ATTEMPTS_KEPT, RetriesExhaustedError } from '../../errors/RetriesExhaustedError.js';
import { RetryAfterTooLongError } from '../../errors/RetryAfterTooLongError.js';
import { isInstance } from '../../errors/thrown.js';
import { ReliabilityEmitter } from '../../events/emitter.js';
import type { RetryEvents, RetryGiveUpInfo, RetryInfo } from '../../events/retryEvents.js';
import { abortError, isThenable, raceAbort, sleep } from '../../shared/abort.js';
import { lazyRequire } from '../../shared/lazyRequire.js';
import { notify } from '../../shared/observer.js';
import { callInContext, LazyContext } from '../policy/context.js';
import { DEFAULT_OPERATION, type ExecuteOptions, type Policy, type PolicyFunction } from '../policy/types.js';
import { AttemptWindow } from './attemptWindow.js';
import { nextDelay } from './backoff.js';
import {
  type ResolvedRetryOptions,
  type RetryDecision,
  type RetryPolicyOptions,
  resolveRetryOptions,
} from './options.js';
import { judgeResults, resolveRejectedResult } from './resultRetry.js';

/** p-retry, loaded on the first failure (a call that succeeds never needs it; see lazyRequire). */
const pRetry: typeof PRetry = (input, options) =>
  lazyRequire<{ default: typeof PRetry }>('p-retry').default(input, options);

/** Mutable bookkeeping of one execute() call once it has failed at least once. */
interface RetryRun {
  readonly operation: string;
  readonly signal: AbortSignal | undefined;
  /** The first and last failures and their count (never all of them: retries may be Infinity). */
  readonly failures: AttemptWindow;
  budget: number;
  previousDelay: number | undefined;
}

/**
 * Retries a failing operation on an explicit delay schedule (default 2 s, 4 s, 8 s), honouring
 * server-directed waits (Retry-After, RateLimit) and an optional user decision hook.
 *
 * The first attempt runs directly, with no timers or retry machinery; p-retry takes over only after
 * a failure, so the success path costs almost nothing.
 *
 * @example
 * ```ts
 * const retry = new RetryPolicy({ retries: 3, delays: [500, 1000, 2000] });
 * const body = await retry.execute(({ signal }) => fetch(url, { signal }), { operation: 'fetch-index' });
 * ```
 */
export class RetryPolicy extends ReliabilityEmitter<RetryEvents> implements Policy {
  /** The validated options with defaults applied. */
  readonly options: ResolvedRetryOptions;

  constructor(options: RetryPolicyOptions = {}) {
    super();
    this.options = resolveRetryOptions(options);
  }

  /**
   * Runs `fn`, retrying retryable failures (and results `retryOnResult` rejects); see the class
   * description.
   */
  execute<T>(fn: PolicyFunction<T>, options: ExecuteOptions = {}): Promise<T> {
    const judge = this.options.retryOnResult;
    if (judge === undefined) return this.#execute(fn, options);
    return this.#execute(judgeResults(fn, judge), options).catch(resolveRejectedResult<T>);
  }

  #execute<T>(fn: PolicyFunction<T>, options: ExecuteOptions): Promise<T> {
    const signal = options.signal;
    const operation = options.operation ?? DEFAULT_OPERATION;
    if (signal?.aborted) return Promise.reject(abortError(signal, operation));
    let first: T | PromiseLike<T>;
    try {
      first = callInContext(new LazyContext(operation, 1, signal), fn);
    } catch (error) {
      return this.continueAfterFailure(fn, error, { operation, signal });
    }
    if (!isThenable<T>(first)) return Promise.resolve(first);
    const settled = signal ? raceAbort(first, signal, operation) : first;
    return Promise.resolve(settled).then(undefined, (error: unknown) =>
      this.continueAfterFailure(fn, error, { operation, signal }),
    );
  }

  /**
   * Continues a retry sequence whose first attempt already ran and failed with `firstError`
   * (attempt 2 is the next call of `fn`). For pipelines that run the first attempt themselves.
   * @internal
   */
  async continueAfterFailure<T>(
    fn: PolicyFunction<T>,
    firstError: unknown,
    options: { operation: string; signal: AbortSignal | undefined },
  ): Promise<T> {
    const { operation, signal } = options;
    const run: RetryRun = {
      operation,
      signal,
      failures: new AttemptWindow(ATTEMPTS_KEPT),
      budget: this.options.retries,
      previousDelay: undefined,
    };
    if (signal?.aborted) throw abortError(signal, operation);
    try {
      // p-retry replays the failure we already saw as its attempt 1, so attempt numbers line up.
      return await pRetry(
        async (attempt) => {
          if (attempt === 1) throw new AttemptFailed(firstError);
          try {
            const result = callInContext(new LazyContext(operation, attempt, signal), fn);
            return isThenable<T>(result) ? await raceAbort(result, signal, operation) : result;
          } catch (error) {
            throw new AttemptFailed(error);
          }
        },
        {
          retries: Number.POSITIVE_INFINITY,
          minTimeout: 0,
          factor: 1,
          ...(signal ? { signal } : {}),
          shouldRetry: ({ error, attemptNumber }) => this.#beforeRetry(run, unwrap(error), attemptNumber),
        },
      );
    } catch (error) {
      if (signal?.aborted) {
        const cancelled = abortError(signal, operation);
        this.#giveUp(run, 'cancelled', cancelled);
        throw cancelled;
      }
      throw unwrap(error);
    }
  }

  /** Decides about one failure; resolves true after waiting, false to rethrow, or throws. */
  async #beforeRetry(run: RetryRun, error: unknown, attempt: number): Promise<boolean> {
    const options = this.options;
    const classification = classifyError(error, { classifiers: options.classifiers });
    run.failures.push({ attempt, error, classification });
    if (run.signal?.aborted) return false;
    const retryable = options.retryOn
      ? retryOnSafe(options.retryOn, error, classification)
      : classification.retryable;
    if (!retryable) {
      this.#giveUp(run, 'not-retryable', error);
      return false;
    }
    if (attempt > run.budget) throw this.#exhausted(run);

    const { delayMs, serverDirected } = this.#delayFor(run, classification, attempt, error);
    let info = this.#info(run, attempt, error, classification, delayMs, serverDirected);
    if (options.decide) {
      // A prompt may wait for a person indefinitely; an abort (Ctrl-C) must not wait for the answer.
      const decision = await raceAbort(Promise.resolve(options.decide(info)), run.signal, run.operation);
      if (decision === 'skip') {
        this.#giveUp(run, 'skipped', error);
        return false;
      }
      if (decision !== 'retry') {
        run.budget = validBudget(decision);
        if (attempt > run.budget) throw this.#exhausted(run);
        info = this.#info(run, attempt, error, classification, delayMs, serverDirected);
      }
    }
    const onRetry = options.onRetry;
    if (onRetry) notify('RetryPolicy onRetry', () => onRetry(info));
    this.announce('retry', info);
    run.previousDelay = delayMs;
    await sleep(delayMs, run.signal, run.operation);
    return true;
  }

  #delayFor(
    run: RetryRun,
    classification: ErrorClassification,
    attempt: number,
    error: unknown,
  ): { delayMs: number; serverDirected: boolean } {
    const { honorRetryAfter, maxRetryAfter } = this.options;
    const serverDelay = classification.retryAfterMs;
    if (honorRetryAfter && serverDelay !== undefined) {
      if (serverDelay > maxRetryAfter) {
        const tooLong = new RetryAfterTooLongError(serverDelay, maxRetryAfter, { cause: error });
        this.#giveUp(run, 'retry-after-too-long', tooLong);
        throw tooLong;
      }
      return { delayMs: serverDelay, serverDirected: true };
    }
    return {
      delayMs: nextDelay(attempt - 1, this.options, run.previousDelay, this.options.random),
      serverDirected: false,
    };
  }

  #info(
    run: RetryRun,
    attempt: number,
    error: unknown,
    classification: ErrorClassification,
    delayMs: number,
    serverDirected: boolean,
  ): RetryInfo {
    return {
      operation: run.operation,
      attempt,
      error,
      classification,
      delayMs,
      retriesLeft: run.budget - attempt,
      serverDirected,
    };
  }

  #exhausted(run: RetryRun): RetriesExhaustedError {
    const error = new RetriesExhaustedError(run.operation, run.failures.list(), {
      totalAttempts: run.failures.total,
    });
    this.#giveUp(run, 'exhausted', error);
    return error;
  }

  #giveUp(run: RetryRun, reason: RetryGiveUpInfo['reason'], error: unknown): void {
    this.announce('retry:give-up', {
      operation: run.operation,
      attempts: run.failures.total,
      reason,
      error,
    });
  }
}

/**
 * Carries one attempt's failure through p-retry, which replaces non-Error throws with a TypeError
 * and never retries a TypeError that does not look like a fetch network error; both decisions
 * belong to classifyError / retryOn here.
 */
class AttemptFailed extends Error {
  readonly failure: unknown;

  constructor(failure: unknown) {
    super('attempt failed');
    this.failure = failure;
  }
}

/** The original failure inside an {@link AttemptFailed}, or the value itself. */
function unwrap(error: unknown): unknown {
  return isInstance(error, AttemptFailed) ? error.failure : error;
}

/**
 * A user `retryOn` that throws (it read a getter of a hostile thrown value) answers "do not retry",
 * so the caller gets the attempt's own error rather than the predicate's.
 */
function retryOnSafe(
  retryOn: NonNullable<ResolvedRetryOptions['retryOn']>,
  error: unknown,
  classification: ErrorClassification,
): boolean {
  try {
    return Boolean(retryOn(error, classification));
  } catch {
    return false;
  }
}

function validBudget(decision: RetryDecision): number {
  const retries = typeof decision === 'object' && decision !== null ? decision.retries : undefined;
  if (
    typeof retries === 'number' &&
    ((Number.isInteger(retries) && retries >= 0) || retries === Number.POSITIVE_INFINITY)
  ) {
    return retries;
  }
  throw new ConfigurationError(
    'RetryPolicy.decide() result',
    "'retry', 'skip' or { retries: n } with n ≥ 0",
    decision,
  );
}
