import type { IntegrityEvents } from '../events/integrityEvents.js';
import type { Hasher } from './hashPool.js';
import type { Manifest } from './manifest.js';
import type { StatCache } from './statCache.js';
import type { FileFetcher, VerifyProgress } from './types.js';

/**
 * What the verify and repair modules share with {@link ModelIntegrityChecker}: its resolved options,
 * its stat cache and a way to emit its events (the emitter's `announce` is protected, so the checker
 * hands a bound function instead of itself).
 */
export interface CheckerContext {
  /** The install root, absolute. */
  readonly root: string;
  /** The validated manifest. */
  readonly manifest: Manifest;
  readonly downloader: FileFetcher | undefined;
  readonly hasher: Hasher;
  readonly cache: StatCache;
  readonly partialBytesOf: (dest: string) => Promise<number | undefined>;
  readonly announce: <K extends keyof IntegrityEvents & string>(
    event: K,
    payload: IntegrityEvents[K],
  ) => void;
}

/** Running totals of one verify, shared by every model checked in parallel. */
export interface Counters {
  filesTotal: number;
  filesChecked: number;
  bytesHashed: number;
  hashedFiles: number;
  cachedFiles: number;
}

/** Reports a verify's progress (undefined when the caller passed no `onProgress`). */
export type ProgressFn = ((phase: VerifyProgress['phase'], model: string, file?: string) => void) | undefined;

/** Whether `error` is a Node system error with one of `codes`. */
export const isCode = (error: unknown, ...codes: string[]) =>
  typeof error === 'object' && error !== null && codes.includes((error as { code?: string }).code ?? '');
