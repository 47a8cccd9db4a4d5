import { CircuitOpenError } from '../errors/CircuitOpenError.js';
import type { CircuitPermit } from '../policies/circuit/permit.js';
import { Failover, isOriginFailure } from './failover.js';
import type { MirrorHealth } from './mirrors.js';

/**
 * Ends a retry cycle at once because the mirror's origin breaker rejects requests now; the mirror
 * loop then tries another mirror or waits for the cool-down. Not a failure of the file.
 */
export class CoolingDown extends Failover {
  /** The real failure of this cycle before the door closed, if any. */
  readonly cycleError: unknown;
  constructor(open: CircuitOpenError, cycleError: unknown) {
    super(open);
    this.cycleError = cycleError;
  }
}

/** How one request's outcome is reported to the origin's breaker. */
export interface RequestVerdict {
  /** The origin answered (any answer that says nothing against the origin itself). */
  answered(): void;
  /** The request failed with `error`; counted against the origin only when it says something about it. */
  failed(error: unknown): void;
}

/**
 * One retry cycle of one file on one mirror, as its origin's breaker sees it. Each request needs a
 * permit. A failure specific to the file (404, checksum, size, auth) never counts against the
 * origin. Origin failures (5xx, 429, network, stalls) count at most once per cycle, and only when
 * the whole cycle ends without the origin ever answering: a burst of 503s that the retries ride
 * out, or one bad file among good ones, cannot open the breaker every file on the origin shares.
 * A trial request of a half-open breaker reports at once, so the breaker closes or reopens promptly.
 */
export class CycleGate {
  readonly #health: MirrorHealth;
  readonly #mirror: URL;
  /** The permit of the cycle's first origin failure, reported when the cycle ends unanswered. */
  #pending: { permit: CircuitPermit; error: unknown } | undefined;
  #answered = false;
  /** Requests this cycle made. */
  requests = 0;
  /** The last error of a request of this cycle. */
  lastError: unknown;

  constructor(health: MirrorHealth, mirror: URL) {
    this.#health = health;
    this.#mirror = mirror;
  }

  /** Permission for the next request; throws {@link CoolingDown} while the breaker rejects requests. */
  acquire(): RequestVerdict {
    const trial = this.#health.breakerFor(this.#mirror)?.state === 'half-open';
    const permit = this.#health.tryAcquire(this.#mirror);
    if (!permit) {
      const breaker = this.#health.breakerFor(this.#mirror);
      throw new CoolingDown(
        new CircuitOpenError(breaker?.name ?? this.#mirror.origin, this.#health.retryAfterMs(this.#mirror)),
        this.lastError,
      );
    }
    this.requests += 1;
    let settled = false;
    return {
      answered: () => {
        if (settled) return;
        settled = true;
        this.#answered = true;
        this.#pending?.permit.release();
        this.#pending = undefined;
        permit.success();
      },
      failed: (error) => {
        this.lastError = error;
        if (settled) return;
        settled = true;
        if (!isOriginFailure(error)) permit.release();
        else if (trial) {
          this.#health.noteFailure(this.#mirror, error);
          permit.failure(error);
        } else if (this.#answered) permit.release();
        else if (this.#pending) {
          this.#pending.error = error;
          permit.release();
        } else this.#pending = { permit, error };
      },
    };
  }

  /** The cycle is over: its first origin failure counts if the origin never answered in it. */
  finish(): void {
    const pending = this.#pending;
    this.#pending = undefined;
    if (!pending) return;
    this.#health.noteFailure(this.#mirror, pending.error);
    pending.permit.failure(pending.error);
  }
}
