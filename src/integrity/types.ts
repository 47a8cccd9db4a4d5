import type {
  FileStatus,
  IntegrityRepairedEvent,
  IntegrityRepairFailedEvent,
} from '../events/integrityEvents.js';

export type { FileStatus } from '../events/integrityEvents.js';

/**
 * What repair asks of a downloader: exactly the package's `Downloader#download` contract, so the
 * real Downloader fits as is, and so does anything else that fetches a URL list into `dest` after
 * checking size and sha256 (a test double, another installer's downloader behind an adapter).
 */
export interface FileFetcher {
  download(request: FileFetchRequest, options?: FileFetchOptions): Promise<FileFetchResult>;
}

/** One file to fetch. */
export interface FileFetchRequest {
  /** Mirror URLs in preference order. */
  readonly urls: readonly string[];
  /** Final path; written only by an atomic rename after size and sha256 matched. */
  readonly dest: string;
  readonly size?: number;
  readonly sha256?: string;
  /** Higher first when the fetcher queues. */
  readonly priority?: number;
  /** Install root: the Downloader keeps partials under `<root>/.wan-reliability/partial/`. */
  readonly root?: string;
}

/** Options of one fetch. */
export interface FileFetchOptions {
  signal?: AbortSignal;
  onProgress?: (progress: FileFetchProgress) => void;
}

/** Progress of one fetch, as the Downloader reports it (only `bytes` is relied on). */
export interface FileFetchProgress {
  readonly bytes: number;
  readonly total?: number | undefined;
  readonly rate?: number | undefined;
  readonly eta?: number | undefined;
}

/** What a finished fetch returns. */
export interface FileFetchResult {
  readonly path: string;
  readonly bytes: number;
  readonly bytesTransferred: number;
  readonly sha256: string;
  readonly url: string;
  readonly attempts?: number;
  readonly resumed?: boolean;
}

/** Size and digest a file must have. */
export interface ExpectedContent {
  readonly size: number;
  readonly sha256: string;
}

/** What is on disk at a file's place (sha256 only when it was hashed or known from the cache). */
export interface ActualContent {
  readonly size: number;
  readonly sha256?: string;
}

/** One file's verdict. */
export interface FileReport {
  /** Manifest path, relative to the model folder. */
  readonly path: string;
  readonly status: FileStatus;
  readonly expected: ExpectedContent;
  /** What is at `path` now, when something is. */
  readonly actual?: ActualContent;
  /** For `misplaced`: where a copy with the right size and sha256 was found, relative to the model folder. */
  readonly foundAt?: string;
  /** Bytes already held by a resumable partial download of this file. */
  readonly partialBytes?: number;
  /** A human-readable detail (e.g. "a folder occupies this path", "could not be read: EIO"). */
  readonly note?: string;
}

/** One model's verdict. */
export interface ModelReport {
  readonly id: string;
  readonly ok: boolean;
  readonly files: readonly FileReport[];
  /** Bytes still to download for this model (misplaced files need none; partials count what is left). */
  readonly bytesToDownload: number;
}

/** Counters of one verify. */
export interface VerifyStats {
  /** Manifest files looked at. */
  readonly files: number;
  /** Files whose content was read and hashed (manifest files and misplaced candidates). */
  readonly hashedFiles: number;
  readonly hashedBytes: number;
  /** Files decided from the stat cache without reading them. */
  readonly cachedFiles: number;
}

/** The result of {@link ModelIntegrityChecker.verify}. */
export interface IntegrityReport {
  readonly ok: boolean;
  /** True when every file was re-hashed. */
  readonly deep: boolean;
  readonly models: readonly ModelReport[];
  /** Bytes repair would download. */
  readonly bytesToDownload: number;
  readonly checkedAt: string;
  readonly durationMs: number;
  readonly stats: VerifyStats;
}

/** Progress of a verify. */
export interface VerifyProgress {
  readonly phase: 'stat' | 'hash' | 'search';
  readonly model: string;
  readonly path?: string;
  readonly filesChecked: number;
  readonly filesTotal: number;
  readonly bytesHashed: number;
}

/** Options of {@link ModelIntegrityChecker.verify}. */
export interface VerifyOptions {
  /** Model ids to check (default: all). */
  models?: readonly string[];
  /** Re-hash every file instead of trusting the stat cache (default false). */
  deep?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: VerifyProgress) => void;
}

/** A file repair fixed: what `integrity:repaired` announced, plus whether a download resumed. */
export interface RepairedFile extends IntegrityRepairedEvent {
  readonly resumed?: boolean;
}

/**
 * A file repair could not fix, with what a person can do about it: what `integrity:repair-failed`
 * announced (`manualSteps` most useful first: what to check, then how to fetch and check the file by
 * hand), plus the status before repair and the error.
 */
export interface FailedFile extends IntegrityRepairFailedEvent {
  /** The file's status before repair. */
  readonly status: FileStatus;
  readonly code?: string;
  /** The underlying error. */
  readonly error: unknown;
}

/** Progress of a repair (per file being downloaded). */
export interface RepairProgress {
  readonly model: string;
  readonly path: string;
  readonly bytes: number;
  readonly total: number;
  /** Sum over the whole repair. */
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

/** Options of {@link ModelIntegrityChecker.repair}. */
export interface RepairOptions {
  signal?: AbortSignal;
  onProgress?: (progress: RepairProgress) => void;
  /** Files fetched at once (default 4; the Downloader's own queue may limit further). */
  concurrency?: number;
}

/** The result of {@link ModelIntegrityChecker.repair}. */
export interface RepairResult {
  /** True when everything verified ok afterwards. */
  readonly ok: boolean;
  readonly fixed: readonly RepairedFile[];
  readonly failed: readonly FailedFile[];
  /** The verify run after repairing. */
  readonly report: IntegrityReport;
}
