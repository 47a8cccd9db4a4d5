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
  readonly id: string;
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
  readonly id: string;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  /** 0–100. */
  readonly percent: number;
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
  verify(options?: VerifyOptions): Promise<IntegrityReport>;
  repair(report?: IntegrityReport, options?: RepairOptions): Promise<RepairResult>;
}

/** Use counts of one model. */
export interface UsageRecord {
  readonly uses: number;
  /** ISO time of the first and last recorded use. */
  readonly firstUsed: string;
  readonly lastUsed: string;
}

/** What a usage store keeps. */
export interface UsageData {
  readonly version: 1;
  readonly models: Readonly<Record<string, UsageRecord>>;
}

/** Where usage is kept (default: `<root>/.wan-reliability/usage.json`). */
export interface UsageStore {
  load(): Promise<UsageData | undefined>;
  save(data: UsageData): Promise<void>;
}

/** One model in {@link UsageReport}. */
export interface ModelUsage {
  readonly id: string;
  readonly uses: number;
  readonly lastUsed?: string;
}

/** What {@link ModelAvailability.usage} returns. */
export interface UsageReport {
  /** Every manifest model, most used first (ties: most recent first). */
  readonly models: readonly ModelUsage[];
  readonly mostUsed?: string;
  /** Least used (never used counts as 0; ties: the longest unused). */
  readonly leastUsed?: string;
}

/** One model {@link ModelAvailability.suggestCleanup} suggests removing. */
export interface CleanupCandidate {
  readonly id: string;
  /** Bytes its files take on disk now. */
  readonly bytes: number;
  readonly uses: number;
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
  readonly freedBytes: number;
  readonly needBytes: number | undefined;
  /** Whether removing the candidates frees `needBytes`. */
  readonly enough: boolean;
}

/**
 * One file an update would change: `changed` (new content), `removed` (gone from the new revision),
 * `added` (only when comparing with a newer manifest, which tracks the new file).
 */
export interface UpdateFile {
  readonly path: string;
  readonly size: number | undefined;
  readonly change: 'added' | 'changed' | 'removed';
}

/** One model's update check. */
export interface ModelUpdate {
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
  readonly source: 'hub' | 'manifest';
  /** Why the check failed (redacted). */
  readonly error?: string;
}

/** What {@link ModelAvailability.checkForUpdates} returns. */
export interface UpdateReport {
  readonly checkedAt: string;
  readonly models: readonly ModelUpdate[];
  /** True when any model has an update. */
  readonly updatesAvailable: boolean;
}
