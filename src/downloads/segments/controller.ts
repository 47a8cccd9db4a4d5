/** Options of {@link ConnectionController}. */
export interface ControllerOptions {
  /** Connections never exceed this (the file's `connectionsPerFile`, or a rate-limit ceiling). */
  readonly max: number;
  /** Connections to start with. */
  readonly initial: number;
}

/** What one tick reports about the last interval. */
export interface TickSample {
  /** Bytes received by all connections in the interval. */
  readonly bytes: number;
  /** Length of the interval, ms. */
  readonly elapsedMs: number;
  /** Connections that ran through the whole interval. */
  readonly connections: number;
  /** Whether we held a connection (block pool, window, bandwidth limit): more would not help. */
  readonly heldByUs: boolean;
  /**
   * Whether connections waited for memory because hashing or the disk (not the network) is the
   * bottleneck: fewer connections then cost less CPU for the same throughput.
   */
  readonly pipelineBound?: boolean;
}

/** A growth step counts when the rate rose by at least this share of the proportional gain. */
const MIN_GAIN_SHARE = 0.4;

/**
 * Decides how many connections one file uses: start with a few, double while the throughput grows
 * with them, stop growing when it does not (or when our own pipeline, not the network, is what
 * holds the transfer back; half as many after each interval in which hashing or the disk was),
 * halve on 429/503 and stay at or below that level afterwards, wait out Retry-After before growing
 * again. Pure logic with an injectable clock (see the unit tests).
 */
export class ConnectionController {
  #target: number;
  #ceiling: number;
  #holdUntil = 0;
  /** Rate and connection count before the last growth step, while it is judged. */
  #judging: { rate: number; connections: number } | undefined;
  #plateau = false;
  readonly #now: () => number;

  constructor(options: ControllerOptions, now: () => number = () => performance.now()) {
    this.#ceiling = Math.max(1, options.max);
    this.#target = Math.max(1, Math.min(options.initial, this.#ceiling));
    this.#now = now;
  }

  /** Connections wanted now. */
  get target(): number {
    return this.#target;
  }

  /** The most connections allowed from now on. */
  get ceiling(): number {
    return this.#ceiling;
  }

  /** Whether new connections may be opened now (not while a server-directed wait runs). */
  get mayOpen(): boolean {
    return this.#now() >= this.#holdUntil;
  }

  /** Whether growth stopped because more connections did not bring more throughput. */
  get plateau(): boolean {
    return this.#plateau;
  }

  /** One interval passed; returns the new target. */
  tick(sample: TickSample): number {
    if (this.#now() < this.#holdUntil || sample.elapsedMs <= 0) return this.#target;
    // Hashing or the disk was the bottleneck (busy nearly all the interval, connections waited for
    // it): half the connections, and no growth from now on. The sooner, the better: on a fast link
    // extra connections only cost CPU that the hash needs.
    if (sample.pipelineBound) {
      this.#plateau = true;
      this.#judging = undefined;
      this.#target = Math.max(1, Math.floor(this.#target / 2));
      return this.#target;
    }
    // Not all wanted connections are running yet: judge once they are.
    if (sample.connections < this.#target) return this.#target;
    const rate = (sample.bytes * 1000) / sample.elapsedMs;
    const judging = this.#judging;
    if (judging) {
      this.#judging = undefined;
      const expected = judging.rate * (sample.connections / judging.connections - 1);
      if (rate - judging.rate < MIN_GAIN_SHARE * expected) {
        this.#plateau = true;
        return this.#target;
      }
    }
    if (this.#plateau || sample.heldByUs || this.#target >= this.#ceiling) return this.#target;
    this.#judging = { rate, connections: sample.connections };
    this.#target = Math.min(this.#ceiling, this.#target * 2);
    return this.#target;
  }

  /** A 429/503 from the mirror: halve, never grow past that again, wait `retryAfterMs` before growing. */
  rateLimited(connections: number, retryAfterMs: number | undefined): number {
    this.#target = Math.max(1, Math.min(this.#ceiling, Math.floor(connections / 2)));
    this.#ceiling = this.#target;
    this.#holdUntil = this.#now() + Math.max(0, retryAfterMs ?? 0);
    this.#judging = undefined;
    return this.#target;
  }

  /** A connection failed without bringing a byte: one fewer. */
  failed(): number {
    this.#target = Math.max(1, this.#target - 1);
    this.#judging = undefined;
    return this.#target;
  }
}
