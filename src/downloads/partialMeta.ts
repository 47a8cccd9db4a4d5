import { readFile, rename, writeFile } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import type { PartialMeta } from './rangeResume.js';

/** The meta file next to a partial, or undefined when missing, unreadable or of another version. */
export async function readMeta(file: string): Promise<PartialMeta | undefined> {
  try {
    const value = JSON.parse(await readFile(file, 'utf8')) as PartialMeta;
    return value && value.version === 1 && typeof value.urlKey === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the meta file atomically (temp file + rename), so a crash never leaves half a file. */
export async function writeMeta(file: string, meta: PartialMeta): Promise<void> {
  const temp = `${file}.tmp`;
  await writeFile(temp, JSON.stringify(meta));
  await rename(temp, file);
}

function headerString(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The validators a response gives for resuming later (ETag, Last-Modified, total). */
export function validatorsFor(
  key: string,
  headers: IncomingHttpHeaders,
  total: number | undefined,
  sha256: string | undefined,
): PartialMeta {
  return {
    version: 1,
    urlKey: key,
    etag: headerString(headers.etag),
    lastModified: headerString(headers['last-modified']),
    total,
    sha256,
  };
}

/** Whether `next` says nothing new compared with `old` (then the meta file is not rewritten). */
export function sameValidators(old: PartialMeta | undefined, next: PartialMeta): boolean {
  return (
    old !== undefined &&
    old.urlKey === next.urlKey &&
    old.etag === next.etag &&
    old.lastModified === next.lastModified &&
    old.total === next.total
  );
}
