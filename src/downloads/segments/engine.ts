import { classifyError } from '../../errors/classify.js';
import type { HttpError } from '../../errors/HttpError.js';
import { ResumeError } from '../../errors/ResumeError.js';
import type { Attempt } from '../attempt.js';
import type { CycleGate } from '../originGate.js';
import { ifRangeValue } from '../rangeResume.js';
import type { TransferContext } from '../transfer.js';
import type { Chunk } from './chunkMap.js';
import type { NextChunk } from './chunkSink.js';
import { ConnectionController } from './controller.js';
import type { BudgetLease } from './originBudget.js';
import type { SegmentedFile } from './segmentedFile.js';
import { FileChanged } from './signals.js';
import type { WindowShare } from './windowShare.js';
import { SegmentWorker } from './worker.js';

/** How often the connection count is reconsidered (ms). */
const TICK_MS = 125;
/** Share of a tick the hasher or the disk must be busy for to count as the bottleneck. */
const PIPELINE_BUSY_SHARE = 0.85;
/** Connections a segmented file starts with (then doubled while throughput grows). */
export const INITIAL_CONNECTIONS = 4;

/** Ends a run so the caller asks again with one connection (the mirror ignores bounded ranges). */
class AskAgain extends Error {}

/** What one run of connections over one mirror needs. */
export interface SegmentRunOptions {
  readonly ctx: TransferContext;
  readonly mirror: URL;
  /** `urlKey(mirror)`: ceilings and range support are remembered per mirror. */
  readonly key: string;
  readonly file: SegmentedFile;
  readonly gate: CycleGate;
  /** The attempt's signal (caller's abort, the file's time budget, the retry policy). */
  readonly outer: AbortSignal;
  /** The file's first response (its body starts at the first byte the file lacks). */
  readonly lead: Attempt;
  readonly leadStart: number;
  readonly leadLength: number | undefined;
  /** Connections at most (`connectionsPerFile`). */
  readonly maxConnections: number;
  /** This file's share of its origin's connections. */
  readonly lease: BudgetLease;
  /** Memory ahead of the hash frontiers, shared with the Downloader's other files. */
  readonly windows: WindowShare;
}

/**
 * Fetches the rest of a segmented file from one mirror over several connections and waits until
 * every chunk is written and hashed: `'done'`. `'restart'`: the file changed on the server (the
 * caller discards the partial); `'again'`: the mirror turned out to ignore bounded ranges and the
 * caller goes on with one connection. Other failures reject (after the partial was made consistent).
 */
export async function runSegments(options: SegmentRunOptions): Promise<'done' | 'restart' | 'again'> {
  return new SegmentRun(options).run();
}

/** One run: the connections, their count, and whether the mirror honours bounded ranges. */
export class SegmentRun {
  readonly ctx: TransferContext;
  readonly mirror: URL;
  readonly file: SegmentedFile;
  readonly gate: CycleGate;
  /** Where chunk requests go: where the mirror redirected the first request (until that fails). */
  target: URL;
  readonly ifRange: string | undefined;
  readonly identity: { readonly etag: string | undefined; readonly lastModified: string | undefined };
  readonly #options: SegmentRunOptions;
  readonly #controller: ConnectionController;
  readonly #abort = new AbortController();
  readonly #workers = new Set<SegmentWorker>();
  #ranges: 'unknown' | 'refuting' | 'yes' | 'no' = 'unknown';
  #wake: { promise: Promise<void>; resolve: () => void };
  #failure: { error: unknown } | undefined;
  #lastError: unknown;
  #finished: { promise: Promise<void>; resolve: () => void };
  #dropped = false;
  #bytes = 0;
  #held = false;
  #fewest = 0;
  #lastTick = performance.now();

  constructor(options: SegmentRunOptions) {
    this.#options = options;
    this.ctx = options.ctx;
    this.mirror = options.mirror;
    this.file = options.file;
    this.gate = options.gate;
    this.target = options.lead.url;
    const headers = options.lead.response.headers;
    const etag = typeof headers.etag === 'string' ? headers.etag : undefined;
    const lastModified = typeof headers['last-modified'] === 'string' ? headers['last-modified'] : undefined;
    this.identity = { etag, lastModified };
    this.ifRange = ifRangeValue({ version: 1, urlKey: options.key, etag, lastModified });
    const ceiling = options.ctx.state.ceilings.get(options.key) ?? options.maxConnections;
    const max = Math.min(options.maxConnections, ceiling);
    this.#controller = new ConnectionController({ max, initial: Math.min(max, INITIAL_CONNECTIONS) });
    this.#wake = deferred();
    this.#finished = deferred();
  }

  /** Aborted when the run fails or the caller stops it. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Whether the run is failing (connections end as soon as they notice). */
  get failing(): boolean {
    return this.#failure !== undefined;
  }

