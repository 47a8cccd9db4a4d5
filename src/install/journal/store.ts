import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { JournalConflictError } from '../../errors/JournalConflictError.js';
import { withFileLock } from '../../shared/fileLock.js';
import { findTempFiles, removeStaleTempFiles, writeFileAtomic } from '../../shared/writeFileAtomic.js';
import { JOURNAL_LOCK } from './defaults.js';
import { mergeRuns, pruneRuns, readJournal, setAsideJournal } from './persist.js';
import type { JournalData, JournalOwner, JournalRun } from './types.js';

// Every journal write holds the lock: a temp file found while holding it belongs to a dead writer
// (or one whose lock went stale and was taken over, whose rename then fails instead of racing).
const UNDER_LOCK = { olderThanMs: 0 } as const;

/** Changes a claimed run on the freshest copy there is (the one on disk, under the lock). */
type Claim = { readonly candidate: JournalRun; readonly apply: (run: JournalRun) => void };

/**
 * The journal file shared by every writer: each write takes the file lock, reads the file, puts
 * this writer's runs into it (merge by run id) and renames a new copy over it. Runs are owned by
 * the writer that last began or rolled them back; a writer whose run was claimed by another stops
 * with {@link JournalConflictError} instead of overwriting it. Writes of one instance are batched:
 * one lock and one file write carry every change made while the previous write was under way.
 */
export class JournalStore {
  /** The journal as last read or written. */
  data: JournalData = { version: 1, runs: [] };
  /** Set when an unreadable journal was moved aside. */
  corruptNote: string | undefined;
  /** This writer's identity, stamped on the runs it owns. */
  readonly owner: JournalOwner = { id: randomUUID(), pid: process.pid };
  private readonly owned = new Map<string, JournalRun>();
  private readonly lost = new Map<string, number | undefined>();
  private claims = new Map<string, Claim>();
  private queued: Promise<void> | undefined;
  private writes: Promise<void> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly keepRuns: number,
    private readonly redact: (text: string) => string,
  ) {}

  /** Reads the journal; sets an unreadable one aside and removes temp files of killed writers. */
  async load(): Promise<void> {
    const loaded = await readJournal(this.file);
    if ('corrupt' in loaded) {
      // Under the lock: another writer may be renaming a sound copy over it right now.
      await withFileLock(
        this.file,
        async () => {
          await removeStaleTempFiles(this.file, UNDER_LOCK);
          const again = await readJournal(this.file);
          this.data = 'corrupt' in again ? await this.setAside(again.corrupt) : again;
        },
        JOURNAL_LOCK,
      );
      return;
    }
    this.data = loaded;
    // A reader of a sound journal with nothing to clean takes no lock, so it works in a read-only
    // folder too; cleaning is best effort (a folder that cannot be locked keeps its temp files).
    if ((await findTempFiles(this.file)).length === 0) return;
    await withFileLock(this.file, () => removeStaleTempFiles(this.file, UNDER_LOCK), JOURNAL_LOCK).catch(
      () => {},
    );
  }

  /** Rereads the file to see other writers' runs (no lock: every write is an atomic rename). */
  async refresh(): Promise<void> {
    const disk = await readJournal(this.file);
    if ('corrupt' in disk) return; // the next write sets it aside
    const { runs, lost } = mergeRuns(disk.runs, this.owned, this.owner.id);
    this.forget(lost);
    this.data = { version: 1, runs };
  }

  /** This writer's copy of run `id`, if it owns it. */
  ownedRun(id: string): JournalRun | undefined {
    return this.owned.get(id);
  }

  /**
   * Makes `candidate` (or its fresher copy on disk) this writer's, applies `apply` to it and writes
   * it. Afterwards {@link ownedRun} returns the claimed copy.
   */
  claim(candidate: JournalRun, apply: (run: JournalRun) => void): Promise<void> {
    this.lost.delete(candidate.id);
    this.claims.set(candidate.id, { candidate, apply });
    return this.save(candidate.id);
  }

  /**
   * Writes the current state of run `id` (which this writer owns) with the next batch; rejects
   * with {@link JournalConflictError} when another writer claimed the run (then nothing of it was
   * written: the run on disk stays the new owner's).
   */
  async save(id: string): Promise<void> {
    this.checkOwned(id);
    if (!this.queued) {
      const batch = this.writes.catch(() => {}).then(() => this.flush());
      this.queued = batch;
      this.writes = batch;
    }
    await this.queued;
    this.checkOwned(id);
  }

  private checkOwned(id: string): void {
    if (this.lost.has(id)) throw new JournalConflictError(this.file, id, this.lost.get(id));
  }

  private async flush(): Promise<void> {
    // Later saves start the next batch; this one writes whatever state the runs have by then.
    this.queued = undefined;
    const claims = this.claims;
    this.claims = new Map();
    await mkdir(path.dirname(this.file), { recursive: true });
    await withFileLock(
      this.file,
      async () => {
        const disk = await readJournal(this.file);
        const base = 'corrupt' in disk ? (await this.setAside(disk.corrupt)).runs : disk.runs;
        for (const [id, { candidate, apply }] of claims) {
          const run = base.find((r) => r.id === id) ?? candidate;
          apply(run);
          run.owner = this.owner;
          this.owned.set(id, run);
        }
        const { runs, lost } = mergeRuns(base, this.owned, this.owner.id);
        // A run claimed by another writer keeps its copy on disk; its saves reject (checkOwned).
        this.forget(lost);
        const active = [...this.owned.values()].filter(
          (r) => r.status === 'running' || r.status === 'rolling-back',
        );
        const kept = pruneRuns(runs, this.keepRuns, new Set(active.map((r) => r.id)));
        for (const id of this.owned.keys()) if (!kept.some((r) => r.id === id)) this.owned.delete(id);
        this.data = { version: 1, runs: kept };
        await writeFileAtomic(this.file, `${JSON.stringify(this.data, null, 2)}\n`, { mode: 0o600 });
      },
      JOURNAL_LOCK,
    );
  }

  private forget(lost: ReadonlyMap<string, number | undefined>): void {
    for (const [id, pid] of lost) {
      this.owned.delete(id);
      this.lost.set(id, pid);
    }
  }

  /** Moves the unreadable file aside (under the lock) and notes why. */
  private async setAside(why: string): Promise<JournalData> {
    const aside = await setAsideJournal(this.file, Date.now());
    this.corruptNote = this.redact(`journal ${this.file} was unreadable (${why}); kept as ${aside}`);
    return { version: 1, runs: [] };
  }
}
