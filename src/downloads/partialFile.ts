import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { DiskFullError } from '../errors/DiskFullError.js';
import type { RestartReason } from '../events/downloadEvents.js';
import { BlockSink } from './blockSink.js';
import { DIRECT_MIN_BYTES, type DirectWrites, openDirectWrites, plainBlocks } from './directIo.js';
import { ensureFreeSpace } from './diskSpace.js';
import type { Hasher, HasherPool } from './hashWorker.js';
import { readMeta, sameValidators, writeMeta } from './partialMeta.js';
import type { PartialMeta } from './rangeResume.js';

/** Blocks in flight per download (4 × 4 MiB by default). */
const POOL_BLOCKS = 4;

/** What {@link PartialFile.open} needs. */
export interface PartialFileOptions {
  readonly partPath: string;
  readonly metaPath: string;
  /** Whether an orphaned partial (with its meta file) was adopted. */
  readonly adopted: boolean;
  readonly dir: string;
  readonly dest: string;
  readonly size: number | undefined;
  readonly sha256: string | undefined;
  readonly hashers: HasherPool;
  readonly blockSize: number;
  /** `'auto'`: full blocks of files ≥ 32 MiB go to disk with O_DIRECT where the file system takes it. */
  readonly directWrites: 'auto' | 'off';
  /** Called when kept bytes are thrown away. */
  readonly onRestart: (reason: RestartReason, discardedBytes: number) => void;
}

/**
 * The writer's partial file with its running hash: what was kept from earlier runs, what arrived,
 * and how to throw it away consistently (file, block sink and hasher together).
 */
export class PartialFile {
  /** Path of the partial file. */
  readonly path: string;
  /** Path of its meta file (validators for resuming). */
  readonly metaPath: string;
  /** Hashes every byte in order. */
  readonly hasher: Hasher;
  /** Writes received blocks to the file. */
  readonly sink: BlockSink;
  /** Validators of the bytes kept, as last written to the meta file. */
  meta: PartialMeta | undefined;
  /** Bytes of the partial that are hashed by the pending prefix hash. */
  prefixLength: number;
  /** Hash of the kept prefix, computed by the worker while the first request is in flight. */
  prefixHash: Promise<number>;
  /** Whether a range request continued the kept bytes (reset when they are thrown away). */
  resumed = false;
  #file: FileHandle | undefined;
  #direct: FileHandle | undefined;
  /** The meta last written (or being written); writes run one after another. */
  #metaOnDisk: PartialMeta | undefined;
  #metaWrites: Promise<void> = Promise.resolve();
  readonly #onRestart: (reason: RestartReason, discardedBytes: number) => void;

  private constructor(
    options: PartialFileOptions,
    file: FileHandle,
    hasher: Hasher,
    meta: PartialMeta | undefined,
    offset: number,
    direct: DirectWrites | undefined,
  ) {
    this.path = options.partPath;
    this.metaPath = options.metaPath;
    this.#file = file;
    this.hasher = hasher;
    this.meta = meta;
    this.#metaOnDisk = meta;
    this.#onRestart = options.onRestart;
    this.prefixLength = offset;
    this.prefixHash = offset > 0 ? hasher.hashFile(options.partPath, offset) : Promise.resolve(0);
    this.prefixHash.catch(() => {});
    this.#direct = direct?.handle;
    this.sink = new BlockSink(
      file,
      hasher,
      offset,
      options.blockSize,
      direct?.blocks ?? plainBlocks(options.blockSize, POOL_BLOCKS),
      direct?.handle,
    );
  }

