import os from 'node:os';
import type { ErrorCategory } from '../errors/category.js';
import type { RecoveryStats, Redactor } from '../recovery/types.js';
import type { ComponentTable } from './componentTable.js';
import { LabelValues } from './labelValues.js';
import { type ComponentStats, LATENCY_BOUNDS_MS } from './stats.js';
import { statusOf, worse } from './status.js';
import {
  type CircuitReport,
  type ComponentHealth,
  type ComponentReport,
  HEALTH_REPORT_SCHEMA,
  HEALTH_REPORT_VERSION,
  type HealthReport,
  type HealthStatus,
  type HealthThresholds,
  type InstallOutcome,
  type OperationReport,
} from './types.js';

/** Redacts names for reports, remembering results (bounded) since the same names recur every report. */
export class NameCleaner {
  readonly #redact: Redactor;
  readonly #redacted = new Map<string, string>();

  constructor(redact: Redactor) {
    this.#redact = redact;
  }

  /** `name`, redacted. */
  clean(name: string): string {
    let out = this.#redacted.get(name);
    if (out === undefined) {
      out = this.#redact(name);
      if (this.#redacted.size > 10_000) this.#redacted.clear();
      this.#redacted.set(name, out);
    }
    return out;
  }
}

/** Who is reporting: copied into every report's `instance`. */
export interface ReporterIdentity {
  readonly instanceId: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly startedAt: number;
}

/** A report with no components: the instance, thresholds and zero totals. */
export function emptyReport(
  identity: ReporterIdentity,
  thresholds: HealthThresholds,
  cleaner: NameCleaner,
): HealthReport {
  const now = Date.now();
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(identity.labels)) labels[cleaner.clean(k)] = cleaner.clean(v);
  return {
    schema: HEALTH_REPORT_SCHEMA,
    version: HEALTH_REPORT_VERSION,
    generatedAt: new Date(now).toISOString(),
    instance: {
      id: cleaner.clean(identity.instanceId),
      hostname: os.hostname(),
      pid: process.pid,
      platform: process.platform,
      arch: process.arch,
      node: process.version,
      startedAt: new Date(identity.startedAt).toISOString(),
      uptimeSeconds: Math.max(0, (now - identity.startedAt) / 1000),
      labels,
    },
    status: 'healthy',
    thresholds,
    totals: {
      calls: 0,
      successes: 0,
      failures: 0,
      recovered: 0,
      successRate: 1,
      errors: {},
      attempts: 0,
      attemptErrors: {},
    },
    components: [],
  };
}

/** What a full report is assembled from; the functions are called once each, in the order listed. */
export interface ReportSources {
  readonly table: ComponentTable;
  readonly thresholds: HealthThresholds;
  readonly cleaner: NameCleaner;
  readonly base: () => HealthReport;
  readonly install: () => InstallOutcome | undefined;
  readonly recovery: () => RecoveryStats | undefined;
  readonly circuits: (() => Iterable<CircuitReport>) | undefined;
  /** Breakers listed at most; the rest are counted in `circuitsOmitted`. */
  readonly maxCircuits: number;
}

/** The full report: per-component reports, totals, the worst status, install, recovery and circuits. */
export function assembleReport(sources: ReportSources): HealthReport {
  const { cleaner, thresholds } = sources;
  const components = distinctNames(
    [...sources.table.values()].map((c) => componentReport(c, cleaner, thresholds)),
  );
  const base = sources.base();
  const totals = {
    calls: 0,
    successes: 0,
    failures: 0,
    recovered: 0,
    successRate: 1,
    errors: {} as Partial<Record<ErrorCategory, number>>,
    attempts: 0,
    attemptErrors: {} as Partial<Record<ErrorCategory, number>>,
  };
  let status: HealthStatus = 'healthy';
  for (const c of components) {
    totals.calls += c.calls;
    totals.successes += c.successes;
    totals.failures += c.failures;
    totals.recovered += c.recovered;
    addCounts(totals.errors, c.errors);
    totals.attempts += c.attempts;
    addCounts(totals.attemptErrors, c.attemptErrors);
    status = worse(status, c.status);
  }
  totals.successRate = totals.calls === 0 ? 1 : totals.successes / totals.calls;
  const install = sources.install();
  const recovery = sources.recovery();
  let circuits: CircuitReport[] | undefined;
  let circuitsOmitted = 0;
  if (sources.circuits) {
    try {
      const all = [...sources.circuits()];
      circuitsOmitted = Math.max(0, all.length - sources.maxCircuits);
      const names = new LabelValues(Number.POSITIVE_INFINITY);
      circuits = keepWorst(all, sources.maxCircuits).map((b) => ({
        ...b,
        name: names.take(cleaner.clean(b.name)),
      }));
    } catch {
      circuits = undefined;
    }
  }
  return {
    ...base,
    status,
    totals,
    components,
    ...(install ? { install } : {}),
    ...(recovery
      ? {
          recovery: {
            ...recovery,
            strategies: distinctStrategies(recovery.strategies, cleaner),
          },
        }
      : {}),
    ...(circuits && circuits.length > 0 ? { circuits } : {}),
    ...(circuitsOmitted > 0 ? { circuitsOmitted } : {}),
  };
}

/** Which breakers a capped list keeps: the ones that reject calls first. Unknown states go last. */
const STATE_ORDER: Readonly<Record<string, number>> = { open: 0, 'half-open': 1, closed: 2 };

