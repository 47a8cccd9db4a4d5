import { ConfigurationError } from '../errors/ConfigurationError.js';
import { ERROR_CATEGORIES, type ErrorCategory } from '../errors/category.js';
import { worse } from './status.js';
import {
  HEALTH_REPORT_SCHEMA,
  HEALTH_REPORT_VERSION,
  type HealthReport,
  type HealthStatus,
} from './types.js';

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

const CATEGORY_SET: ReadonlySet<string> = new Set(ERROR_CATEGORIES);

/** Why `value` is not a usable health report, or undefined when it is. */
export function reportProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const r = value as Partial<HealthReport>;
  if (r.schema !== HEALTH_REPORT_SCHEMA) return `schema is not "${HEALTH_REPORT_SCHEMA}"`;
  if (r.version !== HEALTH_REPORT_VERSION) return `unsupported version ${JSON.stringify(r.version)}`;
  if (typeof r.generatedAt !== 'string' || Number.isNaN(Date.parse(r.generatedAt))) return 'bad generatedAt';
  if (typeof r.instance?.id !== 'string') return 'missing instance.id';
  if (!Array.isArray(r.components)) return 'missing components';
  if (typeof r.totals?.calls !== 'number') return 'missing totals';
  return undefined;
}

function resolve(partial: Partial<FleetThresholds> | undefined): FleetThresholds {
  const t = { ...DEFAULT_FLEET_THRESHOLDS, ...(partial ?? {}) };
  for (const [key, value] of Object.entries(t)) {
    if (typeof value !== 'number' || !(value >= 0))
      throw new ConfigurationError(`aggregate thresholds.${key}`, 'a non-negative number', value);
  }
  return Object.freeze(t);
}

