import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';

/**
 * Incremental sha256 that runs off the event loop: a worker thread is fed whole blocks (shared
 * memory, no copies) and can also hash a file prefix itself (the kept part of a resumed download),
 * so hashing overlaps the network and the disk writes. Messages are handled in order, so a prefix
 * followed by blocks hashes exactly the file's bytes in sequence.
 */
export interface Hasher {
  /** Hashes `length` bytes of `block` from `offset`; resolves when done (the block may then be reused). */
  update(block: SharedArrayBuffer, offset: number, length: number): Promise<void>;
  /**
   * Hashes `length` bytes of `file` from `start` (default 0); resolves with the bytes hashed (less
   * if cancelled or short).
   */
  hashFile(file: string, length: number, start?: number): Promise<number>;
  /** Stops a running {@link hashFile} early (its promise resolves with the bytes hashed so far). */
  cancelFile(): void;
  /** Forgets everything hashed so far. Resolves once in effect. */
  reset(): Promise<void>;
  /** The hex digest of everything hashed since the last reset; resets afterwards. */
  digest(): Promise<string>;
  /** Returns the hasher to its pool (or frees it). */
  release(): void;
}

// The worker is plain CommonJS evaluated from a string, so it works from source (tsx), ESM and CJS
// builds alike without a separate file to locate.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const cancel = new Int32Array(workerData.cancel);
let hash = createHash('sha256');
let scratch;
parentPort.on('message', (m) => {
  if (m.t === 'u') {
    hash.update(new Uint8Array(m.sab, m.off, m.len));
    parentPort.postMessage({ id: m.id });
  } else if (m.t === 'f') {
    let done = 0;
    let error;
    let fd;
    try {
      fd = fs.openSync(m.path, 'r');
      if (!scratch) scratch = Buffer.allocUnsafe(4 * 1024 * 1024);
      while (done < m.len && Atomics.load(cancel, 0) === 0) {
        const n = fs.readSync(fd, scratch, 0, Math.min(scratch.length, m.len - done), m.start + done);
        if (n <= 0) break;
        hash.update(n === scratch.length ? scratch : scratch.subarray(0, n));
        done += n;
      }
    } catch (e) {
      error = String(e && e.code || e);
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
    parentPort.postMessage({ id: m.id, done, error });
  } else if (m.t === 'r') {
    hash = createHash('sha256');
    Atomics.store(cancel, 0, 0);
    parentPort.postMessage({ id: m.id });
  } else if (m.t === 'd') {
    const hex = hash.digest('hex');
    hash = createHash('sha256');
    parentPort.postMessage({ id: m.id, hex });
  }
});
`;

interface Reply {
  id: number;
  done?: number;
  error?: string;
  hex?: string;
}

class WorkerHasher implements Hasher {
  readonly #worker: Worker;
  readonly #cancel: Int32Array;
  readonly #pending = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
  readonly #pool: HasherPool;
  #nextId = 0;
  #failed: Error | undefined;
  #exited: Promise<void> | undefined;

  constructor(pool: HasherPool) {
    this.#pool = pool;
    const cancel = new SharedArrayBuffer(4);
    this.#cancel = new Int32Array(cancel);
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { cancel }, execArgv: [] });
    // Referenced only while a request is pending (see #send): an unref'd worker that exchanged
    // messages is referenced again by its port, and a referenced idle worker holds the process open.
    this.#worker.unref();
    this.#worker.on('message', (reply: Reply) => {
      const entry = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) this.#worker.unref();
      entry?.resolve(reply);
    });
    const fail = (error: Error) => {
      this.#failed ??= error;
      for (const entry of this.#pending.values()) entry.reject(error);
      this.#pending.clear();
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', () => {
      fail(new Error('hash worker exited'));
      pool.exited(this);
    });
  }

  /** Whether it can serve another download: alive, with no request in flight. */
  get reusable(): boolean {
    return this.#failed === undefined && this.#pending.size === 0;
  }

  #send(message: Record<string, unknown>): Promise<Reply> {
    if (this.#failed) return Promise.reject(this.#failed);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      // A pending reply keeps the process alive: someone awaits it.
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ ...message, id });
    });
  }

  async update(block: SharedArrayBuffer, offset: number, length: number): Promise<void> {
    await this.#send({ t: 'u', sab: block, off: offset, len: length });
  }

  async hashFile(file: string, length: number, start = 0): Promise<number> {
    const reply = await this.#send({ t: 'f', path: file, len: length, start });
    if (reply.error)
      throw Object.assign(new Error(`Could not read ${file} for hashing: ${reply.error}`), {
        code: reply.error,
      });
    return reply.done ?? 0;
  }

  cancelFile(): void {
    Atomics.store(this.#cancel, 0, 1);
  }

  async reset(): Promise<void> {
    await this.#send({ t: 'r' });
  }

  async digest(): Promise<string> {
    return (await this.#send({ t: 'd' })).hex ?? '';
  }

  release(): void {
    this.#pool.giveBack(this);
  }

  /** Ends the thread; pending requests reject. Resolves once it has exited (idempotent). */
  terminate(): Promise<void> {
    this.#failed ??= new Error('hash worker terminated');
    this.#exited ??= this.#worker.terminate().then(
      () => undefined,
      () => undefined,
    );
    return this.#exited;
  }
}

/**
 * Same interface on the main thread, for small files where a worker round trip costs more.
 * Operations are chained so a file prefix is always hashed before later blocks.
 */
class InlineHasher implements Hasher {
  #hash: Hash = createHash('sha256');
  #cancelled = false;
  #chain: Promise<unknown> = Promise.resolve();

  #then<T>(step: () => T | Promise<T>): Promise<T> {
    const next = this.#chain.then(step);
    this.#chain = next.catch(() => {});
    return next;
  }

  update(block: SharedArrayBuffer, offset: number, length: number): Promise<void> {
    return this.#then(() => {
      this.#hash.update(new Uint8Array(block, offset, length));
    });
  }

  hashFile(file: string, length: number, start = 0): Promise<number> {
    return this.#then(async () => {
      const handle = await open(file, 'r');
      const buffer = Buffer.allocUnsafe(Math.min(length, 1024 * 1024) || 1);
      let done = 0;
      try {
        while (done < length && !this.#cancelled) {
          const { bytesRead } = await handle.read(
            buffer,
            0,
            Math.min(buffer.length, length - done),
            start + done,
          );
          if (bytesRead <= 0) break;
          this.#hash.update(buffer.subarray(0, bytesRead));
          done += bytesRead;
        }
      } finally {
        await handle.close();
      }
      return done;
    });
  }

  cancelFile(): void {
    this.#cancelled = true;
  }

  reset(): Promise<void> {
    return this.#then(() => {
      this.#hash = createHash('sha256');
      this.#cancelled = false;
    });
  }

  digest(): Promise<string> {
    return this.#then(() => {
      const hex = this.#hash.digest('hex');
      this.#hash = createHash('sha256');
      return hex;
    });
  }

  release(): void {}
}

/** Files up to this size are hashed on the main thread. */
export const INLINE_HASH_LIMIT = 8 * 1024 * 1024;

/**
 * Reusable hash workers of one Downloader: idle ones are unref'd (they never keep the process
 * alive) and kept up to `maxIdle`. {@link HasherPool.close} (or `await using`) ends every worker,
 * idle, being handed back, or released later.
 */
export class HasherPool implements AsyncDisposable {
  readonly #idle: WorkerHasher[] = [];
  /** Workers handed back whose reset is still in flight; they join `#idle` afterwards. */
  readonly #returning = new Set<WorkerHasher>();
  readonly #maxIdle: number;
  /** Terminations still in progress (close() waits for them). */
  readonly #exiting = new Set<Promise<void>>();
  readonly #live = new Set<WorkerHasher>();
  #closed = false;

  constructor(maxIdle: number) {
    this.#maxIdle = maxIdle;
  }

  /** Worker threads of this pool that have not exited (idle, in use or ending); for diagnostics. */
  get liveWorkers(): number {
    return this.#live.size;
  }

  /** A hasher for a file of `expectedBytes` (undefined = unknown → a worker). */
  acquire(expectedBytes: number | undefined): Hasher {
    if (expectedBytes !== undefined && expectedBytes <= INLINE_HASH_LIMIT) return new InlineHasher();
    const idle = this.#idle.pop();
    if (idle) return idle;
    const created = new WorkerHasher(this);
    this.#live.add(created);
    return created;
  }

  /** @internal */
  exited(hasher: WorkerHasher): void {
    this.#live.delete(hasher);
  }

  /** @internal */
  giveBack(hasher: WorkerHasher): void {
    if (this.#closed || !hasher.reusable || this.#idle.length + this.#returning.size >= this.#maxIdle) {
      this.#end(hasher);
      return;
    }
    this.#returning.add(hasher);
    hasher.reset().then(
      () => {
        this.#returning.delete(hasher);
        // close() may have run while the reset was in flight: never park a worker in a closed pool.
        if (this.#closed) this.#end(hasher);
        else this.#idle.push(hasher);
      },
      () => {
        this.#returning.delete(hasher);
        this.#end(hasher);
      },
    );
  }

  #end(hasher: WorkerHasher): void {
    const exit = hasher.terminate();
    this.#exiting.add(exit);
    void exit.then(() => this.#exiting.delete(exit));
  }

  /**
   * Ends idle workers and those being handed back; workers still in use end when released.
   * Resolves once they have exited. Safe to call more than once.
   */
  async close(): Promise<void> {
    this.#closed = true;
    for (const hasher of this.#idle.splice(0)) this.#end(hasher);
    for (const hasher of this.#returning) this.#end(hasher);
    await Promise.all(this.#exiting);
  }

  /** Same as {@link HasherPool.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
