/** Default time budgets per operation, in ms; see docs/policies.md. */
export const DEFAULT_TIMEOUTS: Readonly<Record<string, number>> = Object.freeze({
  model_download: 1_800_000,
  dependency_install: 600_000,
  system_detection: 60_000,
  validation: 300_000,
  network_test: 30_000,
});

/** Budget for an operation not in the table, in ms. */
export const UNKNOWN_OPERATION_TIMEOUT = 300_000;

/** How {@link TimeoutManager.get} scales a budget to the situation. */
export const TIMEOUT_SCALING = Object.freeze({
  /** Files larger than this (bytes, 5 GB)... */
  largeFileBytes: 5_000_000_000,
  /** ...get this factor. */
  largeFileFactor: 2,
  /** A connection reported as slow gets this factor. */
  slowNetworkFactor: 1.5,
  /** A retry (retryCount > 0) gets this factor. */
  retryFactor: 1.2,
});