function count(errors: Partial<Record<ErrorCategory, number>> | undefined, category: ErrorCategory): number {
  const v = errors?.[category];
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

const ratio = (part: number, whole: number, empty: number) => (whole > 0 ? part / whole : empty);

/**
 * Fleet view of many instances' reports (e.g. collected from every installer run): instance and
 * install counts, per-component success, failure categories, recovery methods that worked, trends
 * per period and alerts against the runbook's thresholds (see DEFAULT_FLEET_THRESHOLDS).
 * Counts use the latest report of each instance id; trends use every report given. Reports may be
 * objects or JSON text; inputs that are not health reports are skipped and listed.
 */
export function aggregate(reports: readonly unknown[], options: AggregateOptions = {}): FleetReport {
  if (!Array.isArray(reports))
    throw new ConfigurationError('aggregate(reports)', 'an array of health reports', reports);
  const thresholds = resolve(options.thresholds);
  const valid: HealthReport[] = [];
  const skipped: { index: number; reason: string }[] = [];
  reports.forEach((input, index) => {
    let r = input;
    if (typeof input === 'string') {
      try {
        r = JSON.parse(input);
      } catch {
        skipped.push({ index, reason: 'a string that is not JSON' });
        return;
      }
    }
    const problem = reportProblem(r);
    if (problem) skipped.push({ index, reason: problem });
    else valid.push(r as HealthReport);
  });

  const latest = new Map<string, HealthReport>();
  for (const r of valid) {
    const seen = latest.get(r.instance.id);
    if (!seen || Date.parse(r.generatedAt) >= Date.parse(seen.generatedAt)) latest.set(r.instance.id, r);
  }
  const current = [...latest.values()].sort((a, b) => (a.instance.id < b.instance.id ? -1 : 1));

  const statusCount = { healthy: 0, degraded: 0, unhealthy: 0 };
  let calls = 0;
  let failures = 0;
  const errors: Partial<Record<ErrorCategory, number>> = {};
  let installsKnown = 0;
  let installsOk = 0;
  let installMs = 0;
  const components = new Map<
    string,
    {
      instances: number;
      calls: number;
      successes: number;
      unhealthy: number;
      worstP95: number;
      status: HealthStatus;
    }
  >();
  const recovery = new Map<
    string,
    { category: ErrorCategory; strategy: string; attempts: number; successes: number }
  >();

  for (const r of current) {
    statusCount[r.status] = (statusCount[r.status] ?? 0) + 1;
    calls += r.totals.calls;
    failures += r.totals.failures ?? 0;
    for (const [k, v] of Object.entries(r.totals.errors ?? {})) {
      if (CATEGORY_SET.has(k) && typeof v === 'number')
        errors[k as ErrorCategory] = (errors[k as ErrorCategory] ?? 0) + v;
    }
    if (r.install) {
      installsKnown += 1;
      if (r.install.success) installsOk += 1;
      installMs += r.install.durationMs;
    }
    for (const c of r.components) {
      const agg = components.get(c.name) ?? {
        instances: 0,
        calls: 0,
        successes: 0,
        unhealthy: 0,
        worstP95: 0,
        status: 'healthy',
      };
      agg.instances += 1;
      agg.calls += c.calls;
      agg.successes += c.successes;
      if (c.status === 'unhealthy') agg.unhealthy += 1;
      agg.worstP95 = Math.max(agg.worstP95, c.p95);
      agg.status = worse(agg.status, c.status);
      components.set(c.name, agg);
    }
    for (const s of r.recovery?.strategies ?? []) {
      const key = `${s.category}\0${s.strategy}`;
      const agg = recovery.get(key) ?? {
        category: s.category,
        strategy: s.strategy,
        attempts: 0,
        successes: 0,
      };
      agg.attempts += s.attempts;
      agg.successes += s.successes;
      recovery.set(key, agg);
    }
  }

  const installs = {
    known: installsKnown,
    succeeded: installsOk,
    failed: installsKnown - installsOk,
    successRate: ratio(installsOk, installsKnown, 1),
    averageDurationMs: ratio(installMs, installsKnown, 0),
  };
  const rates = {
    timeout: ratio(count(errors, 'timeout'), calls, 0),
    checksum: ratio(count(errors, 'corruption'), calls, 0),
    circuitOpen: ratio(count(errors, 'circuit_open'), calls, 0),
  };
  const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
  const alerts: FleetAlert[] = [];
  if (installs.known > 0 && installs.successRate < thresholds.installSuccessRate) {
    alerts.push({
      id: 'install-success',
      severity: 'critical',
      message: `Install success ${pct(installs.successRate)} (${installs.failed} of ${installs.known} failed) is below ${pct(thresholds.installSuccessRate)}.`,
      value: installs.successRate,
      threshold: thresholds.installSuccessRate,
    });
  }
  if (installs.known > 0 && installs.averageDurationMs > thresholds.averageInstallMs) {
    alerts.push({
      id: 'install-duration',
      severity: 'warning',
      message: `Installs take ${(installs.averageDurationMs / 60_000).toFixed(1)} min on average, more than ${(thresholds.averageInstallMs / 60_000).toFixed(1)} min.`,
      value: installs.averageDurationMs,
      threshold: thresholds.averageInstallMs,
    });
  }
  const rateAlert = (id: FleetAlert['id'], value: number, threshold: number, what: string) => {
    if (calls > 0 && value > threshold) {
      alerts.push({
        id,
        severity: 'warning',
        message: `${what} ${pct(value)} of calls, above ${pct(threshold)}.`,
        value,
        threshold,
      });
    }
  };
  rateAlert('network-timeouts', rates.timeout, thresholds.networkTimeoutRate, 'Network timeouts hit');
  rateAlert('checksum-failures', rates.checksum, thresholds.checksumFailureRate, 'Checksum failures hit');
  rateAlert('circuit-open', rates.circuitOpen, thresholds.circuitOpenRate, 'Open circuits rejected');

  return {
    schema: 'wan-reliability/fleet-report',
    version: 1,
    generatedAt: (options.now ?? new Date()).toISOString(),
    instances: {
      total: current.length,
      ...statusCount,
      list: current.map((r) => ({
        id: r.instance.id,
        hostname: r.instance.hostname,
        status: r.status,
        generatedAt: r.generatedAt,
        calls: r.totals.calls,
        successRate: r.totals.successRate,
        ...(r.install ? { install: { success: r.install.success, durationMs: r.install.durationMs } } : {}),
      })),
    },
    installs,
    totals: { calls, failures, successRate: ratio(calls - failures, calls, 1), errors },
    rates,
    components: [...components.entries()]
      .map(([name, c]) => ({
        name,
        instances: c.instances,
        calls: c.calls,
        successRate: ratio(c.successes, c.calls, 1),
        unhealthyInstances: c.unhealthy,
        worstP95: c.worstP95,
        status: c.status,
      }))
      .sort((a, b) => a.successRate - b.successRate || (a.name < b.name ? -1 : 1)),
    recovery: [...recovery.values()]
      .map((s) => ({ ...s, rate: ratio(s.successes, s.attempts, 0) }))
      .sort((a, b) => b.successes - a.successes || b.rate - a.rate),
    trends: trends(valid),
    alerts,
    thresholds,
    skipped,
  };
}

function trends(reports: readonly HealthReport[]): FleetReport['trends'] {
  if (reports.length === 0) return [];
  const days = new Set(reports.map((r) => new Date(r.generatedAt).toISOString().slice(0, 10)));
  const keyOf = (r: HealthReport) => {
    const iso = new Date(r.generatedAt).toISOString();
    return days.size === 1 ? `${iso.slice(0, 10)} ${iso.slice(11, 13)}:00` : iso.slice(0, 10);
  };
  const groups = new Map<string, HealthReport[]>();
  for (const r of reports) {
    const key = keyOf(r);
    const list = groups.get(key) ?? [];
    list.push(r);
    groups.set(key, list);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([period, list]) => {
      const calls = list.reduce((n, r) => n + r.totals.calls, 0);
      const failures = list.reduce((n, r) => n + (r.totals.failures ?? 0), 0);
      const withInstall = list.filter((r) => r.install);
      return {
        period,
        reports: list.length,
        instances: new Set(list.map((r) => r.instance.id)).size,
        calls,
        successRate: ratio(calls - failures, calls, 1),
        ...(withInstall.length > 0
          ? { installSuccessRate: withInstall.filter((r) => r.install?.success).length / withInstall.length }
          : {}),
        unhealthy: list.filter((r) => r.status === 'unhealthy').length,
      };
    });
}
