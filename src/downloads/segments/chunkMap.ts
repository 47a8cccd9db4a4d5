import type { BlockMemory } from '../directIo.js';
import type { IntervalSet } from './intervals.js';
import { chunkStarts, type SegmentLayout } from './layout.js';

/** One chunk of a segmented file. Bytes `[start, next)` were received, in order from `start`. */
export interface Chunk {
  readonly index: number;
  readonly start: number;
  readonly end: number;
  /** First byte not received yet (`end` once complete). */
  next: number;
  /** `'active'` while a connection fetches it; `'done'` once `next === end`. */
  state: 'free' | 'active' | 'done';
  /** The block being filled at `blockStart` (kept with the chunk when its connection stops). */
  block: BlockMemory | undefined;
  /** File position of `block`'s first byte. */
  blockStart: number;
}

/**
 * A file split into chunks (see {@link chunkStarts}: smaller ones for the last round) and what each holds. A
 * connection takes the free chunk nearest the start of the file, which is the one nearest the
 * hashing frontier: everything before the frontier is received, so the lowest free chunk is where
 * the frontier waits next. Memory ahead of the frontier stays small that way.
 */
export class ChunkMap {
  readonly total: number;
  readonly chunkSize: number;
  readonly chunks: readonly Chunk[];
  /** No chunk before this index is free or active (a hint that keeps lookups short). */
  #firstOpen = 0;

  /** `held`: bytes already present; each chunk keeps what is held from its start on. */
  constructor(
    total: number,
    layout: Pick<SegmentLayout, 'chunkSize' | 'tailBytes' | 'tailChunkSize'>,
    held: IntervalSet,
  ) {
    this.total = total;
    this.chunkSize = layout.chunkSize;
    const chunks: Chunk[] = [];
    const starts = chunkStarts(total, layout);
    for (const [index, start] of starts.entries()) {
      const end = starts[index + 1] ?? total;
      const next = Math.min(end, held.reach(start));
      chunks.push({
        index,
        start,
        end,
        next,
        state: next === end ? 'done' : 'free',
        block: undefined,
        blockStart: next,
      });
    }
    this.chunks = chunks;
  }

  #advanceHint(): void {
    while (this.#firstOpen < this.chunks.length && (this.chunks[this.#firstOpen] as Chunk).state === 'done')
      this.#firstOpen++;
  }

  /** The free chunk nearest the frontier, now active; undefined when none is free. */
  claim(): Chunk | undefined {
    this.#advanceHint();
    for (let i = this.#firstOpen; i < this.chunks.length; i++) {
      const chunk = this.chunks[i] as Chunk;
      if (chunk.state === 'free') {
        chunk.state = 'active';
        return chunk;
      }
    }
    return undefined;
  }

  /** The chunk after `chunk` when it is free and untouched (a stream may run on into it), now active. */
  claimAfter(chunk: Chunk): Chunk | undefined {
    const following = this.chunks[chunk.index + 1];
    if (following?.state !== 'free' || following.next !== following.start || following.block)
      return undefined;
    following.state = 'active';
    return following;
  }

  /** Gives an active chunk back: free again (keeping what it holds), or done when complete. */
  release(chunk: Chunk): void {
    chunk.state = chunk.next === chunk.end ? 'done' : 'free';
  }

  /** Whether some chunk is free. */
  hasFree(): boolean {
    this.#advanceHint();
    for (let i = this.#firstOpen; i < this.chunks.length; i++)
      if ((this.chunks[i] as Chunk).state === 'free') return true;
    return false;
  }

  /** Start of the lowest free chunk, or undefined. */
  lowestFree(): number | undefined {
    this.#advanceHint();
    for (let i = this.#firstOpen; i < this.chunks.length; i++) {
      const chunk = this.chunks[i] as Chunk;
      if (chunk.state === 'free') return chunk.next;
    }
    return undefined;
  }

  /** Whether every chunk is complete. */
  get complete(): boolean {
    this.#advanceHint();
    return this.#firstOpen === this.chunks.length;
  }

  /** Bytes received in all chunks. */
  get received(): number {
    let sum = 0;
    for (const chunk of this.chunks) sum += chunk.next - chunk.start;
    return sum;
  }

  /** First byte not received (the end of the received prefix). */
  get contiguous(): number {
    this.#advanceHint();
    return (this.chunks[this.#firstOpen] as Chunk | undefined)?.next ?? this.total;
  }

  /** The chunk holding `position`. */
  chunkAt(position: number): Chunk | undefined {
    if (position < 0 || position >= this.total) return undefined;
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.chunks[mid] as Chunk).start <= position) lo = mid;
      else hi = mid - 1;
    }
    return this.chunks[lo];
  }
}
