import type { BlockWriter } from '../blockWriter.js';
import type { BlockMemory } from '../directIo.js';
import type { Hasher } from '../hashWorker.js';
import { BusyTime } from './busyTime.js';
import { type Chunk, ChunkMap } from './chunkMap.js';
import { HashFrontier } from './frontier.js';
import { IntervalSet } from './intervals.js';
import type { SegmentLayout } from './layout.js';

/** Blocks only a connection at the hashing frontier may take, so the frontier always moves. */
const FRONTIER_RESERVE = 2;
/**
 * Blocks handed to the hasher and not hashed yet, at most: when hashing is the bottleneck, the
 * connection at the frontier waits for it instead of queueing the whole pool.
 */
const HASH_QUEUE = 4;
/** Written ranges reach the meta file at most this long after their write (ms). */
const PERSIST_DELAY_MS = 10;

/** What {@link SegmentedFile} is made of. */
export interface SegmentedFileOptions {
  /** The partial file (read when kept bytes are hashed). */
  readonly path: string;
  readonly total: number;
  /** Chunk sizes (see `segmentLayout`). */
  readonly layout: Pick<SegmentLayout, 'chunkSize' | 'tailBytes' | 'tailChunkSize'>;
  /** Bytes per block; blocks never straddle a multiple of it, so full blocks stay aligned. */
  readonly blockSize: number;
  /** Bytes ahead of the hashing frontier that connections may fill before they are paused. */
  readonly window: number;
  readonly writer: BlockWriter;
  readonly hasher: Hasher;
  /** The block pool (window / blockSize + one per connection + a reserve). */
  readonly blocks: BlockMemory[];
  /** Bytes present on disk already (the meta file's ranges, or the single stream's prefix). */
  readonly present: IntervalSet;
  /** Bytes `[0, hashed)` are hashed already (or queued to the hasher). */
  readonly hashed: number;
  /** Stores the written ranges in the meta file. */
  readonly persist: (segments: [number, number][]) => Promise<void>;
}

/**
 * The state of one partial that several connections fill: which chunks hold what, the block pool,
 * the blocks waiting for the hashing frontier, and the ranges safely written (persisted in the
 * meta file so a crash loses only blocks in flight). It outlives one run of connections, so a
 * retry or another mirror continues with everything in memory.
 */
export class SegmentedFile {
  readonly path: string;
  readonly map: ChunkMap;
  readonly frontier: HashFrontier;
  /** Ranges written to disk without error. */
  readonly written: IntervalSet;
  readonly blockSize: number;
  /** Most bytes ahead of the frontier connections may fill (the pool's size allows). */
  readonly maxWindow: number;
  /** Bytes ahead of the frontier connections may fill now (set by the run: see WindowShare). */
  window: number;
  /** Connections filling blocks now (set by the run). */
  connections = 1;
  readonly #writer: BlockWriter;
  readonly #free: BlockMemory[];
  readonly #waiters = new Map<() => void, number>();
  readonly #writes = new Set<Promise<void>>();
  readonly #writing = new BusyTime();
  /** Blocks taken from the pool and not given back (filling, dispatched or kept by a chunk). */
  #inUse = 0;
  /** Dispatched blocks not given back (waiting for the frontier, being hashed or written). */
  #dispatched = 0;
  readonly #persist: (segments: [number, number][]) => Promise<void>;
  #persistTimer: NodeJS.Timeout | undefined;
  #error: Error | undefined;

  constructor(options: SegmentedFileOptions) {
    this.path = options.path;
    this.blockSize = options.blockSize;
    this.maxWindow = options.window;
    this.window = options.window;
    this.#writer = options.writer;
    this.#free = [...options.blocks];
    this.#persist = options.persist;
    this.written = new IntervalSet(options.present.toJSON());
    this.map = new ChunkMap(options.total, options.layout, options.present);
    // Kept bytes beyond the hashed prefix that their chunk still uses (bytes after a hole are fetched again).
    const onDisk = new IntervalSet();
    for (const chunk of this.map.chunks) {
      const from = Math.max(chunk.start, options.hashed);
      if (chunk.next > from) onDisk.add(from, chunk.next);
    }
    this.frontier = new HashFrontier(options.hasher, options.path, options.hashed, onDisk);
  }

