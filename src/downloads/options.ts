import { ConfigurationError } from '../errors/ConfigurationError.js';
import type { DownloadProgress } from '../events/downloadEvents.js';
import type { CircuitBreakerOptions } from '../policies/circuit/options.js';
import type { RetryPolicyOptions } from '../policies/retry/options.js';
import { RetryPolicy } from '../policies/retry/RetryPolicy.js';
import { TimeoutManager } from '../policies/timeout/TimeoutManager.js';
import type { ProxyConfig } from '../proxy/config.js';
import {
  optionalCount,
  optionalDuration,
  optionalFunction,
  optionalNumber,
  optionalObject,
  optionalOneOf,
} from '../shared/validate.js';
import type { TlsOptions } from './httpClient.js';
import { resolveTokenOrigins, type TokenOrigins } from './tokenScope.js';

export type { TokenOrigins } from './tokenScope.js';

/**
 * Supplies an access token when a server answers 401/403 (asked at most once per download and
 * mirror). `url` is the mirror the token would be sent to (a copy; its origin is one the token may
 * go to, see {@link DownloaderOptions.tokenOrigins}). Providers written before `url` was passed,
 * `() => process.env.HF_TOKEN`, keep working: they ignore the argument.
 */
export type TokenProvider = (url: URL) => string | undefined | null | PromiseLike<string | undefined | null>;

