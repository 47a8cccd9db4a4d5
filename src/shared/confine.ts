import { lstat, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { PathOutsideRootError } from '../errors/PathOutsideRootError.js';

/**
 * Confinement of file operations to an install root, symbolic links included: a path is inside
 * when its real location (every link resolved) is under the real location of the root. A link that
 * stays inside the root is fine; one that leads out makes every path through it "outside".
 *
 * Checked right before the operation (rename, unlink, mkdir, read) where that is cheap, so a link
 * swapped in between a verify and a repair is caught too. Not a defence against a concurrent
 * attacker with write access to the root (no openat/O_NOFOLLOW in Node); it stops an installer
 * from following the user's own links out of the root.
 */

const MISSING = new Set(['ENOENT', 'ENOTDIR']);

/** Longest chain of dangling links followed (the kernel's own limit is 40). */
const MAX_LINKS = 40;

/**
 * Where `target` really leads: the real path of its nearest existing ancestor, plus the part that
 * does not exist yet (so the answer is also right for a file about to be created). A dangling link
 * on the way counts as where it points: a write through it would land there.
 */
export async function realTarget(target: string, links = 0): Promise<string> {
  const rest: string[] = [];
  let probe = path.resolve(target);
  for (;;) {
    try {
      return path.join(await realpath(probe), ...rest);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (!MISSING.has(code)) throw error;
      const link = await readlink(probe).catch(() => undefined);
      if (link !== undefined) {
        if (links >= MAX_LINKS)
          throw Object.assign(new Error(`ELOOP: too many symbolic links at ${probe}`), { code: 'ELOOP' });
        return path.join(await realTarget(path.resolve(path.dirname(probe), link), links + 1), ...rest);
      }
      const parent = path.dirname(probe);
      if (parent === probe) throw error;
      rest.unshift(path.basename(probe));
      probe = parent;
    }
  }
}

/** Whether `child` is `parent` or lies under it (both absolute and normalized). */
export function isWithin(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return (
    relative === '' ||
    (!relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative))
  );
}

/** How `target` leaves `root`, or undefined when it stays inside. */
export interface RootEscape {
  /** The symbolic link under the root that leads out (undefined: the path is not under the root at all). */
  readonly link: string | undefined;
  /** Where the link (or, without one, the path) really leads. */
  readonly resolved: string;
}

/**
 * Undefined when `target` really lies inside `root`; else the first symbolic link under the root
 * on the way to `target` that leads out (walking down from the root, `lstat` per segment).
 */
export async function escapeFromRoot(root: string, target: string): Promise<RootEscape | undefined> {
  const lexicalRoot = path.resolve(root);
  const absolute = path.resolve(target);
  const realRoot = await realTarget(lexicalRoot);
  const resolved = await realTarget(absolute);
  if (isWithin(realRoot, resolved)) return undefined;
  if (!isWithin(lexicalRoot, absolute)) return { link: undefined, resolved };
  let prefix = lexicalRoot;
  for (const segment of path.relative(lexicalRoot, absolute).split(path.sep)) {
    prefix = path.join(prefix, segment);
    const info = await lstat(prefix).catch(() => undefined);
    if (!info) break;
    if (info.isSymbolicLink()) {
      const leadsTo = await realTarget(prefix);
      if (!isWithin(realRoot, leadsTo)) return { link: prefix, resolved: leadsTo };
    }
  }
  return { link: undefined, resolved };
}

/** Throws {@link PathOutsideRootError} unless `target` really lies inside `root`. */
export async function assertWithinRoot(root: string, target: string): Promise<void> {
  const way = await escapeFromRoot(root, target);
  if (way) throw new PathOutsideRootError(path.resolve(target), path.resolve(root), way);
}
