import type { Dirent } from 'node:fs';
import { lstat, readdir, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { WORK_DIR_NAME } from '../../downloads/partialPath.js';
import { ConfigurationError } from '../../errors/ConfigurationError.js';
import { formatBytes } from '../../errors/DiskFullError.js';
import { escapeFromRoot } from '../../shared/confine.js';
import { optionalCount, optionalDuration } from '../../shared/validate.js';
import type { RecoveryContext, RecoveryStrategy } from '../types.js';

/** Options of {@link cleanupTemp}. */
export interface CleanupTempOptions {
  /**
   * The install root whose `.wan-reliability/` folder holds our partial and temporary files, or a
   * function giving it per failure. Default: `ctx.data.root` given to `recover()`.
   */
  root?: string | ((ctx: RecoveryContext) => string | undefined);
  /** Only files untouched for this long are stale (default 15 min); fresher ones may be in use. */
  staleAfterMs?: number;
  /** Stop once this many bytes were freed (default: remove every stale file). `ctx.data.needBytes` also works. */
  needBytes?: number;
}

/** File names we create for work in progress: partial downloads and temp files of atomic writes. */
const OURS = /\.(part|partial|tmp|download)$/;
/** Sidecar of a `<writer>.part` file (its resume metadata). */
const SIDECAR = '.json';
/** Marker of an active writer in a partial folder. */
const CLAIM = 'claim';

interface Candidate {
  readonly file: string;
  readonly bytes: number;
  readonly mtimeMs: number;
}

async function entries(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** Collects stale files of ours under `dir`; never follows symbolic links, never leaves `dir`. */
async function collect(
  dir: string,
  staleBefore: number,
  inTmp: boolean,
  out: Candidate[],
  depth = 0,
): Promise<void> {
  if (depth > 8) return;
  const list = await entries(dir);
  const claim = list.find((e) => e.isFile() && e.name === CLAIM);
  if (claim) {
    const info = await lstat(path.join(dir, CLAIM)).catch(() => undefined);
    if (info && info.mtimeMs >= staleBefore) return; // an active writer owns this folder
  }
  for (const entry of list) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      await collect(file, staleBefore, inTmp || entry.name === 'tmp', out, depth + 1);
      continue;
    }
    if (!entry.isFile()) continue; // symbolic links, sockets, … are never ours to remove
    const sidecarOfPart =
      entry.name.endsWith(SIDECAR) &&
      list.some((e) => e.name === `${entry.name.slice(0, -SIDECAR.length)}.part`);
    if (!(inTmp || OURS.test(entry.name) || sidecarOfPart || (claim && entry.name === CLAIM))) continue;
    const info = await lstat(file).catch(() => undefined);
    if (!info?.isFile() || info.mtimeMs >= staleBefore) continue;
    out.push({ file, bytes: info.size, mtimeMs: info.mtimeMs });
  }
}

async function removeEmptyDirs(dir: string, stop: string): Promise<void> {
  let current = dir;
  while (current.startsWith(stop) && current !== stop) {
    try {
      await rmdir(current);
    } catch {
      return;
    }
    current = path.dirname(current);
  }
}

/**
 * For `disk_full`: removes our own stale partial downloads and temp files — only regular files
 * under `<root>/.wan-reliability/` that look like ours and were untouched for `staleAfterMs`,
 * oldest first, skipping folders an active writer claims — then asks for a retry. It never touches
 * model files, user files or anything outside that folder.
 */
export function cleanupTemp(options: CleanupTempOptions = {}): RecoveryStrategy {
  if (options.root !== undefined && typeof options.root !== 'string' && typeof options.root !== 'function') {
    throw new ConfigurationError('cleanupTemp.root', 'a folder path or a function', options.root);
  }
  const staleAfterMs = optionalDuration('cleanupTemp.staleAfterMs', options.staleAfterMs) ?? 15 * 60_000;
  const needBytes = optionalCount('cleanupTemp.needBytes', options.needBytes);
  const rootOf = (ctx: RecoveryContext): string | undefined => {
    const root = typeof options.root === 'function' ? options.root(ctx) : (options.root ?? ctx.data.root);
    return typeof root === 'string' && root !== '' ? root : undefined;
  };
  return {
    name: 'cleanup-temp',
    description:
      'Removes stale partial downloads and temporary files of ours to free disk space, then tries again.',
    applies: (ctx) => rootOf(ctx) !== undefined,
    async run(ctx) {
      const root = rootOf(ctx)!;
      const workDir = path.resolve(root, WORK_DIR_NAME);
      // A work folder that leads out of the root (a symbolic link) is not ours: delete nothing there.
      const way = await escapeFromRoot(root, workDir).catch(() => ({ link: workDir, resolved: '?' }));
      if (way) {
        ctx.addManualStep(
          `${workDir} leads outside ${path.resolve(root)} (to ${way.resolved}); nothing was removed there. Remove that link, then free space on the volume by hand.`,
        );
        return 'fail';
      }
      const found: Candidate[] = [];
      await collect(workDir, Date.now() - staleAfterMs, false, found);
      found.sort((a, b) => a.mtimeMs - b.mtimeMs);
      const want =
        needBytes ?? (typeof ctx.data.needBytes === 'number' ? ctx.data.needBytes : Number.POSITIVE_INFINITY);
      let freed = 0;
      let removed = 0;
      for (const candidate of found) {
        if (freed >= want || ctx.signal.aborted) break;
        try {
          await unlink(candidate.file);
          freed += candidate.bytes;
          removed += 1;
          await removeEmptyDirs(path.dirname(candidate.file), workDir);
        } catch {
          // gone meanwhile or not removable: not ours to force
        }
      }
      if (freed === 0) {
        if (removed > 0)
          ctx.note(`removed ${removed} empty stale file${removed === 1 ? '' : 's'}; no space freed`);
        ctx.addManualStep(
          `No stale temporary files of ours were found under ${workDir}. Free space on that volume (unused models, caches) or choose an install folder on a larger disk.`,
        );
        return 'fail';
      }
      ctx.note(
        `removed ${removed} stale temporary file${removed === 1 ? '' : 's'} (${formatBytes(freed)}) under ${workDir}`,
      );
      return 'retry';
    },
  };
}
