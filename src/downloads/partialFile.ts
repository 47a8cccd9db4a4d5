import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { DiskFullError } from '../errors/DiskFullError.js';
import type { RestartReason } from '../events/downloadEvents.js';
import { BlockSink } from './blockSink.js';
import { BlockWriter } from './blockWriter.js';
import { blockArena, DIRECT_MIN_BYTES, openDirectWrites, plainBlocks } from './directIo.js';
import { ensureFreeSpace } from './diskSpace.js';
import type { Hasher, HasherPool } from './hashWorker.js';
import { MetaWriter, readMeta, sameValidators } from './partialMeta.js';
import type { PartialMeta } from './rangeResume.js';
import { IntervalSet } from './segments/intervals.js';
import type { SegmentLayout } from './segments/layout.js';
import { SegmentedFile } from './segments/segmentedFile.js';

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
 * and how to throw it away consistently (file, sink, segments and hasher together). One stream
 * appends through {@link sink}; several connections fill it through {@link segments}.
 */
export class PartialFile {
  /** Path of the partial file. */
  readonly path: string;
  /** Path of its meta file (validators for resuming, written ranges of a segmented partial). */
  readonly metaPath: string;
  /** Hashes every byte in order. */
  readonly hasher: Hasher;
  /** Writes received blocks of one stream to the file. */
  readonly sink: BlockSink;
  /** Validators of the bytes kept, as last written to the meta file. */
  meta: PartialMeta | undefined;
  /** Bytes of the partial that are hashed by the pending prefix hash. */
  prefixLength: number;
  /** Hash of the kept prefix, computed by the worker while the first request is in flight. */
  prefixHash: Promise<number>;
  /** Whether a range request continued the kept bytes (reset when they are thrown away). */
  resumed = false;
  /** Set while several connections fill the partial. */
  segments: SegmentedFile | undefined;
  /** Ranges kept by an earlier segmented run, until a segmented run takes them over or they are dropped. */
  #kept: IntervalSet | undefined;
  #file: FileHandle | undefined;
  #direct: FileHandle | undefined;
  readonly #writer: BlockWriter;
  readonly #metaWriter: MetaWriter;
  readonly #onRestart: (reason: RestartReason, discardedBytes: number) => void;

  private constructor(
    options: PartialFileOptions,
    file: FileHandle,
    hasher: Hasher,
    meta: PartialMeta | undefined,
    offset: number,
    kept: IntervalSet | undefined,
    direct: Awaited<ReturnType<typeof openDirectWrites>>,
  ) {
    this.path = options.partPath;
    this.metaPath = options.metaPath;
    this.#file = file;
    this.hasher = hasher;
    this.meta = meta;
    this.#kept = kept;
    this.#onRestart = options.onRestart;
    this.#metaWriter = new MetaWriter(options.metaPath);
    this.prefixLength = offset;
    this.prefixHash = offset > 0 ? hasher.hashFile(options.partPath, offset) : Promise.resolve(0);
    this.prefixHash.catch(() => {});
    this.#direct = direct?.handle;
    this.#writer = new BlockWriter(file, direct?.handle);
    this.sink = new BlockSink(
      this.#writer,
      hasher,
      offset,
      options.blockSize,
      direct?.blocks ?? plainBlocks(options.blockSize, POOL_BLOCKS),
      direct !== undefined,
    );
  }

