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
  /** Fetches one file into `request.dest`, verified; rejects when it cannot. */
  download(request: FileFetchRequest, options?: FileFetchOptions): Promise<FileFetchResult>;
}

/** One file to fetch. */
export interface FileFetchRequest {
  /** Mirror URLs in preference order. */
  readonly urls: readonly string[];
  /** Final path; written only by an atomic rename after size and sha256 matched. */
  readonly dest: string;
  /** Expected size in bytes (repair always gives the manifest's). */
  readonly size?: number;
  /** Expected sha256, lower-case hex (repair always gives the manifest's). */
  readonly sha256?: string;
  /** Higher first when the fetcher queues. */
  readonly priority?: number;
  /** Install root: the Downloader keeps partials under `<root>/.wan-reliability/partial/`. */
  readonly root?: string;
}

/** Options of one fetch. */
export interface FileFetchOptions {
  /** Stops the fetch (the Downloader keeps the partial for a later resume). */
  signal?: AbortSignal;
  /** Called as bytes arrive. */
  onProgress?: (progress: FileFetchProgress) => void;
}

/** Progress of one fetch, as the Downloader reports it (only `bytes` is relied on). */
export interface FileFetchProgress {
  /** Bytes of the file present so far (a kept prefix included). */
  readonly bytes: number;
  /** Total size in bytes, when known. */
  readonly total?: number | undefined;
  /** Transfer rate, bytes per second. */
  readonly rate?: number | undefined;
  /** Estimated seconds left. */
  readonly eta?: number | undefined;
}

/** What a finished fetch returns. */
export interface FileFetchResult {
  /** Where the file now is (the request's `dest`). */
  readonly path: string;
  /** Size of the file in bytes (checked against the manifest). */
  readonly bytes: number;
  /** Bytes received over the network by this fetch. */
  readonly bytesTransferred: number;
  /** sha256 of the whole file, hex (checked against the manifest). */
  readonly sha256: string;
  /** The mirror that served it. */
  readonly url: string;
  /** Requests made, when the fetcher counts them. */
  readonly attempts?: number;
  /** Whether kept bytes from before were continued. */
  readonly resumed?: boolean;
}

/** Size and digest a file must have. */
export interface ExpectedContent {
  /** Size in bytes, from the manifest. */
  readonly size: number;
  /** sha256 from the manifest, lower-case hex. */
  readonly sha256: string;
}

/** What is on disk at a file's place (sha256 only when it was hashed or known from the cache). */
export interface ActualContent {
  /** Size on disk, in bytes. */
  readonly size: number;
  /** sha256 of the content, lower-case hex; absent when it was not needed (e.g. the size is already wrong). */
  readonly sha256?: string;
}

/** One file's verdict. */
export interface FileReport {
  /** Manifest path, relative to the model folder. */
  readonly path: string;
  /** The verdict: `ok`, or what is wrong. */
  readonly status: FileStatus;
  /** What the manifest says the file must be. */
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
  /** The manifest model id. */
  readonly id: string;
  /** True when every file is `ok`. */
  readonly ok: boolean;
  /** One verdict per manifest file, in manifest order. */
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
  /** Bytes read and hashed. */
  readonly hashedBytes: number;
  /** Files decided from the stat cache without reading them. */
  readonly cachedFiles: number;
}

/** The result of {@link ModelIntegrityChecker.verify}. */
export interface IntegrityReport {
  /** True when every file of every checked model is `ok`. */
  readonly ok: boolean;
  /** True when every file was re-hashed. */
  readonly deep: boolean;
  /** One report per checked model. */
  readonly models: readonly ModelReport[];
  /** Bytes repair would download. */
  readonly bytesToDownload: number;
  /** ISO time the verify finished. */
  readonly checkedAt: string;
  /** Wall time of the verify, ms. */
  readonly durationMs: number;
  /** Counters: files looked at, hashed, decided from the cache. */
  readonly stats: VerifyStats;
}

/** Progress of a verify. */
export interface VerifyProgress {
  /** `stat`: looking at a file; `hash`: reading its content; `search`: looking for misplaced copies. */
  readonly phase: 'stat' | 'hash' | 'search';
  /** The model being checked. */
  readonly model: string;
  /** The file, relative to the model folder (absent for `search`). */
  readonly path?: string;
  /** Manifest files decided so far. */
  readonly filesChecked: number;
  /** Manifest files in the checked models. */
  readonly filesTotal: number;
  /** Bytes hashed so far. */
  readonly bytesHashed: number;
}

/** Options of {@link ModelIntegrityChecker.verify}. */
export interface VerifyOptions {
  /** Model ids to check (default: all). */
  models?: readonly string[];
  /** Re-hash every file instead of trusting the stat cache (default false). */
  deep?: boolean;
  /** Stops the verify; it rejects with a cancelled error. */
  signal?: AbortSignal;
  /** Called as files are looked at and hashed. */
  onProgress?: (progress: VerifyProgress) => void;
}

/** A file repair fixed: what `integrity:repaired` announced, plus whether a download resumed. */
export interface RepairedFile extends IntegrityRepairedEvent {
  /** For `downloaded`: whether a kept partial was continued. */
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
  /** The error's code (`ERR_CHECKSUM_MISMATCH`, `ENOSPC`), when it has one. */
  readonly code?: string;
  /** The underlying error. */
  readonly error: unknown;
}

/** Progress of a repair (per file being downloaded). */
export interface RepairProgress {
  /** The model of the file being downloaded. */
  readonly model: string;
  /** The file, relative to the model folder. */
  readonly path: string;
  /** Bytes of this file present so far (a resumed prefix included). */
  readonly bytes: number;
  /** This file's size from the manifest, bytes. */
  readonly total: number;
  /** Sum over the whole repair. */
  readonly bytesDone: number;
  /** Sizes of every file the repair downloads, summed. */
  readonly bytesTotal: number;
}

/** Options of {@link ModelIntegrityChecker.repair}. */
export interface RepairOptions {
  /** Stops the repair (it rejects with a cancelled error); partials are kept for the next one. */
  signal?: AbortSignal;
  /** Called as bytes arrive for any file. */
  onProgress?: (progress: RepairProgress) => void;
  /** Files fetched at once (default 4; the Downloader's own queue may limit further). */
  concurrency?: number;
}

/** The result of {@link ModelIntegrityChecker.repair}. */
export interface RepairResult {
  /** True when everything verified ok afterwards. */
  readonly ok: boolean;
  /** Files that were moved back or downloaded. */
  readonly fixed: readonly RepairedFile[];
  /** Files that could not be fixed, with manual steps. */
  readonly failed: readonly FailedFile[];
  /** The verify run after repairing. */
  readonly report: IntegrityReport;
}
