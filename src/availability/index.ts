// `@wan/reliability/availability`: ModelAvailability (runtime model readiness, shared downloads,
// updates, usage). Re-exports only.

export type { AvailabilityEvents } from '../events/availabilityEvents.js';
export { ModelAvailability } from './ModelAvailability.js';
export {
  AVAILABILITY_DEFAULTS,
  type ModelAvailabilityOptions,
  type ResolvedAvailabilityOptions,
} from './options.js';
export type {
  AvailabilityChecker,
  AvailabilityProgress,
  CleanupCandidate,
  CleanupSuggestion,
  EnsureReadyOptions,
  ModelMode,
  ModelState,
  ModelStatus,
  ModelUpdate,
  ModelUsage,
  UpdateFile,
  UpdateReport,
  UsageData,
  UsageRecord,
  UsageReport,
  UsageStore,
} from './types.js';
export type { UpdateSource } from './updates.js';
export { JsonFileUsageStore, MemoryUsageStore } from './usage.js';
