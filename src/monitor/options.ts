import { ConfigurationError } from '../errors/ConfigurationError.js';
import {
  optionalCount,
  optionalDuration,
  optionalFunction,
  optionalNumber,
  optionalObject,
} from '../shared/validate.js';
import { MONITOR_DEFAULTS } from './defaults.js';
import type { DetectThresholds } from './detect.js';
import type { MonitorHealthSource, MonitorSampler } from './types.js';

/** Options of {@link DiagnosticMonitor}; defaults in MONITOR_DEFAULTS. */
export interface DiagnosticMonitorOptions {
  /** Folders whose volumes are watched (install root, temp folder, cache). Paths on one volume are reported once. */
  paths: readonly string[];
  /** Component health source (a HealthReporter); also receives the monitor's findings when it has `record`. */
  health?: MonitorHealthSource | undefined;
  /** Components to watch; default every component the health source has seen (except `monitor`). */
  components?: readonly string[] | undefined;
  /** Sampling interval for `start()`, ms. Default 5000. */
  interval?: number | undefined;
  /** Produces samples; default statfs + memory + CPU load of this machine. */
  sampler?: MonitorSampler | undefined;
  /** Clock in ms; default `Date.now`. */
  now?: (() => number) | undefined;
  /**
   * Bytes still to be written under a watched path (e.g. what a running download still needs), so
   * that a projection can say whether the download fits. Undefined = unknown.
   */
  needBytes?: ((path: string) => number | undefined) | undefined;
  /** Samples kept per volume for the fill rate. Default 12. */
  window?: number | undefined;
  /** Samples older than this are dropped from the fill rate, ms. Default 120 000. */
  windowMs?: number | undefined;
  /** Longest a sampling round may take, ms. Default 2000. */
  sampleTimeout?: number | undefined;
  /** Detection thresholds (see MONITOR_DEFAULTS). */
  thresholds?: Partial<DetectThresholds> | undefined;
  /** Record findings into `health` (component `monitor`). Default true when `health.record` exists. */
  feedHealth?: boolean | undefined;
}

/** Options after validation. */
export interface ResolvedMonitorOptions {
  /** Watched folders, duplicates removed. */
  readonly paths: readonly string[];
  /** Component health source, when given. */
  readonly health: MonitorHealthSource | undefined;
  /** Components to watch; undefined = every component the health source has seen. */
  readonly components: readonly string[] | undefined;
  /** Sampling interval for `start()`, ms. */
  readonly interval: number;
  /** The injected sampler; undefined = this machine's statfs, memory and CPU load. */
  readonly sampler: MonitorSampler | undefined;
  /** Clock in ms. */
  readonly now: () => number;
  /** Bytes still to be written under a path, when the caller provides it. */
  readonly needBytes: ((path: string) => number | undefined) | undefined;
  /** Samples kept per volume for the fill rate (at least 2). */
  readonly window: number;
  /** Samples older than this are dropped from the fill rate, ms. */
  readonly windowMs: number;
  /** Longest a sampling round may take, ms. */
  readonly sampleTimeout: number;
  /** Every detection threshold, defaults filled in. */
  readonly thresholds: DetectThresholds;
  /** Whether findings are recorded into `health` (component `monitor`). */
  readonly feedHealth: boolean;
}

const RATIOS = [
  'diskWarnFreeRatio',
  'diskCriticalFreeRatio',
  'memoryWarnRatio',
  'memoryCriticalRatio',
] as const;