  /**
   * Opens (or creates) the partial; drops kept bytes that cannot be ours (longer than the expected
   * size, or meant for another checksum) and checks free space for the rest.
   */
  static async open(options: PartialFileOptions): Promise<PartialFile> {
    const file = await open(options.partPath, constants.O_RDWR | constants.O_CREAT, 0o644);
    try {
      const length = (await file.stat()).size;
      let meta = options.adopted ? await readMeta(options.metaPath) : undefined;
      const { size, sha256 } = options;
      // A segmented partial holds the ranges its meta file lists; any other is an exact prefix.
      let kept: IntervalSet | undefined;
      if (meta?.segments) {
        kept = new IntervalSet(meta.segments);
        kept.truncate(Math.min(length, size ?? length));
      }
      let offset = kept ? kept.reach(0) : length;
      const foreign = meta?.sha256 !== undefined && sha256 !== undefined && meta.sha256 !== sha256;
      if (length > 0 && ((size !== undefined && length > size) || foreign)) {
        options.onRestart('oversized-partial', length);
        await file.truncate(0);
        kept = undefined;
        offset = 0;
        meta = undefined;
      }
      const held = kept?.size ?? offset;
      if (size !== undefined) await ensureFreeSpace(options.dir, size - held, options.dest);
      const expected = size ?? meta?.total;
      const direct =
        options.directWrites === 'auto' && expected !== undefined && expected >= DIRECT_MIN_BYTES
          ? await openDirectWrites(options.partPath, options.blockSize, POOL_BLOCKS)
          : undefined;
      const hasher = options.hashers.acquire(expected);
      return new PartialFile(options, file, hasher, meta, offset, kept, direct);
    } catch (error) {
      await file.close().catch(() => {});
      throw error;
    }
  }

  /** Whether the file was closed (after `syncAndClose`, before its rename): nothing more may be written. */
  get closed(): boolean {
    return this.#file === undefined;
  }

  /** First byte the file lacks (where one stream would go on). */
  get offset(): number {
    return this.segments ? this.segments.map.contiguous : this.sink.received;
  }

  /** Whether the partial holds ranges of a segmented download (it may have holes). */
  get segmented(): boolean {
    return this.segments !== undefined || this.#kept !== undefined;
  }