/** Options of a {@link Downloader}; every field is optional and has a documented default. */
export interface DownloaderOptions {
  /** Files downloaded at the same time (a priority queue holds the rest). Default 4. */
  concurrency?: number;
  /** Bandwidth limit for the whole Downloader, in bytes per second. Default: none. */
  bandwidthLimit?: number;
  /** No bytes for this long ends an attempt, which then resumes (ms). Default 30 000. */
  stallTimeout?: number;
  /**
   * Least average rate of an attempt in bytes per second, over `minRateWindow` of transfer time
   * (pauses for the bandwidth limit or the disk not counted); slower ends the attempt with a
   * StallError and the next mirror is tried, keeping the bytes. 0 turns it off. Default 10 240.
   */
  minRate?: number;
  /** Transfer time the `minRate` average is taken over (ms). Default 60 000. */
  minRateWindow?: number;
  /**
   * Time budget of one `download()` call: a `TimeoutManager` whose `model_download` budget, scaled
   * by the file's size, applies (30 min; 60 min over 5 GB by default), or `false` for none. When it
   * runs out the call rejects with a TimeoutError whose cause is the last real failure; the partial
   * is kept. Waiting for a mirror's cool-down counts against it. Default `new TimeoutManager()`.
   */
  timeouts?: TimeoutManager | false;
  /**
   * Requests one `download()` call may make across all mirrors before it gives up with a
   * RequestLimitError (mirrors that keep cutting bodies after a few bytes or restarting from zero).
   * Default 100 plus one per 8 MiB of the expected size, plus one per chunk when the file is
   * segmented (1 000 when the size is unknown).
   */
  maxRequestsPerFile?: number;
  /**
   * Retry policy (or its options) for network errors, 408/429/5xx. Default 3 retries at 2 s, 4 s, 8 s
   * with bounded jitter (±20 %: 1.6–2.4 s, 3.2–4.8 s, 6.4–9.6 s), so a fleet does not retry in lockstep.
   */
  retry?: RetryPolicy | RetryPolicyOptions;
  /** Options for the per-mirror CircuitBreaker (one per origin, named `download:<origin>`); `false` disables. */
  breaker?: CircuitBreakerOptions | false;
  /**
   * Extra request headers, sent to every mirror. Credential headers (Authorization, Cookie,
   * Proxy-Authorization and any name containing token, key, secret, auth, session, cookie,
   * password, credential or signature, e.g. X-Api-Key, X-HF-Token, Private-Token) are dropped for
   * good once a redirect leaves the mirror's origin. For a credential meant for one service, use
   * `token` with `tokenOrigins` instead.
   */
  headers?: Readonly<Record<string, string>>;
  /**
   * Asked once per download after a 401/403 from an origin in {@link tokenOrigins}; the token is sent
   * as `Authorization: Bearer <token>` to that origin only (and up front to it afterwards).
   */
  token?: TokenProvider;
  /**
   * Origins (`'https://huggingface.co'`) or URLs (their origin counts) the token may be sent to.
   * Default (unset): only the origin of the first URL of each request (`request.urls[0]`); a
   * 401/403 from any other origin fails that mirror with an AuthenticationError without asking
   * `token`. Validated strictly: a non-empty array of http(s) origins without userinfo.
   */
  tokenOrigins?: TokenOrigins;
  /** A claim without heartbeat for this long (or whose process is gone) is taken over (ms). Default 60 000. */
  lockStaleAfter?: number;
  /** Folder for partial files; default `<root>/.wan-reliability/partial/` (see partialDirFor). */
  tempDir?: string;
  /** Redirects followed per request, at most 10. Default 10. */
  maxRedirects?: number;
  /** Proxy settings; default from the environment (`proxyFor`: HTTP(S)_PROXY, ALL_PROXY, NO_PROXY). `false` disables proxies. */
  proxy?: ProxyConfig | false;
  /** Block size of the hashing/writing pipeline in bytes. Default 4 MiB. */
  blockSize?: number;
  /**
   * `'auto'` (default): full blocks of files of 32 MiB or more are written with O_DIRECT where the
   * file system takes it (no copy into the page cache: the largest CPU cost of a download once
   * hashing is cheap, and multi-GB models do not evict everything else from memory); partial blocks
   * and file systems without O_DIRECT use ordinary writes. `'off'`: always ordinary writes.
   */
  directWrites?: 'auto' | 'off';
  /** Progress events per second per file, at most 10. Default 10. */
  progressRate?: number;
  /**
   * Connections one file may use at most (1 to 32). Files of `segmentMinSize` or more whose mirror
   * honours Range are split into chunks fetched over several connections (many CDNs cap each
   * connection's throughput); the count starts at 4 and doubles while the throughput grows. `1`
   * turns segmented downloads off. Default 8; a request may set its own.
   */
  connectionsPerFile?: number;
  /**
   * Connections all files of this Downloader may hold to one origin at once (a file's first
   * connection is never refused; `concurrency` bounds those). Files share it fairly. Default 16.
   */
  connectionsPerOrigin?: number;
  /**
   * Size of the chunks a segmented file is split into, in bytes (a multiple of 64 KiB). Default:
   * 64 MiB divided by `connectionsPerFile`, between 4 and 16 MiB (8 MiB for 8 connections).
   */
  chunkSize?: number;
  /** Files at least this large (in bytes) are downloaded in segments. Default 64 MiB. */
  segmentMinSize?: number;
  /** TLS settings for https mirrors (e.g. `ca` of a private mirror). Default: Node's trust store. */
  tls?: TlsOptions;
}

/** One file to download. */
export interface DownloadRequest {
  /** Mirrors in order of preference; each is tried in turn (with its own circuit breaker). */
  urls: readonly (string | URL)[];
  /** The final path. Nothing reaches it except by an atomic rename of verified bytes. */
  dest: string;
  /** Expected size in bytes; checked against the server and before the rename. */
  size?: number;
  /** Expected sha256 (64 hex); checked before the rename. */
  sha256?: string;
  /** Higher runs first when the queue is full. Default 0. */
  priority?: number;
  /** Install root the file lives under; partials go to `<root>/.wan-reliability/`. Default: dest's folder. */
  root?: string;
  /** Connections this file may use at most (1 disables segmented downloads). Default: the Downloader's `connectionsPerFile`. */
  connectionsPerFile?: number;
}

/** Per-call controls. */
export interface DownloadCallOptions {
  /** Abort = pause: the transfer stops, the partial is kept and resumed next time. */
  signal?: AbortSignal;
  /** Progress callback (same payload as the `download:progress` event). */
  onProgress?: (progress: DownloadProgress) => void;
  /** With an abort or failure: delete the partial instead of keeping it (cancel). Default false. */
  removePartial?: boolean;
}

