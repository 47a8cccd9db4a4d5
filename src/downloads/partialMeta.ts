import { readdir, readFile, unlink } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import path from 'node:path';
import { writeFileAtomic } from '../shared/writeFileAtomic.js';
import type { PartialMeta } from './rangeResume.js';

/** Written ranges as stored, or `[]` (nothing trusted) when they are not sorted, disjoint integers. */
function validSegments(value: unknown): [number, number][] {
  if (!Array.isArray(value)) return [];
  const out: [number, number][] = [];
  let last = -1;
  for (const entry of value) {
    if (!Array.isArray(entry) || entry.length !== 2) return [];
    const [start, end] = entry as unknown[];
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) return [];
    if ((start as number) <= last || (end as number) <= (start as number)) return [];
    out.push([start as number, end as number]);
    last = end as number;
  }
  return out;
}

/** The meta file next to a partial, or undefined when missing, unreadable or of another version. */
export async function readMeta(file: string): Promise<PartialMeta | undefined> {
  try {
    const value = JSON.parse(await readFile(file, 'utf8')) as PartialMeta;
    if (value?.version !== 1 || typeof value.urlKey !== 'string') return undefined;
    // Damaged ranges trust nothing rather than falling back to "the file is a prefix" (it has holes).
    return 'segments' in value ? { ...value, segments: validSegments(value.segments) } : value;
  } catch {
    return undefined;
  }
}

/**
 * Writes the meta file atomically, so a crash never leaves half a file. Every write has its own
 * temp name (`.<name>.<pid>.<random>.tmp`): two writes in flight never rename each other's temp
 * file away. Writes of one partial go through {@link MetaWriter}, one at a time, so that an older
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

/**
 * One partial's meta file, written one at a time: a write asked for while another runs is folded
 * into the next one (only the latest state matters), so frequent updates from several connections
 * cost at most one write in flight and one waiting.
 */
export class MetaWriter {
  readonly #file: string;
  #latest: PartialMeta | undefined;
  #version = 0;
  #written = 0;
  #chain: Promise<void> = Promise.resolve();

  constructor(file: string) {
    this.#file = file;
  }

  /** Stores `meta`; resolves once a write that includes it finished (rejects with its error). */
  write(meta: PartialMeta): Promise<void> {
    this.#latest = meta;
    const version = ++this.#version;
    const next = this.#chain.then(async () => {
      if (this.#written >= version) return;
      const current = this.#version;
      await writeMeta(this.#file, this.#latest as PartialMeta);
      this.#written = current;
    });
    this.#chain = next.catch(() => {});
    return next;
  }

  /** Resolves once no write is in flight. */
  idle(): Promise<void> {
    return this.#chain;
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