  async run(): Promise<'done' | 'restart' | 'again'> {
    const { outer, lead, file } = this.#options;
    const onOuter = () => this.fail(outer.reason);
    if (outer.aborted) onOuter();
    else outer.addEventListener('abort', onOuter, { once: true });
    const chunk = file.map.chunkAt(this.#options.leadStart);
    // The first body must start where its chunk goes on (it was asked from the file's first gap).
    if (chunk?.state !== 'free' || chunk.next !== this.#options.leadStart) {
      outer.removeEventListener('abort', onOuter);
      this.#options.lease.close();
      lead.response.destroy();
      return 'again';
    }
    chunk.state = 'active';
    const leave = this.#options.windows.join();
    this.#announce('split', undefined);
    const first = new SegmentWorker(this);
    this.#workers.add(first);
    first.start({ attempt: lead, chunk, length: this.#options.leadLength });
    this.#fill();
    this.#fewest = this.#workers.size;
    this.#lastTick = performance.now();
    // Referenced on purpose: the run is work a caller awaits, and a connection paused for memory
    // holds no active handle (a paused socket does not keep the process alive); the tick is
    // what moves it on (#unstick). Cleared when the run ends.
    const timer = setInterval(() => this.#tick(), TICK_MS);
    try {
      await this.#finished.promise;
    } finally {
      clearInterval(timer);
      leave();
      outer.removeEventListener('abort', onOuter);
      this.#options.lease.close();
      this.ctx.progress.connections = 1;
    }
    const failure = this.#failure;
    if (failure) {
      await file.settle().catch(() => {});
      await file.persistNow().catch(() => {});
      if (failure.error instanceof FileChanged) return 'restart';
      if (failure.error instanceof AskAgain) return 'again';
      throw failure.error;
    }
    await file.flush();
    await file.persistNow();
    return 'done';
  }

  /** Ends the run with `error` (the first one wins); every connection stops. */
  fail(error: unknown): void {
    if (this.#failure) return;
    this.#failure = { error };
    this.#abort.abort(error);
    this.#options.lead.abort(error);
    this.#wake.resolve();
    if (this.#workers.size === 0) this.#finished.resolve();
  }

  /** A worker ended. */
  exit(worker: SegmentWorker): void {
    if (!this.#workers.delete(worker)) return;
    this.#options.lease.release();
    this.#fewest = Math.min(this.#fewest, this.#workers.size);
    this.#fill();
    // Its chunk may be the one the frontier needs while the others wait for memory far ahead.
    this.#unstick();
    if (this.#workers.size === 0 && (this.#failure || this.file.map.complete)) this.#finished.resolve();
  }

  /** Opens connections up to the wanted count; fails the run when none is left and chunks are. */
  #fill(): void {
    // While a fallback to one connection settles, its end decides (see #refute).
    if (this.#failure || this.#ranges === 'refuting') return;
    const map = this.file.map;
    while (
      this.#workers.size < this.#controller.target &&
      this.#controller.mayOpen &&
      (this.#ranges === 'unknown' || this.#ranges === 'yes') &&
      map.hasFree() &&
      this.#options.lease.tryAcquire()
    ) {
      const worker = new SegmentWorker(this);
      this.#workers.add(worker);
      worker.start();
    }
    this.ctx.progress.connections = Math.max(1, this.#workers.size);
    this.#resizeWindow();
    if (this.#workers.size > 0 || map.complete) return;
    this.fail(this.#ranges === 'no' ? new AskAgain() : (this.#lastError ?? new Error('no connection left')));
  }

  /** Memory ahead of the frontier follows the connections (and the other files' needs). */
  #resizeWindow(): void {
    const { file } = this;
    file.window = this.#options.windows.windowFor(file.map.chunkSize, this.#workers.size, file.maxWindow);
    file.connections = this.#workers.size;
  }

  /** The next chunk for `worker`, or undefined when it should end (shed, over budget, nothing left). */
  nextChunk(worker: SegmentWorker): Chunk | undefined {
    if (this.#failure || worker.retiring || this.#ranges === 'no' || this.#ranges === 'refuting')
      return undefined;
    const over = this.#workers.size > this.#controller.target || this.#options.lease.overShare();
    if (over && this.#workers.size > 1) return undefined;
    return this.file.map.claim();
  }

  /** Where the first stream goes on at the end of its chunk: the next chunk if nobody took it. */
  leadLimit(done: Chunk): NextChunk | Promise<void> {
    const map = this.file.map;
    if (this.#failure) return 'stop';
    if (this.#ranges === 'no') {
      // One connection from here on, over whatever later chunks held.
      if (!this.#dropped) {
        return this.file.dropAfter(done.end).then(() => {
          this.#dropped = true;
        });
      }
      map.release(done);
      return map.claimAfter(done) ?? 'stop';
    }
    const probing = [...this.#workers].some((worker) => worker.requesting);
    if (this.#ranges === 'refuting' || (this.#ranges === 'unknown' && probing)) return this.#wake.promise;
    map.release(done);
    return map.claimAfter(done) ?? 'stop';
  }

  /** A chunk request was answered (or failed): whoever waits for range support looks again. */
  requestSettled(): void {
    const wake = this.#wake;
    this.#wake = deferred();
    wake.resolve();
  }

  /** A chunk answer was usable: the mirror honours bounded ranges. */
  usable(): void {
    if (this.#ranges === 'unknown') this.#ranges = 'yes';
  }

  /**
   * A chunk answer was a 200 or a 206 for other bytes. The first one decides that the mirror does
   * not honour ranges (one connection from now on); later ones are retried, at most 3 per mirror.
   */
  unusable(worker: SegmentWorker, kind: 'ignored' | 'bad'): 'retry' | 'retire' {
    const { state } = this.ctx;
    if (this.#ranges === 'unknown') {
      worker.retiring = true;
      this.#refute(kind === 'ignored' ? 'range-ignored' : 'bad-content-range');
      return 'retire';
    }
    if (this.#ranges !== 'yes') {
      worker.retiring = true;
      return 'retire';
    }
    if (++state.refetches > 3) {
      throw new ResumeError(
        `${state.currentUrl} sent ${state.refetches} unusable answers to chunk requests`,
        {
          url: state.currentUrl,
        },
      );
    }
    return 'retry';
  }

  #refute(reason: 'range-ignored' | 'bad-content-range'): void {
    this.#ranges = 'refuting';
    this.ctx.state.rangeless.add(this.#options.key);
    const others = [...this.#workers].filter((worker) => !worker.streamingLead);
    for (const worker of others) worker.interrupt('shed');
    void Promise.all(others.map((worker) => worker.exited)).then(() => {
      this.#ranges = 'no';
      this.#announce('single', reason);
      this.requestSettled();
      this.#fill();
    });
  }

  /** The mirror answered 429/503: halve the connections (never below one) and respect Retry-After. */
  rateLimited(worker: SegmentWorker, error: HttpError): void {
    this.#lastError = error;
    if (this.#workers.size <= 1) {
      // The last connection: the retry policy waits out Retry-After for the whole file.
      this.fail(error);
      return;
    }
    const retryAfterMs = classifyError(error).retryAfterMs;
    const target = this.#controller.rateLimited(this.#workers.size, retryAfterMs);
    this.ctx.state.ceilings.set(this.#options.key, this.#controller.ceiling);
    worker.retiring = true;
    this.#announce('shed', `HTTP ${error.status}`, retryAfterMs, target);
  }

  /** A connection failed without progress: it ends, and the run wants one fewer. */
  lost(worker: SegmentWorker, error: unknown): void {
    this.#lastError = error;
    if (this.#workers.size <= 1) {
      this.fail(error);
      return;
    }
    this.#controller.failed();
    worker.retiring = true;
  }

  /** `bytes` arrived on some connection. */
  onBytes(bytes: number): void {
    const { state, progress } = this.ctx;
    state.transferred += bytes;
    this.#bytes += bytes;
    progress.update(state.currentUrl, this.file.map.received, this.file.map.total, state.transferred);
  }

  /** A connection was paused by us (block pool, window, bandwidth limit). */
  held(): void {
    this.#held = true;
  }

  #tick(): void {
    const now = performance.now();
    const before = this.#controller.target;
    const elapsedMs = now - this.#lastTick;
    const busy = this.file.pipelineBusy(elapsedMs, PIPELINE_BUSY_SHARE);
    const target = this.#controller.tick({
      bytes: this.#bytes,
      elapsedMs,
      connections: this.#fewest,
      heldByUs: this.#held || this.file.waitingPositions().length > 0,
      // Connections waited for the hasher or the disk, which were busy nearly all the time. Waits
      // because the window ahead of a slow frontier is full are the network's doing, and a burst
      // of hashing after a gap closed is no bottleneck: neither is a reason to shed.
      pipelineBound: this.file.pipelineWaits > 0 && busy,
    });
    this.file.pipelineWaits = 0;
    this.#lastTick = now;
    this.#bytes = 0;
    this.#held = false;
    this.#fewest = this.#workers.size;
    if (target > before) this.#announce('added', undefined, undefined, target);
    this.#fill();
    this.#resizeWindow();
    this.#unstick();
  }

  /**
   * A connection paused for memory far ahead while a chunk nearer the frontier has nobody: it
   * moves there (its bytes stay with its chunk), so the frontier always has a connection.
   */
  #unstick(): void {
    const lowest = this.file.map.lowestFree();
    if (lowest === undefined) return;
    let furthest: SegmentWorker | undefined;
    for (const worker of this.#workers) {
      const position = worker.position;
      if (!worker.waitingForBlock || position === undefined || position <= lowest) continue;
      if (!furthest || position > (furthest.position as number)) furthest = worker;
    }
    furthest?.interrupt('yield');
  }

  #announce(
    change: 'split' | 'added' | 'shed' | 'single',
    reason: string | undefined,
    retryAfterMs?: number,
    connections = change === 'single' ? 1 : this.#controller.target,
  ): void {
    const { ctx } = this;
    ctx.deps.emit('download:connections', {
      dest: ctx.dest,
      url: ctx.state.currentUrl,
      connections,
      change,
      reason,
      retryAfterMs,
      chunkSize: this.file.map.chunkSize,
    });
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
