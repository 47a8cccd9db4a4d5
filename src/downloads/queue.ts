import { abortError } from '../shared/abort.js';

interface Entry {
  readonly priority: number;
  readonly seq: number;
  readonly start: () => void;
  readonly cancel: () => void;
}

/**
 * Runs at most `concurrency` tasks at once; waiting tasks start by priority (higher first), then in
 * the order they were added. A task whose signal aborts while waiting leaves the queue and rejects.
 */
export class PriorityQueue {
  readonly concurrency: number;
  #running = 0;
  #seq = 0;
  readonly #waiting: Entry[] = [];

  constructor(concurrency: number) {
    this.concurrency = concurrency;
  }

  /** Tasks running now. */
  get running(): number {
    return this.#running;
  }

  /** Tasks waiting for a slot. */
  get pending(): number {
    return this.#waiting.length;
  }

  /** Runs `task` when a slot is free. */
  run<T>(task: () => Promise<T>, priority = 0, signal?: AbortSignal, operation = 'download'): Promise<T> {
    if (signal?.aborted) return Promise.reject(abortError(signal, operation));
    return new Promise<T>((resolve, reject) => {
      const execute = () => {
        this.#running++;
        task()
          .then(resolve, reject)
          .finally(() => {
            this.#running--;
            this.#next();
          });
      };
      if (this.#running < this.concurrency) {
        execute();
        return;
      }
      const onAbort = () => {
        const index = this.#waiting.indexOf(entry);
        if (index >= 0) this.#waiting.splice(index, 1);
        reject(abortError(signal as AbortSignal, operation));
      };
      const entry: Entry = {
        priority,
        seq: this.#seq++,
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          execute();
        },
        cancel: onAbort,
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      // Insert keeping (priority desc, seq asc) order.
      let index = this.#waiting.findIndex((other) => other.priority < priority);
      if (index < 0) index = this.#waiting.length;
      this.#waiting.splice(index, 0, entry);
    });
  }

  #next(): void {
    while (this.#running < this.concurrency && this.#waiting.length > 0) {
      (this.#waiting.shift() as Entry).start();
    }
  }
}
