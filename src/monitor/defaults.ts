/**
 * Defaults of {@link DiagnosticMonitorOptions}. Thresholds are deliberately conservative: a warning
 * should mean "act before this breaks", not noise on a busy machine.
 */
export const MONITOR_DEFAULTS = Object.freeze({
  /** Sampling interval, ms. */
  interval: 5000,
  /** Samples kept per watched volume for the fill-rate estimate. */
  window: 12,
  /** Samples needed before any projection is made (fewer cannot tell a trend from noise). */
  minSamples: 3,
  /** Samples older than this are ignored for the fill rate, ms. */
  windowMs: 120_000,
  /** A projected "full" sooner than this is a warning, seconds. */
  warnHorizonSeconds: 3600,
  /** … and sooner than this is critical, seconds. */
  criticalHorizonSeconds: 600,
  /** Free space below this share of the volume is a warning (with no projection needed). */
  diskWarnFreeRatio: 0.05,
  /** … and below this share it is critical. */
  diskCriticalFreeRatio: 0.01,
  /** Available memory below this share of the total is a warning. */
  memoryWarnRatio: 0.1,
  /** … and below this share it is critical. */
  memoryCriticalRatio: 0.05,
  /** 1-minute load per CPU above this is reported (info: the machine is saturated, downloads may slow). */
  cpuLoadPerCpu: 2,
  /** p95 latency at least this many times the component's healthy baseline is called out. */
  latencyFactor: 2,
  /** Calls in HealthReporter's rolling window (its default), for "n of the last m calls failed". */
  healthWindow: 100,
  /** Longest a sampling round may take before it is abandoned, ms. */
  sampleTimeout: 2000,
  /** How long a systeminformation CPU reading is reused, ms (only used where os.loadavg is 0, i.e. Windows). */
  cpuCacheMs: 10_000,
});
