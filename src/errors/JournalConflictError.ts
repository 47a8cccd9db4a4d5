import { ReliabilityError } from './ReliabilityError.js';

/**
 * Another process (or another `InstallJournal` in this one) resumed or rolled back the run this
 * journal was writing, and so owns it now. Nothing of this write was stored: the run on disk stays
 * the new owner's, never a mix of both. Not retryable — the run belongs to someone else.
 */
export class JournalConflictError extends ReliabilityError {
  /** The journal file. */
  readonly file: string;
  /** The run that was taken over. */
  readonly runId: string;
  /** The pid of the process that owns the run now, when the journal names it. */
  readonly ownerPid: number | undefined;
  /** Retrying cannot help: stop, or begin the operation again to resume the run afresh. */
  readonly retryable = false;

  constructor(file: string, runId: string, ownerPid: number | undefined) {
    super(
      `run ${runId} of ${file} was taken over by another writer${ownerPid === undefined ? '' : ` (pid ${ownerPid})`}; this write was not stored`,
      'ERR_JOURNAL_CONFLICT',
      'resource_exhaustion',
      {
        remediation: [
          'Two installers ran the same operation on one install folder at once; let one of them finish.',
          'Run one installer per folder at a time (the reference installer holds an install lock); begin() again resumes the run where its new owner left it.',
        ],
      },
    );
    this.file = file;
    this.runId = runId;
    this.ownerPid = ownerPid;
  }
}
