import { lstat, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { LockHeldError } from '@wan/reliability';
import { acquireFileLock, FILE_LOCK_DEFAULTS } from '@wan/reliability/install';
import { EXIT, ExitError } from './exit.js';

/** Who holds the install lock. */
export interface LockHolder {
  readonly pid: number;
  readonly startedAt: string;
}

/** Where a command reports on the lock: its run log (hold times) and its output (waits). */
export interface LockSession {
  readonly log: { write(level: 'info', event: string, fields: Record<string, unknown>): void };
  readonly out: { info(line: string): void };
}

/** Pause between looks at a lock that a killed installer may have left. */
const POLL_MS = 200;

/**
 * After how long a lock its holder stopped refreshing counts as left behind: the default of the
 * package's file lock (10 s), `WAN22_LOCK_STALE_MS` overrides it (at least 2000; tests use it).
 */
export function lockStaleMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.WAN22_LOCK_STALE_MS);
  return Number.isSafeInteger(value) && value >= 2_000 ? value : FILE_LOCK_DEFAULTS.staleMs;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The holder recorded in `file` (written by the holder once it has the lock), if readable. */
async function recordedHolder(file: string): Promise<LockHolder | undefined> {
  try {
    // Only a regular file of our own: a symlink planted there is not followed out of the folder.
    if (!(await lstat(file)).isFile()) return undefined;
    const holder = JSON.parse(await readFile(file, 'utf8')) as Partial<LockHolder>;
    if (!Number.isSafeInteger(holder.pid) || typeof holder.startedAt !== 'string') return undefined;
    return { pid: holder.pid as number, startedAt: holder.startedAt };
  } catch {
    return undefined;
  }
}

/**
 * Who holds the install lock, when a live process does: the lock (`<file>.lock`, refreshed by its
 * holder) is fresh and the process recorded in `file` is running. For display (`status`) and early
 * refusals (`cancel`) only: {@link takeLock} alone decides who may work in the folder.
 */
export async function lockHolder(file: string, staleMs = lockStaleMs()): Promise<LockHolder | undefined> {
  const lock = await stat(`${file}.lock`).catch(() => undefined);
  if (!lock || Date.now() - lock.mtimeMs > staleMs) return undefined;
  const holder = await recordedHolder(file);
  return holder && alive(holder.pid) ? holder : undefined;
}

function busy(holder: LockHolder | undefined, file: string): ExitError {
  const who = holder
    ? `Another wan22-install (pid ${holder.pid}, since ${holder.startedAt})`
    : 'Another wan22-install';
  return new ExitError(
    `${who} is working in this folder; wait for it or stop it. (Its lock is ${file}.lock; a lock whose installer was killed is taken over once it is stale.)`,
    EXIT.failed,
  );
}

/**
 * Takes the folder's install lock (one install/update/repair/remove at a time) and returns the
 * release function. The lock is the package's cross-process file lock: an atomic `mkdir` of
 * `<file>.lock`, refreshed while held, so two installers can never both hold it. Another live
 * installer's lock fails at once with exit 1, naming it. A lock left by a killed installer stops
 * being refreshed: it is waited for (at most the stale time and a little more) and taken over.
 */
export async function takeLock(file: string, session: LockSession): Promise<() => Promise<void>> {
  await mkdir(path.dirname(file), { recursive: true });
  const staleMs = lockStaleMs();
  // Bounded: a lock nobody refreshes is stale after staleMs; past that, someone else has it.
  const deadline = Date.now() + staleMs + 2_000;
  let told = false;
  for (;;) {
    try {
      const lock = await acquireFileLock(file, { waitMs: 0, staleMs });
      const holder: LockHolder = { pid: process.pid, startedAt: new Date().toISOString() };
      // Written whole (temp + rename) so that a contender never reads half of it; the temp file is
      // created exclusively, so a symlink left at its name is removed, never written through.
      const temp = `${file}.${process.pid}.tmp`;
      try {
        await rm(temp, { force: true });
        await writeFile(temp, JSON.stringify(holder), { flag: 'wx' });
        await rename(temp, file);
      } catch (error) {
        await lock.release();
        throw error;
      }
      session.log.write('info', 'lock-acquired', { at: Date.now(), pid: process.pid });
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        session.log.write('info', 'lock-releasing', { at: Date.now(), pid: process.pid });
        // A lock taken over while we stalled is no longer ours, nor is the holder file.
        if (!lock.compromised) await rm(file, { force: true });
        await lock.release();
      };
    } catch (error) {
      if (!(error instanceof LockHeldError)) throw error;
      const holder = await recordedHolder(file);
      if (holder && holder.pid !== process.pid && alive(holder.pid)) throw busy(holder, file);
      // Nobody alive recorded: the holder was killed (its lock goes stale) or is writing its record.
      if (Date.now() >= deadline) throw busy(holder, file);
      if (!told) {
        told = true;
        session.out.info(`Waiting for the install lock ${file}.lock (its installer is not running)…`);
      }
      await delay(POLL_MS);
    }
  }
}
