import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { liveBreakers } from '../circuit/registry.js';
import { redact } from '../context/redact.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { ERROR_CATEGORIES, type ErrorCategory } from '../errors/category.js';
import { optionalCount, optionalFunction, optionalObject } from '../policy/validate.js';
import type { RecoveryStats, Redactor } from '../recovery/types.js';
import type { CallOutcome, HealthHook } from '../wrap/hooks.js';
import { type AggregateOptions, aggregate, type FleetReport } from './aggregate.js';
import { fleetToHTML } from './fleetHtml.js';
import { type HtmlOptions, toHTML } from './html.js';
import { toMarkdown } from './markdown.js';
import { bindMeter, loadGlobalMeter, type MeterLike } from './otel.js';
import { toPrometheus } from './prometheus.js';
import { type HealthServer, type ServeOptions, serveHealth } from './server.js';
import { ComponentStats, LATENCY_BOUNDS_MS, OperationStats } from './stats.js';
import { resolveThresholds, statusOf, worse } from './status.js';
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

/** Options of {@link HealthReporter}. */
export interface HealthReporterOptions {
  /** Identifies this instance in fleet views (default: `<hostname>-<pid>-<random>`, unique per reporter). */
  instanceId?: string;
  /** Free-form labels copied into every report (installer version, channel, …). */
  labels?: Record<string, string>;
  /** Recent outcomes per component that the success rate is computed over (default 100). */
  window?: number;
  /** Recent durations per component kept for p50/p95 (default 256). */
  latencySamples?: number;
  /** Status thresholds (see DEFAULT_HEALTH_THRESHOLDS). */
  thresholds?: Partial<HealthThresholds>;
  /** Distinct components tracked; more are folded into `(other)` (default 200). */
  maxComponents?: number;
  /** Distinct operations tracked per component; more are folded into `(other)` (default 100). */
  maxOperations?: number;
  /** A RecoveryRegistry (anything with `stats()`), whose learned statistics go into reports. */
  recovery?: { stats(): RecoveryStats };
  /** Circuit breakers to list; default: every live CircuitBreaker. `false` lists none. */
  circuits?: false | (() => Iterable<CircuitReport>);
  /**
   * The operation (or, failing that, component) name whose last outcome tells how the install went
   * when recordInstall was not called (default `install`, any case).
   */
  installOperation?: string;
  /** Redacts names and labels in every output (default: the package's `redact()`). */
  redact?: Redactor;
  /** Prometheus metric prefix (default `wan_reliability`). */
  prefix?: string;
  /**
   * OpenTelemetry: `true` (default) binds to the global meter when `@opentelemetry/api` is
   * installed; a meter binds to that meter; `false` disables it.
   */
  openTelemetry?: boolean | MeterLike;
}

const OTHER = '(other)';
const CATEGORY_SET: ReadonlySet<string> = new Set(ERROR_CATEGORIES);

function defaultCircuits(): CircuitReport[] {
  const out: CircuitReport[] = [];
  for (const b of liveBreakers<{ name: string; snapshot?: () => CircuitReport }>()) {
    if (typeof b.snapshot === 'function') out.push(b.snapshot());
  }
  return out;
}

/**
 * Collects the outcome of every wrapped call (it implements withReliability's `health` hook) and
 * reports per-component health: a rolling success rate, consecutive failures, p50/p95 latency,
 * failures per category and recoveries. Recording is O(1) with fixed memory per component and
 * operation (ring buffers and fixed histograms), so it can run on every call.
 *
 * Outputs: `report()` (versioned JSON), `toMarkdown()`, `toHTML()` (self-contained dashboard),
 * `toPrometheus()`, `serve()` (`/health`, `/metrics`), OpenTelemetry observable instruments, and
 * `HealthReporter.aggregate()` for a fleet.
 */
export class HealthReporter implements HealthHook {
  readonly #components = new Map<string, ComponentStats>();
  #last: ComponentStats | undefined;
  readonly #window: number;
  readonly #samples: number;
  readonly #maxComponents: number;
  readonly #maxOperations: number;
  readonly #thresholds: HealthThresholds;
  readonly #instanceId: string;
  readonly #labels: Readonly<Record<string, string>>;
  readonly #recovery: { stats(): RecoveryStats } | undefined;
  readonly #circuits: (() => Iterable<CircuitReport>) | undefined;
  readonly #installOperation: string;
  readonly #redact: Redactor;
  readonly #redacted = new Map<string, string>();
  readonly #prefix: string | undefined;
  readonly #startedAt = Date.now();
  #install: InstallOutcome | undefined;
  #unbindMeter: (() => void) | undefined;
  /** Settles once OpenTelemetry binding was attempted: true when bound to a meter. */
  readonly openTelemetryReady: Promise<boolean>;

