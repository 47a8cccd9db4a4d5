import type { BodySink } from '../http1/response.js';
import type { Chunk } from './chunkMap.js';
import type { SegmentedFile } from './segmentedFile.js';

/** Where a stream that reached the end of its chunk goes on: another chunk, or nowhere. */
export type NextChunk = Chunk | 'stop';

/**
 * One connection's body sink: bytes go into the blocks of its chunk (taken from the file's pool
 * under the window rule), each full block is dispatched to be written at its offset and hashed in
 * order. While no block may be taken the source is paused (TCP flow control then pauses the
 * server). A stream that reaches the end of its chunk asks `onLimit` where to go on; `'stop'` ends
 * it through `stop`, a promise means "ask again once it settles". The block being filled belongs to the chunk, so a stream that is cut leaves
 * its bytes for whoever continues the chunk.
 */
export class ChunkSink implements BodySink {
  readonly #file: SegmentedFile;
  readonly #onLimit: (done: Chunk) => NextChunk | Promise<void>;
  readonly #stop: () => void;
  #chunk: Chunk;
  #overflow: Buffer[] = [];
  #onDrain: (() => void) | undefined;
  #unsubscribe: (() => void) | undefined;
  #deciding = false;
  #stopped = false;
  readonly #drainWaiters: (() => void)[] = [];
  /** Bytes placed into blocks by this sink. */
  placed = 0;

  constructor(
    file: SegmentedFile,
    chunk: Chunk,
    onLimit: (done: Chunk) => NextChunk | Promise<void>,
    stop: () => void,
  ) {
    this.#file = file;
    this.#chunk = chunk;
    this.#onLimit = onLimit;
    this.#stop = stop;
  }

  /** The chunk being filled now. */
  get chunk(): Chunk {
    return this.#chunk;
  }

  /** File position of the next byte (for the body checks). */
  get received(): number {
    return this.#chunk.next;
  }

  /** Whether the sink waits for a free block. */
  get waiting(): boolean {
    return this.#unsubscribe !== undefined;
  }

  get error(): Error | undefined {
    return this.#file.error;
  }

  get onDrain(): (() => void) | undefined {
    return this.#onDrain;
  }

  set onDrain(callback: (() => void) | undefined) {
    this.#onDrain = callback;
  }

  /** Makes sure the chunk has a block with room; false when the caller must wait (or stop). */
  #room(): boolean {
    for (;;) {
      if (this.#stopped || this.#deciding) return false;
      const chunk = this.#chunk;
      if (chunk.next === chunk.end) {
        if (!this.#limit(chunk)) return false;
        continue;
      }
      if (chunk.block) return true;
      const block = this.#file.takeBlock(chunk.next);
      if (!block) {
        this.#unsubscribe ??= this.#file.onBlockFree(chunk.next, () => {
          this.#unsubscribe = undefined;
          this.#release();
        });
        return false;
      }
      chunk.block = block;
      chunk.blockStart = chunk.next;
      return true;
    }
  }

  /** At the end of the chunk: true when the stream goes on in another chunk now. */
  #limit(done: Chunk): boolean {
    const next = this.#onLimit(done);
    if (next === 'stop') {
      this.#halt();
      return false;
    }
    if (!(next instanceof Promise)) {
      this.#chunk = next;
      return true;
    }
    // Not decidable yet: ask again once it is (unless the stream ended meanwhile).
    this.#deciding = true;
    const again = () => {
      this.#deciding = false;
      this.#release();
    };
    next.then(again, again);
    return false;
  }

  #halt(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#overflow = [];
    for (const waiter of this.#drainWaiters.splice(0)) waiter();
    this.#stop();
  }

  #capacity(chunk: Chunk): number {
    return this.#file.capacityAt(chunk.blockStart, chunk.end);
  }

  region(): Uint8Array | undefined {
    if (this.#overflow.length > 0 || !this.#room()) return undefined;
    const chunk = this.#chunk;
    const fill = chunk.next - chunk.blockStart;
    return (chunk.block as NonNullable<Chunk['block']>).view.subarray(fill, this.#capacity(chunk));
  }

  commit(bytes: number): boolean {
    const chunk = this.#chunk;
    if (!chunk.block || chunk.next + bytes > chunk.blockStart + this.#capacity(chunk))
      throw new RangeError('commit beyond the region');
    this.#place(chunk, bytes);
    return chunk.next === chunk.end || this.#room();
  }

  #place(chunk: Chunk, bytes: number): void {
    chunk.next += bytes;
    this.placed += bytes;
    if (chunk.next === chunk.blockStart + this.#capacity(chunk)) this.#file.dispatch(chunk);
  }

  write(data: Buffer): boolean {
    if (this.#stopped) return false;
    if (this.#overflow.length > 0) {
      // Copied: the caller reuses its buffer at once.
      this.#overflow.push(Buffer.from(data));
      return false;
    }
    return this.#absorb(data);
  }

  #absorb(data: Buffer): boolean {
    let offset = 0;
    while (offset < data.length) {
      if (!this.#room()) {
        if (!this.#stopped) this.#overflow.push(Buffer.from(data.subarray(offset)));
        return false;
      }
      const chunk = this.#chunk;
      const block = chunk.block as NonNullable<Chunk['block']>;
      const fill = chunk.next - chunk.blockStart;
      const n = Math.min(data.length - offset, this.#capacity(chunk) - fill);
      data.copy(block.view, fill, offset, offset + n);
      offset += n;
      this.#place(chunk, n);
    }
    return true;
  }

  #release(): void {
    if (this.#stopped) return;
    while (this.#overflow.length > 0) {
      const data = this.#overflow.shift() as Buffer;
      if (!this.#absorb(data)) {
        // absorb queued what it could not place at the end: keep the order.
        const rest = this.#overflow.pop();
        if (rest) this.#overflow.unshift(rest);
        return;
      }
    }
    if (this.#stopped) return;
    const chunk = this.#chunk;
    if (chunk.next !== chunk.end && !this.#room()) return;
    for (const waiter of this.#drainWaiters.splice(0)) waiter();
    const drain = this.#onDrain;
    this.#onDrain = undefined;
    drain?.();
  }

  /** Resolves once bytes copied in while no block was free are placed too (or the sink stopped). */
  placedAll(): Promise<void> {
    if (this.#overflow.length === 0 || this.#stopped) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** The stream is over: stops waiting for blocks (the chunk keeps its block). */
  detach(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#overflow = [];
    this.#stopped = true;
    for (const waiter of this.#drainWaiters.splice(0)) waiter();
  }
}
