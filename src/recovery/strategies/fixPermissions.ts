import { constants } from 'node:fs';
import { access, chmod, lstat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigurationError } from '../../errors/ConfigurationError.js';
import type { RecoveryContext, RecoveryStrategy } from '../types.js';

/** Options of {@link fixPermissions}. */
export interface FixPermissionsOptions {
  /**
   * Paths to check, or a function giving them per failure. Default: the error's `path` / `dest`
   * (Node sets `path` on EACCES) and `ctx.data.path`.
   */
  paths?: readonly string[] | ((ctx: RecoveryContext) => readonly string[]);
}

function pathsFromError(ctx: RecoveryContext): string[] {
  const out: string[] = [];
  const e = ctx.error as { path?: unknown; dest?: unknown } | null;
  for (const value of [e?.path, e?.dest, ctx.data.path]) {
    if (typeof value === 'string' && value !== '' && !out.includes(value)) out.push(value);
  }
  return out;
}

/** The path itself, or its nearest existing ancestor (creating a file needs a writable folder). */
async function existing(
  target: string,
): Promise<{ file: string; info: Awaited<ReturnType<typeof lstat>> } | undefined> {
  let current = path.resolve(target);
  for (;;) {
    try {
      return { file: current, info: await lstat(current) };
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return undefined;
      current = parent;
    }
  }
}

/**
 * For `permission`: explains why a path is not writable and fixes only what the current user may
 * fix without privileges — adding the owner's own read/write(/search) bits on files and folders the
 * user owns. It never runs sudo, never changes ownership and never touches other users' files;
 * for those it adds the exact command for a person to consider.
 */
export function fixPermissions(options: FixPermissionsOptions = {}): RecoveryStrategy {
  if (options.paths !== undefined && typeof options.paths !== 'function' && !Array.isArray(options.paths)) {
    throw new ConfigurationError('fixPermissions.paths', 'an array of paths or a function', options.paths);
  }
  const targetsOf = (ctx: RecoveryContext): readonly string[] =>
    typeof options.paths === 'function' ? options.paths(ctx) : (options.paths ?? pathsFromError(ctx));
  return {
    name: 'fix-permissions',
    description:
      "Explains why a path is not writable and restores the owner's own permission bits on files you own (never escalates privileges).",
    applies: (ctx) => targetsOf(ctx).length > 0,
    async run(ctx) {
      const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
      let fixed = 0;
      for (const target of targetsOf(ctx)) {
        const found = await existing(target);
        if (!found) continue;
        const { file, info } = found;
        if (info.isSymbolicLink()) {
          ctx.addManualStep(`${file} is a symbolic link; check the permissions of the folder it points to.`);
          continue;
        }
        const needed = info.isDirectory() ? 0o700 : 0o600;
        if (uid !== undefined && Number(info.uid) !== uid) {
          ctx.addManualStep(
            `${file} belongs to user id ${info.uid}, but the installer runs as user id ${uid}. Choose an install folder you own, or have an administrator run: sudo chown -R ${uid} "${file}"`,
          );
          continue;
        }
        if ((Number(info.mode) & needed) !== needed) {
          try {
            await chmod(file, (Number(info.mode) & 0o7777) | needed);
            ctx.note(`added the owner's ${needed === 0o700 ? 'rwx' : 'rw'} bits on ${file}`);
            fixed += 1;
            continue;
          } catch {
            // fall through to the explanation
          }
        }
        try {
          await access(file, constants.W_OK);
        } catch {
          ctx.addManualStep(
            `${file} is yours and has write permission, yet writing is refused: the volume may be mounted read-only, or an ACL or immutable attribute blocks it (check with: mount, getfacl, lsattr).`,
          );
        }
      }
      if (fixed > 0) return 'retry';
      if (uid === undefined) {
        ctx.addManualStep(
          "Check in the folder's Properties → Security that your user may write there, or choose another folder.",
        );
      }
      return 'fail';
    },
  };
}
