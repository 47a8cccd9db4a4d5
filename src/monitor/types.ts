import type { CallOutcome } from '../policies/wrap/hooks.js';

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
  /** Memory this process may use in bytes: physical memory or the cgroup limit, whichever is lower. */
  readonly totalBytes: number;
  /** Bytes available to new allocations without swapping. */
  readonly availableBytes: number;
}

/** CPU load at one instant. */
export interface CpuSample {
  /** 1-minute load average (or its equivalent) divided by the logical CPUs: 1 = every CPU busy. */
  readonly loadPerCpu: number;
  /** Logical CPUs available to this process. */
  readonly cpus: number;
}

/**
 * Health of one component as the monitor reads it: the fields of HealthReporter's
 * `componentHealth(name)` (plus `windowCalls` when the source knows it).
 */
export interface MonitoredComponentHealth {
  /** Component name (`downloader`, `pip`). */
  readonly name: string;
  /** The source's verdict for the component. */
  readonly status: 'healthy' | 'degraded' | 'unhealthy';
  /** Success rate over the source's rolling window of recent calls. */
  readonly successRate: number;
  /** Failures since the last success. */
  readonly consecutiveFailures: number;
  /** Calls recorded since start. */
  readonly calls: number;
  /** Median call latency, ms. */
  readonly p50: number;
  /** 95th percentile call latency, ms. */
  readonly p95: number;
  /** Calls in the rolling window `successRate` covers, when the source reports it. */
  readonly windowCalls?: number;
}

/** Everything one sampling round saw. */
export interface MonitorSample {
  /** Clock time of the sample in ms (the monitor's `now()`). */
  readonly at: number;
  /** One entry per watched path (paths on one volume share a device id). */
  readonly disks: readonly DiskSample[];
  /** Absent when the sampler does not report memory. */
  readonly memory?: MemorySample | undefined;
  /** Absent when the sampler could not read the CPU load. */
  readonly cpu?: CpuSample | undefined;
  /** Health of the watched components; absent without a health source. */
  readonly components?: readonly MonitoredComponentHealth[] | undefined;
  /** Time the sampling took, ms (the monitor's own cost). */
  readonly durationMs?: number | undefined;
}

/** A disk-exhaustion projection from the observed fill rate. */
export interface DiskProjection {
  /** The only kind of projection so far. */
  readonly kind: 'disk-full';
  /** The watched path on the filling volume. */
  readonly path: string;
  /** Bytes available at the latest sample. */
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
  /** `critical` needs action now, `warn` soon, `info` is context. */
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
  /** The watched paths to read the volumes of. */
  readonly paths: readonly string[];
  /** Aborted when the round exceeds `sampleTimeout` or its caller aborts. */
  readonly signal?: AbortSignal | undefined;
}

/** Where component health comes from: a HealthReporter fits as is. */
export interface MonitorHealthSource {
  /** Current health of one component (called once per watched component per round). */
  componentHealth(name: string): MonitoredComponentHealth;
  /** Names of the components seen so far (used when the `components` option is not given). */
  components?(): readonly string[];
  /** Where the monitor feeds its findings (component `monitor`, operations `disk`, `memory`, `cpu`). */
  record?(outcome: CallOutcome): void;
}
