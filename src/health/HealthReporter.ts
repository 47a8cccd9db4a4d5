import { ConfigurationError } from '../errors/ConfigurationError.js';
import { ERROR_CATEGORIES, type ErrorCategory } from '../errors/category.js';
import type { CallOutcome, HealthHook } from '../policies/wrap/hooks.js';
import { type AggregateOptions, aggregate, type FleetReport } from './aggregate.js';
import { ComponentTable } from './componentTable.js';
import { type FleetHtmlOptions, fleetToHTML } from './fleetHtml.js';
import { type HtmlOptions, toHTML } from './html.js';
import { toMarkdown } from './markdown.js';
import { bindMeter, loadGlobalMeter, type MeterLike } from './otel.js';
import { toPrometheus } from './prometheus.js';
import {
  assembleReport,
  componentHealth,
  derivedInstall,
  emptyReport,
  NameCleaner,
  type ReporterIdentity,
} from './reportAssembly.js';
import {
  type HealthReporterOptions,
  type ResolvedReporterOptions,
  resolveReporterOptions,
} from './reporterOptions.js';
import { type HealthServer, type ServeOptions, serveHealth } from './server.js';
import { statusOf, worse } from './status.js';
import type { ComponentHealth, HealthReport, HealthStatus, InstallOutcome } from './types.js';

export type { HealthReporterOptions } from './reporterOptions.js';

const CATEGORY_SET: ReadonlySet<string> = new Set(ERROR_CATEGORIES);

/**
 * Collects the outcome of every wrapped call (it implements withReliability's `health` hook) and
 * reports per-component health: a rolling success rate, consecutive failures, p50/p95 latency,
 * failures per category and recoveries. Recording is O(1) with fixed memory per component and
 * operation (ring buffers and fixed histograms), so it can run on every call.
 *
 * Outputs: `report()` (versioned JSON), `toMarkdown()`, `toHTML()` (self-contained dashboard),
 * `toPrometheus()`, `serve()` (`/health`, `/metrics`), OpenTelemetry observable instruments, and
 * `HealthReporter.aggregate()` for a fleet.
 *
 * The rolling state lives in componentTable.ts, report assembly in reportAssembly.ts.
 */
export class HealthReporter implements HealthHook {
  readonly #options: ResolvedReporterOptions;
  readonly #table: ComponentTable;
  readonly #cleaner: NameCleaner;
  readonly #identity: ReporterIdentity;
  readonly #prefix: string | undefined;
  #install: InstallOutcome | undefined;
  #unbindMeter: (() => void) | undefined;
  /** Settles once OpenTelemetry binding was attempted: true when bound to a meter. */
  readonly openTelemetryReady: Promise<boolean>;

  constructor(options: HealthReporterOptions = {}) {
    const startedAt = Date.now();
    this.#options = resolveReporterOptions(options);
    this.#table = new ComponentTable(this.#options.limits);
    this.#cleaner = new NameCleaner(this.#options.redact);
    this.#identity = { instanceId: this.#options.instanceId, labels: this.#options.labels, startedAt };
    this.#prefix = options.prefix;
    if (this.#prefix !== undefined) {
      try {
        toPrometheus(this.#emptyReport(), { prefix: this.#prefix }); // validates
      } catch {
        throw new ConfigurationError(
          'HealthReporter.prefix',
          'a metric name such as wan_reliability',
          this.#prefix,
        );
      }
    }
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
    this.#table.record(outcome);
  }

  /**
   * Records an attempt that failed and was followed by another attempt of the same call — a retry,
   * a fail-over to the next mirror, the next alternative. It is no call outcome (status and success
   * rates do not change) but counts in `attempts` and `attemptErrors`, so that fleet rates count every
   * timeout, checksum failure or open circuit, also those a later attempt recovered from. Record the
   * call's final outcome with {@link record} as usual. O(1).
   *
   * @example
   * downloader.on('download:retry', (e) => health.recordFailedAttempt({ component: 'downloads', operation: 'download', category: e.category }));
   */
  recordFailedAttempt(attempt: { component: string; operation: string; category?: ErrorCategory }): void {
    if (
      typeof attempt !== 'object' ||
      attempt === null ||
      typeof attempt.component !== 'string' ||
      typeof attempt.operation !== 'string'
    ) {
      throw new ConfigurationError(
        'recordFailedAttempt',
        '{ component: string, operation: string, category?: ErrorCategory }',
        attempt,
      );
    }
    if (attempt.category !== undefined && !CATEGORY_SET.has(attempt.category)) {
      throw new ConfigurationError('recordFailedAttempt.category', 'an ErrorCategory', attempt.category);
    }
    this.#table.recordRetried(attempt.component, attempt.operation, attempt.category);
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
    return this.#table.names();
  }

  /**
   * Health of one component: `healthy` (fewer than 3 consecutive failures and a rolling success
   * rate above 50 %), `unhealthy` (5+ consecutive failures, or under 25 % over 5+ calls) or
   * `degraded` (in between) with the default thresholds. An unknown component is healthy with 0 calls.
   */
  componentHealth(name: string): ComponentHealth {
    const c = this.#table.get(name);
    if (!c)
      return { name, status: 'healthy', successRate: 1, consecutiveFailures: 0, calls: 0, p50: 0, p95: 0 };
    return componentHealth(c, name, this.#options.thresholds);
  }

  /** The worst component status (healthy when nothing was recorded). */
  status(): HealthStatus {
    const thresholds = this.#options.thresholds;
    let status: HealthStatus = 'healthy';
    for (const c of this.#table.values()) {
      status = worse(status, statusOf(c.successRate, c.consecutiveFailures, c.windowCalls, thresholds));
    }
    return status;
  }

  /** The versioned JSON report (see HealthReport). Cost depends on components, not on calls recorded. */
  report(): HealthReport {
    const options = this.#options;
    return assembleReport({
      table: this.#table,
      thresholds: options.thresholds,
      cleaner: this.#cleaner,
      base: () => this.#emptyReport(),
      install: () => this.#install ?? derivedInstall(this.#table, options.installOperation),
      recovery: () => options.recovery?.stats(),
      circuits: options.circuits,
      maxCircuits: options.maxCircuits,
    });
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

  /**
   * Serves `/health` (JSON, 503 when unhealthy — or degraded with `strict`), `/metrics` and
   * `/dashboard` on 127.0.0.1 by default, only to requests whose `Host` it answers for (see
   * ServeOptions.allowedHosts); `resetToken` enables `POST /circuits/<name>/reset`.
   */
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
    this.#table.clear();
    this.#install = undefined;
  }

  /** Stops feeding OpenTelemetry. */
  close(): void {
    this.#unbindMeter?.();
    this.#unbindMeter = undefined;
  }

  /** `await using health = new HealthReporter(…)`: {@link close} when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  /** Fleet view of many reports; see {@link aggregate}. */
  static aggregate(reports: readonly unknown[], options?: AggregateOptions): FleetReport {
    return aggregate(reports, options);
  }

  /** A fleet view as one self-contained HTML dashboard. */
  static fleetToHTML(fleet: FleetReport, options?: FleetHtmlOptions): string {
    return fleetToHTML(fleet, options);
  }

  #emptyReport(): HealthReport {
    return emptyReport(this.#identity, this.#options.thresholds, this.#cleaner);
  }

  async #bindOpenTelemetry(setting: true | MeterLike): Promise<boolean> {
    try {
      return await this.useOpenTelemetry(setting === true ? undefined : setting);
    } catch {
      return false;
    }
  }
}
