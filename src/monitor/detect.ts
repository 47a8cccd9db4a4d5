import { type FreePoint, fillRate, secondsToFull } from './fillRate.js';
import { formatEta, formatGB, formatPercent } from './format.js';
import type { CpuSample, DiskSample, MemorySample, MonitoredComponentHealth, MonitorIssue } from './types.js';

/** Thresholds detection uses (see MONITOR_DEFAULTS for their meaning and defaults). */
export interface DetectThresholds {
  /** Samples needed before a fill-rate projection is made (at least 2). Default 3. */
  readonly minSamples: number;
  /** A volume projected full sooner than this is a warning, seconds. Default 3600. */
  readonly warnHorizonSeconds: number;
  /** A volume projected full sooner than this is critical, seconds. Default 600. */
  readonly criticalHorizonSeconds: number;
  /** Free space below this share of the volume (0–1) is a warning. Default 0.05. */
  readonly diskWarnFreeRatio: number;
  /** Free space below this share of the volume (0–1) is critical. Default 0.01. */
  readonly diskCriticalFreeRatio: number;
  /** Available memory below this share of the total (0–1) is a warning. Default 0.1. */
  readonly memoryWarnRatio: number;
  /** Available memory below this share of the total (0–1) is critical. Default 0.05. */
  readonly memoryCriticalRatio: number;
  /** 1-minute load per logical CPU above this is reported as `info`. Default 2. */
  readonly cpuLoadPerCpu: number;
  /** A component's p95 latency at least this many times its healthy baseline is called out. Default 2. */
  readonly latencyFactor: number;
  /** Calls in the health source's rolling window, used in "n of the last m calls failed". Default 100. */
  readonly healthWindow: number;
}

const CLEANUP_STEPS = [
  'Remove models you no longer use (ModelAvailability#suggestCleanup ranks them by use).',
  'Remove stale partial downloads (folders named .wan-reliability/partial under the install root).',
];

/**
 * Disk issues of one volume: a projection from the fill rate over `points` ("will be full in …"),
 * a known shortfall (`needBytes` more than free, even with no trend yet), and little free space.
 */
export function diskIssues(
  latest: DiskSample,
  points: readonly FreePoint[],
  needBytes: number | undefined,
  t: DetectThresholds,
): MonitorIssue[] {
  const issues: MonitorIssue[] = [];
  const { path, freeBytes, totalBytes } = latest;
  const rate = fillRate(points, t.minSamples);
  const eta = secondsToFull(freeBytes, rate);
  const short = needBytes !== undefined && needBytes > freeBytes;
  // With a known need that fits, filling is expected and harmless: the download ends first.
  const projects = rate > 0 && (short || (needBytes === undefined && eta <= t.warnHorizonSeconds));
  if (projects) {
    const detail = short
      ? `at the current download rate (needs ${formatGB(needBytes)} more, ${formatGB(freeBytes)} free)`
      : `at the current rate of ${formatGB(rate)}/s (${formatGB(freeBytes)} free)`;
    issues.push({
      id: `disk-full:${path}`,
      severity: eta <= t.criticalHorizonSeconds ? 'critical' : 'warn',
      message: `disk ${path} will be full in ${formatEta(eta)} ${detail}`,
      remediation: [
        short
          ? `Free at least ${formatGB(needBytes - freeBytes)} on the volume holding ${path}, or move the install to a larger volume.`
          : `Free space on the volume holding ${path}, or find what is writing to it.`,
        ...CLEANUP_STEPS,
      ],
      projection: {
        kind: 'disk-full',
        path,
        freeBytes,
        fillRateBytesPerSecond: rate,
        secondsToFull: eta,
        needBytes,
        samples: points.length,
      },
    });
  } else if (short) {
    issues.push({
      id: `disk-space:${path}`,
      severity: 'critical',
      message: `disk ${path} lacks space: needs ${formatGB(needBytes)} more, ${formatGB(freeBytes)} free`,
      remediation: [
        `Free at least ${formatGB(needBytes - freeBytes)} on the volume holding ${path}, or move the install to a larger volume.`,
        ...CLEANUP_STEPS,
      ],
    });
  }
  const ratio = totalBytes > 0 ? freeBytes / totalBytes : 1;
  if (ratio < t.diskWarnFreeRatio) {
    const critical = ratio < t.diskCriticalFreeRatio;
    issues.push({
      id: `disk-low:${path}`,
      severity: critical ? 'critical' : 'warn',
      message: `disk ${path} free space < ${formatPercent(critical ? t.diskCriticalFreeRatio : t.diskWarnFreeRatio)} (${formatGB(freeBytes)} of ${formatGB(totalBytes)})`,
      remediation: [`Free space on the volume holding ${path}.`, ...CLEANUP_STEPS],
    });
  }
  return issues;
}

