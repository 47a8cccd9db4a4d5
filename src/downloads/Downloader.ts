import { CancelledError } from '../errors/CancelledError.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { classifyError } from '../errors/classify.js';
import { describeThrown } from '../errors/thrown.js';
import type { DownloadEvents } from '../events/downloadEvents.js';
import { ReliabilityEmitter } from '../events/emitter.js';
import type { RetryInfo } from '../events/retryEvents.js';
import { type RedactOptions, redact, redactError } from '../shared/redaction/redact.js';
import { HasherPool } from './hashWorker.js';
import { ConnectionPool } from './http1/pool.js';
import type { TlsOptions } from './httpClient.js';
import { MirrorHealth } from './mirrors.js';
import {
  type DownloadCallOptions,
  type DownloaderOptions,
  type DownloadRequest,
  type DownloadResult,
  type ResolvedDownloaderOptions,
  resolveDownloaderOptions,
  resolveRequest,
} from './options.js';
import { type PartialLocationOptions, partialDirFor } from './partialPath.js';
import { PriorityQueue } from './queue.js';
import { requestSecrets } from './requestSecrets.js';
import { OriginBudget } from './segments/originBudget.js';
import { WindowShare } from './segments/windowShare.js';
import type { SessionDeps } from './sessionDeps.js';
import { TokenBucket } from './throttle.js';

type RetryListener = (attempt: number, error: unknown, delayMs: number, serverDirected: boolean) => void;

/**
 * Resumable, multi-mirror, verify-before-rename downloads.
 *
 * - Nothing reaches `dest` except by an atomic rename after size and sha256 matched (hashing runs
 *   in a worker thread while the bytes stream in; the file is fsynced before the rename).
 * - A partial survives crashes and restarts and is resumed (Range + If-Range; the kept prefix is
 *   re-hashed so the final sha256 covers every byte; a 200 to a range request restarts; the
 *   Content-Range is checked; 416 handled).
 * - Mirrors are tried in order, each behind its own CircuitBreaker; 404, corrupt bytes, stalls and
 *   exhausted retries fail over; a mirror that served corrupt bytes is demoted for the run.
 * - 408/429/5xx and network errors are retried by the RetryPolicy (Retry-After and RateLimit
 *   honoured); a retry after progress resumes.
 * - Files of `segmentMinSize` (64 MiB) or more whose mirror honours Range are fetched in chunks over
 *   up to `connectionsPerFile` connections (adaptive; halved on 429/503), hashed once in order with
 *   bounded memory; all files share `connectionsPerOrigin` connections per origin.
 * - 401/403 asks `token(url)` once, only for an origin the token is for (`tokenOrigins`, default
 *   the origin of the request's first URL); no credential header (Authorization, Cookie, X-Api-Key,
 *   X-HF-Token, Private-Token, …) follows a redirect to another origin; https→http is refused.
 * - Every event payload and the rejected error (message, stack, cause chain, response headers) are
 *   redacted; a server-chosen redirect URL appears without its query string.
 * - Two processes (or two Downloaders) on one destination never write into the same file, even
 *   where file locks do not work.
 *
 * @example
 * ```ts
 * const downloader = new Downloader({ token: () => process.env.HF_TOKEN });
 * const result = await downloader.download(
 *   { urls: [hubUrl, mirrorUrl], dest: 'models/Wan2.2_VAE.pth', size: 507_609_880, sha256: '…' },
 *   { signal, onProgress: (p) => console.log(p.bytes, p.total, p.rate, p.eta) },
 * );
 * ```
 */
export class Downloader extends ReliabilityEmitter<DownloadEvents> implements AsyncDisposable {
  /** The validated options with defaults applied. */
  readonly options: ResolvedDownloaderOptions;
  readonly #pool: ConnectionPool;
  readonly #budget: OriginBudget;
  readonly #windows = new WindowShare();
  readonly #hashers: HasherPool;
  readonly #queue: PriorityQueue;
  readonly #bucket: TokenBucket | undefined;
  readonly #health: MirrorHealth;
  readonly #tokens = new Map<string, string>();
  readonly #retryListeners = new Map<string, RetryListener>();
  readonly #tls: TlsOptions | undefined;
  /** Aborted by close(): every queued and running download stops with a cancelled error. */
  readonly #lifetime = new AbortController();
  /** Downloads queued or running, settled or not (close() waits for their cleanup). */
  readonly #running = new Set<Promise<unknown>>();
  #closing: Promise<void> | undefined;

