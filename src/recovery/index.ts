// `@wan/reliability/recovery`: RecoveryRegistry and its built-in strategies. Re-exports only.

export { likelihood, likelihoodText } from './learning.js';
export { DEFAULT_RECOVERY_LINKS, type ManualInput } from './manual.js';
export { type RecoverOptions, RecoveryRegistry, type RecoveryRegistryOptions } from './RecoveryRegistry.js';
export { RECOVERY_REGISTRY_DEFAULTS } from './registryOptions.js';
export { RECOVERY_STORE_VERSION } from './store.js';
export { type AlternativeSourceOptions, alternativeSource } from './strategies/alternativeSource.js';
export { type CleanupTempOptions, cleanupTemp } from './strategies/cleanupTemp.js';
export { type FixPermissionsOptions, fixPermissions } from './strategies/fixPermissions.js';
export { type ManualInterventionOptions, manualIntervention } from './strategies/manualIntervention.js';
export { type RecreateVenvOptions, recreateVenv } from './strategies/recreateVenv.js';
export { type RedownloadCorruptOptions, redownloadCorrupt } from './strategies/redownloadCorrupt.js';
export { type RetryWithBackoffOptions, retryWithBackoff } from './strategies/retryWithBackoff.js';
export { type SafeDefaultsConfigOptions, safeDefaultsConfig } from './strategies/safeDefaultsConfig.js';
export type {
  CancelledRecoveryResult,
  ManualRecoveryResult,
  RecoveredResult,
  RecoveryAttempt,
  RecoveryAttemptEvent,
  RecoveryContext,
  RecoveryEvents,
  RecoveryHistoryEntry,
  RecoveryResult,
  RecoveryResultBase,
  RecoveryStats,
  RecoveryStrategy,
  RecoverySummary,
  Redactor,
  StrategyOutcome,
  StrategyStats,
} from './types.js';
