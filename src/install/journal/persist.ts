import { rename } from 'node:fs/promises';
import { ConfigurationError } from '../../errors/ConfigurationError.js';
import { readRegularFile } from '../../shared/readRegularFile.js';
import { parseJournal } from './schema.js';
import type { JournalData, JournalRun, RunStatus } from './types.js';

/**
 * Largest journal read (10 runs of a few hundred changes take well under 1 MB); anything bigger was
 * not written by this package, and reading it whole could exhaust memory.
 */
export const MAX_JOURNAL_BYTES = 64 * 1024 * 1024;

/**
 * Reads a journal file; a missing file is an empty journal, an unreadable one (including a symbolic
 * link at its name: never read or replaced through) is reported as such. A folder, FIFO or device at
 * the journal's path is a ConfigurationError: it is not ours to set aside.
 */
export async function readJournal(file: string): Promise<JournalData | { corrupt: string }> {
  const read = await readRegularFile(file, MAX_JOURNAL_BYTES);
  if ('problem' in read) {
    switch (read.problem) {
      case 'missing':
        return { version: 1, runs: [] };
      case 'symbolic-link':
        return { corrupt: 'a symbolic link (a journal is never read through one)' };
      case 'too-large':
        return { corrupt: `${read.size} bytes, more than the ${MAX_JOURNAL_BYTES} a journal may have` };
      case 'not-a-file':
        throw new ConfigurationError('InstallJournal.file', 'the path of a regular file', read.kind);
    }
  }
  const { text } = read;
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
