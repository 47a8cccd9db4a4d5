import { TimeoutError } from '../../errors/TimeoutError.js';
import { abortError } from '../../shared/abort.js';
import type { ExecutionContext } from '../policy/types.js';
import type { DeadlineEntry, DeadlineQueue } from './deadlineQueue.js';

/**
 * One execution under a time budget. It is the function's context (its signal is created only if
 * read) and its own entry in the deadline queue, so a call allocates one object and one promise.
 */
export class TimedCall<T> implements ExecutionContext, DeadlineEntry {
  deadline: number;
  prev: DeadlineEntry | undefined;
  next: DeadlineEntry | undefined;
  readonly attempt: number;
  readonly operation: string;
  readonly #timeoutMs: number;
  readonly #queue: DeadlineQueue;
  readonly #parent: AbortSignal | undefined;
  readonly #onTimeout: (call: TimedCall<T>) => void;
  #controller: AbortController | undefined;
  #onParentAbort: (() => void) | undefined;
  #abortReason: unknown;
  #settled = false;
  #resolve!: (value: T) => void;
  #reject!: (error: unknown) => void;
  /** Settles with the function's outcome, a TimeoutError, or the parent's abort. */
  readonly promise: Promise<T>;

  constructor(
    operation: string,
    attempt: number,
    timeoutMs: number,
    queue: DeadlineQueue,
    parent: AbortSignal | undefined,
    onTimeout: (call: TimedCall<T>) => void,
    now: number,
  ) {
    this.operation = operation;
    this.attempt = attempt;
    this.#timeoutMs = timeoutMs;
    this.#queue = queue;
    this.#parent = parent;
    this.#onTimeout = onTimeout;
    this.deadline = now + timeoutMs;
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    if (parent) {
      this.#onParentAbort = () => this.#parentAborted(parent);
      parent.addEventListener('abort', this.#onParentAbort, { once: true });
    }
    queue.add(this);
  }

  /** The budget in ms. */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#abortReason !== undefined) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  /** Adopts the function's outcome unless the call already timed out or was aborted. */
  settleWith(result: T | PromiseLike<T>): void {
    Promise.resolve(result).then(
      (value) => {
        if (this.#finish()) this.#resolve(value);
      },
      (error: unknown) => {
        if (this.#finish()) this.#reject(error);
      },
    );
  }

  /** The function threw synchronously. */
  fail(error: unknown): void {
    if (this.#finish()) this.#reject(error);
  }

  expire(): void {
    if (this.#settled) return;
    const error = new TimeoutError(this.operation, this.#timeoutMs);
    this.#finish();
    this.#abortReason = error;
    this.#controller?.abort(error);
    this.#onTimeout(this);
    this.#reject(error);
  }

  #parentAborted(parent: AbortSignal): void {
    if (this.#settled) return;
    this.#finish();
    this.#abortReason = parent.reason;
    this.#controller?.abort(parent.reason);
    this.#reject(abortError(parent, this.operation));
  }

  /** Marks the call settled and releases its queue slot and listener; false if already settled. */
  #finish(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    this.#queue.remove(this);
    if (this.#onParentAbort) this.#parent?.removeEventListener('abort', this.#onParentAbort);
    return true;
  }
}
