import type { SlowTransfer } from '../errors/StallError.js';

/** The least average rate an attempt must keep, over windows of transfer time. */
export interface MinRate {
  /** Bytes per second; 0 turns the check off. */
  readonly bytesPerSecond: number;
  /** Transfer time (not counting pauses we caused) the average is taken over, ms. */
  readonly windowMs: number;
}

/**
 * Ends an attempt when no bytes arrived for `timeoutMs`, or when a whole window of transfer time
 * brought fewer bytes than `minRate` asks for (a trickle of one byte just inside every stall
 * timeout would otherwise keep a download alive forever). Time while we hold the stream (throttled
 * or writing) counts for neither.
 */
export class StallWatchdog {
  readonly #timeoutMs: number;
  readonly #minRate: MinRate | undefined;
  readonly #onStall: (slow: SlowTransfer | undefined) => void;
  readonly #timer: NodeJS.Timeout;
  #last = performance.now();
  #lastTick = this.#last;
  #held = false;
  #windowActiveMs = 0;
  #windowBytes = 0;

  constructor(timeoutMs: number, onStall: (slow: SlowTransfer | undefined) => void, minRate?: MinRate) {
    this.#timeoutMs = timeoutMs;
    this.#onStall = onStall;
    this.#minRate = minRate && minRate.bytesPerSecond > 0 ? minRate : undefined;
    const every = Math.max(5, Math.min(1000, Math.floor(timeoutMs / 4)));
    this.#timer = setInterval(() => this.#check(), every);
    this.#timer.unref();
  }

  /** Bytes arrived: the stall clock starts again. */
  touch(): void {
    this.#last = performance.now();
  }

  /** `bytes` were accepted (counted towards the minimum rate). */
  count(bytes: number): void {
    this.#windowBytes += bytes;
  }

  /** While held (we are not reading, e.g. throttled or writing), silence is not a stall. */
  hold(held: boolean): void {
    this.#tick(performance.now());
    this.#held = held;
    this.#last = performance.now();
  }

  #tick(now: number): void {
    if (!this.#held) this.#windowActiveMs += now - this.#lastTick;
    this.#lastTick = now;
  }

  #check(): void {
    const now = performance.now();
    this.#tick(now);
    if (!this.#held && now - this.#last > this.#timeoutMs) {
      this.stop();
      this.#onStall(undefined);
      return;
    }
    const minRate = this.#minRate;
    if (!minRate || this.#windowActiveMs < minRate.windowMs) return;
    const observedRate = (this.#windowBytes * 1000) / this.#windowActiveMs;
    if (observedRate < minRate.bytesPerSecond) {
      this.stop();
      this.#onStall({ minRate: minRate.bytesPerSecond, observedRate, windowMs: this.#windowActiveMs });
      return;
    }
    this.#windowActiveMs = 0;
    this.#windowBytes = 0;
  }

  /** Stops the timer; call once the attempt is over. */
  stop(): void {
    clearInterval(this.#timer);
  }
}