  constructor(options: DownloaderOptions = {}) {
    super();
    this.options = resolveDownloaderOptions(options);
    // Chunk requests hand their connections back between chunks: keep that many idle per route.
    this.#pool = new ConnectionPool({ maxIdlePerRoute: Math.max(8, this.options.connectionsPerOrigin) });
    this.#budget = new OriginBudget(this.options.connectionsPerOrigin);
    if (options.tls !== undefined && (typeof options.tls !== 'object' || options.tls === null)) {
      throw new ConfigurationError('Downloader.tls', 'an object like { ca }', options.tls);
    }
    this.#tls = options.tls;
    this.#hashers = new HasherPool(this.options.concurrency);
    this.#queue = new PriorityQueue(this.options.concurrency);
    this.#bucket =
      this.options.bandwidthLimit !== undefined ? new TokenBucket(this.options.bandwidthLimit) : undefined;
    this.#health = new MirrorHealth(this.options.breaker);
    this.options.retry.on('retry', this.#onRetry);
  }

  /** Folder for partials (`tempDir` option), when set. */
  get tempDir(): string | undefined {
    return this.options.tempDir;
  }

  /** Downloads running now (at most `concurrency`). */
  get activeCount(): number {
    return this.#queue.running;
  }

  /** Downloads waiting in the queue for a free slot. */
  get pendingCount(): number {
    return this.#queue.pending;
  }

  /**
   * Where this Downloader keeps partials for `dest` (for reports: see `findPartials`).
   * `root` is the same value passed as `request.root`.
   */
  partialDir(dest: string, root?: string): string {
    const location: PartialLocationOptions = { root, tempDir: this.options.tempDir };
    return partialDirFor(dest, location);
  }

  /**
   * Downloads one file (queued by priority when `concurrency` downloads are running). Resolves
   * with where it came from and its sha256; rejects with a classified error (DiskFullError,
   * AuthenticationError, ChecksumMismatchError, HttpError, RetriesExhaustedError, CancelledError…),
   * redacted in place (see `redactError`).
   * An abort pauses: the partial is kept and resumed by the next call (unless `removePartial`).
   */
  download(request: DownloadRequest, call: DownloadCallOptions = {}): Promise<DownloadResult> {
    if (this.#closing) return Promise.reject(closedError());
    let resolved: ReturnType<typeof resolveRequest>;
    try {
      resolved = resolveRequest(request);
    } catch (error) {
      return Promise.reject(error);
    }
    const { signal, release } = linkSignals(call.signal, this.#lifetime.signal);
    const running = this.#run(resolved, { ...call, signal }).finally(release);
    const settled = running.then(
      () => {},
      () => {},
    );
    this.#running.add(settled);
    void settled.then(() => this.#running.delete(settled));
    return running;
  }

  #run(resolved: ReturnType<typeof resolveRequest>, call: DownloadCallOptions & { signal: AbortSignal }) {
    const dest = resolved.dest;
    // What this download carries that a server could echo back: removed from everything it emits.
    const redaction: RedactOptions = { secrets: requestSecrets(resolved.urls, this.options.headers) };
    const announce: SessionDeps['emit'] = (event, payload) =>
      this.announce(event, redactPayload(payload, redaction));
    const onProgress = call.onProgress;
    // The callback gets what the event gets: redacted like every payload.
    const scoped: DownloadCallOptions = onProgress
      ? { ...call, onProgress: (progress) => onProgress(redactPayload(progress, redaction)) }
      : call;
    return this.#queue.run(
      async () => {
        announce('download:start', { dest, size: resolved.size, priority: resolved.priority });
        // Loaded with the first download: the engine (HTTP client, segments, placement) is most of
        // the module graph, and importing the package should not pay for it (docs/bundling.md).
        const { DownloadSession } = await import('./session.js');
        const session = new DownloadSession(
          {
            options: this.options,
            pool: this.#pool,
            hashers: this.#hashers,
            bucket: this.#bucket,
            budget: this.#budget,
            windows: this.#windows,
            health: this.#health,
            tokens: this.#tokens,
            tls: this.#tls,
            emit: announce,
            trackRetries: (operation, listener) => {
              this.#retryListeners.set(operation, listener);
              return () => this.#retryListeners.delete(operation);
            },
          },
          resolved,
          scoped,
        );
        try {
          const result = await session.run();
          return { ...result, url: redact(result.url, redaction) };
        } catch (error) {
          // In place, with its cause chain and headers: the caller may log or serialize any of it.
          redactError(error, redaction);
          const classification = classifyError(error);
          announce('download:error', {
            dest,
            category: classification.category,
            message: describeThrown(error),
            cancelled: classification.category === 'cancelled',
          });
          throw error;
        }
      },
      resolved.priority,
      call.signal,
      `download ${dest}`,
    );
  }

  /**
   * Stops everything: queued and running downloads reject with a `CancelledError` (partials are
   * kept for a later resume), then pooled connections, hash workers and per-mirror breakers are
   * closed. Resolves once all of that is done; never rejects; calling it again returns the same
   * promise. Not needed for the process to exit (nothing idle holds it open), but it frees the
   * resources at once.
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#lifetime.abort(closedError());
    this.options.retry.off('retry', this.#onRetry);
    // Idle connections go now; a connection still in use is closed when it comes back.
    this.#pool.destroy();
    this.#closing = (async () => {
      await Promise.all(this.#running);
      await this.#hashers.close();
      this.#health.dispose();
    })();
    return this.#closing;
  }

  /** Same as {@link Downloader.close}, so that `await using downloader = new Downloader()` closes it. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  readonly #onRetry = (info: RetryInfo): void => {
    this.#retryListeners.get(info.operation)?.(info.attempt, info.error, info.delayMs, info.serverDirected);
  };
}

/**
 * `payload` with every string passed through {@link redact}, also inside arrays and nested objects
 * (`mirrors`, progress' `waiting`); a copy only where something changed. Every download event goes
 * out through here, whichever code path built it.
 */
function redactPayload<T>(payload: T, options: RedactOptions, depth = 0): T {
  if (typeof payload === 'string') return redact(payload, options) as T;
  if (depth > 4 || typeof payload !== 'object' || payload === null) return payload;
  if (Array.isArray(payload)) {
    const items = payload.map((item: unknown) => redactPayload(item, options, depth + 1));
    return (items.some((item, index) => item !== payload[index]) ? items : payload) as T;
  }
  let copy: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(payload)) {
    const clean = redactPayload(value, options, depth + 1);
    if (clean !== value) {
      copy ??= { ...(payload as Record<string, unknown>) };
      copy[key] = clean;
    }
  }
  return (copy ?? payload) as T;
}

/** Why downloads stop when their Downloader closes (and why a later `download()` is refused). */
function closedError(): CancelledError {
  return new CancelledError('The Downloader was closed: the download was stopped (its partial is kept)', {
    remediation: [
      'Call download() on a new Downloader (one that is not closed): a kept partial is resumed.',
      'Close a Downloader only when no download of it should run any more.',
    ],
  });
}

/**
 * One signal that aborts when either input aborts (with that input's reason). `release` removes
 * the listeners, so a long-lived signal gathers none (AbortSignal.any keeps its sources alive).
 */
function linkSignals(
  own: AbortSignal | undefined,
  lifetime: AbortSignal,
): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const sources = own ? [own, lifetime] : [lifetime];
  const listeners = sources.map((source) => {
    const onAbort = () => controller.abort(source.reason);
    if (source.aborted) controller.abort(source.reason);
    else source.addEventListener('abort', onAbort, { once: true });
    return () => source.removeEventListener('abort', onAbort);
  });
  const release = () => {
    for (const remove of listeners) remove();
  };
  return { signal: controller.signal, release };
}
