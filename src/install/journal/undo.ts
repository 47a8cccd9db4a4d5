import { lstat, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ConfigurationError } from '../../errors/ConfigurationError.js';
import { assertWithinRoot } from '../../shared/confine.js';
import type { JournalChange, UndoHandler } from './types.js';

/**
 * Undoes one recorded change: a handler for its kind when given, else the built-in kinds
 * (`created` is removed, `replaced` gets its backup back). Throws for a kind nobody can undo.
 */
export async function undoChange(
  change: JournalChange,
  root: string,
  handlers: Readonly<Record<string, UndoHandler>>,
  signal?: AbortSignal,
) {
  checkChangePath(change, root);
  const handler = handlers[change.kind];
  if (handler) return handler(change, signal);
  // The folders on the way must really lie inside the root: never remove or move through a link out
  // of it (the last segment may be a link: rm and rename act on the link itself).
  for (const p of [change.path, change.backup]) {
    if (typeof p === 'string') await assertWithinRoot(root, path.dirname(p));
  }
  if (change.kind === 'created' && change.path) {
    await rm(change.path, { recursive: true, force: true });
  } else if (change.kind === 'replaced' && change.path && change.backup) {
    // Changes are recorded before they are made: a missing backup means the move never happened.
    if (!(await lstat(change.backup).catch(() => undefined))) return;
    await rm(change.path, { recursive: true, force: true });
    await rename(change.backup, change.path);
  } else {
    throw new ConfigurationError(
      `rollback handlers.${change.kind}`,
      'an undo handler for this change kind',
      undefined,
    );
  }
}

/** Throws unless every path of `change` is absolute and inside `root` (never `root` itself). */
export function checkChangePath(change: JournalChange, root: string): void {
  const paths = [change.path, change.backup].filter((p): p is string => typeof p === 'string');
  for (const p of paths) {
    const relative = path.relative(root, path.resolve(p));
    if (!path.isAbsolute(p) || relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
      throw new ConfigurationError('journal change path', `an absolute path inside ${root}`, p);
    }
  }
}
