import { AsyncLocalStorage } from 'node:async_hooks';
import type { ExecutionContext, PolicyFunction } from './types.js';

const storage = new AsyncLocalStorage<ExecutionContext>();

/**
 * The {@link ExecutionContext} of the policy call that is running, for code that cannot take a
 * `ctx` parameter (for example a method deep inside a wrapped component). `undefined` outside.
 */
export function currentContext(): ExecutionContext | undefined {
  return storage.getStore();
}

/** Calls `fn(ctx)` with `ctx` as the current context; returns whatever fn returns (or throws). */
export function callInContext<T>(ctx: ExecutionContext, fn: PolicyFunction<T>): T | PromiseLike<T> {
  return storage.run(ctx, fn, ctx);
}

/**
 * A context whose signal is created only when someone reads it: most calls never look at the
 * signal, and skipping the AbortController keeps the success path cheap.
 */
export class LazyContext implements ExecutionContext {
  readonly attempt: number;
  readonly operation: string;
  #signal: AbortSignal | undefined;

  constructor(operation: string, attempt: number, signal: AbortSignal | undefined) {
    this.operation = operation;
    this.attempt = attempt;
    this.#signal = signal;
  }

  get signal(): AbortSignal {
    this.#signal ??= new AbortController().signal;
    return this.#signal;
  }

  /** The caller's signal, without creating one: a signal nobody can abort need not exist. */
  peekSignal(): AbortSignal | undefined {
    return this.#signal;
  }
}

/** The signal an inner policy must follow; avoids creating signals that can never abort. */
export function signalOf(ctx: ExecutionContext): AbortSignal | undefined {
  return ctx instanceof LazyContext ? ctx.peekSignal() : ctx.signal;
}
