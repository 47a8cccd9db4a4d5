import type { AttemptFailure } from '../../errors/RetriesExhaustedError.js';

/**
 * The failed attempts of one retry sequence, bounded: the first `keep` are kept as they come, the
 * last `keep` in a ring buffer, the rest only counted. Pushing is O(1) and memory is O(keep)
 * however long `retries: Infinity` runs.
 */
export class AttemptWindow {
  readonly #keep: number;
  readonly #first: AttemptFailure[] = [];
  readonly #ring: AttemptFailure[] = [];
  /** Where the next attempt goes in the ring once it is full (its oldest entry). */
  #next = 0;
  #total = 0;
  #last: AttemptFailure | undefined;

  /** @param keep how many of the first and of the last attempts to keep (≥ 1). */
  constructor(keep: number) {
    this.#keep = Math.max(1, Math.floor(keep));
  }

  /** Attempts pushed in all. */
  get total(): number {
    return this.#total;
  }

  /** The attempt pushed last. */
  get last(): AttemptFailure | undefined {
    return this.#last;
  }

  /** Records one failed attempt. */
  push(failure: AttemptFailure): void {
    this.#total += 1;
    this.#last = failure;
    if (this.#first.length < this.#keep) {
      this.#first.push(failure);
      return;
    }
    if (this.#ring.length < this.#keep) {
      this.#ring.push(failure);
      return;
    }
    this.#ring[this.#next] = failure;
    this.#next = (this.#next + 1) % this.#keep;
  }

  /** The kept attempts in order: the first ones, then the last ones. */
  list(): AttemptFailure[] {
    return [...this.#first, ...this.#ring.slice(this.#next), ...this.#ring.slice(0, this.#next)];
  }
}
