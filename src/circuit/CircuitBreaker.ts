import Opossum from 'opossum';
import { CircuitOpenError } from '../errors/CircuitOpenError.js';
import { classifyError } from '../errors/classify.js';
import type { CircuitEvents, CircuitOpenReason } from '../events/circuitEvents.js';
import { ReliabilityEmitter } from '../events/emitter.js';
import { abortError, isThenable, raceAbort } from '../policy/abort.js';
import { callInContext, LazyContext } from '../policy/context.js';
import {
  DEFAULT_OPERATION,
  type ExecuteOptions,
  type ExecutionContext,
  type Policy,
  type PolicyFunction,
} from '../policy/types.js';
import { type CountingStatus, createCountingStatus } from './countingStatus.js';
import { type CircuitBreakerOptions, type ResolvedCircuitOptions, resolveCircuitOptions } from './options.js';
import { liveBreakers, registerBreaker, unregisterBreaker } from './registry.js';
import type { CircuitState, SavedCircuitState } from './state.js';

type Action = (fn: PolicyFunction<unknown>, ctx: ExecutionContext) => Promise<unknown>;

/** A snapshot of one breaker, as listed by {@link CircuitBreaker.registry}. */
export interface CircuitSnapshot {
  /** Breaker name. */
  readonly name: string;
  /** Current state. */
  readonly state: CircuitState;
  /** Failures in a row so far. */
  readonly consecutiveFailures: number;
  /** Remaining cool-down in ms (0 unless open). */
  readonly retryAfterMs: number;
}

/**
 * Stops calling a failing dependency for a cool-down, then lets trial calls through.
 *
 * Built on opossum's rolling window (failure rate over `rollingWindow` once `volumeThreshold`
 * calls were seen) and adds what its users keep asking for: opening on consecutive failures,
 * several half-open trial calls (`halfOpenProbes`), saved state that survives restarts, and a
 * registry of live breakers for health endpoints.
 */
export class CircuitBreaker extends ReliabilityEmitter<CircuitEvents> implements Policy {
  /** The validated options with defaults applied. */
  readonly options: ResolvedCircuitOptions;
  readonly #engine: Opossum<Parameters<Action>, unknown>;
  readonly #status: CountingStatus;
  #state: CircuitState = 'closed';
  #consecutive = 0;
  #openedAt = 0;
  #openReason: CircuitOpenReason | undefined;
  #probesInFlight = 0;
  #probeSuccesses = 0;
  /** Bumped on every state change so late trial results from an earlier phase are ignored. */
  #generation = 0;

