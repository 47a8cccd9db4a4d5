import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { ConfigurationError } from '../../errors/ConfigurationError.js';
import { JournalConflictError } from '../../errors/JournalConflictError.js';
import { abortError } from '../../shared/abort.js';
import { optionalFunction } from '../../shared/validate.js';
import { JOURNAL_DEFAULTS } from './defaults.js';
import { JournalStore } from './store.js';
import type {
  JournalChange,
  JournalRun,
  JournalStep,
  JournalValue,
  RollbackResult,
  UndoHandler,
} from './types.js';
import { checkChangePath, undoChange } from './undo.js';

/** Options of {@link InstallJournal}. */
export interface InstallJournalOptions {
  /** The journal file (JSON). */
  file: string;
  /** Every path a change names must lie inside this folder; rollback refuses anything else. */
  root: string;
  /** Finished runs kept for history and rollback. Default 10. */
  keepRuns?: number;
  /** Clock, injectable for tests. Default `() => new Date()`. */
  now?: () => Date;
  /** Applied to error messages before they are persisted (e.g. the package's `redact`). Default: identity. */
  redact?: (text: string) => string;
}

/** What a step's body gets. */
export interface StepHandle {
  /** 1 the first time this step runs, 2 after a crash or failure, … */
  readonly attempt: number;
  /**
   * Persists a change at once. Record it *before* making it (write-ahead): undoing a change that was
   * never made is harmless (`created` removes nothing, `replaced` without its backup is left alone),
   * while a change made but not recorded could not be rolled back.
   */
  record(change: JournalChange): Promise<void>;
}

/** Options of {@link InstallJournal.begin}. */
export interface BeginOptions {
  /** Free-form description stored with the run. */
  meta?: JournalValue;
  /** Resume the last unfinished run of the same operation (default true). */
  resume?: boolean;
}

/** What {@link InstallJournal.begin} resolves with. */
export interface BeginResult {
  /** The run now current. */
  readonly run: JournalRun;
  /** True when an unfinished run of the same operation was resumed. */
  readonly resumed: boolean;
}

/**
 * A crash-safe journal of an install: every step's state is written atomically (temp + fsync +
 * rename) before and after it runs, so a killed install resumes at the first step not done, and
 * every change a step made is recorded so {@link InstallJournal.rollback} can undo the last run.
 * Several processes may share one journal file: each write merges this writer's runs into the file
 * under a file lock, and a run is written only by the writer that last began or rolled it back
 * (another one gets {@link JournalConflictError}).
 */
export class InstallJournal {
  /** The journal file, absolute. */
  readonly file: string;
  /** The folder every recorded change must lie in, absolute. */
  readonly root: string;
  private run: JournalRun | undefined;
  private readonly store: JournalStore;
  private readonly now: () => Date;
  private readonly redact: (text: string) => string;

