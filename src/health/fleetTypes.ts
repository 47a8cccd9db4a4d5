import type { ErrorCategory } from '../errors/category.js';
import type { FleetStatus } from './reportSchema.js';

/** Alert thresholds of the fleet view (the runbook's). */
export interface FleetThresholds {
  /** Alert when fewer installs than this succeed (default 0.9). */
  readonly installSuccessRate: number;
  /** Alert when installs take longer than this on average, ms (default 600 000 = 10 min). */
  readonly averageInstallMs: number;
  /** Alert when more attempts than this end in a timeout, recovered ones included (default 0.05). */
  readonly networkTimeoutRate: number;
  /** Alert when more attempts than this fail an integrity check (`corruption`), recovered ones included (default 0.01). */
  readonly checksumFailureRate: number;
  /** Alert when more attempts than this are rejected by an open circuit, recovered ones included (default 0.05). */
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
  /** Which threshold was crossed (one alert per kind at most). */
  readonly id:
    | 'install-success'
    | 'install-duration'
    | 'network-timeouts'
    | 'checksum-failures'
    | 'circuit-open'
    | 'disk-full';
  /** `critical` for install success and full disks, `warning` for the rest. */
  readonly severity: 'critical' | 'warning';
  /** One line for humans, with the observed value and the threshold. */
  readonly message: string;
  /** What to do, from docs/runbook.md ("add a mirror", "check the proxy", "disk too small …"). */
  readonly action: string;
  /** The observed value (a ratio, ms for install-duration, installs for disk-full). */
  readonly value: number;
  /** The threshold it crossed (same unit as `value`). */
  readonly threshold: number;
}

/** One of the runbook's targets, as met or missed by the fleet. */
export interface FleetTarget {
  /** The threshold it comes from. */
  readonly id: keyof FleetThresholds;
  /** What is measured, for people: `Install success`, `Network timeouts`, … */
  readonly label: string;
  /** The target as text: `≥ 90 %`, `< 10 min`, `< 5 % of attempts`. */
  readonly target: string;
  /** The observed value (ratio or ms), or null when there is nothing to measure yet. */
  readonly value: number | null;
  /** The observed value as text (`–` when unknown). */
  readonly observed: string;
  /** Whether the target is met; null when there is nothing to measure yet. */
  readonly met: boolean | null;
}

