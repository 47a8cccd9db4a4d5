/** JSON-serializable data a step may return (stored in the journal and returned on resume). */
export type JournalValue =
  | null
  | boolean
  | number
  | string
  | readonly JournalValue[]
  | { readonly [key: string]: JournalValue };

/**
 * State of one step. `undone`: a rollback reached it and undid its changes, or some of them (or
 * was about to); it is not done, and runs again when its run is resumed.
 */
export type StepStatus = 'running' | 'done' | 'failed' | 'undone';

/**
 * State of one run (an install or an update). `rolling-back`: a rollback began and has not
 * finished (it threw, was aborted or the process was killed); `rollback()` continues it, and
 * `begin()` of the same operation resumes the run, running its `undone` steps again.
 */
export type RunStatus = 'running' | 'completed' | 'failed' | 'rolled-back' | 'rolling-back';

/** The writer (an {@link InstallJournal} instance) that last began, resumed or rolled back a run. */
export interface JournalOwner {
  /** Random id of the writer; another id on disk means the run was taken over. */
  readonly id: string;
  /** Its process id, for messages. */
  readonly pid: number;
}

/**
 * One change a step made, so `rollback` can undo it. Paths are absolute and must lie inside the
 * journal's root (a tampered journal cannot make rollback touch anything else). Built-in kinds:
 * - `created`: `path` did not exist before; undo removes it.
 * - `replaced`: the old content of `path` was moved to `backup`; undo moves it back.
 * Any other `kind` is undone by the handler of that kind passed to `rollback` (`data` is free-form).
 */
export interface JournalChange {
  /** `created`, `replaced`, or a custom kind undone by a handler. */
  readonly kind: 'created' | 'replaced' | (string & {});
  /** The path changed (absolute, inside the journal's root). */
  readonly path?: string;
  /** For `replaced`: where the old content was moved. */
  readonly backup?: string;
  /** Free-form data for a custom kind's undo handler. */
  readonly data?: JournalValue;
}

/** One step as persisted. */
export interface JournalStep {
  /** The step's name, unique within a run. */
  readonly name: string;
  /** `running` (also after a kill), `done`, `failed` or `undone` (by a rollback). */
  status: StepStatus;
  /** Times the step was started (a killed or failed step is started again on resume). */
  attempts: number;
  /** ISO time the step first started. */
  startedAt: string;
  /** ISO time it last finished (done or failed). */
  finishedAt?: string;
  /** What the step returned (JSON), handed back on resume. */
  result?: JournalValue;
  /** The failure message (already redacted by the caller's redactor). */
  error?: string;
  /** What the step changed, oldest first (undone newest first). */
  readonly changes: JournalChange[];
}

/** One run as persisted. */
export interface JournalRun {
  /** Random id of the run. */
  readonly id: string;
  /** What the run does, e.g. `install` or `update`; a run resumes only a run of the same operation. */
  readonly operation: string;
  /** `running` (also after a kill), `completed`, `failed`, `rolling-back` or `rolled-back`. */
  status: RunStatus;
  /** ISO time the run began. */
  readonly startedAt: string;
  /** ISO time it completed, failed or was rolled back. */
  finishedAt?: string;
  /** Free-form description of the run's target (e.g. the manifest revision). */
  readonly meta?: JournalValue;
  /** The writer that owns the run: only it writes the run, until another one resumes or rolls it back. */
  owner?: JournalOwner;
  /** Its steps in the order they first ran. */
  readonly steps: JournalStep[];
}

/** The journal file's content. */
export interface JournalData {
  /** Format version of the file. */
  readonly version: 1;
  /** Runs, oldest first (at most `keepRuns`). */
  readonly runs: JournalRun[];
}

/** Undo handler for a custom change kind. */
export type UndoHandler = (change: JournalChange, signal?: AbortSignal) => Promise<void> | void;

/** Outcome of {@link InstallJournal.rollback}. */
export interface RollbackResult {
  /** The run undone, or undefined when there was nothing to roll back. */
  readonly run?: JournalRun;
  /** Changes undone, in the order they were undone (newest first). */
  readonly undone: readonly JournalChange[];
}
