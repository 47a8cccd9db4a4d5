import { readdir, readFile, unlink } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import path from 'node:path';
import { writeFileAtomic } from '../shared/writeFileAtomic.js';
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

/**
 * Writes the meta file atomically, so a crash never leaves half a file. Every write has its own
 * temp name (`.<name>.<pid>.<random>.tmp`): two writes in flight never rename each other's temp
 * file away. Callers serialize writes of one partial (see `PartialFile.remember`) so that an older
 * meta never lands over a newer one.
 */
export async function writeMeta(file: string, meta: PartialMeta): Promise<void> {
  // Not fsynced: the partial's bytes are not either, and a lost meta only costs a restart.
  await writeFileAtomic(file, JSON.stringify(meta), { durable: false });
}

/** Removes temp files a crashed writer left while writing `metaFile` (see {@link writeMeta}). */
export async function removeMetaTemps(metaFile: string): Promise<void> {
  const dir = path.dirname(metaFile);
  const prefix = `.${path.basename(metaFile)}.`;
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (name.startsWith(prefix) && name.endsWith('.tmp')) await unlink(path.join(dir, name)).catch(() => {});
  }
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
