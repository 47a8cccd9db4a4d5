import type { FileHandle } from 'node:fs/promises';
import { DIRECT_ALIGN } from './directIo.js';

/**
 * Written bytes between background fdatasync calls. Flushing as we go spreads the disk writes over
 * the download (instead of one long fsync at the end, as much as a second per GiB) and surfaces a
 * delayed-allocation ENOSPC early.
 */
const SYNC_EVERY = 64 * 1024 * 1024;

/** Writes `view[0, length)` at `position`, however many calls it takes. */
async function writeAll(file: FileHandle, view: Buffer, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesWritten } = await file.write(view, done, length - done, position + done);
    done += bytesWritten;
  }
}

/**
 * Positional block writes to a partial file: through the O_DIRECT handle when the block's position
 * and length are multiples of DIRECT_ALIGN (and its memory is aligned, which the block pools
 * guarantee), else through the page cache, which is flushed in the background every 64 MiB.
 * Several writes may run at once when they touch different bytes (segmented downloads); the first
 * failure of a background flush is reported by the next {@link write} or by {@link synced}.
 */
export class BlockWriter {
  readonly #file: FileHandle;
  #direct: FileHandle | undefined;
  #directBytes = 0;
  #unsynced = 0;
  #syncing: Promise<void> | undefined;
  #syncError: Error | undefined;

  constructor(file: FileHandle, direct: FileHandle | undefined) {
    this.#file = file;
    this.#direct = direct;
  }

  /** Bytes written with direct I/O so far. */
  get directBytes(): number {
    return this.#directBytes;
  }

  /** Writes `view[0, length)` at `position`; rejects with the write's (or an earlier flush's) error. */
  async write(view: Buffer, length: number, position: number): Promise<void> {
    if (this.#syncError) throw this.#syncError;
    const direct = this.#direct;
    if (direct && position % DIRECT_ALIGN === 0 && length % DIRECT_ALIGN === 0) {
      try {
        await writeAll(direct, view, length, position);
        this.#directBytes += length;
        return;
      } catch (error) {
        // Some file systems open with O_DIRECT but refuse the write: go on through the page cache.
        if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error;
        this.#direct = undefined;
      }
    }
    await writeAll(this.#file, view, length, position);
    // Direct writes leave nothing dirty in the page cache; only buffered bytes call for a flush.
    this.#unsynced += length;
    if (this.#unsynced >= SYNC_EVERY && !this.#syncing) {
      this.#unsynced = 0;
      this.#syncing = this.#file.datasync().then(
        () => {
          this.#syncing = undefined;
        },
        (error: unknown) => {
          this.#syncing = undefined;
          this.#syncError ??= error instanceof Error ? error : new Error(String(error));
        },
      );
    }
  }

  /** Waits for a running background flush; rejects with the first flush error. */
  async synced(): Promise<void> {
    await this.#syncing;
    if (this.#syncError) throw this.#syncError;
  }

  /** Waits for a running background flush, ignoring its outcome. */
  async settled(): Promise<void> {
    await this.#syncing;
  }

  /** Forgets a flush error (after the file was cut back and starts again). */
  clearError(): void {
    this.#syncError = undefined;
  }
}