/** "memory available < 5 %" and its warning level. */
export function memoryIssue(memory: MemorySample, t: DetectThresholds): MonitorIssue | undefined {
  if (!(memory.totalBytes > 0)) return undefined;
  const ratio = memory.availableBytes / memory.totalBytes;
  if (ratio >= t.memoryWarnRatio) return undefined;
  const critical = ratio < t.memoryCriticalRatio;
  return {
    id: 'memory-low',
    severity: critical ? 'critical' : 'warn',
    message: `memory available < ${formatPercent(critical ? t.memoryCriticalRatio : t.memoryWarnRatio)} (${formatGB(memory.availableBytes)} of ${formatGB(memory.totalBytes)})`,
    remediation: [
      'Close other programs using memory (browsers, other model servers).',
      'Lower download concurrency: every parallel file holds hashing buffers.',
      'Do not load a model while the install is running.',
    ],
  };
}

/** A saturated CPU slows hashing and extraction; worth knowing, rarely fatal. */
export function cpuIssue(cpu: CpuSample, t: DetectThresholds): MonitorIssue | undefined {
  if (!(cpu.loadPerCpu > t.cpuLoadPerCpu)) return undefined;
  return {
    id: 'cpu-saturated',
    severity: 'info',
    message: `CPU saturated: load ${cpu.loadPerCpu.toFixed(1)} per CPU over the last minute (${cpu.cpus} CPUs); hashing and downloads may slow`,
    remediation: ['Pause other CPU-heavy work while installing.', 'Lower download concurrency.'],
  };
}

function latencyWord(factor: number): string {
  if (factor >= 2 && factor < 3) return 'doubled';
  if (factor >= 3 && factor < 4) return 'tripled';
  return `×${factor.toFixed(1)}`;
}

/**
 * "component downloader degraded: 4 of the last 10 calls failed, p95 latency tripled". A healthy
 * component whose p95 grew `latencyFactor` times over its healthy baseline is reported as info.
 */
export function componentIssue(
  health: MonitoredComponentHealth,
  baselineP95: number | undefined,
  t: DetectThresholds,
): MonitorIssue | undefined {
  const factor = baselineP95 !== undefined && baselineP95 > 0 ? health.p95 / baselineP95 : 1;
  const slower = factor >= t.latencyFactor;
  const latency = slower
    ? `p95 latency ${latencyWord(factor)} (${Math.round(baselineP95 ?? 0)} ms → ${Math.round(health.p95)} ms)`
    : '';
  if (health.status === 'healthy') {
    if (!slower || health.calls === 0) return undefined;
    return {
      id: `component:${health.name}`,
      severity: 'info',
      message: `component ${health.name} slowing: ${latency}`,
      remediation: ['Check the network or disk the component depends on; it may degrade next.'],
    };
  }
  const windowCalls = health.windowCalls ?? Math.min(health.calls, t.healthWindow);
  const failed = Math.round((1 - health.successRate) * windowCalls);
  const parts = [`${failed} of the last ${windowCalls} calls failed`];
  if (health.consecutiveFailures > 1 && health.consecutiveFailures !== failed) {
    parts.push(`${health.consecutiveFailures} in a row`);
  }
  if (slower) parts.push(latency);
  return {
    id: `component:${health.name}`,
    severity: health.status === 'unhealthy' ? 'critical' : 'warn',
    message: `component ${health.name} ${health.status}: ${parts.join(', ')}`,
    remediation: [
      `Look at the recent errors of ${health.name} in the health report (their categories say why).`,
      'If it depends on the network, check connectivity and mirrors; retries and mirror failover continue meanwhile.',
    ],
  };
}
