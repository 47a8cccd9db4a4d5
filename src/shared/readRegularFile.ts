import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * Flags for reading a file the package did not necessarily write: a symbolic link at the name is
 * not followed (ELOOP), and opening a FIFO does not block. `?? 0` where a platform lacks one.
 */
export const NO_FOLLOW_READ = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** Why {@link readRegularFile} read nothing. */
export type UnreadableFile =
  | { readonly problem: 'missing' | 'symbolic-link' }
  | { readonly problem: 'not-a-file'; readonly kind: 'a folder' | 'a FIFO' | 'a socket' | 'a device' }
  | { readonly problem: 'too-large'; readonly size: number };

/**
 * The text of `file` when it is a regular file of at most `maxBytes`, read without following a
 * link at its name and without blocking on a FIFO; otherwise why not. At most `maxBytes + 1` bytes
 * are ever read (the file may grow after its size was checked). Other I/O errors are thrown.
 */
export async function readRegularFile(
  file: string,
  maxBytes: number,
): Promise<{ text: string } | UnreadableFile> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, NO_FOLLOW_READ);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { problem: 'missing' };
    if (code === 'ELOOP') return { problem: 'symbolic-link' };
    if (code === 'EISDIR') return { problem: 'not-a-file', kind: 'a folder' };
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      const kind = info.isDirectory()
        ? 'a folder'
        : info.isFIFO()
          ? 'a FIFO'
          : info.isSocket()
            ? 'a socket'
            : 'a device';
      return { problem: 'not-a-file', kind };
    }
    if (info.size > maxBytes) return { problem: 'too-large', size: info.size };
    const chunks: Buffer[] = [];
    let length = 0;
    while (length <= maxBytes) {
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, maxBytes + 1 - length));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, length);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      length += bytesRead;
    }
    if (length > maxBytes) return { problem: 'too-large', size: length };
    return { text: Buffer.concat(chunks, length).toString('utf8') };
  } finally {
    await handle.close().catch(() => undefined);
  }
}
