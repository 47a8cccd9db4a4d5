import { mkdir, rmdir, stat } from 'node:fs/promises';
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
 * What proper-lockfile is told the stale time is: never, in practice. Its own takeover (stat, see
 * stale, rmdir, mkdir) lets two processes that saw the same stale lock both win — the second rmdir
 * removes the first one's fresh lock — so stale locks are removed by {@link removeIfStale} instead.
 */
const NEVER_STALE = 2 ** 31 - 1;
/** Stale locks one call removes before it waits like for any held lock. */
const MAX_TAKEOVERS = 3;

/** Whether `dir` exists and was last refreshed more than `staleMs` ago. */
async function isStale(dir: string, staleMs: number): Promise<boolean> {
  const info = await stat(dir).catch(() => undefined);
  return info !== undefined && Date.now() - info.mtimeMs > staleMs;
}

const ignoreMissing = (error: NodeJS.ErrnoException) => {
  if (error.code !== 'ENOENT') throw error;
};

/**
 * Removes the lock folder `dir` if it is stale, under a guard (`<dir>.takeover`, also made with an
 * atomic mkdir) so that only one process at a time checks and removes: a lock another process made
 * a moment ago is never the one removed. Everyone then competes for the lock with mkdir again. A
 * guard left by a process killed in these few milliseconds is cleared once it is as old as a stale
 * lock.
 */
async function removeIfStale(dir: string, staleMs: number): Promise<boolean> {
  if (!(await isStale(dir, staleMs))) return false;
  const guard = `${dir}.takeover`;
  try {
    await mkdir(guard);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    if (await isStale(guard, staleMs)) await rmdir(guard).catch(ignoreMissing);
    return false;
  }
  try {
    if (!(await isStale(dir, staleMs))) return false;
    await rmdir(dir).catch(ignoreMissing);
    return true;
  } finally {
    await rmdir(guard).catch(ignoreMissing);
  }
}

/**
 * Takes an exclusive, cross-process lock on `target` (the file need not exist): a `<target>.lock`
 * directory made with `mkdir`, which is atomic on local file systems and NFS alike, refreshed while
 * held (proper-lockfile). A lock its holder stopped refreshing for `staleMs` is removed by one
 * contender at a time and competed for again, so two processes never both take it over. Waits up to `waitMs`
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
  let takeovers = 0;
  for (;;) {
    if (signal?.aborted) throw abortError(signal, 'file lock');
    try {
      const release = await lockfile.lock(target, {
        realpath: false,
        stale: NEVER_STALE,
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
      // A stale lock removed: compete for it again at once (a few times at most: each removal
      // needs a lock nobody refreshed for staleMs).
      if (takeovers < MAX_TAKEOVERS && (await removeIfStale(`${target}.lock`, staleMs))) {
        takeovers += 1;
        continue;
      }
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
