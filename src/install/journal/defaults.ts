/** Defaults of {@link InstallJournalOptions}. */
export const JOURNAL_DEFAULTS = Object.freeze({
  /** Runs kept in the journal (oldest finished runs dropped first). */
  keepRuns: 10,
});

/**
 * The file lock every journal write holds for the length of one write (read, merge, rename; a few
 * milliseconds): give up after 10 s of contention, and take over a lock not refreshed for 2 s (its
 * writer was killed mid-write), so the next run after a kill -9 waits at most that long.
 */
export const JOURNAL_LOCK = Object.freeze({ waitMs: 10_000, staleMs: 2_000 });
