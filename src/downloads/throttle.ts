/**
 * A token bucket shared by every transfer of one Downloader: `take(n)` spends n bytes of budget and
 * tells how long the caller should pause to stay under `rate` bytes per second. Debt is allowed,
 * so a chunk is never split; the burst is a tenth of a second of budget (at least 64 KiB).
 */
export class TokenBucket {
  readonly rate: number;
  readonly burst: number;
  #tokens: number;
  #last: number;
  readonly #now: () => number;

  constructor(rate: number, now: () => number = () => performance.now()) {
    this.rate = rate;
    this.burst = Math.max(64 * 1024, rate / 10);
    this.#tokens = this.burst;
    this.#now = now;
    this.#last = now();
  }

  /** Spends `bytes`; returns the pause in ms before more data should be read (0 = none). */
  take(bytes: number): number {
    const now = this.#now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) * this.rate) / 1000);
    this.#last = now;
    this.#tokens -= bytes;
    return this.#tokens >= 0 ? 0 : (-this.#tokens * 1000) / this.rate;
  }
}
