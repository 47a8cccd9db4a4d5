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
  readonly name: string;
  readonly status: HealthStatus;
  /** Success rate over the rolling window of recent calls (1 before any call). */
  readonly successRate: number;
  readonly consecutiveFailures: number;
  /** Calls recorded since start (or reset). */
  readonly calls: number;
  /** Median and 95th percentile duration of recent calls, ms. */
  readonly p50: number;
  readonly p95: number;
}

/** Latency histogram of one operation (bucket counts are per bucket, not cumulative). */
export interface LatencyHistogram {
  /** Upper bounds in ms; `counts` has one more entry, for calls above the last bound. */
  readonly boundsMs: readonly number[];
  readonly counts: readonly number[];
  readonly sumMs: number;
}

/** One operation of a component in a report. */
export interface OperationReport {
  readonly name: string;
  readonly calls: number;
  readonly successes: number;
  readonly failures: number;
  /** Calls that succeeded thanks to a recovery strategy. */
  readonly recovered: number;
  /** successes / calls since start (1 before any call). */
  readonly successRate: number;
  /** Estimated from the histogram, ms. */
  readonly p50: number;
  readonly p95: number;
  readonly meanMs: number;
  readonly maxMs: number;
  /** Failures per category. */
  readonly errors: Partial<Record<ErrorCategory, number>>;
  readonly histogram: LatencyHistogram;
}

/** One component in a report. */
export interface ComponentReport extends ComponentHealth {
  /** Outcomes in the rolling window `successRate` is computed over. */
  readonly windowCalls: number;
  readonly successes: number;
  readonly failures: number;
  readonly recovered: number;
  /** ISO time of the last failure. */
  readonly lastFailureAt?: string;
  readonly lastFailureCategory?: string;
  readonly errors: Partial<Record<ErrorCategory, number>>;
  readonly operations: readonly OperationReport[];
}

/** How the installation itself went (see HealthReporter.recordInstall). */
export interface InstallOutcome {
  readonly success: boolean;
  readonly durationMs: number;
  readonly category?: ErrorCategory;
  /** ISO time it was recorded. */
  readonly at: string;
  /** `'explicit'` (recordInstall) or `'operation'` (derived from an operation named `install`). */
  readonly source: 'explicit' | 'operation';
}

/** A circuit breaker as listed in a report. */
export interface CircuitReport {
  readonly name: string;
  readonly state: 'closed' | 'open' | 'half-open';
  readonly consecutiveFailures?: number;
  readonly retryAfterMs?: number;
}

/** Identifier of the report format, for readers of folders of mixed JSON files. */
export const HEALTH_REPORT_SCHEMA = 'wan-reliability/health-report';
/** Version of the report format; bumped on incompatible changes. */
export const HEALTH_REPORT_VERSION = 1;

/** The versioned JSON report of one instance. */
export interface HealthReport {
  readonly schema: typeof HEALTH_REPORT_SCHEMA;
  readonly version: typeof HEALTH_REPORT_VERSION;
  readonly generatedAt: string;
  readonly instance: {
    /** Unique per reporter unless set (`instanceId` option). */
    readonly id: string;
    readonly hostname: string;
    readonly pid: number;
    readonly platform: string;
    readonly arch: string;
    readonly node: string;
    readonly startedAt: string;
    readonly uptimeSeconds: number;
    /** Free-form labels given to the reporter (installer version, channel, …). */
    readonly labels: Readonly<Record<string, string>>;
  };
  /** The worst component status (healthy with no components). */
  readonly status: HealthStatus;
  readonly thresholds: HealthThresholds;
  readonly totals: {
    readonly calls: number;
    readonly successes: number;
    readonly failures: number;
    readonly recovered: number;
    readonly successRate: number;
    readonly errors: Partial<Record<ErrorCategory, number>>;
  };
  readonly components: readonly ComponentReport[];
  readonly install?: InstallOutcome;
  readonly recovery?: RecoveryStats;
  readonly circuits?: readonly CircuitReport[];
}
