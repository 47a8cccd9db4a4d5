import { notify } from '../../shared/observer.js';
import { redact } from '../../shared/redaction/redact.js';
import { CircuitBreaker } from '../circuit/CircuitBreaker.js';
import type { Policy } from '../policy/types.js';
import { RetryPolicy } from '../retry/RetryPolicy.js';
import type { TimeoutManager } from '../timeout/TimeoutManager.js';
import { FastPipeline } from './fastPipeline.js';
import { messageOf } from './invoker.js';
import type { MethodOptions, WithReliabilityOptions } from './options.js';

/** Builds (and shares) the policies of one wrapped component. */
export class PipelineFactory {
  readonly #options: WithReliabilityOptions<object>;
  readonly #timeouts: TimeoutManager;
  #sharedRetry: RetryPolicy | false | undefined;
  #sharedBreaker: CircuitBreaker | false | undefined;
  /** Policies this factory created (not user-supplied ones), for dispose(). */
  readonly owned: CircuitBreaker[] = [];
  readonly retries: RetryPolicy[] = [];

  constructor(options: WithReliabilityOptions<object>, timeouts: TimeoutManager) {
    this.#options = options;
    this.#timeouts = timeouts;
  }

  /** retry ∘ breaker ∘ timeout for one method, skipping the parts that are disabled. */
  build(method: string, own: MethodOptions = {}): Policy {
    const retry = own.retry === undefined ? this.#componentRetry() : this.#retry(own.retry);
    const breaker = own.breaker === undefined ? this.#componentBreaker() : this.#breaker(own.breaker, method);
    const timeout = own.timeout === undefined ? this.#options.timeout : own.timeout;
    const timeoutPolicy =
      timeout === false
        ? undefined
        : typeof timeout === 'number'
          ? this.#timeouts.policyFor(method, timeout)
          : this.#timeouts.policy(timeout ?? method);
    return new FastPipeline(retry || undefined, breaker || undefined, timeoutPolicy);
  }

  #componentRetry(): RetryPolicy | false {
    this.#sharedRetry ??= this.#retry(this.#options.retry ?? {});
    return this.#sharedRetry;
  }

  #componentBreaker(): CircuitBreaker | false {
    this.#sharedBreaker ??= this.#breaker(this.#options.breaker ?? {}, undefined);
    return this.#sharedBreaker;
  }

  #retry(setting: MethodOptions['retry']): RetryPolicy | false {
    if (setting === false || setting === undefined) return false;
    if (setting instanceof RetryPolicy) return setting;
    const policy = new RetryPolicy(setting);
    this.retries.push(policy);
    const logger = this.#options.logger;
    if (logger) {
      const component = this.#options.name;
      policy.on('retry', (info) =>
        notify('withReliability logger', () =>
          logger.warn(
            redact(
              `${component}.${info.operation} attempt ${info.attempt} failed (${info.classification.category}): ${messageOf(info.error)}; retrying in ${info.delayMs} ms`,
            ),
            { component, operation: info.operation, attempt: info.attempt, delayMs: info.delayMs },
          ),
        ),
      );
    }
    return policy;
  }

  #breaker(setting: MethodOptions['breaker'], method: string | undefined): CircuitBreaker | false {
    if (setting === false || setting === undefined) return false;
    if (setting instanceof CircuitBreaker) return setting;
    const name = setting.name ?? (method ? `${this.#options.name}.${method}` : this.#options.name);
    const breaker = new CircuitBreaker({ ...setting, name });
    this.owned.push(breaker);
    return breaker;
  }
}
