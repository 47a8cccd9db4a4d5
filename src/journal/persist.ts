import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { JournalData } from './types.js';

/**
 * Writes `text` durably and atomically: temp file beside the target, fsync, rename, then fsync of
 * the folder so the rename itself survives a power cut. A reader sees the old or the new journal.
 */
export async function writeDurably(file: string, text: string): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  // Directory fsync is not supported everywhere (e.g. Windows); the rename is still atomic there.
  const dirHandle = await open(dir, 'r').catch(() => undefined);
  if (dirHandle)
    await dirHandle
      .sync()
      .catch(() => {})
      .finally(() => dirHandle.close());
}

/** Reads a journal file; a missing file is an empty journal, an unreadable one is reported as such. */
export async function readJournal(file: string): Promise<JournalData | { corrupt: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return { version: 1, runs: [] };
    throw error;
  }
  try {
    const data = JSON.parse(text) as Partial<JournalData>;
    if (data.version !== 1 || !Array.isArray(data.runs)) return { corrupt: 'unknown journal format' };
    return { version: 1, runs: data.runs };
  } catch (error) {
    return { corrupt: (error as Error).message };
  }
}
