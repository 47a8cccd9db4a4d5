import type { ErrorCategory } from '../errors/category.js';

/** Status of one manifest file on disk. */
export type FileStatus =
  | 'ok'
  | 'missing'
  | 'partial'
  | 'size_mismatch'
  | 'corrupt'
  | 'misplaced'
  /** The path leads out of the install root through a symbolic link: not read, not repaired. */
  | 'unsafe_path';

/** `integrity:file` — one file's status was decided by a verify. */
export interface IntegrityFileEvent {
  /** The manifest model id. */
  readonly model: string;
  /** Manifest path of the file, relative to the model folder. */
  readonly path: string;
  /** What the verify decided. */
  readonly status: FileStatus;
  /** True when the decision came from the stat cache (no hashing). */
  readonly cached: boolean;
}

/** `integrity:hash` — a file was hashed (once per file actually read; cache hits emit nothing). */
export interface IntegrityHashEvent {
  /** The manifest model id. */
  readonly model: string;
  /** Path relative to the model folder (a manifest path, or a misplaced candidate). */
  readonly path: string;
  /** Bytes read and hashed. */
  readonly bytes: number;
  /** Time the hash took, in ms (worker-thread time included). */
  readonly durationMs: number;
}

/** `integrity:verified` — a verify finished. */
export interface IntegrityVerifiedEvent {
  /** True when every file of every checked model is ok. */
  readonly ok: boolean;
  /** True when every file was re-hashed instead of trusting the stat cache. */
  readonly deep: boolean;
  /** Ids of the models checked. */
  readonly models: readonly string[];
  /** Bytes a repair would download (misplaced files need none; partials count what is left). */
  readonly bytesToDownload: number;
  /** Wall time of the verify, in ms. */
  readonly durationMs: number;
  /** Files read and hashed (manifest files and misplaced candidates). */
  readonly hashedFiles: number;
  /** Files decided from the stat cache without reading them. */
  readonly cachedFiles: number;
}

/** `integrity:repaired` — repair fixed one file. */
export interface IntegrityRepairedEvent {
  /** The manifest model id. */
  readonly model: string;
  /** Manifest path of the fixed file, relative to the model folder. */
  readonly path: string;
  /** `moved`: a misplaced copy was renamed into place (no request); `downloaded`: fetched again. */
  readonly action: 'moved' | 'downloaded';
  /** For `moved`: where the file was, relative to the model folder. */
  readonly from?: string;
  /** For `downloaded`: bytes that went over the network. */
  readonly bytesTransferred?: number;
  /** For `downloaded`: the mirror URL that served the file, as the fetcher reported it. */
  readonly url?: string;
}

/** `integrity:repair-failed` — repair could not fix one file; `manualSteps` says what a person can do. */
export interface IntegrityRepairFailedEvent {
  /** The manifest model id. */
  readonly model: string;
  /** Manifest path of the file, relative to the model folder. */
  readonly path: string;
  /** Classified category of the last failure. */
  readonly category: ErrorCategory;
  /** Redacted message of the last failure. */
  readonly message: string;
  /** What a person can do to fix the file by hand, most useful first (URLs redacted). */
  readonly manualSteps: readonly string[];
}

/** Events of ModelIntegrityChecker (also on `wan-reliability:<event>` diagnostics channels). */
export type IntegrityEvents = {
  /** A verify decided one manifest file's status. */
  'integrity:file': IntegrityFileEvent;
  /** A file's content was read and hashed. */
  'integrity:hash': IntegrityHashEvent;
  /** A verify finished. */
  'integrity:verified': IntegrityVerifiedEvent;
  /** A repair fixed one file. */
  'integrity:repaired': IntegrityRepairedEvent;
  /** A repair gave up on one file. */
  'integrity:repair-failed': IntegrityRepairFailedEvent;
};
