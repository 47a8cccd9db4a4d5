import type { BlockMemory } from '../directIo.js';
import type { Hasher } from '../hashWorker.js';
import { BusyTime } from './busyTime.js';
import type { IntervalSet } from './intervals.js';

interface Held {
  readonly block: BlockMemory;
  readonly length: number;
  readonly settle: (hashed: Promise<void>) => void;
}

/**
 * Feeds the file's sha256 strictly in order while blocks arrive out of order: a block that starts
 * at the frontier is hashed at once, a block further on is held (its memory stays taken) until the
 * frontier reaches it. Bytes kept on disk from an earlier run are hashed from the file when the
 * frontier gets there (the only second read, and only when resuming). The hasher handles requests
 * in the order they were sent, so sending is all the ordering needed.
 */
export class HashFrontier {
  readonly #hasher: Hasher;
  readonly #path: string;
  readonly #onDisk: IntervalSet;
  readonly #held = new Map<number, Held>();
  readonly #sent = new Set<Promise<unknown>>();
  #position: number;
  #heldBytes = 0;
  #hashing = 0;
  readonly #busy = new BusyTime();
  #diskBytes = 0;
  #diskShort = false;

  /** `start`: bytes before it are hashed already; `onDisk`: bytes to hash from `path` when reached. */
  constructor(hasher: Hasher, path: string, start: number, onDisk: IntervalSet) {
    this.#hasher = hasher;
    this.#path = path;
    this.#position = start;
    this.#onDisk = onDisk;
    this.#drain();
  }

  /** Next byte to hand to the hasher. */
  get position(): number {
    return this.#position;
  }

  /** Blocks handed to the hasher and not hashed yet. */
  get hashing(): number {
    return this.#hashing;
  }

  /** Milliseconds the hasher had blocks of this file since the last call (then counts afresh). */
  takeBusyMs(): number {
    return this.#busy.take();
  }

  /** Blocks waiting in memory for the frontier. */
  get heldBlocks(): number {
    return this.#held.size;
  }

  /** Bytes waiting in memory for the frontier. */
  get heldBytes(): number {
    return this.#heldBytes;
  }

  /** Bytes hashed from disk (kept from an earlier run). */
  get diskBytes(): number {
    return this.#diskBytes;
  }

  /** Whether bytes expected on disk could not be read in full (the final digest will not match). */
  get diskShort(): boolean {
    return this.#diskShort;
  }

  /**
   * Takes `[start, start + length)` in `block`; resolves once hashed (the block may then be
   * reused), or once dropped by {@link discard}.
   */
  offer(start: number, block: BlockMemory, length: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#held.set(start, { block, length, settle: (hashed) => hashed.then(resolve, reject) });
      this.#heldBytes += length;
      this.#drain();
    });
  }

  #track(promise: Promise<unknown>): void {
    this.#sent.add(promise);
    const forget = () => this.#sent.delete(promise);
    promise.then(forget, forget);
  }

  #drain(): void {
    for (;;) {
      const held = this.#held.get(this.#position);
      if (held) {
        this.#held.delete(this.#position);
        this.#heldBytes -= held.length;
        const hashed = this.#hasher.update(held.block.memory, held.block.offset, held.length);
        this.#track(hashed);
        if (this.#hashing++ === 0) this.#busy.start();
        const done = () => {
          if (--this.#hashing === 0) this.#busy.stop();
        };
        hashed.then(done, done);
        held.settle(hashed);
        this.#position += held.length;
        continue;
      }
      const reach = this.#onDisk.reach(this.#position);
      if (reach === this.#position) return;
      const start = this.#position;
      const length = reach - start;
      this.#diskBytes += length;
      const read = this.#hasher.hashFile(this.#path, length, start).then(
        (done) => {
          if (done !== length) this.#diskShort = true;
        },
        () => {
          this.#diskShort = true;
        },
      );
      this.#track(read);
      this.#position = reach;
    }
  }

  /** Resolves once everything handed to the hasher so far is hashed (held blocks not included). */
  async sent(): Promise<void> {
    while (this.#sent.size > 0) await Promise.allSettled([...this.#sent]);
  }

  /** Drops held blocks at or after `from` without hashing them (their offers resolve). */
  discard(from = 0): void {
    for (const [start, held] of this.#held) {
      if (start < from) continue;
      this.#held.delete(start);
      this.#heldBytes -= held.length;
      held.settle(Promise.resolve());
    }
    this.#onDisk.truncate(from);
  }

  /** Starts over at `position` (after the partial was cut back and the hasher reset). */
  restart(position: number): void {
    this.discard(0);
    this.#onDisk.clear();
    this.#position = position;
    this.#diskBytes = 0;
    this.#diskShort = false;
  }
}
