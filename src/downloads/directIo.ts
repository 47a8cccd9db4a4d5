import { closeSync, constants, openSync, unlinkSync, writeSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';

/**
 * Positions and lengths of direct writes are multiples of this (covers 512-byte and 4 KiB sector
 * devices). Buffers are aligned to whatever the device asks, found by probing.
 */
export const DIRECT_ALIGN = 4096;

/** Files smaller than this are written through the page cache (probing would cost more than it saves). */
export const DIRECT_MIN_BYTES = 32 * 1024 * 1024;

/** One block of the pipeline: shared memory and the window of it that blocks are built in. */
export interface BlockMemory {
  readonly memory: SharedArrayBuffer;
  /** Where the usable window starts in `memory` (aligned for direct writes when they are on). */
  readonly offset: number;
  /** The window: `blockSize` bytes from `offset`. */
  readonly view: Buffer;
}

/** Blocks for the buffered path (no alignment needed). */
export function plainBlocks(blockSize: number, count: number): BlockMemory[] {
  return Array.from({ length: count }, () => {
    const memory = new SharedArrayBuffer(blockSize);
    return { memory, offset: 0, view: Buffer.from(memory) };
  });
}

/**
 * The first offset in `memory` at which a direct write of DIRECT_ALIGN bytes succeeds, or -1.
 * JavaScript cannot see addresses, so the kernel tells us: a misaligned buffer fails with EINVAL.
 * Writes go to a throw-away probe file; `hint` is tried first (allocations tend to share alignment).
 */
function probeOffset(fd: number, memory: SharedArrayBuffer, hint: number): number {
  const bytes = new Uint8Array(memory);
  const candidates = hint >= 0 ? [hint] : [];
  for (let offset = 0; offset < DIRECT_ALIGN; offset += 16) if (offset !== hint) candidates.push(offset);
  for (const offset of candidates) {
    try {
      writeSync(fd, bytes, offset, DIRECT_ALIGN, 0);
      return offset;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EINVAL') return -1;
    }
  }
  return -1;
}

/** Direct-write blocks and the O_DIRECT handle of a partial file. */
export interface DirectWrites {
  readonly handle: FileHandle;
  readonly blocks: BlockMemory[];
}

/**
 * Opens `partPath` a second time with O_DIRECT and allocates `count` blocks aligned for it, so full
 * blocks reach the disk by DMA instead of being copied into the page cache (the largest CPU cost of
 * a download once hashing is cheap). Undefined where the platform, the file system or the device
 * does not take direct writes; the caller then writes through the page cache.
 */
export async function openDirectWrites(
  partPath: string,
  blockSize: number,
  count: number,
): Promise<DirectWrites | undefined> {
  const direct = constants.O_DIRECT;
  if (direct === undefined) return undefined;
  const probePath = `${partPath}.align`;
  let fd: number | undefined;
  const blocks: BlockMemory[] = [];
  try {
    fd = openSync(probePath, constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC | direct, 0o600);
    let hint = -1;
    for (let i = 0; i < count; i++) {
      const memory = new SharedArrayBuffer(blockSize + DIRECT_ALIGN);
      const offset = probeOffset(fd, memory, hint);
      if (offset < 0) return undefined;
      hint = offset;
      blocks.push({ memory, offset, view: Buffer.from(memory, offset, blockSize) });
    }
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(probePath);
    } catch {
      // Never created, or already gone.
    }
  }
  try {
    const handle = await open(partPath, constants.O_WRONLY | direct);
    return { handle, blocks };
  } catch {
    return undefined;
  }
}

/**
 * `count` blocks of `blockSize` bytes carved from one shared-memory arena (one allocation, one
 * probe): aligned for direct writes when `probePath` is given and the device takes them there,
 * else plain. `blockSize` must be a multiple of DIRECT_ALIGN for the blocks to stay aligned.
 */
export function blockArena(blockSize: number, count: number, probePath?: string): BlockMemory[] {
  const memory = new SharedArrayBuffer(blockSize * count + (probePath ? DIRECT_ALIGN : 0));
  let base = 0;
  if (probePath !== undefined && constants.O_DIRECT !== undefined) {
    let fd: number | undefined;
    try {
      fd = openSync(
        probePath,
        constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC | constants.O_DIRECT,
        0o600,
      );
      base = Math.max(0, probeOffset(fd, memory, -1));
    } catch {
      base = 0;
    } finally {
      if (fd !== undefined) closeSync(fd);
      try {
        unlinkSync(probePath);
      } catch {
        // Never created.
      }
    }
  }
  return Array.from({ length: count }, (_, i) => {
    const offset = base + i * blockSize;
    return { memory, offset, view: Buffer.from(memory, offset, blockSize) };
  });
}
