import { randomUUID } from 'node:crypto';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { ConfigurationError } from '../../errors/ConfigurationError.js';
import { abortError } from '../../shared/abort.js';
import { writeFileAtomic } from '../../shared/writeFileAtomic.js';
import { JOURNAL_DEFAULTS } from './defaults.js';
import { readJournal } from './persist.js';
import type {
  JournalChange,
  JournalData,
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
 */
export class InstallJournal {
  /** The journal file, absolute. */
  readonly file: string;
  /** The folder every recorded change must lie in, absolute. */
  readonly root: string;
  /** Set when the file on disk could not be read; it was moved aside to `<file>.corrupt`. */
  corruptNote: string | undefined;
  private data: JournalData = { version: 1, runs: [] };
  private run: JournalRun | undefined;
  private readonly keepRuns: number;
  private readonly now: () => Date;
  private readonly redact: (text: string) => string;
  private writes: Promise<void> = Promise.resolve();

  private constructor(options: InstallJournalOptions) {
    if (typeof options?.file !== 'string' || options.file === '') {
      throw new ConfigurationError('InstallJournal.file', 'a file path', options?.file);
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
    this.keepRuns = keep;
    this.now = options.now ?? (() => new Date());
    this.redact = options.redact ?? ((text) => text);
  }

  /** Loads (or starts) the journal at `options.file`. */
  static async open(options: InstallJournalOptions): Promise<InstallJournal> {
    const journal = new InstallJournal(options);
    const loaded = await readJournal(journal.file);
    if ('corrupt' in loaded) {
      // Keep the unreadable file for a person to look at, and go on with an empty history.
      journal.corruptNote = `journal ${journal.file} was unreadable (${loaded.corrupt}); kept as ${journal.file}.corrupt`;
      await rename(journal.file, `${journal.file}.corrupt`);
    } else {
      journal.data = loaded;
    }
    return journal;
  }

  /** Every run, oldest first. */
  get runs(): readonly JournalRun[] {
    return this.data.runs;
  }

  /** The run begun by {@link begin}, if any. */
  get current(): JournalRun | undefined {
    return this.run;
  }

  /** The newest run (of `operation`, when given). */
  lastRun(operation?: string): JournalRun | undefined {
    return this.data.runs.findLast((run) => operation === undefined || run.operation === operation);
  }

  /**
   * Begins a run of `operation`, or resumes the newest run of the same operation that did not
   * complete (it was killed or failed): its done steps are then skipped by {@link step}.
   */
  async begin(operation: string, options: BeginOptions = {}): Promise<BeginResult> {
    if (typeof operation !== 'string' || operation === '') {
      throw new ConfigurationError('InstallJournal.begin operation', 'a non-empty string', operation);
    }
    const last = this.data.runs.at(-1);
    if (
      (options.resume ?? true) &&
      last?.operation === operation &&
      (last.status === 'running' || last.status === 'failed')
    ) {
      last.status = 'running';
      delete last.finishedAt;
      this.run = last;
      await this.save();
      return { run: last, resumed: true };
    }
    const run: JournalRun = {
      id: randomUUID(),
      operation,
      status: 'running',
      startedAt: this.now().toISOString(),
      ...(options.meta === undefined ? {} : { meta: options.meta }),
      steps: [],
    };
    this.data.runs.push(run);
    this.run = run;
    this.prune();
    await this.save();
    return { run, resumed: false };
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
    await this.save();
    const handle: StepHandle = {
      attempt: step.attempts,
      record: async (change) => {
        checkChangePath(change, this.root);
        step.changes.push(change);
        await this.save();
      },
    };
    try {
      const value = await fn(handle);
      // A body typed as returning nothing may still return something; only JSON data is kept.
      const result = value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as JournalValue);
      step.status = 'done';
      if (result === undefined) delete step.result;
      else step.result = result;
      step.finishedAt = this.now().toISOString();
      await this.save();
      return result;
    } catch (error) {
      step.status = 'failed';
      step.error = this.redact(error instanceof Error ? error.message : String(error));
      step.finishedAt = this.now().toISOString();
      await this.save();
      throw error;
    }
  }

  /** Ends the current run as completed or failed. */
  async finish(status: 'completed' | 'failed'): Promise<void> {
    const run = this.requireRun('finish');
    run.status = status;
    run.finishedAt = this.now().toISOString();
    this.run = undefined;
    await this.save();
  }

  /**
   * Undoes the newest run that was not rolled back yet (of `operation`, when given): every
   * recorded change, newest first. Custom change kinds need a handler in `handlers`.
   */
  async rollback(
    options: {
      operation?: string;
      handlers?: Readonly<Record<string, UndoHandler>>;
      signal?: AbortSignal;
    } = {},
  ): Promise<RollbackResult> {
    const run = this.data.runs.findLast(
      (candidate) =>
        candidate.status !== 'rolled-back' &&
        (options.operation === undefined || candidate.operation === options.operation),
    );
    if (!run) return { undone: [] };
    const undone: JournalChange[] = [];
    for (const step of [...run.steps].reverse()) {
      while (step.changes.length > 0) {
        if (options.signal?.aborted) throw abortError(options.signal, 'rollback');
        const change = step.changes.at(-1) as JournalChange;
        await undoChange(change, this.root, options.handlers ?? {}, options.signal);
        // Persist after each undo so an interrupted rollback continues where it stopped.
        step.changes.pop();
        undone.push(change);
        await this.save();
      }
    }
    run.status = 'rolled-back';
    run.finishedAt = this.now().toISOString();
    if (this.run === run) this.run = undefined;
    await this.save();
    return { run, undone };
  }

  private requireRun(what: string): JournalRun {
    if (!this.run)
      throw new ConfigurationError(`InstallJournal.${what}`, 'a run begun with begin()', undefined);
    return this.run;
  }

  private prune(): void {
    const runs = this.data.runs;
    while (runs.length > this.keepRuns) runs.shift();
  }

  private save(): Promise<void> {
    // Serialize writes: a later snapshot must never be overtaken by an earlier one.
    const text = `${JSON.stringify(this.data, null, 2)}\n`;
    const next = this.writes.catch(() => {}).then(() => writeFileAtomic(this.file, text, { mode: 0o600 }));
    this.writes = next;
    return next;
  }
}
