import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { open } from 'node:fs/promises';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { CancelledError } from '../errors/CancelledError.js';
import { abortError } from '../shared/abort.js';
import { WORKER_SOURCE, type WorkerMessage } from './hashWorker.js';

/**
 * SHA-256 of whole files, off the event loop: a small pool of worker threads, each reading its file
 * in 256 KiB blocks with one read always in flight on the libuv threadpool (double buffering), so
 * the read of block n+1 overlaps the hash of block n and the main thread only sees a few messages
 * per file.
 */

/** The identity of a file's content as far as `stat` can tell (what the stat cache compares). */
export interface FileIdentity {
  /** Size in bytes. */
  readonly size: number;
  /** Modification time in ns since the epoch, as a decimal string (exact, unlike `mtimeMs`). */
  readonly mtimeNs: string;
  /** Status-change time in ns, as a decimal string; changes on any write, even when mtime is reset. */
  readonly ctimeNs: string;
  /** Inode number as a decimal string (64-bit inodes do not fit a double). */
  readonly ino: string;
}

/** The outcome of hashing one file. */
export interface HashResult {
  /** 64 lower-case hex digits. */
  readonly sha256: string;
  /** Bytes hashed. */
  readonly bytes: number;
  /** The file's identity when hashing ended. */
  readonly identity: FileIdentity;
  /** False when the file changed while it was being hashed (the hash must not be cached). */
  readonly stable: boolean;
}

/** Options of one {@link Hasher.hash} call. */
export interface HashOptions {
  /** Stops the hash (the worker stops reading); the call rejects with a cancelled error. */
  signal?: AbortSignal | undefined;
  /** Called with the bytes hashed so far, about every 16 MiB. */
  onProgress?: ((bytesHashed: number) => void) | undefined;
  /** The expected size, in bytes; files of at most 64 KiB are hashed on the calling thread (no worker round trip). */
  sizeHint?: number | undefined;
}

/** Anything that can hash a file; {@link HashPool} is the package's. Tests wrap it to count calls. */
export interface Hasher {
  /** SHA-256 of the whole file at `path`, with its identity when hashing ended. */
  hash(path: string, options?: HashOptions): Promise<HashResult>;
}

/** Files at most this large are hashed inline (≈0.2 ms of CPU): a worker round trip costs more. */
export const INLINE_LIMIT = 64 * 1024;

/** Convert a bigint `fstat` into a {@link FileIdentity}. */
export function identityOf(stats: BigIntStats): FileIdentity {
  return {
    size: Number(stats.size),
    mtimeNs: stats.mtimeNs.toString(),
    ctimeNs: stats.ctimeNs.toString(),
    ino: stats.ino.toString(),
  };
}

/** True when two identities describe the same unchanged file. */
export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs && a.ino === b.ino;
}

/** Callbacks waiting for each signal's abort, behind one listener per signal. */
const waiting = new WeakMap<AbortSignal, { callbacks: Set<() => void>; listener: () => void }>();

/**
 * Runs `callback` when `signal` aborts; returns the function that stops waiting. However many hashes
 * wait on one signal (a verify queues every file of a model on its caller's signal), the signal
 * carries one listener, not one per hash: dozens of listeners on one signal is Node's
 * MaxListenersExceededWarning, and each one costs work on abort.
 */
function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let entry = waiting.get(signal);
  if (!entry) {
    const callbacks = new Set<() => void>();
    const listener = () => {
      waiting.delete(signal);
      for (const fn of callbacks) fn();
    };
    entry = { callbacks, listener };
    waiting.set(signal, entry);
    signal.addEventListener('abort', listener, { once: true });
  }
  const { callbacks, listener } = entry;
  const fn = () => callback();
  callbacks.add(fn);
  return () => {
    callbacks.delete(fn);
    if (callbacks.size === 0 && waiting.get(signal)?.callbacks === callbacks) {
      waiting.delete(signal);
      signal.removeEventListener('abort', listener);
    }
  };
}

interface Job {
  id: number;
  path: string;
  flag: SharedArrayBuffer;
  onProgress: ((bytes: number) => void) | undefined;
  resolve: (result: HashResult) => void;
  reject: (error: unknown) => void;
  settled: boolean;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
}

/** Options of {@link HashPool}. */
export interface HashPoolOptions {
  /** Worker threads (default: available cores, at most 4). */
  size?: number;
  /**
   * Read block size in bytes (default 256 KiB). Measured here: 128–256 KiB reads cost a quarter of
   * the kernel time of 4 MiB reads (the copy stays in cache), and still few enough round trips.
   */
  blockSize?: number;
  /** Bytes between progress messages (default 16 MiB). */
  progressEvery?: number;
}

/**
 * A pool of hashing worker threads. A worker is referenced only while it hashes a file, so the pool
 * never keeps a process alive; `close()` (or `await using`) ends the threads at once.
 */
