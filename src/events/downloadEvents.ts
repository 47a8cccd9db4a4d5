import type { ErrorCategory } from '../errors/category.js';

/**
 * Progress of one download, at most 10 per second per file plus one final report.
 *
 * Redaction of every `download:*` payload (and of the `onProgress` argument): EVERY string field
 * (`dest`, `url`, `from`, `to`, `message`, `host`) passes through `redact()` just before it is
 * emitted, with the environment's secret-named values, `addSecret` values, tokens the Downloader
 * received, and the download's own secrets (credential header values, URL passwords, secret or
 * signed query values) removed. URLs are the caller's mirror URLs without userinfo and with
 * secret-looking query values replaced by `[REDACTED]`; a URL a server chose (a redirect target)
 * appears as origin + path only, never with its query string. Numbers, booleans and categories
 * are not secret and pass unchanged. The `diagnostics_channel` copies carry the same redacted payloads.
 */
export interface DownloadProgress {
  /** The destination path. */
  readonly dest: string;
  /** The mirror currently serving bytes (redacted: no userinfo, secret query values replaced). */
  readonly url: string;
  /** Bytes of the file present and verified so far (kept prefix + received). */
  readonly bytes: number;
  /** Total size in bytes, when known. */
  readonly total: number | undefined;
  /** Bytes received over the network by this call so far. */
  readonly transferred: number;
  /** Recent transfer rate in bytes per second (0 before the first sample). */
  readonly rate: number;
  /** Estimated seconds left, when total and rate are known. */
  readonly eta: number | undefined;
  /**
   * Connections fetching the file now: 1 for one stream, more for a segmented download, 0 while
   * waiting.
   */
  readonly connections: number;
  /** Set while the download waits instead of transferring, e.g. for a mirror's cool-down. */
  readonly waiting?: DownloadWaitReason;
}

/** Why a download is waiting instead of transferring. */
export interface DownloadWaitReason {
  /** `'cooldown'`: every mirror left is cooling down after failures (its breaker is open). */
  readonly reason: 'cooldown';
  /** Milliseconds until the earliest mirror takes a trial request again. */
  readonly retryInMs: number;
  /** For people: "mirror http://… cooling down, retrying in 42 s". */
  readonly message: string;
}

/** Payload of `download:start`. */
export interface DownloadStartInfo {
  /** The destination path. */
  readonly dest: string;
  /** Expected size in bytes from the request, when given. */
  readonly size: number | undefined;
  /** Queue priority of the request (higher runs first; default 0). */
  readonly priority: number;
}

/** Payload of `download:resume`: a kept prefix is being continued with a Range request. */
export interface DownloadResumeInfo {
  /** The destination path. */
  readonly dest: string;
  /** The mirror the Range request goes to (redacted). */
  readonly url: string;
  /** Byte offset the transfer continues from. */
  readonly offset: number;
  /** Whether the prefix came from an earlier run or another (dead) writer. */
  readonly adopted: boolean;
}

/** Why kept bytes were discarded and the transfer started from byte 0. */
export type RestartReason =
  | 'range-ignored'
  | 'bad-content-range'
  | 'range-not-satisfiable'
  | 'validator-changed'
  | 'resumed-checksum-mismatch'
  | 'oversized-partial';

/** Payload of `download:restart`. */
export interface DownloadRestartInfo {
  /** The destination path. */
  readonly dest: string;
  /** The mirror whose answer made the kept bytes unusable (redacted). */
  readonly url: string;
  /** What made the kept bytes unusable. */
  readonly reason: RestartReason;
  /** Bytes that were thrown away. */
  readonly discardedBytes: number;
}

/** Payload of `download:retry` (mirrors RetryPolicy's `retry` event for one download). */
export interface DownloadRetryInfo {
  /** The destination path. */
  readonly dest: string;
  /** The mirror being retried (redacted). */
  readonly url: string;
  /** The attempt that failed (1-based, per mirror). */
  readonly attempt: number;
  /** Classified category of the failure (see classifyError). */
  readonly category: ErrorCategory;
  /** Message of the failure, redacted (server text and redirect URLs in it included). */
  readonly message: string;
  /** Wait before the next attempt, in ms. */
  readonly delayMs: number;
  /** Whether the wait came from Retry-After / RateLimit. */
  readonly serverDirected: boolean;
}

/** Payload of `download:mirror-failover`. */
export interface DownloadFailoverInfo {
  /** The destination path. */
  readonly dest: string;
  /** The mirror given up on (redacted). */
  readonly from: string;
  /** The next mirror tried (redacted), if any is left. */
  readonly to: string | undefined;
  /** Classified category of the failure that ended this mirror. */
  readonly category: ErrorCategory;
  /** Message of that failure, redacted (server text and redirect URLs in it included). */
  readonly message: string;
  /** True when the mirror served corrupt bytes and is demoted for the rest of the run. */
  readonly demoted: boolean;
}

