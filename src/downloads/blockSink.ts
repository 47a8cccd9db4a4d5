import type { BlockWriter } from './blockWriter.js';
import { type BlockMemory, DIRECT_ALIGN } from './directIo.js';
import type { Hasher } from './hashWorker.js';

/** A block that has been filling for longer than this is written out early (ms). */
const MAX_BLOCK_AGE_MS = 50;

/**
 * Receives the response body and turns it into large blocks from a small reusable pool: each full
 * block is written to the partial file (in order, on the libuv thread pool) and hashed by the
 * worker at the same time; it returns to the pool when both are done. When no block is free the
 * caller is told to pause the response (backpressure), so memory stays flat whatever the file size.
 *
 * `committed` only counts bytes written in order without error, so after a failed write the partial
 * can be cut back to a prefix that is exactly what the hash covered.
 */
export class BlockSink {
  readonly #writer: BlockWriter;
  /** Whether blocks should end on DIRECT_ALIGN boundaries (direct writes are on). */
  readonly #aligned: boolean;
  readonly #hasher: Hasher;
  readonly #blockSize: number;
  readonly #free: BlockMemory[];
  #current: BlockMemory | undefined;
  /** Bytes the current block takes: less than a block after an unaligned start, so it ends aligned. */
  #capacity = 0;
  #fill = 0;
  #blockStarted = 0;
  /** File offset where the current block starts. */
  #position: number;
  #committed: number;
  #writeChain: Promise<void> = Promise.resolve();
  #inFlight = 0;
  #overflow: Buffer[] = [];
  #error: Error | undefined;
  #onDrain: (() => void) | undefined;
  readonly #settled = new Set<Promise<void>>();

  /**
   * `blocks` are the pool (each `blockSize` bytes); `writer` writes them (directly when position
   * and length allow); with `aligned`, a block after an unaligned start is cut short so the next
   * one starts on a DIRECT_ALIGN boundary.
   */
  constructor(
    writer: BlockWriter,
    hasher: Hasher,
    start: number,
    blockSize: number,
    blocks: BlockMemory[],
    aligned: boolean,
  ) {
    this.#writer = writer;
    this.#aligned = aligned;
    this.#hasher = hasher;
    this.#blockSize = blockSize;
    this.#position = start;
    this.#committed = start;
    this.#free = [...blocks];
  }

  /** Bytes written with direct I/O so far (by this sink's writer). */
  get directBytes(): number {
    return this.#writer.directBytes;
  }

