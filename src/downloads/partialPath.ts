import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { escapeFromRoot } from '../shared/confine.js';
import { readMeta } from './partialMeta.js';

/**
 * Name of the hidden folder that holds the package's working files (partial downloads, claims)
 * under an install root: `<root>/.wan-reliability/`. Integrity checks skip it.
 */
export const WORK_DIR_NAME = '.wan-reliability';

/** Sub-folder of {@link WORK_DIR_NAME} holding one folder per destination being downloaded. */
export const PARTIAL_DIR_NAME = 'partial';

/** Suffix of every per-writer partial file; its metadata sits beside it as `<writer>.json`. */
export const PARTIAL_SUFFIX = '.part';

/** Where partial files for a destination live. */
export interface PartialLocationOptions {
  /**
   * The install root the destination lives under (e.g. the integrity checker's `root`). Partials go
   * to `<root>/.wan-reliability/partial/<key>/`; `key` derives from the path relative to `root`,
   * so moving the whole root keeps its partials usable.
   */
  root?: string | undefined;
  /**
   * An explicit folder for partials (Downloader option `tempDir`); wins over `root`. Partials go to
   * `<tempDir>/<key>/`, `key` deriving from the absolute destination path.
   */
  tempDir?: string | undefined;
}

/**
 * The folder holding everything in flight for one destination: per-writer partial files
 * (`<writer>.part` + `<writer>.json`) and the `claim` file. It is never the destination's own
 * folder, so no temp file ever sits beside final files.
 *
 * - `tempDir` given → `<tempDir>/<key>`
 * - `root` given → `<root>/.wan-reliability/partial/<key>`
 * - neither → `<dirname(dest)>/.wan-reliability/partial/<key>`
 *
 * `key` is `<file name (≤ 80 chars)>.<16 hex of sha256(relative or absolute dest)>`: readable and
 * collision-free.
 */
export function partialDirFor(dest: string, options: PartialLocationOptions = {}): string {
  const absolute = path.resolve(dest);
  let base: string;
  let identity: string;
  if (options.tempDir !== undefined) {
    base = path.resolve(options.tempDir);
    identity = absolute;
  } else if (options.root !== undefined) {
    const root = path.resolve(options.root);
    base = path.join(root, WORK_DIR_NAME, PARTIAL_DIR_NAME);
    identity = path.relative(root, absolute).split(path.sep).join('/');
  } else {
    base = path.join(path.dirname(absolute), WORK_DIR_NAME, PARTIAL_DIR_NAME);
    identity = path.basename(absolute);
  }
  const name = path
    .basename(absolute)
    .replace(/[^\w.-]/g, '_')
    .slice(0, 80);
  const digest = createHash('sha256').update(identity).digest('hex').slice(0, 16);
  return path.join(base, `${name}.${digest}`);
}

/**
 * Path of one writer's partial file for `dest`. Each writer (process × download) has its own
 * `writerId`, so two writers never share a file.
 */
export function partialPathFor(dest: string, writerId: string, options: PartialLocationOptions = {}): string {
  return path.join(partialDirFor(dest, options), `${writerId}${PARTIAL_SUFFIX}`);
}

/** A partial download found on disk. */
export interface PartialInfo {
  /** The partial file. */
  path: string;
  /**
   * Bytes it holds: a prefix of the file (verified on resume), or for a partial several
   * connections filled, the bytes of the ranges its meta file lists.
   */
  bytes: number;
  /** Last modification time (ms since epoch). */
  mtimeMs: number;
}

/**
 * The partial files currently stored for `dest`, largest first (empty when there are none).
 * For reporting (`partial` status, `partialBytes`); the Downloader re-hashes the prefix before
 * trusting it.
 */
export async function findPartials(
  dest: string,
  options: PartialLocationOptions = {},
): Promise<PartialInfo[]> {
  const dir = partialDirFor(dest, options);
  // Under a root, a work folder reached through a link out of it is not looked at.
  if (options.tempDir === undefined && options.root !== undefined) {
    if (await escapeFromRoot(options.root, dir).catch(() => 'unknown')) return [];
  }
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const found: PartialInfo[] = [];
  for (const name of names) {
    if (!name.endsWith(PARTIAL_SUFFIX)) continue;
    const file = path.join(dir, name);
    try {
      const info = await stat(file);
      if (!info.isFile()) continue;
      const meta = await readMeta(path.join(dir, `${name.slice(0, -PARTIAL_SUFFIX.length)}.json`));
      const held = meta?.segments?.reduce((sum, [start, end]) => sum + Math.min(end, info.size) - start, 0);
      found.push({ path: file, bytes: Math.max(0, held ?? info.size), mtimeMs: info.mtimeMs });
    } catch {
      // removed meanwhile (adopted or finished by another writer)
    }
  }
  return found.sort((a, b) => b.bytes - a.bytes);
}

/** The largest partial for `dest`, or `undefined`. Convenience over {@link findPartials}. */
export async function findPartial(
  dest: string,
  options: PartialLocationOptions = {},
): Promise<PartialInfo | undefined> {
  return (await findPartials(dest, options))[0];
}