  /**
   * Opens (or creates) the partial; drops kept bytes that cannot be ours (longer than the expected
   * size, or meant for another checksum) and checks free space for the rest.
   */
  static async open(options: PartialFileOptions): Promise<PartialFile> {
    const file = await open(options.partPath, constants.O_RDWR | constants.O_CREAT, 0o644);
    try {
      let offset = (await file.stat()).size;
      let meta = options.adopted ? await readMeta(options.metaPath) : undefined;
      const { size, sha256 } = options;
      const foreign = meta?.sha256 !== undefined && sha256 !== undefined && meta.sha256 !== sha256;
      if (offset > 0 && ((size !== undefined && offset > size) || foreign)) {
        options.onRestart('oversized-partial', offset);
        await file.truncate(0);
        offset = 0;
        meta = undefined;
      }
      if (size !== undefined) await ensureFreeSpace(options.dir, size - offset, options.dest);
      const expected = size ?? meta?.total;
      const direct =
        options.directWrites === 'auto' && expected !== undefined && expected >= DIRECT_MIN_BYTES
          ? await openDirectWrites(options.partPath, options.blockSize, POOL_BLOCKS)
          : undefined;
      const hasher = options.hashers.acquire(expected);
      return new PartialFile(options, file, hasher, meta, offset, direct);
    } catch (error) {
      await file.close().catch(() => {});
      throw error;
    }
  }

  /** Whether the file was closed (after `syncAndClose`, before its rename): nothing more may be written. */
  get closed(): boolean {
    return this.#file === undefined;
  }

  /** Bytes received so far (kept and new). */
  get offset(): number {
    return this.sink.received;
  }

  /** Throws away every kept byte: the next transfer starts at 0. */
  async truncate(reason: RestartReason): Promise<void> {
    await this.sink.settle();
    const discarded = this.sink.received;
    this.hasher.cancelFile();
    await this.prefixHash.catch(() => 0);
    await this.hasher.reset();
    await (this.#file as FileHandle).truncate(0);
    this.sink.restartAt(0);
    this.prefixLength = 0;
    this.prefixHash = Promise.resolve(0);
    this.resumed = false;
    if (discarded > 0) this.#onRestart(reason, discarded);
  }

  /**
   * After a wrong digest: empties file, sink and hasher. Returns whether bytes kept from an earlier
   * run were part of it (then the bad byte may be there and one more full fetch is worth it).
   */
  async restartAfterBadDigest(): Promise<boolean> {
    const usedOldBytes = this.prefixLength > 0;
    this.prefixLength = 0;
    this.prefixHash = Promise.resolve(0);
    await (this.#file as FileHandle).truncate(0);
    this.sink.restartAt(0);
    await this.hasher.reset();
    return usedOldBytes;
  }

  /**
   * Stores new validators (only when they changed). Writes are serialized and each writes the
   * latest `meta` when its turn comes, so a slow older write can never land over a newer one (a
   * body cut right after its head starts a second write while the first is in flight).
   */
  remember(meta: PartialMeta): Promise<void> {
    if (sameValidators(this.meta, meta)) return this.#metaWrites;
    this.meta = meta;
    const write = this.#metaWrites.then(async () => {
      const latest = this.meta;
      if (latest === undefined || latest === this.#metaOnDisk) return;
      await writeMeta(this.metaPath, latest);
      this.#metaOnDisk = latest;
    });
    this.#metaWrites = write.catch(() => {});
    return write;
  }

  /** After a full disk: cut back to the bytes written in order, so the kept partial is exactly a prefix. */
  async diskFull(error: unknown, dest: string): Promise<DiskFullError> {
    await this.sink.settle();
    await (this.#file as FileHandle).truncate(this.sink.committed).catch(() => {});
    return error instanceof DiskFullError ? error : new DiskFullError(dest, { cause: error });
  }

  /** Makes the complete file durable and closes it (before it is renamed into place). */
  async syncAndClose(): Promise<void> {
    const file = this.#file as FileHandle;
    // One fsync of the inode covers the direct writes too (metadata and the device cache).
    await file.sync();
    await file.close();
    this.#file = undefined;
    await this.#closeDirect();
  }

  async #closeDirect(): Promise<void> {
    const direct = this.#direct;
    this.#direct = undefined;
    await direct?.close().catch(() => {});
  }

  /** Closes the file if still open (keeping what arrived when `keep`) and releases the hasher. */
  async close(keep: boolean): Promise<void> {
    // No meta write may land after the caller removes (or keeps) the files.
    await this.#metaWrites;
    const file = this.#file;
    if (file) {
      // Keep what arrived (a pause); the next run re-hashes it before trusting it.
      if (keep) await this.sink.flush().catch(() => this.sink.settle());
      await file.close().catch(() => {});
      this.#file = undefined;
    }
    await this.#closeDirect();
    this.hasher.release();
  }
}
