import { ConfigurationError } from '../../errors/ConfigurationError.js';
import { ReliabilityEmitter } from '../../events/emitter.js';
import type { TimeoutEvents } from '../../events/timeoutEvents.js';
import { abortError, raceAbort } from '../../shared/abort.js';
import { optionalFunction, optionalObject } from '../../shared/validate.js';
import { callInContext, LazyContext } from '../policy/context.js';
import type { ExecuteOptions, Policy, PolicyFunction } from '../policy/types.js';
import { DeadlineQueue } from './deadlineQueue.js';
import { DEFAULT_TIMEOUTS, TIMEOUT_SCALING, UNKNOWN_OPERATION_TIMEOUT } from './defaults.js';
import { TimedCall } from './TimedCall.js';

/** Facts that scale a budget (see {@link TimeoutManager.get}). */
export interface TimeoutContext {
  /** Size of the file involved; above 5 GB the budget doubles. */
  fileSizeBytes?: number;
  /** A slow connection multiplies the budget by 1.5. */
  networkSpeed?: 'slow' | 'normal' | 'fast';
  /** A retry (> 0) multiplies the budget by 1.2. */
  retryCount?: number;
}

/** Options of a TimeoutManager. */
export interface TimeoutManagerOptions {
  /** Budgets per operation in ms, merged over the built-in table. */
  defaults?: Readonly<Record<string, number>>;
  /** Budget for operations not in the table, in ms. Default 300 000. */
  unknownOperation?: number;
  /** Clock for deadlines, in ms. Default `Date.now` (vitest fake timers control it). */
  now?: () => number;
}

/** A policy bound to one operation's budget (from {@link TimeoutManager.policy}). */
export interface TimeoutPolicy extends Policy {
  /** The budget in ms. */
  readonly timeoutMs: number;
  /** The operation name it applies to. */
  readonly operation: string;
}

function validBudget(option: string, value: unknown): number {
  if (typeof value === 'number' && value > 0 && !Number.isNaN(value)) return value;
  throw new ConfigurationError(
    option,
    'a positive number of milliseconds (Infinity disables the timeout)',
    value,
  );
}

/**
 * Time budgets per operation with context scaling, and policies that enforce them: when the
 * budget runs out, `ctx.signal` is aborted with a TimeoutError and the call rejects with it at
 * once, even if the function ignores the signal. Deadlines share one timer per budget, so an
 * operation that finishes in time costs no timer at all.
 */
export class TimeoutManager extends ReliabilityEmitter<TimeoutEvents> {
  readonly #budgets: Map<string, number>;
  readonly #unknown: number;
  readonly #now: () => number;
  readonly #queues = new Map<number, DeadlineQueue>();
  readonly #onTimeout = (call: TimedCall<unknown>) =>
    this.announce('timeout', { operation: call.operation, timeoutMs: call.timeoutMs });

  constructor(options: TimeoutManagerOptions = {}) {
    super();
    optionalObject('TimeoutManager options', options);
    const overrides =
      optionalObject<Record<string, unknown>>('TimeoutManager.defaults', options.defaults) ?? {};
    this.#budgets = new Map(Object.entries(DEFAULT_TIMEOUTS));
    for (const [operation, value] of Object.entries(overrides)) {
      this.#budgets.set(operation, validBudget(`TimeoutManager.defaults.${operation}`, value));
    }
    this.#unknown =
      options.unknownOperation === undefined
        ? UNKNOWN_OPERATION_TIMEOUT
        : validBudget('TimeoutManager.unknownOperation', options.unknownOperation);
    this.#now = optionalFunction<() => number>('TimeoutManager.now', options.now) ?? Date.now;
  }

  /**
   * The budget for `operation` in ms, scaled: files over 5 GB ×2, a slow network ×1.5, a retry ×1.2.
   * `get('model_download', { fileSizeBytes: 6e9 })` is 3 600 000.
   */
  get(operation: string, context: TimeoutContext = {}): number {
    let budget = this.#budgets.get(operation) ?? this.#unknown;
    if ((context.fileSizeBytes ?? 0) > TIMEOUT_SCALING.largeFileBytes)
      budget *= TIMEOUT_SCALING.largeFileFactor;
    if (context.networkSpeed === 'slow') budget *= TIMEOUT_SCALING.slowNetworkFactor;
    if ((context.retryCount ?? 0) > 0) budget *= TIMEOUT_SCALING.retryFactor;
    return Math.round(budget);
  }

  /** A Policy enforcing `operation`'s (scaled) budget. */
  policy(operation: string, context?: TimeoutContext): TimeoutPolicy {
    return this.policyFor(operation, this.get(operation, context));
  }

  /** A Policy enforcing an explicit budget in ms for `operation`. */
  policyFor(operation: string, timeoutMs: number): TimeoutPolicy {
    const budget = validBudget(`timeout for ${operation}`, timeoutMs);
    return {
      operation,
      timeoutMs: budget,
      execute: <T>(fn: PolicyFunction<T>, options: ExecuteOptions = {}) =>
        this.#run(fn, options.operation ?? operation, budget, options),
    };
  }

  /** Runs `fn` under `operation`'s budget (scaled by `context`). */
  execute<T>(
    operation: string,
    fn: PolicyFunction<T>,
    options: ExecuteOptions & { context?: TimeoutContext } = {},
  ): Promise<T> {
    return this.#run(fn, operation, this.get(operation, options.context), options);
  }

  #run<T>(fn: PolicyFunction<T>, operation: string, timeoutMs: number, options: ExecuteOptions): Promise<T> {
    const parent = options.signal;
    if (parent?.aborted) return Promise.reject(abortError(parent, operation));
    if (timeoutMs === Number.POSITIVE_INFINITY) {
      // No deadline, but the caller's abort must still end the call even if fn ignores it.
      const ctx = new LazyContext(operation, options.attempt ?? 1, parent);
      return raceAbort(
        Promise.resolve().then(() => callInContext(ctx, fn)),
        parent,
        operation,
      );
    }
    let queue = this.#queues.get(timeoutMs);
    if (!queue) {
      queue = new DeadlineQueue(this.#now);
      this.#queues.set(timeoutMs, queue);
    }
    const call = new TimedCall<T>(
      operation,
      options.attempt ?? 1,
      timeoutMs,
      queue,
      parent,
      this.#onTimeout as (call: TimedCall<T>) => void,
      this.#now(),
    );
    try {
      call.settleWith(callInContext(call, fn));
    } catch (error) {
      call.fail(error);
    }
    return call.promise;
  }
}
