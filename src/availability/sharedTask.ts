import { CancelledError } from '../errors/CancelledError.js';
import { TimeoutError } from '../errors/TimeoutError.js';
import { raceAbort } from '../shared/abort.js';

/**
 * One piece of work many callers wait for, reference-counted: each caller joins with its own
 * signal; a caller that aborts leaves (its promise rejects at once) without disturbing the others,
 * and only when the last waiting caller has left is the work itself aborted.
 */
export class SharedTask<T> {
  readonly #controller = new AbortController();
  readonly #promise: Promise<T>;
  #refs = 0;
  #settled = false;

  constructor(run: (signal: AbortSignal) => Promise<T>) {
    this.#promise = Promise.resolve()
      .then(() => run(this.#controller.signal))
      .finally(() => {
        this.#settled = true;
      });
    // Callers observe the outcome through join(); an unobserved rejection here is not an error.
    this.#promise.catch(() => {});
  }

  /** Callers waiting now. */
  get refs(): number {
    return this.#refs;
  }

  /** Whether the work was aborted because every caller left (a new caller must start new work). */
  get abandoned(): boolean {
    return this.#controller.signal.aborted;
  }

  get settled(): boolean {
    return this.#settled;
  }

  /** Settles (never rejects) when the work has finished, however it ended. */
  done(): Promise<void> {
    return this.#promise.then(
      () => undefined,
      () => undefined,
    );
  }

  /** Aborts the work itself (every caller then rejects with a cancelled error). */
  cancel(): void {
    if (!this.#settled) this.#controller.abort(new CancelledError('the shared work was cancelled'));
  }

  /** Waits for the work; `signal` aborts this caller only. */
  join(signal?: AbortSignal): Promise<T> {
    this.#refs++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#refs--;
      if (this.#refs === 0 && !this.#settled && signal?.aborted) {
        this.#controller.abort(new CancelledError('every caller waiting for this work left'));
      }
    };
    return raceAbort(this.#promise, signal, 'wait for shared work').then(
      (value) => {
        release();
        return value;
      },
      (error: unknown) => {
        release();
        throw error;
      },
    );
  }
}

/**
 * One caller's signal: aborts when the caller's `signal` does (with its reason) or after `timeout`
 * ms (with a TimeoutError). `dispose()` removes the listener and the timer.
 */
export function callerSignal(
  signal: AbortSignal | undefined,
  timeout: number | undefined,
  operation: string,
): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const forward = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', forward, { once: true });
  const timer =
    timeout !== undefined && timeout !== Number.POSITIVE_INFINITY
      ? setTimeout(() => controller.abort(new TimeoutError(operation, timeout)), timeout)
      : undefined;
  return {
    signal: controller.signal,
    dispose() {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', forward);
    },
  };
}
