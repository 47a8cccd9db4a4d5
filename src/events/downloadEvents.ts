import type { ErrorCategory } from '../errors/category.js';

/**
 * Progress of one download, at most 10 per second per file plus one final report. URLs in every
 * download event are redacted (no userinfo, no secret query parameters); no token ever appears.
 */
export interface DownloadProgress {
  /** The destination path. */
  readonly dest: string;
  /** The mirror currently serving bytes (redacted). */
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
}

/** Payload of `download:start`. */
export interface DownloadStartInfo {
  readonly dest: string;
  readonly size: number | undefined;
  readonly priority: number;
}

/** Payload of `download:resume`: a kept prefix is being continued with a Range request. */
export interface DownloadResumeInfo {
  readonly dest: string;
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
  readonly dest: string;
  readonly url: string;
  readonly reason: RestartReason;
  /** Bytes that were thrown away. */
  readonly discardedBytes: number;
}

/** Payload of `download:retry` (mirrors RetryPolicy's `retry` event for one download). */
export interface DownloadRetryInfo {
  readonly dest: string;
  readonly url: string;
  /** The attempt that failed (1-based, per mirror). */
  readonly attempt: number;
  readonly category: ErrorCategory;
  readonly message: string;
  /** Wait before the next attempt, in ms. */
  readonly delayMs: number;
  /** Whether the wait came from Retry-After / RateLimit. */
  readonly serverDirected: boolean;
}

/** Payload of `download:mirror-failover`. */
export interface DownloadFailoverInfo {
  readonly dest: string;
  /** The mirror given up on (redacted). */
  readonly from: string;
  /** The next mirror tried (redacted), if any is left. */
  readonly to: string | undefined;
  readonly category: ErrorCategory;
  readonly message: string;
  /** True when the mirror served corrupt bytes and is demoted for the rest of the run. */
  readonly demoted: boolean;
}

/** Payload of `download:waiting`: another live writer holds the claim on this destination. */
export interface DownloadWaitingInfo {
  readonly dest: string;
  /** The other writer's process id. */
  readonly pid: number;
  /** The other writer's host name. */
  readonly host: string;
}

/** Payload of `download:complete`. */
export interface DownloadCompleteInfo {
  readonly dest: string;
  readonly url: string;
  readonly bytes: number;
  readonly bytesTransferred: number;
  readonly sha256: string;
  readonly attempts: number;
  readonly resumed: boolean;
  readonly durationMs: number;
}

/** Payload of `download:error` (the final failure of one download). */
export interface DownloadErrorInfo {
  readonly dest: string;
  readonly category: ErrorCategory;
  /** Redacted message. */
  readonly message: string;
  /** True when it was an abort (the partial is kept unless removePartial was set). */
  readonly cancelled: boolean;
}

/** Events of a Downloader; each is also published on `wan-reliability:<event>`. */
export interface DownloadEvents {
  'download:start': DownloadStartInfo;
  'download:progress': DownloadProgress;
  'download:resume': DownloadResumeInfo;
  'download:restart': DownloadRestartInfo;
  'download:retry': DownloadRetryInfo;
  'download:mirror-failover': DownloadFailoverInfo;
  'download:waiting': DownloadWaitingInfo;
  'download:complete': DownloadCompleteInfo;
  'download:error': DownloadErrorInfo;
}
