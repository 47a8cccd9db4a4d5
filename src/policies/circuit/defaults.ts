/** Defaults of {@link CircuitBreakerOptions}; see docs/policies.md for the table. */
export const CIRCUIT_DEFAULTS = Object.freeze({
  /** Opens after this many failures in a row. */
  consecutiveFailures: 5,
  /** Opens when the failure rate in the rolling window exceeds this percentage... */
  errorThresholdPercentage: 50,
  /** ...and the window holds at least this many calls. */
  volumeThreshold: 5,
  /** Length of the rolling window, in ms (10 buckets). */
  rollingWindow: 10_000,
  /** Cool-down before trial calls are admitted, in ms. */
  resetTimeout: 60_000,
  /** Trial calls admitted when half-open; that many successes close the breaker. */
  halfOpenProbes: 1,
});
