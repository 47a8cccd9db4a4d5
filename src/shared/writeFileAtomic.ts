import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
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
