import { BulkheadRejectedError } from '../../errors/BulkheadRejectedError.js';
import { ConfigurationError } from '../../errors/ConfigurationError.js';
import { abortError } from '../../shared/abort.js';
import { optionalCount, optionalObject } from '../../shared/validate.js';
import { callInContext, LazyContext } from '../policy/context.js';
import { DEFAULT_OPERATION, type ExecuteOptions, type Policy, type PolicyFunction } from '../policy/types.js';
import { type Prioritized, PriorityQueue } from './priorityQueue.js';

/** Options of a Bulkhead. */
export interface BulkheadOptions {
  /** Name for errors. Default `'bulkhead'`. */
  name?: string;
  /** Calls running at once. Default 4. */
  maxConcurrent?: number;
  /** Calls waiting for a slot; more are rejected with BulkheadRejectedError. Default Infinity. */
  maxQueue?: number;
}

/** Execute options of a Bulkhead: higher `priority` runs first (default 0). */
export interface BulkheadExecuteOptions extends ExecuteOptions {
  /**
   * Higher runs first when calls wait for a slot; equal priorities run in arrival order. Any finite
   * number (negative and fractional too). Default 0. `NaN`, `±Infinity` or a non-number rejects
   * with ConfigurationError: such a value has no place in the order.
   */
  priority?: number;
}

interface Waiter extends Prioritized {
  readonly start: () => void;
  readonly cancel: (signal: AbortSignal) => void;
}

/** The waiters of one signal: a single abort listener serves them all. */
interface SignalGroup {
  readonly waiters: Set<Waiter>;
  readonly onAbort: () => void;
}

/**
 * Limits how many calls run at once; extra calls wait in a priority queue (higher priority first,
 * then arrival order). An aborted waiter leaves the queue at once, in O(log n): aborting one signal
 * shared by n waiters costs O(n log n), and the bulkhead adds one listener per signal, not per call.
 */
export class Bulkhead implements Policy {
  /** Name used in errors. */
  readonly name: string;
  /** Calls allowed to run at once. */
  readonly maxConcurrent: number;
  /** Calls allowed to wait for a slot. */
  readonly maxQueue: number;
  #running = 0;
  #sequence = 0;
  readonly #queue = new PriorityQueue<Waiter>();
  /** Signals of waiting calls; an entry lives while one of its calls waits. */
  readonly #groups = new Map<AbortSignal, SignalGroup>();

  constructor(options: BulkheadOptions = {}) {
    optionalObject('Bulkhead options', options);
    if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
      throw new ConfigurationError('Bulkhead.name', 'a non-empty string', options.name);
    }
    this.name = options.name ?? 'bulkhead';
    this.maxConcurrent = optionalCount('Bulkhead.maxConcurrent', options.maxConcurrent) ?? 4;
    if (this.maxConcurrent < 1)
      throw new ConfigurationError('Bulkhead.maxConcurrent', 'an integer ≥ 1', this.maxConcurrent);
    this.maxQueue = optionalCount('Bulkhead.maxQueue', options.maxQueue, true) ?? Number.POSITIVE_INFINITY;
  }

  /** Calls running now. */
  get running(): number {
    return this.#running;
  }

  /** Calls waiting for a slot. */
  get queued(): number {
    return this.#queue.size;
  }

  /** Runs `fn` when a slot is free. */
  execute<T>(fn: PolicyFunction<T>, options: BulkheadExecuteOptions = {}): Promise<T> {
    const signal = options.signal;
    const operation = options.operation ?? DEFAULT_OPERATION;
    const priority = options.priority === undefined ? 0 : options.priority;
    if (typeof priority !== 'number' || !Number.isFinite(priority)) {
      return Promise.reject(
        new ConfigurationError('Bulkhead.execute() priority', 'a finite number', priority),
      );
    }
    if (signal?.aborted) return Promise.reject(abortError(signal, operation));
    const run = (): Promise<T> => {
      this.#running += 1;
      let result: Promise<T>;
      try {
        result = Promise.resolve(callInContext(new LazyContext(operation, options.attempt ?? 1, signal), fn));
      } catch (error) {
        result = Promise.reject(error);
      }
      return result.finally(() => {
        this.#running -= 1;
        this.#next();
      });
    };
    if (this.#running < this.maxConcurrent) return run();
    if (this.#queue.size >= this.maxQueue) {
      return Promise.reject(new BulkheadRejectedError(this.name, this.maxConcurrent, this.maxQueue));
    }
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        priority,
        sequence: this.#sequence++,
        position: -1,
        start: () => {
          if (signal) this.#unwatch(signal, waiter);
          run().then(resolve, reject);
        },
        cancel: (aborted) => reject(abortError(aborted, operation)),
      };
      if (signal) this.#watch(signal, waiter);
      this.#queue.push(waiter);
    });
  }

  #next(): void {
    if (this.#running >= this.maxConcurrent) return;
    this.#queue.pop()?.start();
  }

  #watch(signal: AbortSignal, waiter: Waiter): void {
    const group = this.#groups.get(signal);
    if (group) {
      group.waiters.add(waiter);
      return;
    }
    const waiters = new Set([waiter]);
    const onAbort = () => {
      this.#groups.delete(signal);
      for (const w of waiters) {
        this.#queue.delete(w);
        w.cancel(signal);
      }
    };
    this.#groups.set(signal, { waiters, onAbort });
    signal.addEventListener('abort', onAbort, { once: true });
  }

  #unwatch(signal: AbortSignal, waiter: Waiter): void {
    const group = this.#groups.get(signal);
    if (!group) return;
    group.waiters.delete(waiter);
    if (group.waiters.size > 0) return;
    this.#groups.delete(signal);
    signal.removeEventListener('abort', group.onAbort);
  }
}
