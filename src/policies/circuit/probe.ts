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

/** How a trial call ended: `neutral` (e.g. cancelled) frees its slot without a verdict. */
export type ProbeOutcome = 'success' | 'failure' | 'neutral';

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

  /**
   * Starts a trial call whose outcome is reported later through the returned function (for calls
   * that do not fit one `run(fn)`, such as a request whose verdict is known at its response head).
   * The caller checks {@link admits} first. Only the first report counts; reports from an earlier
   * phase are ignored.
   */
  begin(verdicts: ProbeVerdicts): (outcome: ProbeOutcome) => void {
    const phase = this.#phase;
    this.#inFlight += 1;
    let reported = false;
    return (outcome) => {
      if (reported || phase !== this.#phase) return;
      reported = true;
      this.#inFlight -= 1;
      if (outcome === 'failure') verdicts.failed();
      else if (outcome === 'success' && ++this.#successes >= this.#limit) verdicts.passed();
    };
  }

  /** Runs `fn` as a trial call; a cancellation counts neither way, an ignored error as a success. */
  async run<T>(
    fn: PolicyFunction<T>,
    ctx: ExecutionContext,
    signal: AbortSignal | undefined,
    operation: string,
    verdicts: ProbeVerdicts,
  ): Promise<T> {
    const report = this.begin(verdicts);
    let outcome: ProbeOutcome = 'success';
    try {
      const result = callInContext(ctx, fn);
      return await (isThenable<T>(result) ? raceAbort(result, signal, operation) : result);
    } catch (error) {
      outcome = isCancellation(error) ? 'neutral' : verdicts.isFailure(error) ? 'failure' : 'success';
      throw error;
    } finally {
      report(outcome);
    }
  }
}