/**
 * Payload of `download:cooldown`: every mirror left for this file is cooling down (its origin's
 * breaker opened after failures), so the file waits for the earliest trial request instead of
 * failing. Emitted each time a wait starts.
 */
export interface DownloadCooldownInfo {
  /** The destination path. */
  readonly dest: string;
  /** The mirrors waited for (redacted). */
  readonly mirrors: readonly string[];
  /** Milliseconds until the earliest of them takes a trial request (0: trial requests in flight). */
  readonly retryInMs: number;
  /** Classified category of the failure that opened the earliest mirror's breaker, when known. */
  readonly category: ErrorCategory | undefined;
  /** For people: "mirror http://… cooling down, retrying in 42 s" (redacted). */
  readonly message: string;
}

/**
 * Payload of `download:connections`: a file is fetched over several connections (`'split'`), their
 * number grew (`'added'`) or was halved after a 429/503 (`'shed'`), or the mirror turned out to
 * ignore bounded ranges and one connection goes on alone (`'single'`).
 */
export interface DownloadConnectionsInfo {
  /** The destination path. */
  readonly dest: string;
  /** The mirror (redacted). */
  readonly url: string;
  /** Connections wanted from now on. */
  readonly connections: number;
  /** What changed. */
  readonly change: 'split' | 'added' | 'shed' | 'single';
  /** Why, for `'shed'` (`'HTTP 429'`) and `'single'` (`'range-ignored'`, `'bad-content-range'`). */
  readonly reason: string | undefined;
  /** The server's Retry-After with a `'shed'`, in ms: no connection is added before it passed. */
  readonly retryAfterMs: number | undefined;
  /** Chunk size of the file, bytes. */
  readonly chunkSize: number;
}

/** Payload of `download:waiting`: another live writer holds the claim on this destination. */
export interface DownloadWaitingInfo {
  /** The destination path both writers want. */
  readonly dest: string;
  /** The other writer's process id. */
  readonly pid: number;
  /** The other writer's host name (redacted like every string field). */
  readonly host: string;
}

/** Payload of `download:complete`. */
export interface DownloadCompleteInfo {
  /** The destination path, now holding the verified file. */
  readonly dest: string;
  /** The mirror that served the file (redacted). */
  readonly url: string;
  /** Size of the file in bytes. */
  readonly bytes: number;
  /** Bytes received over the network by this call (0 when the file was already complete). */
  readonly bytesTransferred: number;
  /** sha256 of the whole file (lower-case hex). */
  readonly sha256: string;
  /** HTTP requests made across all mirrors (redirect hops not counted). */
  readonly attempts: number;
  /** Whether kept bytes from an earlier attempt or run were continued. */
  readonly resumed: boolean;
  /** Time from leaving the queue to the rename, in ms (queue wait not included). */
  readonly durationMs: number;
}

/** Payload of `download:error` (the final failure of one download). */
export interface DownloadErrorInfo {
  /** The destination path (left untouched). */
  readonly dest: string;
  /** Classified category of the final error. */
  readonly category: ErrorCategory;
  /** Message of the final error, redacted; the rejected error itself is redacted the same way. */
  readonly message: string;
  /** True when it was an abort (the partial is kept unless removePartial was set). */
  readonly cancelled: boolean;
}

/** Events of a Downloader; each is also published on `wan-reliability:<event>`. */
export interface DownloadEvents {
  /** A download left the queue and starts (before the destination claim). */
  'download:start': DownloadStartInfo;
  /** Bytes arrived (throttled by `progressRate`), plus one final report. */
  'download:progress': DownloadProgress;
  /** A kept prefix is continued with a Range request. */
  'download:resume': DownloadResumeInfo;
  /** Kept bytes were discarded; the transfer starts again from byte 0. */
  'download:restart': DownloadRestartInfo;
  /** An attempt on a mirror failed and will be retried after a delay. */
  'download:retry': DownloadRetryInfo;
  /** A mirror was given up on and the next one is tried. */
  'download:mirror-failover': DownloadFailoverInfo;
  /** Every mirror left is cooling down; the file waits for the earliest trial request. */
  'download:cooldown': DownloadCooldownInfo;
  /** A file is fetched over several connections, or their number changed. */
  'download:connections': DownloadConnectionsInfo;
  /** Another live writer holds the destination; emitted once, then polled quietly. */
  'download:waiting': DownloadWaitingInfo;
  /** The verified file was renamed into place. */
  'download:complete': DownloadCompleteInfo;
  /** The download failed for good or was aborted. */
  'download:error': DownloadErrorInfo;
}