/** The fleet view. */
export interface FleetReport {
  /** Identifies fleet reports among other JSON files. */
  readonly schema: 'wan-reliability/fleet-report';
  /** Version of this format; bumped on incompatible changes. */
  readonly version: 1;
  /** ISO time of the aggregation (`now` option). */
  readonly generatedAt: string;
  /** Latest report per instance id. */
  readonly instances: {
    /** Distinct instance ids. */
    readonly total: number;
    /** Instances whose latest report is healthy. */
    readonly healthy: number;
    /** Instances whose latest report is degraded. */
    readonly degraded: number;
    /** Instances whose latest report is unhealthy. */
    readonly unhealthy: number;
    /** Instances whose latest report has a status this version does not know (shown as `unknown`). */
    readonly unknown: number;
    /** One entry per instance, sorted by id. */
    readonly list: ReadonlyArray<{
      /** The instance id. */
      readonly id: string;
      /** Host name from its report. */
      readonly hostname: string;
      /** Overall status of its latest report; `unknown` when the report's value is not a known status. */
      readonly status: FleetStatus;
      /** ISO time of its latest report. */
      readonly generatedAt: string;
      /** Calls in its latest report. */
      readonly calls: number;
      /** Success rate in its latest report (0–1). */
      readonly successRate: number;
      /** How its install went, when the report says. */
      readonly install?: {
        /** Whether the install succeeded. */
        readonly success: boolean;
        /** How long the install took, ms. */
        readonly durationMs: number;
      };
    }>;
  };
  /** Install outcomes of the instances whose latest report has one. */
  readonly installs: {
    /** Instances whose report tells how the install went. */
    readonly known: number;
    /** Installs that succeeded. */
    readonly succeeded: number;
    /** Installs that failed. */
    readonly failed: number;
    /** succeeded / known (1 when none known). */
    readonly successRate: number;
    /** Mean install duration, ms (0 when none known). */
    readonly averageDurationMs: number;
    /** Failed installs per category given to recordInstall (absent categories: not told). */
    readonly failureCategories: Partial<Record<ErrorCategory, number>>;
  };
  /** Sums over the latest report of every instance. */
  readonly totals: {
    /** Calls recorded. */
    readonly calls: number;
    /** Calls that finally failed. */
    readonly failures: number;
    /** (calls − failures) / calls (1 with no calls). */
    readonly successRate: number;
    /** Failures per category. */
    readonly errors: Partial<Record<ErrorCategory, number>>;
    /** Attempts: calls plus retried and failed-over attempts (calls alone for reports without it). */
    readonly attempts: number;
    /** Failed attempts per category, recovered ones included (final failures for reports without it). */
    readonly attemptErrors: Partial<Record<ErrorCategory, number>>;
  };
  /**
   * Event rates over every attempt that the alerts use: each timeout, checksum failure or open
   * circuit counts, also when a retry or another mirror recovered from it.
   */
  readonly rates: {
    /** Share of attempts that ended in a `timeout`. */
    readonly timeout: number;
    /** Share of attempts that failed an integrity check (`corruption`). */
    readonly checksum: number;
    /** Share of attempts rejected by an open circuit (`circuit_open`). */
    readonly circuitOpen: number;
  };
  /** The runbook's targets, each met or missed (shown in the fleet dashboard). */
  readonly targets: readonly FleetTarget[];
  /** Components across instances, lowest success rate first. */
  readonly components: ReadonlyArray<{
    /** Component name. */
    readonly name: string;
    /** Instances that reported it. */
    readonly instances: number;
    /** Calls summed over those instances. */
    readonly calls: number;
    /** Successes / calls over those instances (1 with no calls). */
    readonly successRate: number;
    /** Instances where it is unhealthy. */
    readonly unhealthyInstances: number;
    /** Worst p95 across instances, ms. */
    readonly worstP95: number;
    /** Its worst known status across instances; `unknown` when no instance gave a known one. */
    readonly status: FleetStatus;
  }>;
  /** Recovery methods across the fleet, those that worked most first. */
  readonly recovery: ReadonlyArray<{
    /** The failure category the strategy was tried for. */
    readonly category: ErrorCategory;
    /** Strategy name. */
    readonly strategy: string;
    /** Times it was tried, summed over instances. */
    readonly attempts: number;
    /** Times it fixed the failure. */
    readonly successes: number;
    /** successes / attempts (0 when never tried). */
    readonly rate: number;
  }>;
  /**
   * Per period — UTC day (`2026-11-22`), or UTC hour (`2026-11-22 21:00`) when every report is from
   * one day — over all reports given.
   */
  readonly trends: ReadonlyArray<{
    /** `YYYY-MM-DD` or `YYYY-MM-DD HH:00` (UTC); oldest first. */
    readonly period: string;
    /** Reports generated in the period. */
    readonly reports: number;
    /** Distinct instances among them. */
    readonly instances: number;
    /** Calls summed over those reports. */
    readonly calls: number;
    /** (calls − failures) / calls (1 with no calls). */
    readonly successRate: number;
    /** Share of those reports with a successful install; absent when none tells. */
    readonly installSuccessRate?: number;
    /** Reports in the period whose status is unhealthy. */
    readonly unhealthy: number;
  }>;
  /** Thresholds crossed (empty when every rate is within its threshold). */
  readonly alerts: readonly FleetAlert[];
  /** The thresholds the alerts were computed with. */
  readonly thresholds: FleetThresholds;
  /** Inputs that were not health reports, with the reason. */
  readonly skipped: ReadonlyArray<{
    /** Position of the input in the array given to aggregate. */
    readonly index: number;
    /** Why it was skipped (`not an object`, `unsupported version 2`, …). */
    readonly reason: string;
  }>;
}

/** Options of {@link aggregate}. */
export interface AggregateOptions {
  /** Alert thresholds; missing ones come from DEFAULT_FLEET_THRESHOLDS. */
  thresholds?: Partial<FleetThresholds>;
  /** Time of the fleet report (default now). */
  now?: Date;
}