export class HashPool implements Hasher, AsyncDisposable {
  /** Worker threads in the pool (default: logical CPUs, at most 4). */
  readonly size: number;
  private readonly blockSize: number;
  private readonly progressEvery: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(options: HashPoolOptions = {}) {
    this.size = Math.max(1, Math.floor(options.size ?? Math.min(4, os.availableParallelism())));
    this.blockSize = Math.max(64 * 1024, Math.floor(options.blockSize ?? 256 * 1024));
    this.progressEvery = Math.max(this.blockSize, Math.floor(options.progressEvery ?? 16 * 1024 * 1024));
  }

  /** SHA-256 of the file at `path`; rejects with the fs error, or a cancelled error when `signal` aborts. */
  hash(path: string, options: HashOptions = {}): Promise<HashResult> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortError(signal, 'hash'));
    if (this.closed) return Promise.reject(closedError());
    if (options.sizeHint !== undefined && options.sizeHint <= INLINE_LIMIT) return hashInline(path, signal);
    return new Promise<HashResult>((resolve, reject) => {
      const flag = new SharedArrayBuffer(4);
      let unwatch: (() => void) | undefined;
      const job: Job = {
        id: this.nextId++,
        path,
        flag,
        onProgress: options.onProgress,
        resolve: (result) => {
          unwatch?.();
          resolve(result);
        },
        reject: (error) => {
          unwatch?.();
          reject(error);
        },
        settled: false,
      };
      if (signal) {
        unwatch = onAbort(signal, () => {
          Atomics.store(new Int32Array(flag), 0, 1);
          const queued = this.queue.indexOf(job);
          if (queued >= 0) this.queue.splice(queued, 1);
          if (!job.settled) {
            job.settled = true;
            job.reject(abortError(signal, 'hash'));
          }
        });
      }
      this.queue.push(job);
      this.pump();
    });
  }

  /** Terminates the workers; pending hashes reject. Resolves once they exited; safe to call again. */
  close(): Promise<void> {
    this.closed = true;
    this.closing ??= (async () => {
      for (const job of this.queue.splice(0)) this.fail(job, closedError());
      await Promise.all(
        this.slots.splice(0).map((slot) => {
          if (slot.job) this.fail(slot.job, closedError());
          return slot.worker.terminate().then(() => undefined);
        }),
      );
    })();
    return this.closing;
  }

  /** Same as {@link HashPool.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private fail(job: Job, error: unknown): void {
    if (job.settled) return;
    job.settled = true;
    job.reject(error);
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.job === undefined);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const job = this.queue.shift() as Job;
      slot.job = job;
      slot.worker.ref();
      slot.worker.postMessage({
        id: job.id,
        path: job.path,
        flag: job.flag,
        progressEvery: this.progressEvery,
      });
    }
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      execArgv: [],
      workerData: { blockSize: this.blockSize },
      name: 'wan-reliability-hash',
    });
    const slot: Slot = { worker, job: undefined };
    worker.unref();
    worker.on('message', (message: WorkerMessage) => this.onMessage(slot, message));
    worker.on('error', (error) => this.onExit(slot, error));
    worker.on('exit', (code) => this.onExit(slot, new Error(`hash worker exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }

  private onMessage(slot: Slot, message: WorkerMessage): void {
    const job = slot.job;
    if (!job || job.id !== message.id) return;
    if (message.type === 'progress') {
      if (!job.settled) job.onProgress?.(message.bytes);
      return;
    }
    slot.job = undefined;
    slot.worker.unref();
    if (!job.settled) {
      job.settled = true;
      if (message.type === 'done') {
        job.resolve({
          sha256: message.sha256,
          bytes: message.bytes,
          identity: message.identity,
          stable: message.stable,
        });
      } else if (message.type === 'error') {
        job.reject(Object.assign(new Error(message.error.message), message.error));
      } else {
        job.reject(new Error('hash aborted'));
      }
    }
    this.pump();
  }

  private onExit(slot: Slot, error: unknown): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    if (slot.job) this.fail(slot.job, error);
    slot.job = undefined;
    if (!this.closed) this.pump();
  }
}

async function hashInline(path: string, signal: AbortSignal | undefined): Promise<HashResult> {
  const handle = await open(path, 'r');
  try {
    const before = identityOf(await handle.stat({ bigint: true }));
    // No signal for readFile: it would add one listener per file to the caller's signal, for a read
    // of at most 64 KiB; the abort is checked right after instead.
    const data = await handle.readFile();
    if (signal?.aborted) throw abortError(signal, 'hash');
    const after = identityOf(await handle.stat({ bigint: true }));
    return {
      sha256: createHash('sha256').update(data).digest('hex'),
      bytes: data.length,
      identity: after,
      stable: sameIdentity(before, after) && after.size === data.length,
    };
  } catch (error) {
    if (signal?.aborted) throw abortError(signal, 'hash');
    throw error;
  } finally {
    await handle.close();
  }
}

function closedError(): CancelledError {
  return new CancelledError('The HashPool was closed', {
    remediation: [
      'Hash with a HashPool that is not closed (close a pool only when nothing hashes any more).',
    ],
  });
}

let shared: HashPool | undefined;

/** The process-wide pool used when no hasher is given. */
export function defaultHashPool(): HashPool {
  shared ??= new HashPool();
  return shared;
}
