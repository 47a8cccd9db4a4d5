import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /**
   * Mode of the written file (default `0o644`, like an ordinary file; the install journal passes
   * `0o600`). The temp file is created with it, so the rename keeps it.
   */
  readonly mode?: number;
  /**
   * fsync the file and its folder (default true). `false` keeps atomicity (readers never see a torn
   * file) without durability, for files worth less than the fsync: e.g. a partial download's
   * validators, whose bytes are not fsynced either.
   */
  readonly durable?: boolean;
}

/**
 * Writes `text` to `file` durably and atomically, so readers see either the old or the new content,
 * never a torn one: a hidden temp file beside the target (its own name per call, so concurrent
 * writes never rename each other's temp away), fsync, rename over the target, then fsync of the
 * folder so the rename itself survives a power cut (both fsyncs skipped with `durable: false`). Creates the folder when missing; removes
 * the temp file when anything fails.
 */
export async function writeFileAtomic(
  file: string,
  text: string,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  // (The name's pattern is what removeStaleTempFiles recognizes: keep the two in step.)
  try {
    const handle = await open(temp, 'wx', options.mode ?? 0o644);
    try {
      await handle.writeFile(text, 'utf8');
      if (options.durable !== false) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  if (options.durable === false) return;
  // Directory fsync is not supported everywhere (e.g. Windows); the rename is still atomic there.
  const dirHandle = await open(dir, 'r').catch(() => undefined);
  if (dirHandle)
    await dirHandle
      .sync()
      .catch(() => {})
      .finally(() => dirHandle.close());
}

/** Options of {@link removeStaleTempFiles}. */
export interface StaleTempOptions {
  /**
   * A temp file at least this old is stale whoever wrote it (default `60_000` ms: a write takes
   * milliseconds; this catches writers on other machines and reused process ids). `0` removes every
   * one: for a caller holding a lock that every writer of the file takes while writing.
   */
  readonly olderThanMs?: number;
  /** Clock in ms, for tests. Default `Date.now`. */
  readonly now?: () => number;
}

/** Default of {@link StaleTempOptions.olderThanMs}. */
export const STALE_TEMP_MS = 60_000;

/**
 * Removes the temp files {@link writeFileAtomic} left beside `file` when its process died between
 * creating and renaming one (kill -9, power cut): those whose writer process no longer runs on this
 * machine, and those older than `olderThanMs`. Only names of exactly writeFileAtomic's pattern for
 * this file are considered, and only regular files and symbolic links (the link itself) removed.
 * Returns the names removed; a folder that cannot be listed removes nothing.
 */
export async function removeStaleTempFiles(file: string, options: StaleTempOptions = {}): Promise<string[]> {
  const dir = path.dirname(file);
  const olderThanMs = options.olderThanMs ?? STALE_TEMP_MS;
  const now = (options.now ?? Date.now)();
  const removed: string[] = [];
  for (const { name, pid } of await findTempFiles(file)) {
    const full = path.join(dir, name);
    const info = await lstat(full).catch(() => undefined);
    if (!info || !(info.isFile() || info.isSymbolicLink())) continue;
    if (olderThanMs > 0 && !processGone(pid) && now - info.mtimeMs < olderThanMs) continue;
    // Another cleaner may have been first; that is fine.
    if (
      await unlink(full).then(
        () => true,
        () => false,
      )
    )
      removed.push(name);
  }
  return removed;
}

/** Names in `file`'s folder of writeFileAtomic's temp pattern for `file`, with the writer's pid. */
export async function findTempFiles(file: string): Promise<{ name: string; pid: number }[]> {
  const base = path.basename(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`^\\.${base}\\.(\\d{1,10})\\.[0-9a-f]{8}\\.tmp$`);
  const names = await readdir(path.dirname(file)).catch(() => [] as string[]);
  const found: { name: string; pid: number }[] = [];
  for (const name of names) {
    const match = pattern.exec(name);
    if (match) found.push({ name, pid: Number(match[1]) });
  }
  return found;
}

/** True only when no process `pid` runs on this machine (ESRCH); unknown answers count as alive. */
function processGone(pid: number): boolean {
  // pid 0 and negative ids would signal process groups; they are not names writeFileAtomic makes.
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
