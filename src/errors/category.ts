/**
 * Every failure the package reports falls into exactly one category. Categories drive retry
 * decisions, recovery strategy selection and the remediation shown to users.
 */
export type ErrorCategory =
  | 'network'
  | 'timeout'
  | 'rate_limit'
  | 'authentication'
  | 'permission'
  | 'disk_full'
  | 'resource_exhaustion'
  | 'corruption'
  | 'missing_method'
  | 'version_mismatch'
  | 'dependency'
  | 'configuration'
  | 'validation'
  | 'cancelled'
  | 'circuit_open'
  | 'system'
  | 'unknown';

/** All categories, in a stable order (useful for tables, metrics labels and exhaustive tests). */
export const ERROR_CATEGORIES: readonly ErrorCategory[] = Object.freeze([
  'network',
  'timeout',
  'rate_limit',
  'authentication',
  'permission',
  'disk_full',
  'resource_exhaustion',
  'corruption',
  'missing_method',
  'version_mismatch',
  'dependency',
  'configuration',
  'validation',
  'cancelled',
  'circuit_open',
  'system',
  'unknown',
]);

/** Whether a failure of this category is worth retrying when nothing more specific is known. */
export const RETRYABLE_BY_DEFAULT: Readonly<Record<ErrorCategory, boolean>> = Object.freeze({
  network: true,
  timeout: true,
  rate_limit: true,
  authentication: false,
  permission: false,
  disk_full: false,
  resource_exhaustion: true,
  corruption: true,
  missing_method: false,
  version_mismatch: false,
  dependency: false,
  configuration: false,
  validation: false,
  cancelled: false,
  circuit_open: false,
  system: false,
  unknown: false,
});