  constructor(options: CircuitBreakerOptions = {}) {
    super();
    this.options = resolveCircuitOptions(options);
    const o = this.options;
    this.#status = createCountingStatus({
      rollingCountTimeout: o.rollingWindow,
      rollingCountBuckets: 10,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
    } as Opossum.StatusOptions);
    // opossum only sees failures (replayed) and its own state changes; see #replayFailure.
    const action = ((fn, arg) => fn(arg)) as Action;
    // A restored open breaker keeps its original cool-down; opossum alone would restart it in full.
    const now = Date.now();
    const restoredAt = o.state?.state === 'open' ? Math.min(o.state.openedAt ?? now, now) : undefined;
    const remaining = restoredAt === undefined ? 0 : restoredAt + o.resetTimeout - now;
    this.#engine = new Opossum(action, {
      name: o.name,
      timeout: false,
      resetTimeout: remaining > 0 ? remaining : o.resetTimeout,
      errorThresholdPercentage: o.errorThresholdPercentage,
      volumeThreshold: o.volumeThreshold,
      rollingCountTimeout: o.rollingWindow,
      rollingCountBuckets: 10,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      status: this.#status,
      errorFilter: (error: unknown) => !o.isFailure(error),
      ...(restoredAt === undefined ? {} : { state: restoredEngineState(remaining > 0) }),
    } as Opossum.Options);
    // opossum reads this option whenever it opens: later cool-downs are full length again.
    (this.#engine as unknown as { options: { resetTimeout: number } }).options.resetTimeout = o.resetTimeout;
    this.#engine.on('success', () => {
      this.#consecutive = 0;
    });
    this.#engine.on('failure', () => {
      this.#consecutive += 1;
      if (this.#state === 'closed' && this.#consecutive >= o.consecutiveFailures)
        this.#trip('consecutive-failures');
    });
    this.#engine.on('open', () => this.#enterOpen());
    this.#engine.on('halfOpen', () => this.#enterHalfOpen());
    this.#engine.on('close', () => this.#enterClosed());
    // opossum decides a restored state in its constructor, before our listeners exist.
    if (this.#engine.halfOpen) this.#enterHalfOpen();
    else if (this.#engine.opened) {
      this.#openReason = 'restored';
      this.#enterOpen();
      this.#openedAt = restoredAt ?? this.#openedAt;
    }
    registerBreaker(this);
  }

  /** Every live (not disposed, not garbage-collected) breaker in the process, e.g. for /health. */
  static registry(): CircuitBreaker[] {
    return liveBreakers<CircuitBreaker>();
  }

  /** The breaker's name. */
  get name(): string {
    return this.options.name;
  }

  /** `'closed'`, `'open'` or `'half-open'`. */
  get state(): CircuitState {
    return this.#state;
  }

  /** Failures in a row so far (reset by any success). */
  get consecutiveFailures(): number {
    return this.#consecutive;
  }

  /** Remaining cool-down in ms; 0 unless open. */
  get retryAfterMs(): number {
    if (this.#state !== 'open') return 0;
    return Math.max(0, this.#openedAt + this.options.resetTimeout - Date.now());
  }

  /** Runs `fn` through the breaker; rejects with CircuitOpenError without calling it when open. */
  execute<T>(fn: PolicyFunction<T>, options: ExecuteOptions = {}): Promise<T> {
    const signal = options.signal;
    const operation = options.operation ?? DEFAULT_OPERATION;
    if (signal?.aborted) return Promise.reject(abortError(signal, operation));
    const ctx = new LazyContext(operation, options.attempt ?? 1, signal);
    if (this.#state === 'closed') {
      let result: T | PromiseLike<T>;
      try {
        result = callInContext(ctx, fn);
      } catch (error) {
        return this.#replayFailure(error);
      }
      if (!isThenable<T>(result)) {
        this.#countSuccess();
        return Promise.resolve(result);
      }
      const settled = signal ? raceAbort(result, signal, operation) : result;
      return Promise.resolve(settled).then(this.#onClosedSuccess as (value: T) => T, this.#replayFailure);
    }
    if (
      this.#state === 'half-open' &&
      this.#probesInFlight + this.#probeSuccesses < this.options.halfOpenProbes
    ) {
      return this.#probe(fn, ctx, signal, operation);
    }
    const retryAfterMs = this.retryAfterMs;
    this.announce('circuit:reject', { name: this.name, retryAfterMs });
    return Promise.reject(new CircuitOpenError(this.name, retryAfterMs));
  }

  /**
   * Successes in the closed state skip opossum's fire() (a promise, two events and two clock
   * reads, ~1 µs) and go straight into its rolling window; failures are replayed through fire() so
   * opossum's own failure-rate logic decides whether to open.
   */
  #countSuccess(): void {
    this.recordSuccess();
  }

  /**
   * Counts a success of a call made outside execute() while closed (fused pipelines).
   * @internal
   */
  recordSuccess(): void {
    this.#status.increment('fires');
    this.#status.increment('successes');
    this.#consecutive = 0;
  }

  readonly #onClosedSuccess = <T>(value: T): T => {
    this.#countSuccess();
    return value;
  };

  /**
   * Counts a failure of a call made outside execute(); resolves (rejecting with `error`) once the
   * breaker has decided whether to open.
   * @internal
   */
  recordFailure(error: unknown): Promise<never> {
    return this.#replayFailure(error);
  }

  readonly #replayFailure = (error: unknown): Promise<never> =>
    isCancellation(error)
      ? Promise.reject(error)
      : this.#engine.fire(rejectWith as PolicyFunction<unknown>, error as ExecutionContext).then(
          () => Promise.reject(error),
          () => Promise.reject(error),
        );

  /** Opens the breaker now (it admits trial calls again after `resetTimeout`). */
  open(): void {
    this.#trip('manual');
  }

  /** Closes the breaker now and clears its failure counts. */
  close(): void {
    // opossum ignores close() when already closed; the counts must be cleared all the same.
    if (this.#state === 'closed') this.#enterClosed();
    else this.#engine.close();
  }

  /** The state to save and pass back as the `state` option after a restart. */
  toJSON(): SavedCircuitState {
    if (this.#state === 'closed') return { name: this.name, state: 'closed' };
    return { name: this.name, state: 'open', openedAt: this.#openedAt };
  }

  /** A plain snapshot for health reports. */
  snapshot(): CircuitSnapshot {
    return {
      name: this.name,
      state: this.#state,
      consecutiveFailures: this.#consecutive,
      retryAfterMs: this.retryAfterMs,
    };
  }

  /** Stops opossum's timers and removes the breaker from the registry. */
  dispose(): void {
    this.#engine.shutdown();
    unregisterBreaker(this);
    this.removeAllListeners();
  }

  async #probe<T>(
    fn: PolicyFunction<T>,
    ctx: ExecutionContext,
    signal: AbortSignal | undefined,
    operation: string,
  ): Promise<T> {
    const generation = this.#generation;
    this.#probesInFlight += 1;
    let outcome: 'success' | 'failure' | 'cancelled' = 'success';
    try {
      const result = callInContext(ctx, fn);
      return await (isThenable<T>(result) ? raceAbort(result, signal, operation) : result);
    } catch (error) {
      outcome = isCancellation(error) ? 'cancelled' : this.options.isFailure(error) ? 'failure' : 'success';
      throw error;
    } finally {
      if (generation === this.#generation) {
        this.#probesInFlight -= 1;
        if (outcome === 'failure') this.#trip('half-open-probe-failed');
        else if (outcome === 'success' && ++this.#probeSuccesses >= this.options.halfOpenProbes)
          this.#engine.close();
      }
    }
  }

  #trip(reason: CircuitOpenReason): void {
    this.#openReason = reason;
    this.#engine.open();
  }

  #enterOpen(): void {
    this.#generation += 1;
    this.#state = 'open';
    this.#openedAt = Date.now();
    const reason = this.#openReason ?? 'failure-rate';
    this.#openReason = undefined;
    this.announce('circuit:open', { name: this.name, reason, retryAfterMs: this.options.resetTimeout });
  }

  #enterHalfOpen(): void {
    this.#generation += 1;
    this.#state = 'half-open';
    this.#probesInFlight = 0;
    this.#probeSuccesses = 0;
    this.announce('circuit:half-open', { name: this.name });
  }

  #enterClosed(): void {
    this.#generation += 1;
    const wasClosed = this.#state === 'closed';
    this.#state = 'closed';
    this.#consecutive = 0;
    // A fresh window: failures from before the outage must not re-open a recovered breaker.
    this.#status.resetCounts();
    if (!wasClosed) this.announce('circuit:close', { name: this.name });
  }
}

/** A cancelled call says nothing about the service: it is neither a success nor a failure. */
function isCancellation(error: unknown): boolean {
  return classifyError(error).category === 'cancelled';
}

/** The action replayed through opossum for a failure that already happened. */
function rejectWith(error: unknown): Promise<never> {
  return Promise.reject(error);
}

/**
 * opossum's own saved-state shape for an open breaker: `lastTimerAt` 0 makes it half-open at once
 * (the cool-down has passed); now keeps it open for its (remaining) resetTimeout.
 */
function restoredEngineState(coolingDown: boolean): Record<string, unknown> {
  return {
    closed: false,
    halfOpen: false,
    open: true,
    enabled: true,
    lastTimerAt: coolingDown ? Date.now() : 0,
  };
}
