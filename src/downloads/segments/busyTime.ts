/**
 * How long something was busy (had work in flight) between two readings: tells a stage that is
 * the bottleneck (busy nearly all the time) from one that has bursts of work now and then.
 */
export class BusyTime {
  readonly #now: () => number;
  #since: number | undefined;
  #busyMs = 0;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Work arrived while idle. */
  start(): void {
    this.#since ??= this.#now();
  }

  /** The last work in flight finished. */
  stop(): void {
    if (this.#since === undefined) return;
    this.#busyMs += this.#now() - this.#since;
    this.#since = undefined;
  }

  /** Busy milliseconds since the last call, including work still in flight; starts counting afresh. */
  take(): number {
    const now = this.#now();
    let busy = this.#busyMs;
    if (this.#since !== undefined) {
      busy += now - this.#since;
      this.#since = now;
    }
    this.#busyMs = 0;
    return busy;
  }
}