function resolveThresholds(partial: Partial<DetectThresholds> | undefined): DetectThresholds {
  optionalObject('DiagnosticMonitor.thresholds', partial);
  const t = {
    minSamples: MONITOR_DEFAULTS.minSamples,
    warnHorizonSeconds: MONITOR_DEFAULTS.warnHorizonSeconds,
    criticalHorizonSeconds: MONITOR_DEFAULTS.criticalHorizonSeconds,
    diskWarnFreeRatio: MONITOR_DEFAULTS.diskWarnFreeRatio,
    diskCriticalFreeRatio: MONITOR_DEFAULTS.diskCriticalFreeRatio,
    memoryWarnRatio: MONITOR_DEFAULTS.memoryWarnRatio,
    memoryCriticalRatio: MONITOR_DEFAULTS.memoryCriticalRatio,
    cpuLoadPerCpu: MONITOR_DEFAULTS.cpuLoadPerCpu,
    latencyFactor: MONITOR_DEFAULTS.latencyFactor,
    healthWindow: MONITOR_DEFAULTS.healthWindow,
    ...(partial ?? {}),
  };
  const minSamples = optionalCount('DiagnosticMonitor.thresholds.minSamples', t.minSamples) ?? 0;
  if (minSamples < 2)
    throw new ConfigurationError('DiagnosticMonitor.thresholds.minSamples', 'an integer ≥ 2', minSamples);
  optionalCount('DiagnosticMonitor.thresholds.healthWindow', t.healthWindow);
  for (const key of [
    'warnHorizonSeconds',
    'criticalHorizonSeconds',
    'cpuLoadPerCpu',
    'latencyFactor',
  ] as const) {
    optionalNumber(`DiagnosticMonitor.thresholds.${key}`, t[key]);
  }
  for (const key of RATIOS) {
    if (!(typeof t[key] === 'number' && t[key] >= 0 && t[key] <= 1)) {
      throw new ConfigurationError(`DiagnosticMonitor.thresholds.${key}`, 'a number from 0 to 1', t[key]);
    }
  }
  return Object.freeze(t);
}

/** Validates options strictly (ConfigurationError naming the option) and applies the defaults. */
export function resolveMonitorOptions(options: DiagnosticMonitorOptions): ResolvedMonitorOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('DiagnosticMonitor options', 'an object with paths', options);
  }
  const { paths } = options;
  if (!Array.isArray(paths) || paths.some((p) => typeof p !== 'string' || p === '')) {
    throw new ConfigurationError('DiagnosticMonitor.paths', 'an array of folder paths', paths);
  }
  const health = optionalObject<MonitorHealthSource>('DiagnosticMonitor.health', options.health);
  if (health !== undefined && typeof health.componentHealth !== 'function') {
    throw new ConfigurationError(
      'DiagnosticMonitor.health',
      'an object with componentHealth(name) (a HealthReporter)',
      health,
    );
  }
  const components = options.components;
  if (
    components !== undefined &&
    (!Array.isArray(components) || components.some((c) => typeof c !== 'string'))
  ) {
    throw new ConfigurationError('DiagnosticMonitor.components', 'an array of component names', components);
  }
  if (options.feedHealth !== undefined && typeof options.feedHealth !== 'boolean') {
    throw new ConfigurationError('DiagnosticMonitor.feedHealth', 'true or false', options.feedHealth);
  }
  const window = optionalCount('DiagnosticMonitor.window', options.window) ?? MONITOR_DEFAULTS.window;
  if (window < 2) throw new ConfigurationError('DiagnosticMonitor.window', 'an integer ≥ 2', window);
  return {
    paths: [...new Set(paths)],
    health,
    components: components === undefined ? undefined : [...components],
    interval: optionalDuration('DiagnosticMonitor.interval', options.interval) ?? MONITOR_DEFAULTS.interval,
    sampler: optionalFunction<MonitorSampler>('DiagnosticMonitor.sampler', options.sampler),
    now: optionalFunction<() => number>('DiagnosticMonitor.now', options.now) ?? Date.now,
    needBytes: optionalFunction('DiagnosticMonitor.needBytes', options.needBytes),
    window,
    windowMs: optionalDuration('DiagnosticMonitor.windowMs', options.windowMs) ?? MONITOR_DEFAULTS.windowMs,
    sampleTimeout:
      optionalDuration('DiagnosticMonitor.sampleTimeout', options.sampleTimeout) ??
      MONITOR_DEFAULTS.sampleTimeout,
    thresholds: resolveThresholds(options.thresholds),
    feedHealth: options.feedHealth ?? (health !== undefined && typeof health.record === 'function'),
  };
}
