import { ConfigurationError } from '../errors/ConfigurationError.js';
import { TimeoutError } from '../errors/TimeoutError.js';

/** The longest delay `setTimeout` honours; a longer one would fire at once. */
export const MAX_BUDGET_MS = 2_147_483_647;

/** Throws ConfigurationError unless `value` is undefined or a whole number of ms in 1..{@link MAX_BUDGET_MS}. */
export function optionalBudget(option: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_BUDGET_MS)
    return value;
  throw new ConfigurationError(option, `a whole number of milliseconds from 1 to ${MAX_BUDGET_MS}`, value);
}

/** How a bounded call ended: its value, its throw, the caller's abort, or the budget running out. */
export type Bounded<T> =
  | { readonly kind: 'value'; readonly value: T }
  | { readonly kind: 'threw'; readonly error: unknown }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'timeout' };

/**
 * The time one strategy (its `applies()` and `run()` together) or the manual report may take.
 * Its `signal` aborts when the caller's signal does or when the budget runs out (with a
 * TimeoutError), and {@link run} stops waiting at that moment: code that ignores its signal can
 * keep running, but the recovery no longer waits for it. The timer is unref'd so a hung strategy
 * never keeps the process alive; {@link dispose} clears it and the listener on the caller's signal.
 */
export class StrategyBudget {
  /** The budget in milliseconds. */
  readonly ms: number;
  readonly #outer: AbortSignal;
  readonly #controller = new AbortController();
  readonly #timer: ReturnType<typeof setTimeout>;
  #timedOut = false;
  readonly #onOuterAbort = (): void => this.#controller.abort(this.#outer.reason);

  /** Starts the clock; `label` names the work in the TimeoutError the signal aborts with. */
  constructor(outer: AbortSignal, ms: number, label: string) {
    this.ms = ms;
    this.#outer = outer;
    if (outer.aborted) this.#controller.abort(outer.reason);
    else outer.addEventListener('abort', this.#onOuterAbort, { once: true });
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.#controller.abort(new TimeoutError(label, ms));
    }, ms);
    this.#timer.unref?.();
  }

  /** Aborted when the caller gives up or the budget is spent: what the strategy sees as `ctx.signal`. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Runs `work`, settling with its outcome or as soon as the signal aborts, whichever is first. */
  run<T>(work: () => T | PromiseLike<T>): Promise<Bounded<T>> {
    const signal = this.#controller.signal;
    if (signal.aborted) return Promise.resolve(this.#stopped());
    let pending: T | PromiseLike<T>;
    try {
      pending = work();
    } catch (error) {
      return Promise.resolve(signal.aborted ? this.#stopped() : { kind: 'threw', error });
    }
    return new Promise<Bounded<T>>((resolve) => {
      const onStop = (): void => resolve(this.#stopped());
      signal.addEventListener('abort', onStop, { once: true });
      // Promise.resolve also adopts hostile thenables (a throwing `then` becomes a rejection); a
      // late rejection of abandoned work is swallowed here rather than left unhandled.
      Promise.resolve(pending).then(
        (value) => {
          signal.removeEventListener('abort', onStop);
          resolve(signal.aborted ? this.#stopped() : { kind: 'value', value });
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onStop);
          resolve(signal.aborted ? this.#stopped() : { kind: 'threw', error });
        },
      );
    });
  }

  /** Clears the timer and the listener on the caller's signal; call once the work is over. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#outer.removeEventListener('abort', this.#onOuterAbort);
  }

  // The caller's abort wins over the budget: it means "stop everything", not "this one was slow".
  #stopped(): Bounded<never> {
    return this.#outer.aborted || !this.#timedOut ? { kind: 'aborted' } : { kind: 'timeout' };
  }
}
