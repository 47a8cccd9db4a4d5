import type Opossum from 'opossum';
import { classifyError } from '../../errors/classify.js';
import { lazyRequire } from '../../shared/lazyRequire.js';
import type { ExecutionContext, PolicyFunction } from '../policy/types.js';
import type { CountingStatus } from './countingStatus.js';
import type { ResolvedCircuitOptions } from './options.js';

type Action = (fn: PolicyFunction<unknown>, ctx: ExecutionContext) => Promise<unknown>;

/** The opossum breaker a CircuitBreaker delegates its failure-rate window and state timers to. */
export type Engine = Opossum<Parameters<Action>, unknown>;

/** What the breaker does when opossum reports a call outcome or a state change. */
export interface EngineListeners {
  readonly success: () => void;
  readonly failure: () => void;
  readonly open: () => void;
  readonly halfOpen: () => void;
  readonly close: () => void;
}

/**
 * Builds the opossum engine over `status` and wires its events to `on`. opossum only sees failures
 * (replayed by {@link replayFailure}) and its own state changes; successes go straight into `status`.
 * Returns when a restored open state was opened (undefined when not restored as open).
 */
export function createEngine(
  o: ResolvedCircuitOptions,
  status: CountingStatus,
  on: EngineListeners,
): { engine: Engine; restoredAt: number | undefined } {
  const action = ((fn, arg) => fn(arg)) as Action;
  // A restored open breaker keeps its original cool-down; opossum alone would restart it in full.
  const now = Date.now();
  const restoredAt = o.state?.state === 'open' ? Math.min(o.state.openedAt ?? now, now) : undefined;
  const remaining = restoredAt === undefined ? 0 : restoredAt + o.resetTimeout - now;
  const OpossumBreaker = lazyRequire<typeof Opossum>('opossum');
  const engine: Engine = new OpossumBreaker(action, {
    name: o.name,
    timeout: false,
    resetTimeout: remaining > 0 ? remaining : o.resetTimeout,
    errorThresholdPercentage: o.errorThresholdPercentage,
    volumeThreshold: o.volumeThreshold,
    rollingCountTimeout: o.rollingWindow,
    rollingCountBuckets: 10,
    rollingPercentilesEnabled: false,
    enableSnapshots: false,
    status,
    errorFilter: (error: unknown) => !isFailureSafe(o.isFailure, error),
    ...(restoredAt === undefined ? {} : { state: restoredEngineState(remaining > 0) }),
  } as Opossum.Options);
  // opossum reads this option whenever it opens: later cool-downs are full length again.
  (engine as unknown as { options: { resetTimeout: number } }).options.resetTimeout = o.resetTimeout;
  engine.on('success', on.success);
  engine.on('failure', on.failure);
  engine.on('open', on.open);
  engine.on('halfOpen', on.halfOpen);
  engine.on('close', on.close);
  return { engine, restoredAt };
}

/**
 * Replays a failure that already happened through opossum's fire(), so its own failure-rate logic
 * decides whether to open; rejects with `error` once it has. Cancellations are not counted.
 */
export function replayFailure(engine: Engine, error: unknown): Promise<never> {
  if (isCancellation(error)) return Promise.reject(error);
  let replayed: Promise<unknown>;
  try {
    replayed = engine.fire(rejectWith as PolicyFunction<unknown>, error as ExecutionContext);
  } catch {
    // Whatever goes wrong while counting, the caller gets the value its function threw.
    return Promise.reject(error);
  }
  return replayed.then(
    () => Promise.reject(error),
    () => Promise.reject(error),
  );
}

/** A cancelled call says nothing about the service: it is neither a success nor a failure. */
export function isCancellation(error: unknown): boolean {
  return classifyError(error).category === 'cancelled';
}

/**
 * A user `isFailure` that throws (e.g. it reads a getter of a hostile thrown value) counts the call
 * as a failure; its own error never replaces the value the call threw.
 */
export function isFailureSafe(isFailure: (error: unknown) => boolean, error: unknown): boolean {
  try {
    return isFailure(error);
  } catch {
    return true;
  }
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