/** What a finished download reports. */
export interface DownloadResult {
  /** The destination path. */
  path: string;
  /** Size of the file in bytes. */
  bytes: number;
  /** Bytes received over the network by this call (0 when the file was already complete). */
  bytesTransferred: number;
  /** sha256 of the whole file (lower-case hex). */
  sha256: string;
  /** The mirror that served the file (redacted). */
  url: string;
  /** HTTP requests made (redirect hops not counted). */
  attempts: number;
  /** Whether kept bytes from before were continued. */
  resumed: boolean;
}

/** Options after validation with defaults applied. */
export interface ResolvedDownloaderOptions {
  /** Files downloaded at the same time. */
  readonly concurrency: number;
  /** Bytes per second for the whole Downloader; undefined = unlimited. */
  readonly bandwidthLimit: number | undefined;
  /** No bytes for this long ends an attempt, ms. */
  readonly stallTimeout: number;
  /** Least average rate of an attempt (bytes per second over `windowMs` of transfer time; 0 = off). */
  readonly minRate: { readonly bytesPerSecond: number; readonly windowMs: number };
  /** Source of each call's time budget (`model_download`, size-scaled), or false for none. */
  readonly timeouts: TimeoutManager | false;
  /** Requests per call across all mirrors; undefined = by size (see {@link requestLimitFor}). */
  readonly maxRequestsPerFile: number | undefined;
  /** The retry policy in use (the given one, or one built from the given options and defaults). */
  readonly retry: RetryPolicy;
  /** Options for each per-mirror breaker (`{}` = breaker defaults), or `false` for none. */
  readonly breaker: CircuitBreakerOptions | false;
  /** Extra request headers (a copy of the option). */
  readonly headers: Readonly<Record<string, string>>;
  /** Token provider asked after a 401/403, when given. */
  readonly token: TokenProvider | undefined;
  /** Origins a token may go to; undefined = the origin of each request's first URL. */
  readonly tokenOrigins: ReadonlySet<string> | undefined;
  /** A claim without heartbeat for this long is taken over, ms. */
  readonly lockStaleAfter: number;
  /** Folder for partials; undefined = `<root>/.wan-reliability/partial/`. */
  readonly tempDir: string | undefined;
  /** Redirects followed per request (0–10). */
  readonly maxRedirects: number;
  /** Proxy settings; undefined = from HTTP(S)_PROXY / ALL_PROXY / NO_PROXY, `false` = none. */
  readonly proxy: ProxyConfig | false | undefined;
  /** Block size of the hashing/writing pipeline, bytes. */
  readonly blockSize: number;
  /** Whether full blocks of large files are written with O_DIRECT where possible. */
  readonly directWrites: 'auto' | 'off';
  /** Least time between two progress events of one file, ms (`1000 / progressRate`). */
  readonly progressIntervalMs: number;
  /** Connections one file may use at most (1 = no segmented downloads). */
  readonly connectionsPerFile: number;
  /** Connections all files may hold to one origin at once. */
  readonly connectionsPerOrigin: number;
  /** Chunk size of segmented files in bytes; undefined = derived from the connection count. */
  readonly chunkSize: number | undefined;
  /** Files at least this large are downloaded in segments. */
  readonly segmentMinSize: number;
}

