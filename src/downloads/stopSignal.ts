import { TimeoutError } from '../errors/TimeoutError.js';

/**
 * The caller's abort and the file's time budget as one signal: it aborts with the caller's reason,
 * or with a TimeoutError (whose cause is the last real failure) once the budget is spent.
 */
export class StopSignal {
  readonly #controller = new AbortController();
  readonly #call: AbortSignal | undefined;
  readonly #timer: NodeJS.Timeout | undefined;

  /**
   * @param budgetMs - the time budget, or undefined for none
   * @param lastFailure - asked when the budget runs out, for the TimeoutError's cause
   */
  constructor(
    call: AbortSignal | undefined,
    operation: string,
    budgetMs: number | undefined,
    lastFailure: () => unknown,
  ) {
    this.#call = call;
    if (call?.aborted) this.#controller.abort(call.reason);
    else call?.addEventListener('abort', this.#onCallAbort, { once: true });
    if (budgetMs !== undefined && !this.#controller.signal.aborted) {
      this.#timer = setTimeout(() => {
        const cause = lastFailure();
        this.#controller.abort(new TimeoutError(operation, budgetMs, cause === undefined ? {} : { cause }));
      }, budgetMs);
      // A running download holds the process through its sockets; the budget alone must not.
      this.#timer.unref();
    }
  }

  /** Aborts on the caller's abort or when the budget is spent. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  readonly #onCallAbort = (): void => {
    this.#controller.abort(this.#call?.reason);
  };

  /** Stops the budget's timer and the listener on the caller's signal. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#call?.removeEventListener('abort', this.#onCallAbort);
  }
}
