import { isThenable, raceAbort } from '../../shared/abort.js';
import { callInContext } from '../policy/context.js';
import type { ExecutionContext, PolicyFunction } from '../policy/types.js';
import { isCancellation } from './engine.js';

/** What a half-open trial call reports back to its breaker. */
export interface ProbeVerdicts {
  /** Counts a failure (by the breaker's `isFailure`). */
  readonly isFailure: (error: unknown) => boolean;
  /** A trial failed: open again. */
  readonly failed: () => void;
  /** Enough trials succeeded: close. */
  readonly passed: () => void;
}

/**
 * The half-open trial calls of one breaker. Every state change starts a new phase, so late results
 * of trials from an earlier phase are ignored.
 */
export class HalfOpenProbes {
  #phase = 0;
  #inFlight = 0;
  #successes = 0;
  readonly #limit: number;

  /** `limit`: trial calls admitted (and successes needed to close) per half-open phase. */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Starts a new phase (on every state change); entering half-open also clears the counts. */
  nextPhase(halfOpen: boolean): void {
    this.#phase += 1;
    if (halfOpen) {
      this.#inFlight = 0;
      this.#successes = 0;
    }
  }

  /** Whether another trial call may start now. */
  admits(): boolean {
    return this.#inFlight + this.#successes < this.#limit;
  }

  /** Runs `fn` as a trial call; a cancellation counts neither way, an ignored error as a success. */
  async run<T>(
    fn: PolicyFunction<T>,
    ctx: ExecutionContext,
    signal: AbortSignal | undefined,
    operation: string,
    verdicts: ProbeVerdicts,
  ): Promise<T> {
    const phase = this.#phase;
    this.#inFlight += 1;
    let outcome: 'success' | 'failure' | 'cancelled' = 'success';
    try {
      const result = callInContext(ctx, fn);
      return await (isThenable<T>(result) ? raceAbort(result, signal, operation) : result);
    } catch (error) {
      outcome = isCancellation(error) ? 'cancelled' : verdicts.isFailure(error) ? 'failure' : 'success';
      throw error;
    } finally {
      if (phase === this.#phase) {
        this.#inFlight -= 1;
        if (outcome === 'failure') verdicts.failed();
        else if (outcome === 'success' && ++this.#successes >= this.#limit) verdicts.passed();
      }
    }
  }
}