/** Defaults of {@link DownloaderOptions}; the table in docs/downloads.md lists them. */
export const DOWNLOADER_DEFAULTS = Object.freeze({
  /** Files downloaded at the same time. */
  concurrency: 4,
  /** No bytes for this long ends an attempt, which then resumes, ms. */
  stallTimeout: 30_000,
  /** Least average rate of an attempt, bytes per second (0 = off). */
  minRate: 10_240,
  /** Transfer time the minimum rate is averaged over, ms. */
  minRateWindow: 60_000,
  /** Requests per call: this many plus one per `requestsPerBytes` of the file's size. */
  baseRequests: 100,
  /** Bytes of file size that allow one more request (8 MiB). */
  requestsPerBytes: 8 * 1024 * 1024,
  /** Requests per call when the size is unknown. */
  unknownSizeRequests: 1000,
  /** A writer's claim without heartbeat for this long is taken over, ms. */
  lockStaleAfter: 60_000,
  /** Redirects followed per request (also the maximum allowed). */
  maxRedirects: 10,
  /** Block size of the hashing/writing pipeline, bytes (4 MiB). */
  blockSize: 4 * 1024 * 1024,
  /** Direct (O_DIRECT) writes of full blocks where the file system takes them. */
  directWrites: 'auto' as 'auto' | 'off',
  /** Progress events per second per file (also the maximum allowed). */
  progressRate: 10,
  /** Connections one file may use at most (segmented downloads). */
  connectionsPerFile: 8,
  /** Most connections per file allowed as an option. */
  maxConnectionsPerFile: 32,
  /** Connections all files may hold to one origin at once. */
  connectionsPerOrigin: 16,
  /** Files at least this large are downloaded in segments (64 MiB). */
  segmentMinSize: 64 * 1024 * 1024,
  /** Retry options used when `retry` is not a RetryPolicy (given options override these). */
  retry: Object.freeze({
    /** Retries per mirror after the first attempt. */
    retries: 3,
    /** Waits before retries 1, 2 and 3, ms (a server's Retry-After / RateLimit replaces them). */
    delays: Object.freeze([2000, 4000, 8000]) as readonly number[],
    /** Each wait varies uniformly by ±20 % (see `jitterRatio`), so many machines spread their retries. */
    jitter: 'bounded' as const,
    /** Spread of the bounded jitter. */
    jitterRatio: 0.2,
  }),
});

