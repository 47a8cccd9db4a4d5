/** Ends an attempt when no bytes arrived for `timeoutMs` while we were not holding the stream. */
export class StallWatchdog {
  readonly #timeoutMs: number;
  readonly #onStall: () => void;
  readonly #timer: NodeJS.Timeout;
  #last = performance.now();
  #held = false;

  constructor(timeoutMs: number, onStall: () => void) {
    this.#timeoutMs = timeoutMs;
    this.#onStall = onStall;
    const every = Math.max(5, Math.min(1000, Math.floor(timeoutMs / 4)));
    this.#timer = setInterval(() => this.#check(), every);
    this.#timer.unref();
  }

  /** Bytes arrived: the stall clock starts again. */
  touch(): void {
    this.#last = performance.now();
  }

  /** While held (we are not reading, e.g. throttled or writing), silence is not a stall. */
  hold(held: boolean): void {
    this.#held = held;
    this.#last = performance.now();
  }

  #check(): void {
    if (!this.#held && performance.now() - this.#last > this.#timeoutMs) {
      this.stop();
      this.#onStall();
    }
  }

  /** Stops the timer; call once the attempt is over. */
  stop(): void {
    clearInterval(this.#timer);
  }
}
