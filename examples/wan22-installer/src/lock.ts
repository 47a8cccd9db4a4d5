import { mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { EXIT, ExitError } from './exit.js';

/** Who holds the install lock, when someone alive does. */
export async function lockHolder(file: string): Promise<{ pid: number; startedAt: string } | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (!text) return undefined;
  try {
    const holder = JSON.parse(text) as { pid: number; startedAt: string };
    process.kill(holder.pid, 0);
    return holder;
  } catch {
    return undefined; // unreadable, or the process is gone: a stale lock
  }
}

/**
 * Takes the folder's install lock (one install/update/repair at a time). A lock left by a killed
 * process is taken over. Returns the release function.
 */
export async function takeLock(file: string): Promise<() => Promise<void>> {
  await mkdir(path.dirname(file), { recursive: true });
  const holder = await lockHolder(file);
  if (holder && holder.pid !== process.pid) {
    throw new ExitError(
      `Another wan22-install (pid ${holder.pid}, since ${holder.startedAt}) is working in this folder; wait for it or stop it.`,
      EXIT.failed,
    );
  }
  await rm(file, { force: true });
  const handle = await open(file, 'wx');
  await handle.writeFile(JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() }));
  await handle.close();
  return () => rm(file, { force: true });
}
