import { ConfigurationError } from '../errors/ConfigurationError.js';
import { classifyError } from '../errors/classify.js';
import type { DownloadEvents } from '../events/downloadEvents.js';
import { ReliabilityEmitter } from '../events/emitter.js';
import type { RetryInfo } from '../events/retryEvents.js';
import { redact } from '../shared/redaction/redact.js';
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
import { OriginBudget } from './segments/originBudget.js';
import { WindowShare } from './segments/windowShare.js';
import { DownloadSession } from './session.js';
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
 * - 401/403 asks `token()` once; Authorization, Cookie and Proxy-Authorization never follow a
 *   redirect to another origin; https→http redirects are refused.
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
  #closed = false;

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
   * AuthenticationError, ChecksumMismatchError, HttpError, RetriesExhaustedError, CancelledError…).
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
    return this.#queue.run(
      async () => {
        this.announce('download:start', { dest, size: resolved.size, priority: resolved.priority });
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
            emit: (event, payload) => this.announce(event, payload),
            trackRetries: (operation, listener) => {
              this.#retryListeners.set(operation, listener);
              return () => this.#retryListeners.delete(operation);
            },
          },
          resolved,
          call,
        );
        try {
          return await session.run();
        } catch (error) {
          const classification = classifyError(error);
          this.announce('download:error', {
            dest,
            category: classification.category,
            message: redact(error instanceof Error ? error.message : String(error)),
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
