import type { ErrorCategory } from '../errors/category.js';

/** Status of one manifest file on disk. */
export type FileStatus = 'ok' | 'missing' | 'partial' | 'size_mismatch' | 'corrupt' | 'misplaced';

/** `integrity:file` — one file's status was decided by a verify. */
export interface IntegrityFileEvent {
  readonly model: string;
  readonly path: string;
  readonly status: FileStatus;
  /** True when the decision came from the stat cache (no hashing). */
  readonly cached: boolean;
}

/** `integrity:hash` — a file was hashed (once per file actually read; cache hits emit nothing). */
export interface IntegrityHashEvent {
  readonly model: string;
  /** Path relative to the model folder (a manifest path, or a misplaced candidate). */
  readonly path: string;
  readonly bytes: number;
  readonly durationMs: number;
}

/** `integrity:verified` — a verify finished. */
export interface IntegrityVerifiedEvent {
  readonly ok: boolean;
  readonly deep: boolean;
  readonly models: readonly string[];
  readonly bytesToDownload: number;
  readonly durationMs: number;
  readonly hashedFiles: number;
  readonly cachedFiles: number;
}

/** `integrity:repaired` — repair fixed one file. */
export interface IntegrityRepairedEvent {
  readonly model: string;
  readonly path: string;
  /** `moved`: a misplaced copy was renamed into place (no request); `downloaded`: fetched again. */
  readonly action: 'moved' | 'downloaded';
  /** For `moved`: where the file was, relative to the model folder. */
  readonly from?: string;
  /** For `downloaded`: bytes that went over the network, and the mirror URL that served them. */
  readonly bytesTransferred?: number;
  readonly url?: string;
}

/** `integrity:repair-failed` — repair could not fix one file; `manualSteps` says what a person can do. */
export interface IntegrityRepairFailedEvent {
  readonly model: string;
  readonly path: string;
  readonly category: ErrorCategory;
  readonly message: string;
  readonly manualSteps: readonly string[];
}

/** Events of ModelIntegrityChecker (also on `wan-reliability:<event>` diagnostics channels). */
export type IntegrityEvents = {
  'integrity:file': IntegrityFileEvent;
  'integrity:hash': IntegrityHashEvent;
  'integrity:verified': IntegrityVerifiedEvent;
  'integrity:repaired': IntegrityRepairedEvent;
  'integrity:repair-failed': IntegrityRepairFailedEvent;
};
