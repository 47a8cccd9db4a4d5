import { stat } from 'node:fs/promises';
import path from 'node:path';
import { lazyRequire } from '../../../shared/lazyRequire.js';

const GIB = 1024 ** 3;

/** Human-readable bytes: `12.3 GiB`, `512 MiB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  if (Math.abs(bytes) >= GIB) return `${(bytes / GIB).toFixed(1)} GiB`;
  if (Math.abs(bytes) >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
  if (Math.abs(bytes) >= 1024) return `${(bytes / 1024).toFixed(0)} KiB`;
  return `${bytes} B`;
}

/**
 * The nearest existing folder at or above `target` (an install folder may not exist yet; its
 * volume is the one of its closest existing parent).
 */
export async function nearestExisting(target: string): Promise<string> {
  let current = path.resolve(target);
  for (;;) {
    try {
      const info = await stat(current);
      return info.isDirectory() ? current : path.dirname(current);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
      const parent = path.dirname(current);
      if (parent === current) return current;
      current = parent;
    }
  }
}

/** semver, loaded when a version check is created (see lazyRequire: importing the package stays cheap). */
export function semverLib(): typeof import('semver') {
  return lazyRequire<typeof import('semver')>('semver');
}
