import { ConfigurationError } from '../errors/ConfigurationError.js';
import { ERROR_CATEGORIES, type ErrorCategory } from '../errors/category.js';
import { fleetAlerts } from './fleetAlerts.js';
import { ratio } from './fleetRatio.js';
import { fleetTargets } from './fleetTargets.js';
import { fleetTrends } from './fleetTrends.js';
import {
  type AggregateOptions,
  DEFAULT_FLEET_THRESHOLDS,
  type FleetReport,
  type FleetThresholds,
} from './fleetTypes.js';
import { type FleetInput, type FleetStatus, parseReport } from './reportSchema.js';
import { worse } from './status.js';
import type { HealthStatus } from './types.js';

export {
  type AggregateOptions,
  DEFAULT_FLEET_THRESHOLDS,
  type FleetAlert,
  type FleetReport,
  type FleetTarget,
  type FleetThresholds,
} from './fleetTypes.js';

const CATEGORY_SET: ReadonlySet<string> = new Set(ERROR_CATEGORIES);

/** Why `value` is not a usable health report (the field and what was expected), or undefined when it is. */
export function reportProblem(value: unknown): string | undefined {
  const parsed = parseReport(value);
  return 'problem' in parsed ? parsed.problem : undefined;
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

/** Adds the known categories of `from` (a report's counts, maybe hand-made) into `into`. */
function addCategories(into: Partial<Record<ErrorCategory, number>>, from: unknown): void {
  if (typeof from !== 'object' || from === null) return;
  for (const [k, v] of Object.entries(from)) {
    if (CATEGORY_SET.has(k) && typeof v === 'number' && Number.isFinite(v))
      into[k as ErrorCategory] = (into[k as ErrorCategory] ?? 0) + v;
  }
}

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
  const valid: FleetInput[] = [];
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
    const parsed = parseReport(r);
    if ('problem' in parsed) skipped.push({ index, reason: parsed.problem });
    else valid.push(parsed.report);
  });

  const latest = new Map<string, FleetInput>();
  for (const r of valid) {
    const seen = latest.get(r.instance.id);
    if (!seen || Date.parse(r.generatedAt) >= Date.parse(seen.generatedAt)) latest.set(r.instance.id, r);
  }
  const current = [...latest.values()].sort((a, b) => (a.instance.id < b.instance.id ? -1 : 1));

  const statusCount: Record<FleetStatus, number> = { healthy: 0, degraded: 0, unhealthy: 0, unknown: 0 };
  let calls = 0;
  let failures = 0;
  let attempts = 0;
  const errors: Partial<Record<ErrorCategory, number>> = {};
  const attemptErrors: Partial<Record<ErrorCategory, number>> = {};
  const installFailures: Partial<Record<ErrorCategory, number>> = {};
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
      /** Worst known status; undefined while every instance reported one it does not know. */
      status: HealthStatus | undefined;
    }
  >();
  const recovery = new Map<
    string,
    { category: ErrorCategory; strategy: string; attempts: number; successes: number }
  >();

  for (const r of current) {
    statusCount[r.status] += 1;
    calls += r.totals.calls;
    failures += r.totals.failures ?? 0;
    addCategories(errors, r.totals.errors);
    // Reports written before attempts were counted: each call is one attempt, final failures the events.
    const own = typeof r.totals.attempts === 'number' && r.totals.attempts >= r.totals.calls;
    attempts += own ? (r.totals.attempts as number) : r.totals.calls;
    addCategories(attemptErrors, own ? r.totals.attemptErrors : r.totals.errors);
    if (r.install) {
      installsKnown += 1;
      if (r.install.success) installsOk += 1;
      else if (r.install.category && CATEGORY_SET.has(r.install.category))
        installFailures[r.install.category] = (installFailures[r.install.category] ?? 0) + 1;
      installMs += r.install.durationMs;
    }
    for (const c of r.components) {
      const agg = components.get(c.name) ?? {
        instances: 0,
        calls: 0,
        successes: 0,
        unhealthy: 0,
        worstP95: 0,
        status: undefined,
      };
      agg.instances += 1;
      agg.calls += c.calls;
      agg.successes += c.successes;
      if (c.status === 'unhealthy') agg.unhealthy += 1;
      agg.worstP95 = Math.max(agg.worstP95, c.p95);
      if (c.status !== 'unknown') agg.status = agg.status ? worse(agg.status, c.status) : c.status;
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
    failureCategories: installFailures,
  };
  const rates = {
    timeout: ratio(count(attemptErrors, 'timeout'), attempts, 0),
    checksum: ratio(count(attemptErrors, 'corruption'), attempts, 0),
    circuitOpen: ratio(count(attemptErrors, 'circuit_open'), attempts, 0),
  };
  const alerts = fleetAlerts(installs, rates, attempts, thresholds);
  const targets = fleetTargets(installs, rates, attempts, thresholds);

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
    totals: {
      calls,
      failures,
      successRate: ratio(calls - failures, calls, 1),
      errors,
      attempts,
      attemptErrors,
    },
    rates,
    targets,
    components: [...components.entries()]
      .map(([name, c]) => ({
        name,
        instances: c.instances,
        calls: c.calls,
        successRate: ratio(c.successes, c.calls, 1),
        unhealthyInstances: c.unhealthy,
        worstP95: c.worstP95,
        status: c.status ?? ('unknown' as const),
      }))
      .sort((a, b) => a.successRate - b.successRate || (a.name < b.name ? -1 : 1)),
    recovery: [...recovery.values()]
      .map((s) => ({ ...s, rate: ratio(s.successes, s.attempts, 0) }))
      .sort((a, b) => b.successes - a.successes || b.rate - a.rate),
    trends: fleetTrends(valid),
    alerts,
    thresholds,
    skipped,
  };
}
