import type { ErrorCategory } from '../errors/category.js';
import type { RecoveryStats } from '../recovery/types.js';

/** A component's (or the whole instance's) health. */
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** Where a component stops being healthy and becomes unhealthy. Defaults in DEFAULT_HEALTH_THRESHOLDS. */
export interface HealthThresholds {
  /** Consecutive failures that make a component at most degraded (default 3). */
  readonly degradedConsecutiveFailures: number;
  /** Consecutive failures that make it unhealthy (default 5). */
  readonly unhealthyConsecutiveFailures: number;
  /** A rolling success rate at or below this is at most degraded (default 0.5). */
  readonly degradedSuccessRate: number;
  /** A rolling success rate below this is unhealthy, once `minCalls` were seen (default 0.25). */
  readonly unhealthySuccessRate: number;
  /** Calls in the window before a low success rate alone makes a component unhealthy (default 5). */
  readonly minCalls: number;
}

/** What {@link HealthReporter.componentHealth} returns. */
export interface ComponentHealth {
  /** Component name (redacted in reports). */
  readonly name: string;
  /** Verdict from the thresholds over the rolling window and the failure streak. */
  readonly status: HealthStatus;
  /** Success rate over the rolling window of recent calls (1 before any call). */
  readonly successRate: number;
  /** Failures since the last success. */
  readonly consecutiveFailures: number;
  /** Calls recorded since start (or reset). */
  readonly calls: number;
  /** Median duration of recent calls, ms. */
  readonly p50: number;
  /** 95th percentile duration of recent calls, ms. */
  readonly p95: number;
}

/** Latency histogram of one operation (bucket counts are per bucket, not cumulative). */
export interface LatencyHistogram {
  /** Upper bounds in ms; `counts` has one more entry, for calls above the last bound. */
  readonly boundsMs: readonly number[];
  /** Calls per bucket: `counts[i]` took at most `boundsMs[i]` (and more than the bound before). */
  readonly counts: readonly number[];
  /** Sum of all call durations, ms (for the mean). */
  readonly sumMs: number;
}

/** One operation of a component in a report. */
export interface OperationReport {
  /** Operation name (redacted). */
  readonly name: string;
  /** Calls recorded since start. */
  readonly calls: number;
  /** Calls that finally succeeded (recovered ones included). */
  readonly successes: number;
  /** Calls that finally failed. */
  readonly failures: number;
  /** Calls that succeeded thanks to a recovery strategy. */
  readonly recovered: number;
  /** successes / calls since start (1 before any call). */
  readonly successRate: number;
  /** Median duration estimated from the histogram, ms. */
  readonly p50: number;
  /** 95th percentile duration estimated from the histogram, ms. */
  readonly p95: number;
  /** Mean duration since start, ms (0 before any call). */
  readonly meanMs: number;
  /** Longest call since start, ms. */
  readonly maxMs: number;
  /** Failures per category. */
  readonly errors: Partial<Record<ErrorCategory, number>>;
  /**
   * Attempts made: one per call plus every failed attempt recorded with `recordFailedAttempt`
   * (retries, fail-overs). Fleet rates divide by it.
   */
  readonly attempts: number;
  /** Failed attempts per category: final failures plus retried ones (recovered calls included). */
  readonly attemptErrors: Partial<Record<ErrorCategory, number>>;
  /** Durations since start in fixed buckets (LATENCY_BOUNDS_MS). */
  readonly histogram: LatencyHistogram;
}

/** One component in a report. */
export interface ComponentReport extends ComponentHealth {
  /** Outcomes in the rolling window `successRate` is computed over. */
  readonly windowCalls: number;
  /** Calls since start that finally succeeded (recovered ones included). */
  readonly successes: number;
  /** Calls since start that finally failed. */
  readonly failures: number;
  /** Calls since start that succeeded thanks to a recovery strategy. */
  readonly recovered: number;
  /** ISO time of the last failure. */
  readonly lastFailureAt?: string;
  /** Category of the last failure (`unknown` when none was given). */
  readonly lastFailureCategory?: string;
  /** Failures since start per category, summed over the operations. */
  readonly errors: Partial<Record<ErrorCategory, number>>;
  /** Attempts since start (calls plus retried failed attempts), summed over the operations. */
  readonly attempts: number;
  /** Failed attempts per category (final and retried), summed over the operations. */
  readonly attemptErrors: Partial<Record<ErrorCategory, number>>;
  /** Per-operation detail. */
  readonly operations: readonly OperationReport[];
}

