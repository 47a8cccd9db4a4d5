import { constants } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { ConfigurationError } from '../../errors/ConfigurationError.js';
import { parseJournal } from './schema.js';
import type { JournalData, JournalRun, RunStatus } from './types.js';

/**
 * Largest journal read (10 runs of a few hundred changes take well under 1 MB); anything bigger was
 * not written by this package, and reading it whole could exhaust memory.
 */
export const MAX_JOURNAL_BYTES = 64 * 1024 * 1024;

/**
 * Not followed: a link planted at the journal's name must not make the package read (or, through
 * the atomic rename, replace) a file elsewhere. Non-blocking: opening a FIFO must not hang.
 */
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * Reads a journal file; a missing file is an empty journal, an unreadable one (including a symbolic
 * link at its name) is reported as such. A folder, FIFO or device at the journal's path is a
 * ConfigurationError: it is not ours to set aside.
 */
export async function readJournal(file: string): Promise<JournalData | { corrupt: string }> {
  let text: string;
  try {
    const handle = await open(file, READ_FLAGS);
    try {
      const info = await handle.stat();
      if (!info.isFile()) {
        throw new ConfigurationError('InstallJournal.file', 'the path of a regular file', kindOf(info));
      }
      if (info.size > MAX_JOURNAL_BYTES)
        return { corrupt: `${info.size} bytes, more than the ${MAX_JOURNAL_BYTES} a journal may have` };
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') return { version: 1, runs: [] };
    if (code === 'ELOOP') return { corrupt: 'a symbolic link (a journal is never read through one)' };
    if (code === 'EISDIR')
      throw new ConfigurationError('InstallJournal.file', 'the path of a regular file', 'a folder');
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { corrupt: (error as Error).message };
  }
  return parseJournal(value);
}

/**
 * Moves an unreadable journal to `<file>.corrupt` for a person to look at (replacing an older one),
 * or beside it with a time stamp when that name is taken by something rename cannot replace.
 * Returns where it went.
 */
export async function setAsideJournal(file: string, now: number): Promise<string> {
  const aside = `${file}.corrupt`;
  try {
    await rename(file, aside);
    return aside;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'EISDIR' && code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EPERM') throw error;
    const stamped = `${aside}-${now}`;
    await rename(file, stamped);
    return stamped;
  }
}

/** What {@link mergeRuns} found. */
export interface Merged {
  /** The runs to write, oldest first. */
  readonly runs: JournalRun[];
  /** Runs this writer owned that another writer claimed since: run id → the new owner's pid. */
  readonly lost: ReadonlyMap<string, number | undefined>;
}

/**
 * The journal to write: the runs on disk, with each run this writer owns replaced by its own copy,
 * and its runs missing on disk (new, or dropped by another writer's pruning) appended. A run whose
 * owner on disk is someone else was taken over: the disk copy stays, and it is reported as lost.
 */
export function mergeRuns(
  disk: readonly JournalRun[],
  owned: ReadonlyMap<string, JournalRun>,
  ownerId: string,
): Merged {
  const runs: JournalRun[] = [];
  const lost = new Map<string, number | undefined>();
  const seen = new Set<string>();
  for (const run of disk) {
    seen.add(run.id);
    const mine = owned.get(run.id);
    if (mine && run.owner?.id !== ownerId) lost.set(run.id, run.owner?.pid);
    runs.push(mine && !lost.has(run.id) ? mine : run);
  }
  for (const [id, mine] of owned) if (!seen.has(id)) runs.push(mine);
  return { runs, lost };
}

const IN_PROGRESS: readonly RunStatus[] = ['running', 'rolling-back'];

/**
 * Drops the oldest runs beyond `keep`: finished ones first, then unfinished ones of other writers
 * (killed long ago, or they re-add theirs on their next write); never one in `keepIds`.
 */
export function pruneRuns(runs: JournalRun[], keep: number, keepIds: ReadonlySet<string>): JournalRun[] {
  const out = [...runs];
  while (out.length > keep) {
    let index = out.findIndex((run) => !keepIds.has(run.id) && !IN_PROGRESS.includes(run.status));
    if (index < 0) index = out.findIndex((run) => !keepIds.has(run.id));
    if (index < 0) break;
    out.splice(index, 1);
  }
  return out;
}

function kindOf(info: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (info.isDirectory()) return 'a folder';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  return 'a device';
}