  /** The first write error, if any. */
  get error(): Error | undefined {
    return this.#error;
  }

  /** Blocks memory may hold now: the window, one per connection. */
  #budget(): number {
    return Math.ceil(this.window / this.blockSize) + Math.max(1, this.connections);
  }

  /**
   * A free block for bytes at `position`, or undefined (wait with {@link onBlockFree}).
   *
   * - Others than the frontier: only within the window ahead of the frontier, while the blocks in
   *   use (filling, waiting for the frontier, being hashed or written) stay within the budget
   *   (so a busy hasher or disk slows the connections down), never from the reserve.
   * - The bytes the frontier needs next: while the hasher has fewer than {@link HASH_QUEUE} blocks;
   *   beyond the budget only when nothing else would come back (then from the reserve, or by
   *   dropping the unwritten bytes of a chunk nobody fetches now, furthest first). So the frontier
   *   always moves, and memory stays within the pool.
   */
  takeBlock(position: number): BlockMemory | undefined {
    const { frontier } = this;
    // Blocks on their way back from the hasher or the disk (not held for a gap before the frontier).
    const returning = this.#dispatched - frontier.heldBlocks;
    if (position === frontier.position) {
      if (frontier.hashing >= HASH_QUEUE) return this.#refuse('pipeline');
      if (this.#inUse >= this.#budget() + FRONTIER_RESERVE && returning > 0) return this.#refuse('pipeline');
      return this.#pop() ?? this.#reclaim();
    }
    // Too far ahead: the frontier's connection is the slow one, not our pipeline.
    if (position >= frontier.position + this.window) return undefined;
    if (this.#inUse >= this.#budget() || this.#free.length <= FRONTIER_RESERVE) {
      // Memory is full: of blocks the hasher or disk still has (pipeline), or of blocks waiting for
      // a gap before the frontier to be filled (the network).
      return this.#refuse(returning > frontier.heldBlocks ? 'pipeline' : 'network');
    }
    return this.#pop();
  }

  /** Refusals because hashing or the disk lag behind (the run reads and resets it each tick). */
  pipelineWaits = 0;

  /**
   * Whether hashing or writing was the bottleneck over the last `elapsedMs` (busy for at least
   * `share` of it); resets the busy times. Blocks queued after a gap closes make short bursts of
   * hashing, which are not a bottleneck.
   */
  pipelineBusy(elapsedMs: number, share: number): boolean {
    const hashing = this.frontier.takeBusyMs();
    const writing = this.#writing.take();
    return elapsedMs > 0 && Math.max(hashing, writing) >= share * elapsedMs;
  }

  #refuse(why: 'pipeline' | 'network'): undefined {
    if (why === 'pipeline') this.pipelineWaits += 1;
    return undefined;
  }

  #pop(): BlockMemory | undefined {
    const block = this.#free.pop();
    if (block) this.#inUse += 1;
    return block;
  }

  /** Takes the block of the furthest free chunk that keeps unwritten bytes (they are fetched again). */
  #reclaim(): BlockMemory | undefined {
    const chunks = this.map.chunks;
    for (let i = chunks.length - 1; i >= 0; i--) {
      const chunk = chunks[i] as Chunk;
      if (chunk.state !== 'free' || !chunk.block) continue;
      const block = chunk.block;
      chunk.block = undefined;
      chunk.next = chunk.blockStart;
      return block;
    }
    return undefined;
  }

  /** Calls `callback` once after a block was returned; `position` tells who waits where. */
  onBlockFree(position: number, callback: () => void): () => void {
    this.#waiters.set(callback, position);
    return () => this.#waiters.delete(callback);
  }

  /** Positions of connections waiting for a block. */
  waitingPositions(): number[] {
    return [...this.#waiters.values()];
  }

  #giveBack(block: BlockMemory): void {
    this.#inUse -= 1;
    this.#free.push(block);
    const waiters = [...this.#waiters.keys()];
    this.#waiters.clear();
    for (const waiter of waiters) waiter();
  }

  /** Bytes left in the block slot that holds `position`, up to `end`. */
  capacityAt(position: number, end: number): number {
    const slotEnd = (Math.floor(position / this.blockSize) + 1) * this.blockSize;
    return Math.min(slotEnd, end) - position;
  }

  /** Writes the chunk's current block (its bytes `[blockStart, next)`) and hands it to the frontier. */
  dispatch(chunk: Chunk): void {
    const block = chunk.block;
    if (!block) return;
    chunk.block = undefined;
    const start = chunk.blockStart;
    const length = chunk.next - start;
    chunk.blockStart = chunk.next;
    if (length === 0) {
      this.#giveBack(block);
      return;
    }
    const written = this.#write(block, length, start);
    const hashed = this.frontier.offer(start, block, length);
    this.#dispatched += 1;
    void Promise.allSettled([written, hashed]).then(() => {
      this.#dispatched -= 1;
      this.#giveBack(block);
    });
  }

  #write(block: BlockMemory, length: number, start: number): Promise<void> {
    const written = this.#writer.write(block.view, length, start).then(
      () => {
        this.written.add(start, start + length);
        this.#persistSoon();
      },
      (error: unknown) => {
        this.#error ??= error instanceof Error ? error : new Error(String(error));
      },
    );
    if (this.#writes.size === 0) this.#writing.start();
    this.#writes.add(written);
    void written.then(() => {
      this.#writes.delete(written);
      if (this.#writes.size === 0) this.#writing.stop();
    });
    return written;
  }

  #persistSoon(): void {
    if (this.#persistTimer) return;
    this.#persistTimer = setTimeout(() => {
      this.#persistTimer = undefined;
      this.#persist(this.written.toJSON()).catch(() => {});
    }, PERSIST_DELAY_MS);
    this.#persistTimer.unref();
  }

  /** Writes the ranges now (after a run, or when pausing). */
  async persistNow(): Promise<void> {
    clearTimeout(this.#persistTimer);
    this.#persistTimer = undefined;
    await this.#persist(this.written.toJSON());
  }

  /** Waits for every dispatched write; rejects with the first write error. */
  async settle(): Promise<void> {
    while (this.#writes.size > 0) await Promise.all([...this.#writes]);
    await this.#writer.synced();
    if (this.#error) throw this.#error;
  }

  /** Writes and hashes everything the frontier reached (blocks beyond a gap stay held). */
  async flush(): Promise<void> {
    await this.settle();
    await this.frontier.sent();
  }

  /**
   * Before a single stream runs on from `from` over everything after it (a mirror that ignores
   * ranges): forgets what later chunks held, so nothing is hashed twice.
   */
  async dropAfter(from: number): Promise<void> {
    for (const chunk of this.map.chunks) {
      if (chunk.start < from) continue;
      if (chunk.block) this.#giveBack(chunk.block);
      chunk.block = undefined;
      chunk.next = chunk.start;
      chunk.blockStart = chunk.start;
      if (chunk.state === 'done') chunk.state = 'free';
    }
    await Promise.allSettled([...this.#writes]);
    this.frontier.discard(from);
    this.written.truncate(from);
    await this.persistNow().catch(() => {});
  }

  /**
   * Ends the file's use (pause, failure or success): with `keep`, bytes of unfinished blocks are
   * written and the ranges persisted, so the next run fetches only what never arrived.
   */
  async close(keep: boolean): Promise<void> {
    if (keep) {
      for (const chunk of this.map.chunks) {
        const block = chunk.block;
        if (!block || chunk.next === chunk.blockStart) continue;
        await this.#write(block, chunk.next - chunk.blockStart, chunk.blockStart);
      }
    }
    await Promise.allSettled([...this.#writes]);
    this.frontier.discard(0);
    clearTimeout(this.#persistTimer);
    this.#persistTimer = undefined;
    if (keep) await this.#persist(this.written.toJSON()).catch(() => {});
  }
}