/**
 * The `max` breakers in the worst states (open, then half-open, then closed), in their original
 * order: names are made distinct in that order, so a cap that keeps everything changes nothing.
 */
function keepWorst(all: CircuitReport[], max: number): CircuitReport[] {
  if (all.length <= max) return all;
  const rank = (b: CircuitReport) => STATE_ORDER[b.state] ?? 3;
  const kept = new Set(
    all
      .map((b, index) => ({ index, rank: rank(b) }))
      .sort((a, b) => a.rank - b.rank || a.index - b.index)
      .slice(0, max)
      .map((entry) => entry.index),
  );
  return all.filter((_, index) => kept.has(index));
}

/**
 * Components with distinct names, and operations distinct within each: two raw names that redact
 * alike (`https://u:***@host`) would otherwise be two entries of one name in the report, its
 * dashboards and OpenTelemetry. A repeated name gets ` (2)`, ` (3)`, … in first-seen order (see
 * LabelValues; no length limit here).
 */
function distinctNames(components: ComponentReport[]): ComponentReport[] {
  const names = new LabelValues(Number.POSITIVE_INFINITY);
  return components.map((c) => {
    const operations = new LabelValues(Number.POSITIVE_INFINITY);
    return {
      ...c,
      name: names.take(c.name),
      operations: c.operations.map((o) => ({ ...o, name: operations.take(o.name) })),
    };
  });
}

/** Strategy names redacted, distinct within each category. */
function distinctStrategies(
  strategies: RecoveryStats['strategies'],
  cleaner: NameCleaner,
): RecoveryStats['strategies'] {
  const perCategory = new Map<string, LabelValues>();
  return strategies.map((s) => {
    let names = perCategory.get(s.category);
    if (!names) {
      names = new LabelValues(Number.POSITIVE_INFINITY);
      perCategory.set(s.category, names);
    }
    return { ...s, strategy: names.take(cleaner.clean(s.strategy)) };
  });
}

/** The health summary of one component under `name`. */
export function componentHealth(
  c: ComponentStats,
  name: string,
  thresholds: HealthThresholds,
): ComponentHealth {
  return {
    name,
    status: statusOf(c.successRate, c.consecutiveFailures, c.windowCalls, thresholds),
    successRate: c.successRate,
    consecutiveFailures: c.consecutiveFailures,
    calls: c.calls,
    ...c.percentiles(),
  };
}

function componentReport(
  c: ComponentStats,
  cleaner: NameCleaner,
  thresholds: HealthThresholds,
): ComponentReport {
  const errors: Partial<Record<ErrorCategory, number>> = {};
  const attemptErrors: Partial<Record<ErrorCategory, number>> = {};
  let attempts = 0;
  const operations: OperationReport[] = [];
  for (const op of c.operations.values()) {
    const opErrors = op.errors();
    const opAttemptErrors = op.attemptErrors();
    addCounts(errors, opErrors);
    addCounts(attemptErrors, opAttemptErrors);
    attempts += op.calls + op.retried;
    operations.push({
      name: cleaner.clean(op.name),
      calls: op.calls,
      successes: op.successes,
      failures: op.calls - op.successes,
      recovered: op.recovered,
      successRate: op.calls === 0 ? 1 : op.successes / op.calls,
      p50: op.quantile(0.5),
      p95: op.quantile(0.95),
      meanMs: op.calls === 0 ? 0 : op.sumMs / op.calls,
      maxMs: op.maxMs,
      errors: opErrors,
      attempts: op.calls + op.retried,
      attemptErrors: opAttemptErrors,
      histogram: { boundsMs: LATENCY_BOUNDS_MS, counts: Array.from(op.buckets), sumMs: op.sumMs },
    });
  }
  return {
    ...componentHealth(c, cleaner.clean(c.name), thresholds),
    windowCalls: c.windowCalls,
    successes: c.successes,
    failures: c.calls - c.successes,
    recovered: c.recovered,
    ...(c.lastFailureAt > 0
      ? {
          lastFailureAt: new Date(c.lastFailureAt).toISOString(),
          lastFailureCategory: c.lastCategory ?? 'unknown',
        }
      : {}),
    errors,
    attempts,
    attemptErrors,
    operations,
  };
}

function addCounts(
  into: Partial<Record<ErrorCategory, number>>,
  from: Partial<Record<ErrorCategory, number>>,
): void {
  for (const [k, v] of Object.entries(from))
    into[k as ErrorCategory] = (into[k as ErrorCategory] ?? 0) + (v ?? 0);
}

/**
 * How the install went when recordInstall was not called: the last outcome of the operation — or
 * else the component — named `installOperation` (lower case).
 */
export function derivedInstall(table: ComponentTable, installOperation: string): InstallOutcome | undefined {
  const at = new Date().toISOString();
  for (const c of table.values()) {
    for (const op of c.operations.values()) {
      if (op.calls > 0 && op.name.toLowerCase() === installOperation) {
        return { success: op.lastOk, durationMs: op.lastMs, at, source: 'operation' };
      }
    }
  }
  for (const c of table.values()) {
    if (c.calls > 0 && c.name.toLowerCase() === installOperation) {
      return {
        success: c.consecutiveFailures === 0,
        durationMs: c.lastDurationMs,
        at,
        source: 'operation',
      };
    }
  }
  return undefined;
}
