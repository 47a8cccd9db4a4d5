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
import { DownloadSession, type SessionDeps } from './session.js';
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
export class Downloader extends ReliabilityEmitter<DownloadEvents> {
  /** The validated options with defaults applied. */
  readonly options: ResolvedDownloaderOptions;
  readonly #pool = new ConnectionPool();
  readonly #hashers: HasherPool;
  readonly #queue: PriorityQueue;
  readonly #bucket: TokenBucket | undefined;
  readonly #health: MirrorHealth;
  readonly #tokens = new Map<string, string>();
  readonly #retryListeners = new Map<string, RetryListener>();
  readonly #tls: TlsOptions | undefined;
  #closed = false;

  constructor(options: DownloaderOptions = {}) {
    super();
    this.options = resolveDownloaderOptions(options);
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
    if (this.#closed) return Promise.reject(new Error('Downloader is closed'));
    let resolved: ReturnType<typeof resolveRequest>;
    try {
      resolved = resolveRequest(request);
    } catch (error) {
      return Promise.reject(error);
    }
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
        const session = new DownloadSession(
          {
            options: this.options,
            pool: this.#pool,
            hashers: this.#hashers,
            bucket: this.#bucket,
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

  /** Closes pooled connections, hash workers and per-mirror breakers; call it when no download runs (running ones would fail). */
  close(): void {
    this.#closed = true;
    this.options.retry.off('retry', this.#onRetry);
    this.#pool.destroy();
    this.#hashers.close();
    this.#health.dispose();
  }

  readonly #onRetry = (info: RetryInfo): void => {
    this.#retryListeners.get(info.operation)?.(info.attempt, info.error, info.delayMs, info.serverDirected);
  };
}

/**
 * `payload` with every string field passed through {@link redact} (a copy only when something
 * changed). Every download event goes out through here, whichever code path built it; payloads
 * are flat: URLs, paths, messages, numbers.
 */
function redactPayload<T extends object>(payload: T, options: RedactOptions): T {
  let copy: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(payload)) {
    if (typeof value !== 'string') continue;
    const clean = redact(value, options);
    if (clean !== value) {
      copy ??= { ...(payload as Record<string, unknown>) };
      copy[key] = clean;
    }
  }
  return (copy ?? payload) as T;
}
