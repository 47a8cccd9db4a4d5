import { constants } from 'node:fs';
import { copyFile, mkdir, open, rename, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { assertWithinRoot } from '../shared/confine.js';
import { PARTIAL_DIR_NAME, WORK_DIR_NAME } from './partialPath.js';

/** fsyncs a folder so a rename inside it survives a power cut (ignored where unsupported). */
async function syncDir(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, constants.O_RDONLY);
    await handle.sync();
  } catch {
    // Windows and some file systems cannot fsync a directory.
  } finally {
    await handle?.close().catch(() => {});
  }
}

/**
 * Moves the verified partial to `dest` with one atomic rename (replacing any older file). When
 * the partial lives on another volume (a `tempDir` elsewhere), it is first copied next to the
 * destination's own work folder, fsynced, then renamed — never written in place. With `root`,
 * the destination's folder must really lie inside it, checked right before the mkdir and again
 * before the rename (a link swapped in during the download is caught).
 */
export async function placeFile(
  partPath: string,
  dest: string,
  workDirForDest: string,
  root?: string,
): Promise<void> {
  const confine = root === undefined ? async () => {} : () => assertWithinRoot(root, path.dirname(dest));
  await confine();
  await mkdir(path.dirname(dest), { recursive: true });
  await confine();
  try {
    await rename(partPath, dest);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    if (root !== undefined) await assertWithinRoot(root, workDirForDest);
    await mkdir(workDirForDest, { recursive: true });
    const copy = path.join(workDirForDest, `${path.basename(partPath)}.copy`);
    try {
      await copyFile(partPath, copy);
      const handle = await open(copy, constants.O_RDWR);
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(copy, dest);
    } catch (copyError) {
      await unlink(copy).catch(() => {});
      await removeEmptyWorkDirs(workDirForDest);
      throw copyError;
    }
    await unlink(partPath).catch(() => {});
    // The copy's folder beside the destination was made for this placement only.
    await removeEmptyWorkDirs(workDirForDest);
  }
  await syncDir(path.dirname(dest));
}

/**
 * Removes a destination's partial folder and, when empty, the `partial/` and `.wan-reliability/`
 * folders above it (only folders with those names: a user's `tempDir` itself is kept).
 */
export async function removeEmptyWorkDirs(dir: string): Promise<void> {
  try {
    await rmdir(dir);
  } catch {
    return;
  }
  const partial = path.dirname(dir);
  if (path.basename(partial) !== PARTIAL_DIR_NAME) return;
  try {
    await rmdir(partial);
  } catch {
    return;
  }
  const work = path.dirname(partial);
  if (path.basename(work) === WORK_DIR_NAME) await rmdir(work).catch(() => {});
}
