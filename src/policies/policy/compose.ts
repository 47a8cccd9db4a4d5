import { ConfigurationError } from '../../errors/ConfigurationError.js';
import type { FallbackPolicy } from '../fallback/fallback.js';
import { callInContext, LazyContext, signalOf } from './context.js';
import {
  DEFAULT_OPERATION,
  type ExecuteOptions,
  type ExecutionContext,
  type Policy,
  type PolicyFunction,
} from './types.js';

/** A policy that just runs the function; the neutral element of {@link compose}. */
export const noopPolicy: Policy = {
  execute<T>(fn: PolicyFunction<T>, options: ExecuteOptions = {}): Promise<T> {
    const ctx = new LazyContext(options.operation ?? DEFAULT_OPERATION, options.attempt ?? 1, options.signal);
    try {
      return Promise.resolve(callInContext(ctx, fn));
    } catch (error) {
      return Promise.reject(error);
    }
  },
};

/** The options an outer policy passes down: its signal, operation and attempt. */
function innerOptions(ctx: ExecutionContext): ExecuteOptions {
  return { signal: signalOf(ctx), operation: ctx.operation, attempt: ctx.attempt };
}

/**
 * Combines policies into one; the first is the outermost. `compose(retry, breaker, timeout)`
 * retries calls that go through the breaker, each attempt with its own timeout. A
 * {@link FallbackPolicy} may come first (its replacement value widens the result type).
 */
export function compose<F>(fallback: FallbackPolicy<F>, ...policies: Policy[]): FallbackPolicy<F>;
export function compose(...policies: Policy[]): Policy;
export function compose(...policies: Policy[]): Policy {
  for (const [index, policy] of policies.entries()) {
    if (!policy || typeof policy.execute !== 'function') {
      throw new ConfigurationError(
        `compose() argument ${index}`,
        'a Policy (an object with execute())',
        policy,
      );
    }
  }
  if (policies.length === 0) return noopPolicy;
  if (policies.length === 1) return policies[0] as Policy;
  const last = policies.length - 1;
  return {
    execute<T>(fn: PolicyFunction<T>, options: ExecuteOptions = {}): Promise<T> {
      const run = (index: number, opts: ExecuteOptions): Promise<T> => {
        const policy = policies[index] as Policy;
        if (index === last) return policy.execute(fn, opts);
        return policy.execute((ctx) => run(index + 1, innerOptions(ctx)), opts);
      };
      return run(0, options);
    },
  };
}
