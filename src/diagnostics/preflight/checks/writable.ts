import { randomBytes } from 'node:crypto';
import { open, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { CheckOptions, PreflightCheck } from '../types.js';
import { nearestExisting } from './shared.js';
import { checkOptions, requireString } from './validate.js';

/** Options for {@link writable} (or pass just the path). */
export interface WritableOptions extends CheckOptions {
  /** The folder to write into; when it does not exist yet, its nearest existing parent is tried. */
  readonly path: string;
}

const STEPS: Record<string, string[]> = {
  EACCES: [
    'The folder is not writable by the current user: fix its owner or mode, or choose a folder you own.',
    'Do not run the installer with elevated privileges to work around this.',
  ],
  EPERM: [
    'The operating system refused the write (permissions, antivirus or a protected folder): choose another folder.',
  ],
  EROFS: ['The file system is read-only: choose a folder on a writable volume.'],
  ENOSPC: ['The volume is full: free space or choose another volume.'],
  EDQUOT: ['Your disk quota is exhausted: free space in your quota or choose another volume.'],
};

/**
 * Whether files can be created in `path` (or, when it does not exist yet, in its nearest existing
 * parent, where it would be created): creates, writes, syncs and removes a small probe file.
 */
export function writable(options: string | WritableOptions): PreflightCheck {
  const opts = checkOptions<WritableOptions>('writable', options, 'path');
  const target = requireString('writable', 'path', opts.path);
  return {
    id: opts.id ?? `writable:${target}`,
    title: `Writable (${target})`,
    timeout: opts.timeout ?? 10_000,
    async run() {
      const folder = await nearestExisting(target);
      const probe = path.join(folder, `.wan-preflight-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
      try {
        const handle = await open(probe, 'wx');
        try {
          await handle.writeFile('preflight');
          await handle.sync();
        } finally {
          await handle.close();
        }
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'UNKNOWN';
        await unlink(probe).catch(() => {});
        return {
          status: 'fail',
          message: `Cannot write in ${folder} (${code})`,
          remediation: STEPS[code] ?? ['Choose an install folder where the current user can create files.'],
          details: { path: target, testedAt: folder, code },
        };
      }
      await unlink(probe).catch(() => {});
      return {
        status: 'pass',
        message:
          folder === path.resolve(target)
            ? `${target} is writable`
            : `${target} does not exist yet; ${folder} is writable`,
        details: { path: target, testedAt: folder },
      };
    },
  };
}