  /** Bytes held in all (kept and received; with holes when segmented). */
  get held(): number {
    if (this.segments) return this.segments.map.received;
    return Math.max(this.sink.received, this.#kept?.size ?? 0);
  }

  /**
   * The segmented state of this partial for a file of `total` bytes, created on first use from what
   * the file holds (one stream's prefix, or an earlier run's ranges). The meta file says
   * "segmented" before any byte lands beyond the prefix, so a crash never leaves holes unknown.
   */
  async segmentsFor(total: number, layout: SegmentLayout): Promise<SegmentedFile> {
    if (this.segments) return this.segments;
    await this.sink.flush();
    const offset = this.sink.received;
    const present = this.#kept ?? new IntervalSet();
    present.add(0, offset);
    present.truncate(total);
    this.segments = new SegmentedFile({
      path: this.path,
      total,
      layout,
      blockSize: layout.blockSize,
      window: layout.window,
      writer: this.#writer,
      hasher: this.hasher,
      blocks: blockArena(layout.blockSize, layout.blocks, this.#direct ? `${this.path}.align` : undefined),
      present,
      hashed: offset,
      persist: (ranges) => this.#writeMeta(ranges),
    });
    this.#kept = undefined;
    await this.segments.persistNow();
    return this.segments;
  }

  /**
   * Back to one stream (a mirror that ignores bounded ranges, or one connection asked for): keeps
   * the prefix that is written and hashed, drops what lies beyond it.
   */
  async leaveSegments(): Promise<void> {
    const segments = this.segments;
    if (!segments && !this.#kept) return;
    let keep = this.prefixLength;
    if (segments) {
      await segments.flush();
      keep = segments.frontier.position;
      await segments.close(false);
      this.segments = undefined;
    }
    this.#kept = undefined;
    await (this.#file as FileHandle).truncate(keep);
    this.sink.restartAt(keep);
    await this.#writeMeta(undefined);
  }

  /** Throws away every kept byte: the next transfer starts at 0. */
  async truncate(reason: RestartReason): Promise<void> {
    await this.sink.settle();
    const discarded = this.held;
    await this.#dropSegments();
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

  async #dropSegments(): Promise<void> {
    const segments = this.segments;
    this.segments = undefined;
    this.#kept = undefined;
    if (segments) await segments.close(false);
    if (segments || this.meta?.segments) await this.#writeMeta(undefined).catch(() => {});
  }

  /**
   * After a wrong digest: empties file, sink, segments and hasher. Returns whether bytes kept from
   * an earlier run were part of it (then the bad byte may be there and one more full fetch is worth it).
   */
  async restartAfterBadDigest(): Promise<boolean> {
    const usedOldBytes = this.keptBytesUsed;
    await this.#dropSegments();
    this.prefixLength = 0;
    this.prefixHash = Promise.resolve(0);
    await (this.#file as FileHandle).truncate(0);
    this.sink.restartAt(0);
    await this.hasher.reset();
    return usedOldBytes;
  }

  /** Whether bytes kept from an earlier run or attempt are part of the result (a resumed download). */
  get keptBytesUsed(): boolean {
    return this.prefixLength > 0 || (this.segments?.frontier.diskBytes ?? 0) > 0;
  }

  /** Whether kept bytes hashed from disk turned out short (then the digest covers too little). */
  get keptBytesMissing(): boolean {
    return this.segments?.frontier.diskShort ?? false;
  }

  /** Stores new validators (only when they changed). */
  async remember(meta: PartialMeta): Promise<void> {
    if (sameValidators(this.meta, meta)) return;
    this.meta = meta;
    await this.#writeMeta(this.segments?.written.toJSON() ?? this.#kept?.toJSON());
  }

  /** Writes validators and, for a segmented partial, its written ranges. */
  async #writeMeta(ranges: [number, number][] | undefined): Promise<void> {
    const { segments: _, ...validators } = this.meta ?? { version: 1 as const, urlKey: '' };
    if (validators.urlKey === '') return;
    this.meta = ranges ? { ...validators, segments: ranges } : validators;
    await this.#metaWriter.write(this.meta);
  }

  /** Writes (and, with one stream, hashes) everything accepted so far; rejects with the first error. */
  async flush(): Promise<void> {
    if (this.segments) await this.segments.flush();
    else await this.sink.flush();
  }

  /** After a full disk: keeps exactly what was written (a prefix, or the recorded ranges). */
  async diskFull(error: unknown, dest: string): Promise<DiskFullError> {
    await this.sink.settle();
    if (this.segments) {
      await this.segments.settle().catch(() => {});
      await this.segments.persistNow().catch(() => {});
    } else await (this.#file as FileHandle).truncate(this.sink.committed).catch(() => {});
    return error instanceof DiskFullError ? error : new DiskFullError(dest, { cause: error });
  }

  /** Makes the complete file durable and closes it (before it is renamed into place). */
  async syncAndClose(): Promise<void> {
    const file = this.#file as FileHandle;
    await this.segments?.close(false);
    // One fsync of the inode covers the direct writes too (metadata and the device cache).
    await file.sync();
    await file.close();
    this.#file = undefined;
    await this.#closeDirect();
    await this.#metaWriter.idle();
  }

  async #closeDirect(): Promise<void> {
    const direct = this.#direct;
    this.#direct = undefined;
    await direct?.close().catch(() => {});
  }

  /** Closes the file if still open (keeping what arrived when `keep`) and releases the hasher. */
  async close(keep: boolean): Promise<void> {
    // No meta write may land after the caller removes (or keeps) the files.
    await this.#metaWriter.idle();
    const file = this.#file;
    if (file) {
      // Keep what arrived (a pause); the next run re-hashes it before trusting it.
      if (this.segments) await this.segments.close(keep);
      else if (keep) await this.sink.flush().catch(() => this.sink.settle());
      await file.close().catch(() => {});
      this.#file = undefined;
    }
    await this.#closeDirect();
    await this.#metaWriter.idle();
    this.hasher.release();
  }
}