  /** Takes a free block as the current one; false when none is free. */
  #takeBlock(): boolean {
    const block = this.#free.pop();
    if (!block) return false;
    this.#current = block;
    this.#fill = 0;
    this.#blockStarted = performance.now();
    const misaligned = this.#aligned ? this.#position % DIRECT_ALIGN : 0;
    this.#capacity = this.#blockSize - misaligned;
    return true;
  }

  /** Bytes accepted so far, counted from the start of the file. */
  get received(): number {
    return this.#position + this.#fill + this.#overflow.reduce((sum, chunk) => sum + chunk.length, 0);
  }

  /** Bytes written in order without error (a prefix of the file). */
  get committed(): number {
    return this.#committed;
  }

  /** The first write or hash error, if any. */
  get error(): Error | undefined {
    return this.#error;
  }

  /** Called when a block frees up after `write()` returned false. */
  set onDrain(callback: (() => void) | undefined) {
    this.#onDrain = callback;
  }

  /**
   * Accepts a chunk (always; what cannot be placed yet is copied, so the caller may reuse the
   * chunk's memory at once). Returns false when the pool is exhausted and the caller should pause
   * the source until `onDrain` fires.
   */
  write(chunk: Buffer): boolean {
    if (this.#overflow.length > 0) {
      // Copied: callers reuse their read buffer as soon as this returns (a TLS socket keeps
      // delivering the records of one read even after it was asked to pause).
      this.#overflow.push(Buffer.from(chunk));
      return false;
    }
    const accepted = this.#absorb(chunk);
    // On a slow link a block can take long to fill: write what we have every 50 ms, so a
    // crash or kill loses at most that much data (plus what the kernel still buffers).
    if (this.#current && this.#fill > 0 && performance.now() - this.#blockStarted > MAX_BLOCK_AGE_MS)
      this.#dispatch();
    return accepted;
  }

  /**
   * Free memory at the end of the current block (taking a block from the pool if needed) for a
   * socket to read into directly, or undefined while no block is free or copies are queued.
   */
  region(): Buffer | undefined {
    if (this.#overflow.length > 0) return undefined;
    if (!this.#current && !this.#takeBlock()) return undefined;
    return (this.#current as BlockMemory).view.subarray(this.#fill, this.#capacity);
  }

  /**
   * Accepts `bytes` that were read into the start of the last {@link region}. Returns false when
   * no block is free for the next read (pause the source until `onDrain`).
   */
  commit(bytes: number): boolean {
    if (!this.#current || bytes > this.#capacity - this.#fill)
      throw new RangeError('commit beyond the region');
    this.#fill += bytes;
    if (this.#fill === this.#capacity || performance.now() - this.#blockStarted > MAX_BLOCK_AGE_MS)
      this.#dispatch();
    return this.#current !== undefined || this.#free.length > 0;
  }

  #absorb(chunk: Buffer): boolean {
    let offset = 0;
    while (offset < chunk.length) {
      if (!this.#current && !this.#takeBlock()) {
        this.#overflow.push(Buffer.from(offset === 0 ? chunk : chunk.subarray(offset)));
        return false;
      }
      const block = this.#current as BlockMemory;
      const n = Math.min(chunk.length - offset, this.#capacity - this.#fill);
      chunk.copy(block.view, this.#fill, offset, offset + n);
      this.#fill += n;
      offset += n;
      if (this.#fill === this.#capacity) this.#dispatch();
    }
    return true;
  }

  #dispatch(): void {
    const block = this.#current;
    const length = this.#fill;
    if (!block) return;
    this.#current = undefined;
    this.#fill = 0;
    if (length === 0) {
      this.#free.push(block);
      return;
    }
    const position = this.#position;
    this.#position += length;
    this.#inFlight++;
    const hashed = this.#hasher.update(block.memory, block.offset, length);
    const written = this.#writeChain.then(() => this.#writeBlock(block.view, length, position));
    this.#writeChain = written;
    const both: Promise<void> = Promise.all([hashed, written]).then(
      () => undefined,
      (error: unknown) => {
        this.#error ??= error instanceof Error ? error : new Error(String(error));
      },
    );
    this.#settled.add(both);
    void both.then(() => {
      this.#settled.delete(both);
      this.#inFlight--;
      this.#free.push(block);
      this.#release();
    });
  }

  async #writeBlock(view: Buffer, length: number, position: number): Promise<void> {
    if (this.#error) return;
    await this.#writer.write(view, length, position);
    this.#committed = position + length;
  }

  #release(): void {
    while (this.#overflow.length > 0 && (this.#free.length > 0 || this.#current)) {
      const chunk = this.#overflow.shift() as Buffer;
      if (!this.#absorb(chunk)) {
        // absorb re-queued the rest at the end; move it back to the front to keep order.
        const rest = this.#overflow.pop() as Buffer;
        this.#overflow.unshift(rest);
        return;
      }
    }
    if (this.#overflow.length === 0 && this.#onDrain) {
      const drain = this.#onDrain;
      this.#onDrain = undefined;
      drain();
    }
  }

  /** Whether the caller should keep its source paused. */
  get saturated(): boolean {
    return this.#overflow.length > 0;
  }

  /** Writes and hashes everything accepted so far; rejects with the first error. */
  async flush(): Promise<void> {
    while (this.#overflow.length > 0 || this.#inFlight > 0 || this.#current) {
      if (this.#overflow.length === 0 && this.#current) this.#dispatch();
      await Promise.all([...this.#settled]);
      if (this.#error) break;
    }
    try {
      await this.#writer.synced();
    } catch (error) {
      this.#error ??= error instanceof Error ? error : new Error(String(error));
    }
    if (this.#error) throw this.#error;
  }

  /** Waits for in-flight work without dispatching, ignoring errors (used before cutting back). */
  async settle(): Promise<void> {
    while (this.#inFlight > 0) await Promise.all([...this.#settled]);
    await this.#writer.settled();
  }

  /** Drops everything not yet dispatched and restarts at `start` (after a truncate). */
  restartAt(start: number): void {
    if (this.#current) this.#free.push(this.#current);
    this.#current = undefined;
    this.#fill = 0;
    this.#overflow = [];
    this.#position = start;
    this.#committed = start;
    this.#error = undefined;
    this.#writer.clearError();
  }
}
