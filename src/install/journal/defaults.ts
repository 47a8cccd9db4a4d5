/** Defaults of {@link InstallJournalOptions}. */
export const JOURNAL_DEFAULTS = Object.freeze({
  /** Runs kept in the journal (oldest dropped first). */
  keepRuns: 10,
});
