import type { CallOutcome } from '../wrap/hooks.js';

/** How bad a detected issue is. */
export type IssueSeverity = 'info' | 'warn' | 'critical';

/** One watched path's volume at one instant. */
export interface DiskSample {
  /** The watched path (as given). */
  readonly path: string;
  /** Bytes available to this user (statfs `bavail × bsize`). */
  readonly freeBytes: number;
  /** Size of the volume in bytes. */
  readonly totalBytes: number;
  /** Device id (`stat().dev`) so that paths on one volume are reported once; absent when unknown. */
  readonly device?: number | undefined;
}

/** Memory at one instant (cgroup limits respected where Node exposes them). */
export interface MemorySample {
  readonly totalBytes: number;
  readonly availableBytes: number;
}

/** CPU load at one instant. */
export interface CpuSample {
  /** 1-minute load average (or its equivalent) divided by the logical CPUs: 1 = every CPU busy. */
  readonly loadPerCpu: number;
  readonly cpus: number;
}

/**
 * Health of one component as the monitor reads it: the fields of HealthReporter's
 * `componentHealth(name)` (plus `windowCalls` when the source knows it).
 */
export interface MonitoredComponentHealth {
  readonly name: string;
  readonly status: 'healthy' | 'degraded' | 'unhealthy';
  /** Success rate over the source's rolling window of recent calls. */
  readonly successRate: number;
  readonly consecutiveFailures: number;
  /** Calls recorded since start. */
  readonly calls: number;
  readonly p50: number;
  readonly p95: number;
  /** Calls in the rolling window `successRate` covers, when the source reports it. */
  readonly windowCalls?: number;
}

/** Everything one sampling round saw. */
export interface MonitorSample {
  /** Clock time of the sample in ms (the monitor's `now()`). */
  readonly at: number;
  readonly disks: readonly DiskSample[];
  readonly memory?: MemorySample | undefined;
  readonly cpu?: CpuSample | undefined;
  readonly components?: readonly MonitoredComponentHealth[] | undefined;
  /** Time the sampling took, ms (the monitor's own cost). */
  readonly durationMs?: number | undefined;
}

/** A disk-exhaustion projection from the observed fill rate. */
export interface DiskProjection {
  readonly kind: 'disk-full';
  readonly path: string;
  readonly freeBytes: number;
  /** Bytes per second the free space shrinks by (least squares over the recent samples). */
  readonly fillRateBytesPerSecond: number;
  /** Seconds until the volume is full at that rate. */
  readonly secondsToFull: number;
  /** Bytes still to be written there, when the `needBytes` provider knows. */
  readonly needBytes?: number | undefined;
  /** Samples the rate was estimated from. */
  readonly samples: number;
}

/** A potential problem, found before it breaks something. */
export interface MonitorIssue {
  /** Stable per resource, e.g. `disk-full:/data`, `memory-low`, `component-degraded:downloader`. */
  readonly id: string;
  readonly severity: IssueSeverity;
  /** One line for humans. */
  readonly message: string;
  /** What a person can do about it, most useful first. */
  readonly remediation: readonly string[];
  /** Present on projections (the disk will fill at the current rate). */
  readonly projection?: DiskProjection | undefined;
}

/**
 * Produces the resource part of one sample (the default reads the system; tests and embedders
 * inject their own). Component health is added by the monitor from its `health` source unless the
 * sampler returns `components` itself.
 */
export type MonitorSampler = (request: SamplerRequest) => Promise<SamplerResult>;

/** What a sampler returns. */
export type SamplerResult = Omit<MonitorSample, 'at' | 'durationMs'>;

/** What a sampler is asked for. */
export interface SamplerRequest {
  readonly paths: readonly string[];
  readonly signal?: AbortSignal | undefined;
}

/** Where component health comes from: a HealthReporter fits as is. */
export interface MonitorHealthSource {
  componentHealth(name: string): MonitoredComponentHealth;
  /** Names of the components seen so far (used when the `components` option is not given). */
  components?(): readonly string[];
  /** Where the monitor feeds its findings (component `monitor`, operations `disk`, `memory`, `cpu`). */
  record?(outcome: CallOutcome): void;
}
