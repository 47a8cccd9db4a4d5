import { AuthenticationError } from '../../errors/AuthenticationError.js';
import { DiskFullError } from '../../errors/DiskFullError.js';
import { HttpError } from '../../errors/HttpError.js';
import { RequestLimitError } from '../../errors/RequestLimitError.js';
import { ResumeError } from '../../errors/ResumeError.js';
import { SizeMismatchError } from '../../errors/SizeMismatchError.js';
import { StallError } from '../../errors/StallError.js';
import { raceAbort } from '../../shared/abort.js';
import { type Attempt, requestHeaders, startAttempt } from '../attempt.js';
import { isDiskFull } from '../diskSpace.js';
import { isLocalFileError, isResumable } from '../failover.js';
import { CoolingDown } from '../originGate.js';
import { pumpBody } from '../pump.js';
import { checkChunkAnswer } from './answer.js';
import type { Chunk } from './chunkMap.js';
import { ChunkSink } from './chunkSink.js';
import type { SegmentRun } from './engine.js';
import { FileChanged, StreamStop } from './signals.js';

/** The file's first response, handed to the first connection with the chunk it starts in. */
export interface LeadStream {
  readonly attempt: Attempt;
  readonly chunk: Chunk;
  /** Body bytes announced, if known. */
  readonly length: number | undefined;
}

/** Errors after which no other connection of this run could do better. */
function isFatal(error: unknown): boolean {
  if (error instanceof HttpError) return error.status < 500 && error.status !== 429 && error.status !== 408;
  return (
    error instanceof FileChanged ||
    error instanceof CoolingDown ||
    error instanceof RequestLimitError ||
    error instanceof AuthenticationError ||
    error instanceof SizeMismatchError ||
    error instanceof ResumeError ||
    error instanceof DiskFullError ||
    isDiskFull(error) ||
    isLocalFileError(error)
  );
}

/** A 429 or 503: the mirror asks for fewer requests. */
function isRateLimit(error: unknown): error is HttpError {
  return error instanceof HttpError && (error.status === 429 || error.status === 503);
}

/**
 * One connection of a segmented download: takes the free chunk nearest the hashing frontier,
 * fetches the rest of it with `Range: bytes=<next>-<end>` (+ If-Range), and goes on until no chunk
 * is left or the run sheds it. A body cut after some bytes is continued at once; a failure without
 * progress, or a 429/503, ends the connection (the run decides whether the file goes on).
 */
export class SegmentWorker {
  readonly #run: SegmentRun;
  #attempt: Attempt | undefined;
  #sink: ChunkSink | undefined;
  /** Set once the worker should end at its next chunk boundary. */
  retiring = false;
  /** True between sending a chunk request and judging its answer. */
  requesting = false;
  /** True while streaming the file's first response (the one stream that can go on alone). */
  streamingLead = false;
  /** Resolves once the worker has ended (see {@link start}). */
  exited: Promise<void> = Promise.resolve();

  constructor(run: SegmentRun) {
    this.#run = run;
  }

