import { LockHeldError } from '../errors/LockHeldError.js';
import { abortError, sleep } from './abort.js';
import { lazyRequire } from './lazyRequire.js';
import { optionalCount } from './validate.js';

type ProperLockfile = typeof import('proper-lockfile');

/** Options of {@link acquireFileLock}. */
export interface FileLockOptions {
  /** How long to wait for a lock someone else holds before {@link LockHeldError}. Default `10_000` ms. */
  readonly waitMs?: number;
  /**
   * A lock not refreshed for this long is taken to belong to a dead process and taken over.
   * Holders refresh it every `staleMs / 2`. Default `10_000` ms; at least `2_000`.
   */
  readonly staleMs?: number;
  /** Stops waiting (rejects with the abort reason or a CancelledError). */
  readonly signal?: AbortSignal;
}

/** A held lock. */
export interface FileLock {
  /** Releases the lock; safe to call twice. */
  release(): Promise<void>;
  /** True once the lock was found taken over or removed while held: writes may have raced. */
  readonly compromised: boolean;
}

/** Defaults of {@link FileLockOptions}. */
export const FILE_LOCK_DEFAULTS = Object.freeze({ waitMs: 10_000, staleMs: 10_000 });

const FIRST_POLL_MS = 25;
const MAX_POLL_MS = 250;

/**
 * Takes an exclusive, cross-process lock on `target` (the file need not exist): a `<target>.lock`
 * directory made with `mkdir`, which is atomic on local file systems and NFS alike, refreshed while
 * held and taken over when its holder stops refreshing it (proper-lockfile). Waits up to `waitMs`
 * for a held lock, polling with a growing interval. The refresh timer never keeps the process alive.
 */
export async function acquireFileLock(target: string, options: FileLockOptions = {}): Promise<FileLock> {
  const waitMs = optionalCount('waitMs', options.waitMs) ?? FILE_LOCK_DEFAULTS.waitMs;
  const staleMs = Math.max(2_000, optionalCount('staleMs', options.staleMs) ?? FILE_LOCK_DEFAULTS.staleMs);
  const { signal } = options;
  const lockfile = lazyRequire<ProperLockfile>('proper-lockfile');
  const started = Date.now();
  let compromised = false;
  let poll = FIRST_POLL_MS;
  for (;;) {
    if (signal?.aborted) throw abortError(signal, 'file lock');
    try {
      const release = await lockfile.lock(target, {
        realpath: false,
        stale: staleMs,
        update: Math.floor(staleMs / 2),
        retries: 0,
        onCompromised: () => {
          compromised = true;
        },
      });
      let released = false;
      return {
        get compromised() {
          return compromised;
        },
        async release() {
          if (released) return;
          released = true;
          // A compromised lock is no longer ours to remove.
          await release().catch((error: NodeJS.ErrnoException) => {
            if (error.code !== 'ERELEASED' && error.code !== 'ENOTACQUIRED' && !compromised) throw error;
          });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      const waited = Date.now() - started;
      if (waited >= waitMs) throw new LockHeldError(target, waited, { cause: error });
      await sleep(Math.min(poll, waitMs - waited), signal, 'file lock');
      poll = Math.min(MAX_POLL_MS, poll * 2);
    }
  }
}

/** Runs `fn` while holding the lock on `target` (see {@link acquireFileLock}); always releases it. */
export async function withFileLock<T>(
  target: string,
  fn: (lock: FileLock) => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const lock = await acquireFileLock(target, options);
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}