  private constructor(options: InstallJournalOptions) {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new ConfigurationError('InstallJournal options', 'an object with file and root', options);
    }
    if (typeof options.file !== 'string' || options.file === '') {
      throw new ConfigurationError('InstallJournal.file', 'a file path', options.file);
    }
    if (typeof options.root !== 'string' || options.root === '') {
      throw new ConfigurationError('InstallJournal.root', 'a folder path', options.root);
    }
    const keep = options.keepRuns ?? JOURNAL_DEFAULTS.keepRuns;
    if (!Number.isInteger(keep) || keep < 1) {
      throw new ConfigurationError('InstallJournal.keepRuns', 'an integer ≥ 1', keep);
    }
    this.file = path.resolve(options.file);
    this.root = path.resolve(options.root);
    this.now = optionalFunction<() => Date>('InstallJournal.now', options.now) ?? (() => new Date());
    this.redact =
      optionalFunction<(text: string) => string>('InstallJournal.redact', options.redact) ?? ((text) => text);
    this.store = new JournalStore(this.file, keep, this.redact);
  }

  /**
   * Loads (or starts) the journal at `options.file`. An unreadable journal — not JSON, another
   * version, or the right version in the wrong shape — is moved to `<file>.corrupt` and the journal
   * starts empty ({@link corruptNote} says so); temp files of writes killed half-way are removed.
   */
  static async open(options: InstallJournalOptions): Promise<InstallJournal> {
    const journal = new InstallJournal(options);
    await journal.store.load();
    return journal;
  }

  /** Set when the file on disk could not be read; it was moved aside to `<file>.corrupt`. */
  get corruptNote(): string | undefined {
    return this.store.corruptNote;
  }

  /** Every run, oldest first, as of this journal's last read or write of the file. */
  get runs(): readonly JournalRun[] {
    return this.store.data.runs;
  }

  /** The run begun by {@link begin}, if any. */
  get current(): JournalRun | undefined {
    return this.run;
  }

  /** The newest run (of `operation`, when given). */
  lastRun(operation?: string): JournalRun | undefined {
    return this.runs.findLast((run) => operation === undefined || run.operation === operation);
  }

  /**
   * Begins a run of `operation`, or resumes the newest run when it is of the same operation and did
   * not complete (it was killed, failed, or its rollback was interrupted): its done steps are then
   * skipped by {@link step}, and steps a rollback undid run again. Resuming a run another process
   * is still writing takes it over: that process's next write fails with JournalConflictError.
   */
  async begin(operation: string, options: BeginOptions = {}): Promise<BeginResult> {
    if (typeof operation !== 'string' || operation === '') {
      throw new ConfigurationError('InstallJournal.begin operation', 'a non-empty string', operation);
    }
    await this.store.refresh();
    const last = this.runs.at(-1);
    const resume =
      (options.resume ?? true) &&
      last?.operation === operation &&
      (last.status === 'running' || last.status === 'failed' || last.status === 'rolling-back');
    const candidate: JournalRun =
      resume && last
        ? last
        : {
            id: randomUUID(),
            operation,
            status: 'running',
            startedAt: this.now().toISOString(),
            ...(options.meta === undefined ? {} : { meta: options.meta }),
            steps: [],
          };
    // Applied to the copy on disk under the lock, so nothing another writer stored is lost.
    await this.store.claim(candidate, (run) => {
      run.status = 'running';
      delete run.finishedAt;
    });
    const run = this.store.ownedRun(candidate.id) as JournalRun;
    this.run = run;
    return { run, resumed: resume };
  }

  /** The state of `name` in the current run. */
  stepState(name: string): JournalStep | undefined {
    return this.run?.steps.find((step) => step.name === name);
  }

  /**
   * Runs `name` unless it is already done in the current run, in which case its stored result is
   * returned without running it. The step is persisted as `running` before `fn` starts and as
   * `done` (with the result) or `failed` (with the redacted message) after.
   */
  async step<T extends JournalValue | undefined>(
    name: string,
    fn: (handle: StepHandle) => Promise<T> | T,
    options?: { signal?: AbortSignal },
  ): Promise<T>;
  /** A step whose body returns nothing. */
  async step(
    name: string,
    fn: (handle: StepHandle) => Promise<unknown> | unknown,
    options?: { signal?: AbortSignal },
  ): Promise<undefined>;
  async step(
    name: string,
    fn: (handle: StepHandle) => unknown,
    options: { signal?: AbortSignal } = {},
  ): Promise<JournalValue | undefined> {
    const run = this.requireRun('step');
    if (options.signal?.aborted) throw abortError(options.signal, `step ${name}`);
    const existing = run.steps.find((step) => step.name === name);
    if (existing?.status === 'done') return existing.result;
    const step: JournalStep = existing ?? {
      name,
      status: 'running',
      attempts: 0,
      startedAt: this.now().toISOString(),
      changes: [],
    };
    if (!existing) run.steps.push(step);
    step.status = 'running';
    step.attempts += 1;
    delete step.error;
    delete step.finishedAt;
    delete step.result;
    await this.store.save(run.id);
    const handle: StepHandle = {
      attempt: step.attempts,
      record: async (change) => {
        checkChangePath(change, this.root);
        step.changes.push(change);
        await this.store.save(run.id);
      },
    };
    try {
      const value = await fn(handle);
      // A body typed as returning nothing may still return something; only JSON data is kept.
      const result = value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as JournalValue);
      step.status = 'done';
      if (result !== undefined) step.result = result;
      step.finishedAt = this.now().toISOString();
      await this.store.save(run.id);
      return result;
    } catch (error) {
      if (error instanceof JournalConflictError) throw error;
      step.status = 'failed';
      step.error = this.redact(error instanceof Error ? error.message : String(error));
      step.finishedAt = this.now().toISOString();
      // The run may have been taken over meanwhile: that matters more than this step's failure.
      await this.store.save(run.id);
      throw error;
    }
  }

  /** Ends the current run as completed or failed. */
  async finish(status: 'completed' | 'failed'): Promise<void> {
    const run = this.requireRun('finish');
    run.status = status;
    run.finishedAt = this.now().toISOString();
    this.run = undefined;
    await this.store.save(run.id);
  }

  /**
   * Undoes the newest run that was not rolled back yet (of `operation`, when given): every
   * recorded change, newest first. Custom change kinds need a handler in `handlers`. The run is
   * marked `rolling-back`, and each step `undone` as the rollback reaches it, before anything is
   * undone; a rollback that stops part-way (an undo throws, an abort, a kill) leaves the run so,
   * and calling `rollback()` again continues it.
   */
  async rollback(
    options: {
      operation?: string;
      handlers?: Readonly<Record<string, UndoHandler>>;
      signal?: AbortSignal;
    } = {},
  ): Promise<RollbackResult> {
    await this.store.refresh();
    const target = this.runs.findLast(
      (candidate) =>
        candidate.status !== 'rolled-back' &&
        (options.operation === undefined || candidate.operation === options.operation),
    );
    if (!target) return { undone: [] };
    if (options.signal?.aborted) throw abortError(options.signal, 'rollback');
    await this.store.claim(target, (run) => {
      run.status = 'rolling-back';
      delete run.finishedAt;
    });
    const run = this.store.ownedRun(target.id) as JournalRun;
    if (this.run?.id === run.id) this.run = undefined;
    const undone: JournalChange[] = [];
    for (const step of [...run.steps].reverse()) {
      if (options.signal?.aborted) throw abortError(options.signal, 'rollback');
      if (step.status !== 'undone') {
        // Persisted before any of its changes is undone: from here on the step is not done.
        step.status = 'undone';
        delete step.result;
        await this.store.save(run.id);
      }
      while (step.changes.length > 0) {
        if (options.signal?.aborted) throw abortError(options.signal, 'rollback');
        const change = step.changes.at(-1) as JournalChange;
        await undoChange(change, this.root, options.handlers ?? {}, options.signal);
        // Persist after each undo so an interrupted rollback continues where it stopped.
        step.changes.pop();
        undone.push(change);
        await this.store.save(run.id);
      }
    }
    run.status = 'rolled-back';
    run.finishedAt = this.now().toISOString();
    await this.store.save(run.id);
    return { run, undone };
  }

  private requireRun(what: string): JournalRun {
    if (!this.run)
      throw new ConfigurationError(`InstallJournal.${what}`, 'a run begun with begin()', undefined);
    return this.run;
  }
}