/** How the installation itself went (see HealthReporter.recordInstall). */
export interface InstallOutcome {
  /** Whether the install finished successfully. */
  readonly success: boolean;
  /** How long the install took, ms. */
  readonly durationMs: number;
  /** For a failure: the category given to recordInstall (absent for derived outcomes). */
  readonly category?: ErrorCategory;
  /** ISO time it was recorded. */
  readonly at: string;
  /** `'explicit'` (recordInstall) or `'operation'` (derived from an operation named `install`). */
  readonly source: 'explicit' | 'operation';
}

/** A circuit breaker as listed in a report. */
export interface CircuitReport {
  /** Breaker name (redacted in reports). */
  readonly name: string;
  /** Current state: `open` rejects calls, `half-open` lets trial calls through. */
  readonly state: 'closed' | 'open' | 'half-open';
  /** Failures in a row so far, when the breaker reports it. */
  readonly consecutiveFailures?: number;
  /** Remaining cool-down in ms (0 unless open), when the breaker reports it. */
  readonly retryAfterMs?: number;
}

/** Identifier of the report format, for readers of folders of mixed JSON files. */
export const HEALTH_REPORT_SCHEMA = 'wan-reliability/health-report';
/** Version of the report format; bumped on incompatible changes. */
export const HEALTH_REPORT_VERSION = 1;

/** The versioned JSON report of one instance. */
export interface HealthReport {
  /** Always {@link HEALTH_REPORT_SCHEMA}: tells health reports apart from other JSON files. */
  readonly schema: typeof HEALTH_REPORT_SCHEMA;
  /** Always {@link HEALTH_REPORT_VERSION}. */
  readonly version: typeof HEALTH_REPORT_VERSION;
  /** ISO time the report was built. */
  readonly generatedAt: string;
  /** The reporting process. */
  readonly instance: {
    /** Unique per reporter unless set (`instanceId` option). */
    readonly id: string;
    /** `os.hostname()` of the machine. */
    readonly hostname: string;
    /** Process id. */
    readonly pid: number;
    /** `process.platform` (`linux`, `win32`, `darwin`). */
    readonly platform: string;
    /** `process.arch` (`x64`, `arm64`). */
    readonly arch: string;
    /** Node.js version (`process.version`). */
    readonly node: string;
    /** ISO time the reporter was created. */
    readonly startedAt: string;
    /** Seconds since `startedAt`. */
    readonly uptimeSeconds: number;
    /** Free-form labels given to the reporter (installer version, channel, …). */
    readonly labels: Readonly<Record<string, string>>;
  };
  /** The worst component status (healthy with no components). */
  readonly status: HealthStatus;
  /** The thresholds the statuses were computed with. */
  readonly thresholds: HealthThresholds;
  /** Sums over every component since start. */
  readonly totals: {
    /** Calls recorded. */
    readonly calls: number;
    /** Calls that finally succeeded. */
    readonly successes: number;
    /** Calls that finally failed. */
    readonly failures: number;
    /** Calls that succeeded thanks to a recovery strategy. */
    readonly recovered: number;
    /** successes / calls (1 before any call). */
    readonly successRate: number;
    /** Failures per category. */
    readonly errors: Partial<Record<ErrorCategory, number>>;
    /**
     * Attempts: calls plus failed attempts that were retried or failed over (see
     * `recordFailedAttempt`). Absent in reports of earlier versions: readers use `calls` then.
     */
    readonly attempts?: number;
    /** Failed attempts per category, recovered ones included. Absent in earlier reports: use `errors`. */
    readonly attemptErrors?: Partial<Record<ErrorCategory, number>>;
  };
  /** One entry per component, in first-seen order. */
  readonly components: readonly ComponentReport[];
  /** How the install went: recorded explicitly, or derived from the `install` operation; absent when unknown. */
  readonly install?: InstallOutcome;
  /** The RecoveryRegistry's learned statistics, when one was given. */
  readonly recovery?: RecoveryStats;
  /** Circuit breakers (default: every live CircuitBreaker); absent when there are none. */
  readonly circuits?: readonly CircuitReport[];
  /** Breakers left out of `circuits` by the reporter's `maxCircuits` (closed ones go first). */
  readonly circuitsOmitted?: number;
}
