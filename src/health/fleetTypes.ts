import type { ErrorCategory } from '../errors/category.js';
import type { HealthStatus } from './types.js';

/** Alert thresholds of the fleet view (the runbook's). */
export interface FleetThresholds {
  /** Alert when fewer installs than this succeed (default 0.9). */
  readonly installSuccessRate: number;
  /** Alert when installs take longer than this on average, ms (default 600 000 = 10 min). */
  readonly averageInstallMs: number;
  /** Alert when more calls than this fail with a timeout (default 0.05). */
  readonly networkTimeoutRate: number;
  /** Alert when more calls than this fail an integrity check (category `corruption`) (default 0.01). */
  readonly checksumFailureRate: number;
  /** Alert when more calls than this are rejected by an open circuit (default 0.05). */
  readonly circuitOpenRate: number;
}

/** The runbook's thresholds. */
export const DEFAULT_FLEET_THRESHOLDS: FleetThresholds = Object.freeze({
  installSuccessRate: 0.9,
  averageInstallMs: 600_000,
  networkTimeoutRate: 0.05,
  checksumFailureRate: 0.01,
  circuitOpenRate: 0.05,
});

/** One alert raised by {@link aggregate}. */
export interface FleetAlert {
  readonly id:
    | 'install-success'
    | 'install-duration'
    | 'network-timeouts'
    | 'checksum-failures'
    | 'circuit-open';
  readonly severity: 'critical' | 'warning';
  readonly message: string;
  /** The observed value (a ratio, or ms for install-duration). */
  readonly value: number;
  readonly threshold: number;
}

/** The fleet view. */
export interface FleetReport {
  readonly schema: 'wan-reliability/fleet-report';
  readonly version: 1;
  readonly generatedAt: string;
  /** Latest report per instance id. */
  readonly instances: {
    readonly total: number;
    readonly healthy: number;
    readonly degraded: number;
    readonly unhealthy: number;
    readonly list: ReadonlyArray<{
      readonly id: string;
      readonly hostname: string;
      readonly status: HealthStatus;
      readonly generatedAt: string;
      readonly calls: number;
      readonly successRate: number;
      readonly install?: { readonly success: boolean; readonly durationMs: number };
    }>;
  };
  readonly installs: {
    /** Instances whose report tells how the install went. */
    readonly known: number;
    readonly succeeded: number;
    readonly failed: number;
    /** succeeded / known (1 when none known). */
    readonly successRate: number;
    readonly averageDurationMs: number;
  };
  readonly totals: {
    readonly calls: number;
    readonly failures: number;
    readonly successRate: number;
    readonly errors: Partial<Record<ErrorCategory, number>>;
  };
  /** Failure rates over all calls that the alerts use. */
  readonly rates: { readonly timeout: number; readonly checksum: number; readonly circuitOpen: number };
  readonly components: ReadonlyArray<{
    readonly name: string;
    readonly instances: number;
    readonly calls: number;
    readonly successRate: number;
    readonly unhealthyInstances: number;
    /** Worst p95 across instances, ms. */
    readonly worstP95: number;
    readonly status: HealthStatus;
  }>;
  /** Recovery methods across the fleet, those that worked most first. */
  readonly recovery: ReadonlyArray<{
    readonly category: ErrorCategory;
    readonly strategy: string;
    readonly attempts: number;
    readonly successes: number;
    readonly rate: number;
  }>;
  /**
   * Per period — UTC day (`2026-11-22`), or UTC hour (`2026-11-22 21:00`) when every report is from
   * one day — over all reports given.
   */
  readonly trends: ReadonlyArray<{
    readonly period: string;
    readonly reports: number;
    readonly instances: number;
    readonly calls: number;
    readonly successRate: number;
    readonly installSuccessRate?: number;
    readonly unhealthy: number;
  }>;
  readonly alerts: readonly FleetAlert[];
  readonly thresholds: FleetThresholds;
  /** Inputs that were not health reports, with the reason. */
  readonly skipped: ReadonlyArray<{ readonly index: number; readonly reason: string }>;
}

/** Options of {@link aggregate}. */
export interface AggregateOptions {
  thresholds?: Partial<FleetThresholds>;
  /** Time of the fleet report (default now). */
  now?: Date;
}
