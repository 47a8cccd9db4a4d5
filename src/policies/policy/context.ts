import { AsyncLocalStorage } from 'node:async_hooks';
import type { ExecutionContext, PolicyFunction } from './types.js';

const storage = new AsyncLocalStorage<ExecutionContext>();
let propagating = false;

/**
 * Turns on {@link currentContext} for every policy call from now on. Call it once at startup if
 * code that cannot take a `ctx` parameter needs the running call's signal or attempt.
 *
 * Why it is opt-in: on Node 20 the first `AsyncLocalStorage#run` installs promise hooks that make
 * every promise in the process about 2.5× slower (measured here: a bare `await` 73 → 193 ns), a
 * cost an embeddable library should not impose on applications that never ask for the context.
 * The first call of {@link currentContext} turns it on as well.
 */
export function enableCurrentContext(): void {
  propagating = true;
}

/**
 * The {@link ExecutionContext} of the policy call that is running, for code that cannot take a
 * `ctx` parameter (for example a method deep inside a wrapped component). `undefined` outside a
 * policy call, and inside calls that started before context propagation was enabled (see
 * {@link enableCurrentContext}).
 */
export function currentContext(): ExecutionContext | undefined {
  propagating = true;
  return storage.getStore();
}

/** Calls `fn(ctx)` with `ctx` as the current context when propagation is on; returns what fn returns. */
export function callInContext<T>(ctx: ExecutionContext, fn: PolicyFunction<T>): T | PromiseLike<T> {
  return propagating ? storage.run(ctx, fn, ctx) : fn(ctx);
}

/** The current context without turning propagation on (for the package's own lookups). */
export function peekCurrentContext(): ExecutionContext | undefined {
  return propagating ? storage.getStore() : undefined;
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
