import { ConfigurationError } from '../../errors/ConfigurationError.js';
import { classifyError, type ErrorClassification } from '../../errors/classify.js';
import { abortError } from '../../shared/abort.js';
import { optionalFunction } from '../../shared/validate.js';
import { callInContext, LazyContext } from '../policy/context.js';
import {
  DEFAULT_OPERATION,
  type ExecuteOptions,
  type ExecutionContext,
  type PolicyFunction,
} from '../policy/types.js';

/** Options of {@link fallback}. */
export interface FallbackOptions {
  /** Which failures the fallback handles. Default: everything except cancellation. */
  when?: (error: unknown, classification: ErrorClassification) => boolean;
}

/** A policy that answers with a replacement value when the call fails (use it outermost). */
export interface FallbackPolicy<F> {
  /** Tells a fallback apart from other policies (its result type is wider). */
  readonly kind: 'fallback';
  /** Runs `fn`; resolves with the handler's value instead of failing when `when` selects the error. */
  execute<T>(fn: PolicyFunction<T>, options?: ExecuteOptions): Promise<T | F>;
}

/**
 * Returns `handler(error, ctx)` instead of failing, for the failures `when` selects.
 *
 * @example
 * ```ts
 * const cached = fallback(() => readCachedIndex());
 * const index = await cached.execute(() => reliableClient.fetchIndex());
 * ```
 */
export function fallback<F>(
  handler: (error: unknown, ctx: ExecutionContext) => F | PromiseLike<F>,
  options: FallbackOptions = {},
): FallbackPolicy<F> {
  if (typeof handler !== 'function') throw new ConfigurationError('fallback(handler)', 'a function', handler);
  const when =
    optionalFunction<NonNullable<FallbackOptions['when']>>('fallback.when', options.when) ?? defaultWhen;
  return {
    kind: 'fallback',
    async execute<T>(fn: PolicyFunction<T>, executeOptions: ExecuteOptions = {}): Promise<T | F> {
      const signal = executeOptions.signal;
      const operation = executeOptions.operation ?? DEFAULT_OPERATION;
      if (signal?.aborted) throw abortError(signal, operation);
      const ctx = new LazyContext(operation, executeOptions.attempt ?? 1, signal);
      try {
        return await callInContext(ctx, fn);
      } catch (error) {
        if (signal?.aborted || !when(error, classifyError(error))) throw error;
        return handler(error, ctx);
      }
    },
  };
}

function defaultWhen(_error: unknown, classification: ErrorClassification): boolean {
  return classification.category !== 'cancelled';
}