/** Validates user options strictly and applies the defaults. */
export function resolveDownloaderOptions(options: DownloaderOptions = {}): ResolvedDownloaderOptions {
  optionalObject('Downloader options', options);
  const concurrency =
    optionalCount('Downloader.concurrency', options.concurrency) ?? DOWNLOADER_DEFAULTS.concurrency;
  if (concurrency < 1) throw new ConfigurationError('Downloader.concurrency', 'an integer ≥ 1', concurrency);
  const maxRedirects =
    optionalCount('Downloader.maxRedirects', options.maxRedirects) ?? DOWNLOADER_DEFAULTS.maxRedirects;
  if (maxRedirects > 10)
    throw new ConfigurationError('Downloader.maxRedirects', 'an integer from 0 to 10', maxRedirects);
  const blockSize = optionalCount('Downloader.blockSize', options.blockSize) ?? DOWNLOADER_DEFAULTS.blockSize;
  if (blockSize < 64 * 1024)
    throw new ConfigurationError('Downloader.blockSize', 'an integer ≥ 65536', blockSize);
  const progressRate =
    optionalNumber('Downloader.progressRate', options.progressRate) ?? DOWNLOADER_DEFAULTS.progressRate;
  if (progressRate <= 0 || progressRate > 10) {
    throw new ConfigurationError('Downloader.progressRate', 'a number in (0, 10]', progressRate);
  }
  const headers = optionalObject<Record<string, string>>('Downloader.headers', options.headers) ?? {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string')
      throw new ConfigurationError(`Downloader.headers.${name}`, 'a string', value);
  }
  if (options.tempDir !== undefined && (typeof options.tempDir !== 'string' || options.tempDir === '')) {
    throw new ConfigurationError('Downloader.tempDir', 'a folder path', options.tempDir);
  }
  if (options.proxy !== undefined && options.proxy !== false)
    optionalObject('Downloader.proxy', options.proxy);
  if (options.breaker !== undefined && options.breaker !== false)
    optionalObject('Downloader.breaker', options.breaker);
  let retry: RetryPolicy;
  if (options.retry instanceof RetryPolicy) retry = options.retry;
  else {
    optionalObject('Downloader.retry', options.retry);
    retry = new RetryPolicy({ ...DOWNLOADER_DEFAULTS.retry, ...(options.retry ?? {}) });
  }
  if (
    options.timeouts !== undefined &&
    options.timeouts !== false &&
    !(options.timeouts instanceof TimeoutManager)
  ) {
    throw new ConfigurationError('Downloader.timeouts', 'a TimeoutManager or false', options.timeouts);
  }
  const minRate = optionalNumber('Downloader.minRate', options.minRate) ?? DOWNLOADER_DEFAULTS.minRate;
  const maxRequestsPerFile = optionalCount('Downloader.maxRequestsPerFile', options.maxRequestsPerFile);
  if (maxRequestsPerFile === 0)
    throw new ConfigurationError('Downloader.maxRequestsPerFile', 'an integer ≥ 1', maxRequestsPerFile);
  const connectionsPerFile = connectionsOption('Downloader.connectionsPerFile', options.connectionsPerFile);
  const connectionsPerOrigin =
    optionalCount('Downloader.connectionsPerOrigin', options.connectionsPerOrigin) ??
    DOWNLOADER_DEFAULTS.connectionsPerOrigin;
  if (connectionsPerOrigin < 1)
    throw new ConfigurationError('Downloader.connectionsPerOrigin', 'an integer ≥ 1', connectionsPerOrigin);
  const chunkSize = optionalCount('Downloader.chunkSize', options.chunkSize);
  if (chunkSize !== undefined && (chunkSize < CHUNK_UNIT || chunkSize % CHUNK_UNIT !== 0))
    throw new ConfigurationError('Downloader.chunkSize', 'a multiple of 65536 bytes', chunkSize);
  const segmentMinSize =
    optionalCount('Downloader.segmentMinSize', options.segmentMinSize) ?? DOWNLOADER_DEFAULTS.segmentMinSize;
  if (segmentMinSize < 1)
    throw new ConfigurationError('Downloader.segmentMinSize', 'an integer ≥ 1', segmentMinSize);
  const bandwidthLimit = optionalNumber('Downloader.bandwidthLimit', options.bandwidthLimit);
  if (bandwidthLimit !== undefined && bandwidthLimit < 1024) {
    throw new ConfigurationError('Downloader.bandwidthLimit', 'bytes per second ≥ 1024', bandwidthLimit);
  }
  return {
    concurrency,
    bandwidthLimit,
    stallTimeout:
      optionalDuration('Downloader.stallTimeout', options.stallTimeout) ?? DOWNLOADER_DEFAULTS.stallTimeout,
    minRate: {
      bytesPerSecond: minRate,
      windowMs:
        optionalDuration('Downloader.minRateWindow', options.minRateWindow) ??
        DOWNLOADER_DEFAULTS.minRateWindow,
    },
    timeouts: options.timeouts ?? new TimeoutManager(),
    maxRequestsPerFile,
    retry,
    breaker: options.breaker ?? {},
    headers: { ...headers },
    token: optionalFunction<TokenProvider>('Downloader.token', options.token),
    tokenOrigins: resolveTokenOrigins(options.tokenOrigins),
    lockStaleAfter: lockStaleAfter(options.lockStaleAfter),
    tempDir: options.tempDir,
    maxRedirects,
    proxy: options.proxy,
    blockSize,
    directWrites:
      optionalOneOf('Downloader.directWrites', options.directWrites, ['auto', 'off'] as const) ??
      DOWNLOADER_DEFAULTS.directWrites,
    progressIntervalMs: 1000 / progressRate,
    connectionsPerFile: connectionsPerFile ?? DOWNLOADER_DEFAULTS.connectionsPerFile,
    connectionsPerOrigin,
    chunkSize,
    segmentMinSize,
  };
}

/** Longest delay setTimeout honours; the claim's heartbeat (a quarter of it) must stay a real timer. */
const MAX_TIMER_MS = 2_147_483_647;

