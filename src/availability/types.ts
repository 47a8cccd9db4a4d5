import type { IntegrityReport, RepairOptions, RepairResult, VerifyOptions } from '../integrity/types.js';

/** Where a model stands on disk. */
export type ModelState = 'ready' | 'downloading' | 'incomplete' | 'corrupt' | 'absent';

/**
 * Whether an app can use the real model now (`real`) or has to fall back to a labelled stand-in
 * (`mock`), with the reason given next to it.
 */
export type ModelMode = 'real' | 'mock';

/** One model's availability, as {@link ModelAvailability.status} reports it. */
export interface ModelStatus {
  /** The manifest model id. */
  readonly id: string;
  /** Where the model stands on disk. */
  readonly state: ModelState;
  /** `real` only when `state` is `ready`. */
  readonly mode: ModelMode;
  /** For `mock`: why, in one line. */
  readonly reason?: string;
  /** For `mock`: how to get the real model, most useful first. */
  readonly steps?: readonly string[];
  /** For `downloading`: share of the bytes to download that arrived, 0–100. */
  readonly percent?: number;
  /** For `downloading`: estimated seconds left (absent until a rate is known). */
  readonly etaSeconds?: number;
  /** For `incomplete` / `corrupt`: manifest paths that are not ok. */
  readonly missing?: readonly string[];
  /** Bytes still to download to make it ready. */
  readonly bytesToDownload?: number;
  /** Alternatives from the manifest that are ready now (only listed for `mock`). */
  readonly alternatives?: readonly string[];
}

/** Progress of a model download (the `availability:progress` payload and ensureReady's onProgress). */
export interface AvailabilityProgress {
  /** The manifest model id. */
  readonly id: string;
  /** Bytes of this download that arrived so far. */
  readonly bytesDone: number;
  /** Bytes this download has to fetch (what was missing, not the model's whole size). */
  readonly bytesTotal: number;
  /** 0–100. */
  readonly percent: number;
  /** Estimated seconds left; absent until a rate is known. */
  readonly etaSeconds?: number;
  /** Bytes per second over the last seconds. */
  readonly rate: number;
}

/** Options of {@link ModelAvailability.ensureReady}. */
export interface EnsureReadyOptions {
  /** Abort this caller only: the shared download goes on while other callers wait for it. */
  signal?: AbortSignal;
  /** Give up after this many ms with a ModelUnavailableError (the download goes on for other callers). */
  timeout?: number;
  /** Called with the shared download's progress while this caller waits. */
  onProgress?: (progress: AvailabilityProgress) => void;
  /**
   * Keep downloading after this caller times out or aborts (default false: the last caller to
   * leave pauses the download). For apps that fall back to a mock now and switch to the real
   * model when `availability:ready` fires.
   */
  background?: boolean;
}

/** What ModelAvailability needs of an integrity checker: ModelIntegrityChecker fits as is. */
export interface AvailabilityChecker {
  /** Checks the models' files on disk (see ModelIntegrityChecker.verify). */
  verify(options?: VerifyOptions): Promise<IntegrityReport>;
  /** Fetches or moves back what a verify found wrong, then verifies again (see ModelIntegrityChecker.repair). */
  repair(report?: IntegrityReport, options?: RepairOptions): Promise<RepairResult>;
}

/** Use counts of one model. */
export interface UsageRecord {
  /** Recorded uses. */
  readonly uses: number;
  /** ISO time of the first recorded use. */
  readonly firstUsed: string;
  /** ISO time of the last recorded use. */
  readonly lastUsed: string;
}

/** What a usage store keeps. */
export interface UsageData {
  /** Format version of the stored data. */
  readonly version: 1;
  /** Use counts by model id. */
  readonly models: Readonly<Record<string, UsageRecord>>;
}

/** Where usage is kept (default: `<root>/.wan-reliability/usage.json`). */
export interface UsageStore {
  /** The stored data, or undefined when there is none yet (or it is unusable). */
  load(): Promise<UsageData | undefined>;
  /** Replaces the stored data. */
  save(data: UsageData): Promise<void>;
}

/** One model in {@link UsageReport}. */
export interface ModelUsage {
  /** The manifest model id. */
  readonly id: string;
  /** Recorded uses (0 when never used). */
  readonly uses: number;
  /** ISO time of the last recorded use; absent when never used. */
  readonly lastUsed?: string;
}

/** What {@link ModelAvailability.usage} returns. */
export interface UsageReport {
  /** Every manifest model, most used first (ties: most recent first). */
  readonly models: readonly ModelUsage[];
  /** Id of the most used model; absent when no model was used yet. */
  readonly mostUsed?: string;
  /** Least used (never used counts as 0; ties: the longest unused). */
  readonly leastUsed?: string;
}

/** One model {@link ModelAvailability.suggestCleanup} suggests removing. */
export interface CleanupCandidate {
  /** The manifest model id. */
  readonly id: string;
  /** Bytes its files take on disk now. */
  readonly bytes: number;
  /** Recorded uses (0 when never used). */
  readonly uses: number;
  /** ISO time of the last recorded use; absent when never used. */
  readonly lastUsed?: string;
  /** Its folder, to remove. */
  readonly path: string;
  /** Why it ranks here ("never used", "used 3 times, last on 2026-10-01"). */
  readonly reason: string;
}

/** What {@link ModelAvailability.suggestCleanup} returns. */
export interface CleanupSuggestion {
  /** Least used first; just enough of them to free `needBytes` when that is possible. */
  readonly candidates: readonly CleanupCandidate[];
  /** Bytes removing every candidate would free. */
  readonly freedBytes: number;
  /** The `needBytes` asked for; undefined lists every model on disk. */
  readonly needBytes: number | undefined;
  /** Whether removing the candidates frees `needBytes`. */
  readonly enough: boolean;
}

/**
 * One file an update would change: `changed` (new content), `removed` (gone from the new revision),
 * `added` (only when comparing with a newer manifest, which tracks the new file).
 */
export interface UpdateFile {
  /** Manifest path, relative to the model folder. */
  readonly path: string;
  /** Size in bytes in the new revision (the installed size for `removed`), when known. */
  readonly size: number | undefined;
  /** How the file differs from the installed one. */
  readonly change: 'added' | 'changed' | 'removed';
}

/** One model's update check. */
export interface ModelUpdate {
  /** The manifest model id. */
  readonly id: string;
  /** The revision installed (the manifest's pinned revision). */
  readonly installedRevision: string;
  /** The remote revision, when it could be read. */
  readonly remoteRevision?: string;
  /** `undefined` when the check failed (see `error`). */
  readonly updateAvailable: boolean | undefined;
  /** Files an update would download (`added`, `changed`) or drop (`removed`). */
  readonly files: readonly UpdateFile[];
  /** Bytes an update would download. */
  readonly downloadBytes: number;
  /** Files whose content cannot be compared (no sha256 published) but whose size is unchanged. */
  readonly unverified: readonly string[];
  /** What the model was compared with: the Hub's branch head or a newer manifest. */
  readonly source: 'hub' | 'manifest';
  /** Why the check failed (redacted). */
  readonly error?: string;
}

/** What {@link ModelAvailability.checkForUpdates} returns. */
export interface UpdateReport {
  /** ISO time of the check. */
  readonly checkedAt: string;
  /** One entry per checked model, in the order asked (default: manifest order). */
  readonly models: readonly ModelUpdate[];
  /** True when any model has an update. */
  readonly updatesAvailable: boolean;
}
