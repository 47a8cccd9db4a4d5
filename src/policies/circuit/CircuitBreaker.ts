import type Opossum from 'opossum';
import { CircuitOpenError } from '../../errors/CircuitOpenError.js';
import type { CircuitEvents, CircuitOpenReason } from '../../events/circuitEvents.js';
import { ReliabilityEmitter } from '../../events/emitter.js';
import { abortError, isThenable, raceAbort } from '../../shared/abort.js';
import { callInContext, LazyContext } from '../policy/context.js';
import { DEFAULT_OPERATION, type ExecuteOptions, type Policy, type PolicyFunction } from '../policy/types.js';
import { type CountingStatus, createCountingStatus } from './countingStatus.js';
import { createEngine, type Engine, isCancellation, isFailureSafe, replayFailure } from './engine.js';
import { type CircuitBreakerOptions, type ResolvedCircuitOptions, resolveCircuitOptions } from './options.js';
import type { CircuitPermit } from './permit.js';
import { HalfOpenProbes } from './probe.js';
import { liveBreakers, registerBreaker, unregisterBreaker } from './registry.js';
import type { CircuitState, SavedCircuitState } from './state.js';

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
  readonly #engine: Engine;
  readonly #status: CountingStatus;
  readonly #probes: HalfOpenProbes;
  #state: CircuitState = 'closed';
  #consecutive = 0;
  #openedAt = 0;
  #openReason: CircuitOpenReason | undefined;

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
    this.#probes = new HalfOpenProbes(o.halfOpenProbes);
    // The opossum adapter (construction, restored state, event wiring) lives in engine.ts.
    const { engine, restoredAt } = createEngine(o, this.#status, {
      success: () => {
        this.#consecutive = 0;
      },
      failure: () => {
        this.#consecutive += 1;
        if (this.#state === 'closed' && this.#consecutive >= o.consecutiveFailures)
          this.#trip('consecutive-failures');
      },
      open: () => this.#enterOpen(),
      halfOpen: () => this.#enterHalfOpen(),
      close: () => this.#enterClosed(),
    });
    this.#engine = engine;
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
    if (this.#state === 'half-open' && this.#probes.admits()) {
      return this.#probes.run(fn, ctx, signal, operation, this.#verdicts);
    }
    const retryAfterMs = this.retryAfterMs;
    this.announce('circuit:reject', { name: this.name, retryAfterMs });
    return Promise.reject(new CircuitOpenError(this.name, retryAfterMs));
  }

  /**
   * Asks for permission to make one call whose outcome is reported later through the permit;
   * undefined when the breaker rejects calls now (open, or half-open with every trial slot taken).
   * For calls that do not fit `execute(fn)`, e.g. a download whose service answered well once its
   * response head arrived, long before the body ends.
   */
  tryAcquire(): CircuitPermit | undefined {
    if (this.#state === 'closed') {
      let reported = false;
      const once = (report: () => void) => {
        if (reported) return;
        reported = true;
        report();
      };
      return {
        success: () => once(() => this.#state === 'closed' && this.#countSuccess()),
        failure: (error) =>
          once(() => {
            if (this.#state === 'closed') this.#replayFailure(error).catch(() => {});
          }),
        release: () => once(() => {}),
      };
    }
    if (this.#state !== 'half-open' || !this.#probes.admits()) return undefined;
    const report = this.#probes.begin(this.#verdicts);
    return {
      success: () => report('success'),
      failure: (error) =>
        report(
          isCancellation(error)
            ? 'neutral'
            : isFailureSafe(this.options.isFailure, error)
              ? 'failure'
              : 'success',
        ),
      release: () => report('neutral'),
    };
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

  readonly #replayFailure = (error: unknown): Promise<never> => replayFailure(this.#engine, error);

  /** How a half-open trial call's outcome moves the breaker. */
  readonly #verdicts = {
    isFailure: (error: unknown) => isFailureSafe(this.options.isFailure, error),
    failed: () => this.#trip('half-open-probe-failed'),
    passed: () => this.#engine.close(),
  };

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

  /** `using breaker = new CircuitBreaker(…)`: {@link dispose} when the scope ends. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** `await using breaker = new CircuitBreaker(…)`: {@link dispose} when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.dispose();
  }

  #trip(reason: CircuitOpenReason): void {
    this.#openReason = reason;
    this.#engine.open();
  }

  #enterOpen(): void {
    this.#probes.nextPhase(false);
    this.#state = 'open';
    this.#openedAt = Date.now();
    const reason = this.#openReason ?? 'failure-rate';
    this.#openReason = undefined;
    this.announce('circuit:open', { name: this.name, reason, retryAfterMs: this.options.resetTimeout });
  }

  #enterHalfOpen(): void {
    this.#probes.nextPhase(true);
    this.#state = 'half-open';
    this.announce('circuit:half-open', { name: this.name });
  }

  #enterClosed(): void {
    this.#probes.nextPhase(false);
    const wasClosed = this.#state === 'closed';
    this.#state = 'closed';
    this.#consecutive = 0;
    // A fresh window: failures from before the outage must not re-open a recovered breaker.
    this.#status.resetCounts();
    if (!wasClosed) this.announce('circuit:close', { name: this.name });
  }
}
