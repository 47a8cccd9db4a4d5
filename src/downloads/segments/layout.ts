import { DIRECT_ALIGN } from '../directIo.js';
import type { ResolvedDownloaderOptions } from '../options.js';

const MiB = 1024 * 1024;
/** Bytes ahead of the hashing frontier a file may hold in memory at most. */
export const MAX_WINDOW = 48 * MiB;
/** Largest block of the segmented pipeline (small blocks keep memory and crash losses small). */
const MAX_BLOCK = MiB;
/** Blocks beyond window and connections: the frontier's reserve. */
const RESERVE_BLOCKS = 2;

/** Sizes of one segmented file's pipeline. */
export interface SegmentLayout {
  readonly chunkSize: number;
  /**
   * The last `tailBytes` of a file (one round of all connections) are cut into chunks of
   * `tailChunkSize`, so the connections finish at about the same time instead of a few fetching
   * the last big chunks while the others idle.
   */
  readonly tailBytes: number;
  readonly tailChunkSize: number;
  /** Block size (a multiple of 4 KiB; blocks never straddle a multiple of it). */
  readonly blockSize: number;
  /** Bytes connections may fill ahead of the hashing frontier. */
  readonly window: number;
  /** Blocks in the pool: the window, one per connection, and a reserve. */
  readonly blocks: number;
}

/**
 * The pipeline of a file fetched over up to `connections` connections. The chunk size is 48 MiB
 * divided by the connections (2–16 MiB; 6 MiB for 8) unless set: with connections taking
 * neighbouring chunks, the bytes ahead of the frontier reach (connections − 1) chunks, so the
 * window of min(48 MiB, chunk × connections) lets equally fast connections run without pauses
 * while memory stays bounded (48 MiB + one block per connection, whatever the file size).
 */
export function segmentLayout(options: ResolvedDownloaderOptions, connections: number): SegmentLayout {
  const blockSize = Math.max(
    DIRECT_ALIGN,
    Math.floor(Math.min(options.blockSize, MAX_BLOCK) / DIRECT_ALIGN) * DIRECT_ALIGN,
  );
  const derived = Math.floor(Math.min(16 * MiB, Math.max(2 * MiB, MAX_WINDOW / connections)) / MiB) * MiB;
  const chunkSize = options.chunkSize ?? derived;
  const window = Math.max(2 * blockSize, Math.min(MAX_WINDOW, chunkSize * connections));
  const blocks = Math.ceil(window / blockSize) + connections + RESERVE_BLOCKS;
  const tailChunkSize = Math.min(
    chunkSize,
    Math.max(blockSize, Math.floor(chunkSize / 4 / blockSize) * blockSize),
  );
  return { chunkSize, tailBytes: chunkSize * connections, tailChunkSize, blockSize, window, blocks };
}

/**
 * Start of every chunk of a `total`-byte file: `chunkSize` apart, then `tailChunkSize` apart in
 * the last `tailBytes` (from a multiple of `chunkSize` on).
 */
export function chunkStarts(
  total: number,
  layout: Pick<SegmentLayout, 'chunkSize' | 'tailBytes' | 'tailChunkSize'>,
): number[] {
  const { chunkSize, tailChunkSize } = layout;
  const tailStart = Math.max(0, Math.floor((total - layout.tailBytes) / chunkSize) * chunkSize);
  const starts: number[] = [];
  for (let start = 0; start < total; start += start >= tailStart ? tailChunkSize : chunkSize)
    starts.push(start);
  return starts;
}
