import { abortError } from '../../shared/abort.js';
import type { CircuitBreaker } from '../circuit/CircuitBreaker.js';
import { compose } from '../policy/compose.js';
import { callInContext, LazyContext } from '../policy/context.js';
import { DEFAULT_OPERATION, type ExecuteOptions, type Policy, type PolicyFunction } from '../policy/types.js';
import type { RetryPolicy } from '../retry/RetryPolicy.js';
import type { TimeoutPolicy } from '../timeout/TimeoutManager.js';

/**
 * retry ∘ breaker ∘ timeout with a fused success path. `compose()` stacks one promise per layer;
 * here a call that succeeds costs the timeout's promise and one `then`: the breaker counts it
 * directly and the retry policy is not involved. The first failure is reported to the breaker and
 * handed to the retry policy, whose later attempts run through the ordinary composed layers, so
 * behaviour is exactly that of `compose(retry, breaker, timeout)`.
 */
export class FastPipeline implements Policy {
  readonly #retry: RetryPolicy | undefined;
  readonly #breaker: CircuitBreaker | undefined;
  readonly #timeout: TimeoutPolicy | undefined;
  /** breaker ∘ timeout: what each retry attempt runs. */
  readonly #attempt: Policy;
  /** The whole pipeline, for calls that find the breaker not closed. */
  readonly #composed: Policy;

  constructor(
    retry: RetryPolicy | undefined,
    breaker: CircuitBreaker | undefined,
    timeout: TimeoutPolicy | undefined,
  ) {
    this.#retry = retry;
    this.#breaker = breaker;
    this.#timeout = timeout;
    const inner = [breaker, timeout].filter((p): p is NonNullable<typeof p> => p !== undefined);
    this.#attempt = compose(...inner);
    this.#composed = compose(...(retry ? [retry, ...inner] : inner));
  }

  execute<T>(fn: PolicyFunction<T>, options: ExecuteOptions = {}): Promise<T> {
    // The fused path takes every result as a success; a retry that judges results needs its own path.
    if ((this.#breaker && this.#breaker.state !== 'closed') || this.#retry?.options.retryOnResult) {
      return this.#composed.execute(fn, options);
    }
    const signal = options.signal;
    const operation = options.operation ?? DEFAULT_OPERATION;
    if (signal?.aborted) return Promise.reject(abortError(signal, operation));
    let first: Promise<T>;
    if (this.#timeout) first = this.#timeout.execute(fn, options);
    else {
      try {
        first = Promise.resolve(callInContext(new LazyContext(operation, 1, signal), fn));
      } catch (error) {
        first = Promise.reject(error);
      }
    }
    return first.then(this.#onSuccess as (value: T) => T, (error: unknown) =>
      this.#afterFirstFailure(fn, error, operation, signal),
    );
  }

  readonly #onSuccess = <T>(value: T): T => {
    this.#breaker?.recordSuccess();
    return value;
  };

  async #afterFirstFailure<T>(
    fn: PolicyFunction<T>,
    error: unknown,
    operation: string,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    if (this.#breaker) {
      try {
        await this.#breaker.recordFailure(error);
      } catch {
        // recordFailure rejects with `error` by design; any other failure of the bookkeeping
        // (even a synchronous one) must not replace the call's own error either.
      }
    }
    if (!this.#retry) throw error;
    const attempt = this.#attempt;
    return this.#retry.continueAfterFailure(
      (ctx) => attempt.execute(fn, { operation, signal: ctx.signal, attempt: ctx.attempt }),
      error,
      { operation, signal },
    );
  }
}
