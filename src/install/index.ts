// `@wan/reliability/install`: the install journal, dependency ordering, alternatives and the
// cross-process file lock installers take around their work. Re-exports only.

export {
  acquireFileLock,
  FILE_LOCK_DEFAULTS,
  type FileLock,
  type FileLockOptions,
  withFileLock,
} from '../shared/fileLock.js';
export {
  type Alternative,
  type AlternativeAttempt,
  type AlternativesResult,
  type TryAlternativesOptions,
  tryAlternatives,
} from './alternatives/tryAlternatives.js';
export { JOURNAL_DEFAULTS } from './journal/defaults.js';
export {
  type BeginOptions,
  type BeginResult,
  InstallJournal,
  type InstallJournalOptions,
  type StepHandle,
} from './journal/InstallJournal.js';
export type {
  JournalChange,
  JournalData,
  JournalOwner,
  JournalRun,
  JournalStep,
  JournalValue,
  RollbackResult,
  RunStatus,
  StepStatus,
  UndoHandler,
} from './journal/types.js';
export { findCycle, type OrderNode, orderByDependencies } from './ordering/order.js';