  /** Starts the loop, with the file's first response when this is the first connection. */
  start(lead?: LeadStream): void {
    this.exited = this.#loop(lead).then(
      () => this.#run.exit(this),
      (error: unknown) => {
        this.#run.fail(error);
        this.#run.exit(this);
      },
    );
  }

  /** File position the connection writes at now, if it streams. */
  get position(): number | undefined {
    return this.#sink?.received;
  }

  /** Whether it is paused waiting for a block. */
  get waitingForBlock(): boolean {
    return this.#sink?.waiting ?? false;
  }

  /** Ends the current request on purpose (its bytes stay with the chunk). */
  interrupt(why: 'yield' | 'shed'): void {
    this.#attempt?.abort(new StreamStop(why));
  }

  async #loop(lead: LeadStream | undefined): Promise<void> {
    let chunk: Chunk | undefined;
    if (lead) {
      this.#attempt = lead.attempt;
      const sink = new ChunkSink(
        this.#run.file,
        lead.chunk,
        (done) => this.#run.leadLimit(done),
        () => lead.attempt.abort(new StreamStop('boundary')),
      );
      this.streamingLead = true;
      chunk = await this.#pump(sink, lead.attempt, lead.length);
      this.streamingLead = false;
    }
    for (;;) {
      chunk ??= this.#run.nextChunk(this);
      if (!chunk) return;
      chunk = await this.#fetch(chunk);
    }
  }

  /** One request for the rest of `chunk`; returns the chunk to go on with (undefined: take another). */
  async #fetch(chunk: Chunk): Promise<Chunk | undefined> {
    const run = this.#run;
    const start = chunk.next;
    const end = chunk.end - 1;
    const target = run.target;
    const extra: Record<string, string> = { range: `bytes=${start}-${end}` };
    if (run.ifRange !== undefined) extra['if-range'] = run.ifRange;
    let attempt: Attempt;
    this.requesting = true;
    try {
      attempt = await startAttempt(
        run.ctx,
        target,
        requestHeaders(run.ctx, run.mirror, target, extra),
        run.gate,
        run.signal,
      );
    } catch (error) {
      this.#settleRequest();
      return this.#failed(chunk, error, false);
    }
    this.#attempt = attempt;
    const { response } = attempt;
    const status = response.statusCode;
    const url = run.ctx.state.currentUrl;
    let length: number;
    try {
      if (status === 401 || status === 403) {
        response.discard();
        // A signed URL the mirror redirected to ran out: ask the mirror again from now on.
        if (target.href !== run.mirror.href) {
          run.target = run.mirror;
          attempt.end();
          return chunk;
        }
        throw new AuthenticationError(`${url} refused access (HTTP ${status})`, {
          status,
          url,
          tokenSent: false,
        });
      }
      if (status >= 400 && status !== 416) {
        response.discard();
        throw new HttpError(status, `HTTP ${status} from ${url}`, { headers: response.headers, url });
      }
      const answer = checkChunkAnswer({
        status,
        headers: response.headers,
        start,
        end,
        total: run.file.map.total,
        etag: run.identity.etag,
        lastModified: run.identity.lastModified,
      });
      if (answer.kind === 'changed') {
        response.destroy();
        throw new FileChanged();
      }
      if (answer.kind !== 'body') {
        response.destroy();
        // Throws ResumeError after too many unusable answers.
        const next = run.unusable(this, answer.kind);
        attempt.end();
        if (next === 'retry') return chunk;
        run.file.map.release(chunk);
        return undefined;
      }
      run.usable();
      length = answer.end - answer.start + 1;
    } catch (error) {
      attempt.failed(error);
      attempt.end();
      return this.#failed(chunk, error, false);
    } finally {
      this.#settleRequest();
    }
    const sink = new ChunkSink(
      run.file,
      chunk,
      () => 'stop',
      () => attempt.abort(new StreamStop('boundary')),
    );
    return this.#pump(sink, attempt, length);
  }

  #settleRequest(): void {
    if (!this.requesting) return;
    this.requesting = false;
    this.#run.requestSettled();
  }

  /** Streams a body into `sink`; returns the chunk to go on with (undefined: take another). */
  async #pump(sink: ChunkSink, attempt: Attempt, length: number | undefined): Promise<Chunk | undefined> {
    const run = this.#run;
    const { watchdog } = attempt;
    this.#sink = sink;
    try {
      await pumpBody(attempt.response, {
        sink,
        length,
        total: run.file.map.total,
        bucket: run.ctx.deps.bucket,
        url: run.ctx.state.currentUrl,
        signal: attempt.signal,
        setHeld: (held) => {
          watchdog.hold(held);
          if (held) run.held();
        },
        touch: () => watchdog.touch(),
        onChunk: (bytes) => {
          watchdog.count(bytes);
          run.onBytes(bytes);
        },
      });
      // The body may be in while its last bytes wait for blocks: an interrupt (yield to the
      // frontier, shed) or a failing run must end that wait too, or no block ever comes back.
      await raceAbort(sink.placedAll(), attempt.signal).catch((error: unknown) => {
        throw attempt.signal.aborted ? attempt.signal.reason : error;
      });
    } catch (error) {
      sink.detach();
      if (!(error instanceof StreamStop)) attempt.failed(error);
      attempt.end();
      this.#sink = undefined;
      this.#attempt = undefined;
      return this.#failed(sink.chunk, error, sink.placed > 0);
    }
    sink.detach();
    attempt.end();
    this.#sink = undefined;
    this.#attempt = undefined;
    const chunk = sink.chunk;
    if (chunk.next < chunk.end) return chunk;
    run.file.map.release(chunk);
    return undefined;
  }

  /** Decides what a failed request means for `chunk`, this connection and the run. */
  #failed(chunk: Chunk, error: unknown, progressed: boolean): Chunk | undefined {
    const run = this.#run;
    const map = run.file.map;
    if (error instanceof StreamStop) {
      map.release(chunk);
      if (error.why === 'shed') this.retiring = true;
      return undefined;
    }
    if (run.failing || isFatal(error)) {
      map.release(chunk);
      run.fail(error);
      return undefined;
    }
    const slow = error instanceof StallError && error.slow !== undefined;
    // Bytes arrived: continue the chunk at once (a mirror that cuts every body runs into the request budget).
    if (progressed && isResumable(error) && !slow) return chunk;
    map.release(chunk);
    if (isRateLimit(error)) run.rateLimited(this, error);
    else run.lost(this, error);
    return undefined;
  }
}