  constructor(options: HealthReporterOptions = {}) {
    optionalObject('HealthReporter options', options);
    this.#window = positive('window', options.window, 100);
    this.#samples = positive('latencySamples', options.latencySamples, 256);
    this.#maxComponents = positive('maxComponents', options.maxComponents, 200);
    this.#maxOperations = positive('maxOperations', options.maxOperations, 100);
    this.#thresholds = resolveThresholds(optionalObject('HealthReporter.thresholds', options.thresholds));
    if (
      options.instanceId !== undefined &&
      (typeof options.instanceId !== 'string' || options.instanceId === '')
    ) {
      throw new ConfigurationError('HealthReporter.instanceId', 'a non-empty string', options.instanceId);
    }
    this.#instanceId =
      options.instanceId ?? `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    const labels = optionalObject<Record<string, unknown>>('HealthReporter.labels', options.labels) ?? {};
    for (const [k, v] of Object.entries(labels)) {
      if (typeof v !== 'string') throw new ConfigurationError(`HealthReporter.labels.${k}`, 'a string', v);
    }
    this.#labels = Object.freeze({ ...(labels as Record<string, string>) });
    if (options.recovery !== undefined && typeof options.recovery?.stats !== 'function') {
      throw new ConfigurationError(
        'HealthReporter.recovery',
        'an object with stats() (a RecoveryRegistry)',
        options.recovery,
      );
    }
    this.#recovery = options.recovery;
    if (options.circuits === false) this.#circuits = undefined;
    else this.#circuits = optionalFunction('HealthReporter.circuits', options.circuits) ?? defaultCircuits;
    this.#installOperation = (options.installOperation ?? 'install').toLowerCase();
    this.#redact =
      optionalFunction<Redactor>('HealthReporter.redact', options.redact) ?? ((text) => redact(text));
    this.#prefix = options.prefix;
    if (this.#prefix !== undefined) toPrometheus(this.#emptyReport(), { prefix: this.#prefix }); // validates
    const otel = options.openTelemetry ?? true;
    if (typeof otel !== 'boolean' && (typeof otel !== 'object' || otel === null)) {
      throw new ConfigurationError('HealthReporter.openTelemetry', 'true, false or a Meter', otel);
    }
    this.openTelemetryReady = otel === false ? Promise.resolve(false) : this.#bindOpenTelemetry(otel);
  }

  /**
   * Records one call's outcome. O(1), no allocation after a component/operation is first seen;
   * safe to call on every wrapped call. Negative or non-finite durations count as 0.
   */
  record(outcome: CallOutcome): void {
    const componentName = outcome.component;
    let c = this.#last;
    if (c === undefined || c.name !== componentName) {
      c = this.#components.get(componentName) ?? this.#createComponent(componentName);
      this.#last = c;
    }
    const operationName = outcome.operation;
    let op = c.lastOperation;
    if (op === undefined || op.name !== operationName) {
      op = c.operations.get(operationName) ?? this.#createOperation(c, operationName);
      c.lastOperation = op;
    }
    const d = outcome.durationMs;
    const ms = d > 0 && d < Number.POSITIVE_INFINITY ? d : 0;
    const success = outcome.success === true;
    c.record(success, ms, outcome.category, outcome.recovered);
    op.record(success, ms, outcome.category, outcome.recovered);
  }

  /**
   * Records how the installation as a whole went; fleet views count install success and average
   * install time from it. Without it, the last outcome of the operation — or else the component —
   * named `installOperation` (default `install`) is used.
   */
  recordInstall(outcome: { success: boolean; durationMs: number; category?: ErrorCategory }): void {
    if (typeof outcome !== 'object' || outcome === null || typeof outcome.success !== 'boolean') {
      throw new ConfigurationError('recordInstall', '{ success: boolean, durationMs: number }', outcome);
    }
    if (!(outcome.durationMs >= 0) || !Number.isFinite(outcome.durationMs)) {
      throw new ConfigurationError(
        'recordInstall.durationMs',
        'a non-negative number of ms',
        outcome.durationMs,
      );
    }
    if (outcome.category !== undefined && !CATEGORY_SET.has(outcome.category)) {
      throw new ConfigurationError('recordInstall.category', 'an ErrorCategory', outcome.category);
    }
    this.#install = {
      success: outcome.success,
      durationMs: outcome.durationMs,
      ...(outcome.category !== undefined ? { category: outcome.category } : {}),
      at: new Date().toISOString(),
      source: 'explicit',
    };
  }

  /** Names of the components seen so far. */
  components(): string[] {
    return [...this.#components.keys()];
  }

  /**
   * Health of one component: `healthy` (fewer than 3 consecutive failures and a rolling success
   * rate above 50 %), `unhealthy` (5+ consecutive failures, or under 25 % over 5+ calls) or
   * `degraded` (in between) with the default thresholds. An unknown component is healthy with 0 calls.
   */
  componentHealth(name: string): ComponentHealth {
    const c = this.#components.get(name);
    if (!c)
      return { name, status: 'healthy', successRate: 1, consecutiveFailures: 0, calls: 0, p50: 0, p95: 0 };
    return this.#health(c, name);
  }

  /** The worst component status (healthy when nothing was recorded). */
  status(): HealthStatus {
    let status: HealthStatus = 'healthy';
    for (const c of this.#components.values()) {
      status = worse(status, statusOf(c.successRate, c.consecutiveFailures, c.windowCalls, this.#thresholds));
    }
    return status;
  }

  /** The versioned JSON report (see HealthReport). Cost depends on components, not on calls recorded. */
  report(): HealthReport {
    const components = [...this.#components.values()].map((c) => this.#componentReport(c));
    const base = this.#emptyReport();
    const totals = {
      calls: 0,
      successes: 0,
      failures: 0,
      recovered: 0,
      successRate: 1,
      errors: {} as Partial<Record<ErrorCategory, number>>,
    };
    let status: HealthStatus = 'healthy';
    for (const c of components) {
      totals.calls += c.calls;
      totals.successes += c.successes;
      totals.failures += c.failures;
      totals.recovered += c.recovered;
      for (const [k, v] of Object.entries(c.errors))
        totals.errors[k as ErrorCategory] = (totals.errors[k as ErrorCategory] ?? 0) + (v ?? 0);
      status = worse(status, c.status);
    }
    totals.successRate = totals.calls === 0 ? 1 : totals.successes / totals.calls;
    const install = this.#install ?? this.#derivedInstall();
    const recovery = this.#recovery?.stats();
    let circuits: CircuitReport[] | undefined;
    if (this.#circuits) {
      try {
        circuits = [...this.#circuits()].map((b) => ({ ...b, name: this.#clean(b.name) }));
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
      ...(recovery ? { recovery: this.#cleanRecovery(recovery) } : {}),
      ...(circuits && circuits.length > 0 ? { circuits } : {}),
    };
  }

  /** The report, for JSON.stringify. */
  toJSON(): HealthReport {
    return this.report();
  }

  /** The report as Markdown. */
  toMarkdown(): string {
    return toMarkdown(this.report());
  }

  /** The report as one self-contained HTML page with inline SVG charts. */
  toHTML(options: HtmlOptions = {}): string {
    return toHTML(this.report(), options);
  }

  /** The report in the Prometheus text exposition format. */
  toPrometheus(): string {
    return toPrometheus(this.report(), this.#prefix !== undefined ? { prefix: this.#prefix } : {});
  }

  /** Serves `/health` (JSON, 503 when unhealthy), `/metrics` and `/dashboard` on 127.0.0.1 by default. */
  serve(options: ServeOptions = {}): Promise<HealthServer> {
    return serveHealth(this, options);
  }

  /**
   * Binds the metrics to an OpenTelemetry meter (given, or the global one from
   * `@opentelemetry/api` when installed), replacing an earlier binding. Resolves true when bound.
   */
  async useOpenTelemetry(meter?: MeterLike): Promise<boolean> {
    const target = meter ?? (await loadGlobalMeter());
    if (!target) return false;
    this.#unbindMeter?.();
    const ref = new WeakRef(this);
    // The meter holds only a weak reference: a dropped reporter is not kept alive by its callbacks.
    this.#unbindMeter = bindMeter(target, () => ref.deref()?.report());
    return true;
  }

  /** Forgets everything recorded (components, install) and unbinds nothing. */
  reset(): void {
    this.#components.clear();
    this.#last = undefined;
    this.#install = undefined;
  }

  /** Stops feeding OpenTelemetry. */
  close(): void {
    this.#unbindMeter?.();
    this.#unbindMeter = undefined;
  }

  /** Fleet view of many reports; see {@link aggregate}. */
  static aggregate(reports: readonly unknown[], options?: AggregateOptions): FleetReport {
    return aggregate(reports, options);
  }

  /** A fleet view as one self-contained HTML dashboard. */
  static fleetToHTML(fleet: FleetReport, options?: { title?: string }): string {
    return fleetToHTML(fleet, options);
  }

  // ── internals ──────────────────────────────────────────────────────────────

  #createComponent(name: unknown): ComponentStats {
    const key = typeof name === 'string' ? name : String(name);
    const existing = this.#components.get(key);
    if (existing) return existing;
    if (this.#components.size >= this.#maxComponents) {
      const other = this.#components.get(OTHER);
      if (other) return other;
    }
    const stats = new ComponentStats(
      this.#components.size >= this.#maxComponents ? OTHER : key,
      this.#window,
      this.#samples,
    );
    this.#components.set(stats.name, stats);
    return stats;
  }

  #createOperation(c: ComponentStats, name: unknown): OperationStats {
    const key = typeof name === 'string' ? name : String(name);
    const existing = c.operations.get(key);
    if (existing) return existing;
    if (c.operations.size >= this.#maxOperations) {
      const other = c.operations.get(OTHER);
      if (other) return other;
    }
    const stats = new OperationStats(c.operations.size >= this.#maxOperations ? OTHER : key);
    c.operations.set(stats.name, stats);
    return stats;
  }

  #clean(name: string): string {
    let out = this.#redacted.get(name);
    if (out === undefined) {
      out = this.#redact(name);
      if (this.#redacted.size > 10_000) this.#redacted.clear();
      this.#redacted.set(name, out);
    }
    return out;
  }

  #cleanRecovery(stats: RecoveryStats): RecoveryStats {
    return {
      ...stats,
      strategies: stats.strategies.map((s) => ({ ...s, strategy: this.#clean(s.strategy) })),
    };
  }

  #health(c: ComponentStats, name: string): ComponentHealth {
    return {
      name,
      status: statusOf(c.successRate, c.consecutiveFailures, c.windowCalls, this.#thresholds),
      successRate: c.successRate,
      consecutiveFailures: c.consecutiveFailures,
      calls: c.calls,
      ...c.percentiles(),
    };
  }

  #componentReport(c: ComponentStats): ComponentReport {
    const errors: Partial<Record<ErrorCategory, number>> = {};
    const operations: OperationReport[] = [];
    for (const op of c.operations.values()) {
      const opErrors = op.errors();
      for (const [k, v] of Object.entries(opErrors))
        errors[k as ErrorCategory] = (errors[k as ErrorCategory] ?? 0) + (v ?? 0);
      operations.push({
        name: this.#clean(op.name),
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
        histogram: { boundsMs: LATENCY_BOUNDS_MS, counts: Array.from(op.buckets), sumMs: op.sumMs },
      });
    }
    return {
      ...this.#health(c, this.#clean(c.name)),
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
      operations,
    };
  }

  #derivedInstall(): InstallOutcome | undefined {
    const name = this.#installOperation;
    const at = new Date().toISOString();
    for (const c of this.#components.values()) {
      for (const op of c.operations.values()) {
        if (op.calls > 0 && op.name.toLowerCase() === name) {
          return { success: op.lastOk, durationMs: op.lastMs, at, source: 'operation' };
        }
      }
    }
    for (const c of this.#components.values()) {
      if (c.calls > 0 && c.name.toLowerCase() === name) {
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

  #emptyReport(): HealthReport {
    const now = Date.now();
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.#labels)) labels[this.#clean(k)] = this.#clean(v);
    return {
      schema: HEALTH_REPORT_SCHEMA,
      version: HEALTH_REPORT_VERSION,
      generatedAt: new Date(now).toISOString(),
      instance: {
        id: this.#clean(this.#instanceId),
        hostname: os.hostname(),
        pid: process.pid,
        platform: process.platform,
        arch: process.arch,
        node: process.version,
        startedAt: new Date(this.#startedAt).toISOString(),
        uptimeSeconds: Math.max(0, (now - this.#startedAt) / 1000),
        labels,
      },
      status: 'healthy',
      thresholds: this.#thresholds,
      totals: { calls: 0, successes: 0, failures: 0, recovered: 0, successRate: 1, errors: {} },
      components: [],
    };
  }

  async #bindOpenTelemetry(setting: true | MeterLike): Promise<boolean> {
    try {
      return await this.useOpenTelemetry(setting === true ? undefined : setting);
    } catch {
      return false;
    }
  }
}

function positive(option: string, value: unknown, fallback: number): number {
  const n = optionalCount(`HealthReporter.${option}`, value) ?? fallback;
  if (n < 1) throw new ConfigurationError(`HealthReporter.${option}`, 'a positive integer', value);
  return n;
}
