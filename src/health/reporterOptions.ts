import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { liveBreakers } from '../policies/circuit/registry.js';
import type { RecoveryStats, Redactor } from '../recovery/types.js';
import { redact } from '../shared/redaction/redact.js';
import { optionalCount, optionalFunction, optionalObject } from '../shared/validate.js';
import type { TableLimits } from './componentTable.js';
import type { MeterLike } from './otel.js';
import { resolveThresholds } from './status.js';
import type { CircuitReport, HealthThresholds } from './types.js';

/** Default `maxComponents`: components beyond it are folded into `(other)`. */
export const DEFAULT_MAX_COMPONENTS = 16;
/** Default `maxOperations` per component: operations beyond it are folded into `(other)`. */
export const DEFAULT_MAX_OPERATIONS = 8;
/** Default `maxCircuits`: breakers listed in a report (the worst states first); the rest are counted. */
export const DEFAULT_MAX_CIRCUITS = 32;

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
  /**
   * Distinct components tracked; more are folded into `(other)` (default 16). With the default
   * `maxOperations`, `/metrics` holds at most 9 000 series (see docs/health.md, cardinality).
   */
  maxComponents?: number;
  /** Distinct operations tracked per component; more are folded into `(other)` (default 8). */
  maxOperations?: number;
  /** A RecoveryRegistry (anything with `stats()`), whose learned statistics go into reports. */
  recovery?: {
    /** The registry's statistics, read at each report. */
    stats(): RecoveryStats;
  };
  /** Circuit breakers to list; default: every live CircuitBreaker. `false` lists none. */
  circuits?: false | (() => Iterable<CircuitReport>);
  /**
   * Breakers listed in a report, open ones first, then half-open, then closed (default 32: 96
   * series). A downloader makes one breaker per mirror origin, so the count follows the manifest's
   * data; the others are counted in `circuitsOmitted`.
   */
  maxCircuits?: number;
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

/**
 * The options validated here, with defaults filled in. `prefix` and `openTelemetry` are validated by
 * the reporter itself (the prefix by rendering an empty report).
 */
export interface ResolvedReporterOptions {
  readonly limits: TableLimits;
  readonly thresholds: HealthThresholds;
  readonly instanceId: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly recovery: { stats(): RecoveryStats } | undefined;
  readonly circuits: (() => Iterable<CircuitReport>) | undefined;
  readonly maxCircuits: number;
  /** Lower case. */
  readonly installOperation: string;
  readonly redact: Redactor;
}

function defaultCircuits(): CircuitReport[] {
  const out: CircuitReport[] = [];
  for (const b of liveBreakers<{ name: string; snapshot?: () => CircuitReport }>()) {
    if (typeof b.snapshot === 'function') out.push(b.snapshot());
  }
  return out;
}

/** Validates the reporter's options (throwing {@link ConfigurationError}) and applies the defaults. */
export function resolveReporterOptions(options: HealthReporterOptions): ResolvedReporterOptions {
  optionalObject('HealthReporter options', options);
  const limits: TableLimits = {
    window: positive('window', options.window, 100),
    samples: positive('latencySamples', options.latencySamples, 256),
    // Prometheus cardinality: (16 + 1) × (8 + 1) operation label sets × 58 series at most (docs/health.md).
    maxComponents: positive('maxComponents', options.maxComponents, DEFAULT_MAX_COMPONENTS),
    maxOperations: positive('maxOperations', options.maxOperations, DEFAULT_MAX_OPERATIONS),
  };
  const thresholds = resolveThresholds(optionalObject('HealthReporter.thresholds', options.thresholds));
  if (
    options.instanceId !== undefined &&
    (typeof options.instanceId !== 'string' || options.instanceId === '')
  ) {
    throw new ConfigurationError('HealthReporter.instanceId', 'a non-empty string', options.instanceId);
  }
  const instanceId =
    options.instanceId ?? `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const labels = optionalObject<Record<string, unknown>>('HealthReporter.labels', options.labels) ?? {};
  for (const [k, v] of Object.entries(labels)) {
    if (typeof v !== 'string') throw new ConfigurationError(`HealthReporter.labels.${k}`, 'a string', v);
  }
  if (options.recovery !== undefined && typeof options.recovery?.stats !== 'function') {
    throw new ConfigurationError(
      'HealthReporter.recovery',
      'an object with stats() (a RecoveryRegistry)',
      options.recovery,
    );
  }
  const circuits =
    options.circuits === false
      ? undefined
      : (optionalFunction<() => Iterable<CircuitReport>>('HealthReporter.circuits', options.circuits) ??
        defaultCircuits);
  return {
    limits,
    thresholds,
    instanceId,
    labels: Object.freeze({ ...(labels as Record<string, string>) }),
    recovery: options.recovery,
    circuits,
    maxCircuits: positive('maxCircuits', options.maxCircuits, DEFAULT_MAX_CIRCUITS),
    installOperation: installOperation(options.installOperation),
    redact: optionalFunction<Redactor>('HealthReporter.redact', options.redact) ?? ((text) => redact(text)),
  };
}

function installOperation(value: unknown): string {
  if (value === undefined) return 'install';
  if (typeof value === 'string' && value !== '') return value.toLowerCase();
  throw new ConfigurationError('HealthReporter.installOperation', 'a non-empty operation name', value);
}

function positive(option: string, value: unknown, fallback: number): number {
  const n = optionalCount(`HealthReporter.${option}`, value) ?? fallback;
  if (n < 1) throw new ConfigurationError(`HealthReporter.${option}`, 'a positive integer', value);
  return n;
}