/** `lockStaleAfter`: Infinity or more than ~24.8 days would make the heartbeat fire every 1 ms. */
function lockStaleAfter(value: unknown): number {
  const ms = optionalDuration('Downloader.lockStaleAfter', value) ?? DOWNLOADER_DEFAULTS.lockStaleAfter;
  if (ms > MAX_TIMER_MS) {
    throw new ConfigurationError(
      'Downloader.lockStaleAfter',
      `a number of milliseconds from 1 to ${MAX_TIMER_MS}`,
      ms,
    );
  }
  return ms;
}

/** Chunk sizes are multiples of this (64 KiB), which keeps every chunk aligned for direct writes. */
const CHUNK_UNIT = 64 * 1024;

/** Validates a connection count (1 to 32). */
function connectionsOption(option: string, value: unknown): number | undefined {
  const count = optionalCount(option, value);
  if (count !== undefined && (count < 1 || count > DOWNLOADER_DEFAULTS.maxConnectionsPerFile))
    throw new ConfigurationError(option, 'an integer from 1 to 32', count);
  return count;
}

const SHA256 = /^[0-9a-f]{64}$/i;

/** A validated request: URLs parsed, sha256 lower-cased. */
export interface ResolvedRequest {
  readonly urls: readonly URL[];
  readonly dest: string;
  readonly size: number | undefined;
  readonly sha256: string | undefined;
  readonly priority: number;
  readonly root: string | undefined;
  /** Connections this file may use; undefined = the Downloader's option. */
  readonly connectionsPerFile: number | undefined;
}

/** Validates one download request. */
export function resolveRequest(request: DownloadRequest): ResolvedRequest {
  optionalObject('download request', request);
  if (request === undefined) throw new ConfigurationError('download request', 'an object', request);
  if (!Array.isArray(request.urls) || request.urls.length === 0) {
    throw new ConfigurationError('download.urls', 'a non-empty array of http(s) URLs', request.urls);
  }
  const urls = request.urls.map((value, index) => {
    let url: URL;
    try {
      url = new URL(String(value));
    } catch {
      throw new ConfigurationError(`download.urls[${index}]`, 'an absolute http(s) URL', '(unparsable)');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigurationError(`download.urls[${index}]`, 'an http: or https: URL', url.protocol);
    }
    return url;
  });
  if (typeof request.dest !== 'string' || request.dest === '') {
    throw new ConfigurationError('download.dest', 'a file path', request.dest);
  }
  const size = optionalCount('download.size', request.size);
  if (request.sha256 !== undefined && (typeof request.sha256 !== 'string' || !SHA256.test(request.sha256))) {
    throw new ConfigurationError('download.sha256', '64 hexadecimal characters', request.sha256);
  }
  const priority = request.priority ?? 0;
  if (typeof priority !== 'number' || !Number.isFinite(priority)) {
    throw new ConfigurationError('download.priority', 'a finite number', priority);
  }
  if (request.root !== undefined && (typeof request.root !== 'string' || request.root === '')) {
    throw new ConfigurationError('download.root', 'a folder path', request.root);
  }
  return {
    urls,
    dest: request.dest,
    size,
    sha256: request.sha256?.toLowerCase(),
    priority,
    root: request.root,
    connectionsPerFile: connectionsOption('download.connectionsPerFile', request.connectionsPerFile),
  };
}

/**
 * Requests one call may make for a file of `size` bytes (see `maxRequestsPerFile`); a segmented
 * file gets one more per chunk (`chunks`), since each chunk is a request of its own.
 */
export function requestLimitFor(
  options: ResolvedDownloaderOptions,
  size: number | undefined,
  chunks = 0,
): number {
  if (options.maxRequestsPerFile !== undefined) return options.maxRequestsPerFile;
  if (size === undefined) return DOWNLOADER_DEFAULTS.unknownSizeRequests;
  return DOWNLOADER_DEFAULTS.baseRequests + Math.ceil(size / DOWNLOADER_DEFAULTS.requestsPerBytes) + chunks;
}
