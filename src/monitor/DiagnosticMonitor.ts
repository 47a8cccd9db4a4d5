import { TimeoutError } from '../errors/TimeoutError.js';
import { ReliabilityEmitter } from '../events/emitter.js';
import type { MonitorEvents } from '../events/monitorEvents.js';
import { abortError, raceAbort } from '../shared/abort.js';
import { optionalDuration } from '../shared/validate.js';
import { MONITOR_DEFAULTS } from './defaults.js';
import { componentIssue, cpuIssue, diskIssues, memoryIssue } from './detect.js';
import type { FreePoint } from './fillRate.js';
import {
  type DiagnosticMonitorOptions,
  type ResolvedMonitorOptions,
  resolveMonitorOptions,
} from './options.js';
import { CpuReader, systemSampler } from './sampler.js';
import type {
  DiskSample,
  MonitoredComponentHealth,
  MonitorIssue,
  MonitorSample,
  MonitorSampler,
} from './types.js';

/** The component name the monitor records its findings under in a HealthReporter. */
export const MONITOR_COMPONENT = 'monitor';

const SEVERITY_RANK = { info: 0, warn: 1, critical: 2 } as const;

/**
 * Watches the machine during a long install and warns before things break: a volume that will
 * fill before the download ends (projected from the fill rate), memory pressure, a saturated CPU,
 * a component sliding from healthy to degraded.
 *
 * `start()` samples every `interval` on an unref'd timer (it never keeps the process alive);
 * `stop()` ends it. Each round emits `monitor:issue` for new issues (or a changed severity) and
 * `monitor:resolved` for issues that went away, and feeds the HealthReporter (component `monitor`).
 *
 * @example
 * ```ts
 * const monitor = new DiagnosticMonitor({ paths: [root], health, needBytes: () => remaining });
 * monitor.on('monitor:issue', ({ issue }) => console.warn(`[${issue.severity}] ${issue.message}`));
 * monitor.start();
 * try { await install(); } finally { monitor.stop(); }
 * ```
 */
export class DiagnosticMonitor extends ReliabilityEmitter<MonitorEvents> {
  /** The validated options with defaults applied. */
  readonly options: ResolvedMonitorOptions;
  readonly #sampler: MonitorSampler;
  /** Free-space history per volume (device id, else path). */
  readonly #history = new Map<string, FreePoint[]>();
  /** Lowest p95 seen while each component was healthy: what "tripled" is measured against. */
  readonly #baselines = new Map<string, number>();
  readonly #active = new Map<string, MonitorIssue>();
  #latest: MonitorSample | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: AbortController | undefined;
  #checking = false;

  constructor(options: DiagnosticMonitorOptions) {
    super();
    this.options = resolveMonitorOptions(options);
    this.#sampler =
      this.options.sampler ??
      systemSampler(new CpuReader(MONITOR_DEFAULTS.cpuCacheMs, this.options.sampleTimeout));
  }

  /** Whether the periodic sampling runs. */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** The most recent sample. */
  get latest(): MonitorSample | undefined {
    return this.#latest;
  }

  /** Issues detected by the last `check()` (what `monitor:issue` announced and has not resolved). */
  get issues(): readonly MonitorIssue[] {
    return [...this.#active.values()];
  }

  /**
   * Starts sampling every `interval` ms (default: the constructor's, 5000). The first round runs at
   * once. The timer is unref'd: a process with nothing else to do exits while the monitor runs.
   * Calling start again restarts with the new interval.
   */
  start(options: { interval?: number } = {}): this {
    const interval =
      optionalDuration('DiagnosticMonitor.start interval', options.interval) ?? this.options.interval;
    this.stop();
    this.#running = new AbortController();
    this.#timer = setInterval(() => void this.#tick(), interval);
    this.#timer.unref();
    void this.#tick();
    return this;
  }

  /** Stops sampling: clears the timer and abandons a sampling round in progress. Idempotent. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#running?.abort();
    this.#running = undefined;
  }

  /** `await using monitor = new DiagnosticMonitor(…).start()`: stops it when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.stop();
  }

  /**
   * Takes one sample (time-boxed by `sampleTimeout`) and adds it to the history the projections
   * use. Rejects with a TimeoutError when the sampler is too slow, a cancelled error on abort.
   */
  async sample(options: { signal?: AbortSignal } = {}): Promise<MonitorSample> {
    const { signal } = options;
    if (signal?.aborted) throw abortError(signal, 'monitor sample');
    const at = this.options.now();
    const started = performance.now();
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new TimeoutError('monitor sample', this.options.sampleTimeout)),
      this.options.sampleTimeout,
    );
    timer.unref();
    const forward = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', forward, { once: true });
    try {
      const raw = await raceAbort(
        this.#sampler({ paths: this.options.paths, signal: controller.signal }),
        controller.signal,
        'monitor sample',
      );
      const sample: MonitorSample = {
        ...raw,
        at,
        components: raw.components ?? this.#readComponents(),
        durationMs: performance.now() - started,
      };
      this.#remember(sample);
      return sample;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', forward);
    }
  }

  /**
   * Issues in the latest sample, worst first: disk projections and shortfalls, low free space,
   * memory pressure, CPU saturation, degraded components. Pure: no sampling, no events.
   */
  detectIssues(): MonitorIssue[] {
    const sample = this.#latest;
    if (!sample) return [];
    const t = this.options.thresholds;
    const issues: MonitorIssue[] = [];
    for (const disk of uniqueVolumes(sample.disks)) {
      const need = this.options.needBytes?.(disk.path);
      const needBytes = need !== undefined && Number.isFinite(need) && need >= 0 ? need : undefined;
      issues.push(...diskIssues(disk, this.#history.get(volumeKey(disk)) ?? [], needBytes, t));
    }
    const memory = sample.memory && memoryIssue(sample.memory, t);
    if (memory) issues.push(memory);
    const cpu = sample.cpu && cpuIssue(sample.cpu, t);
    if (cpu) issues.push(cpu);
    for (const health of sample.components ?? []) {
      const issue = componentIssue(health, this.#baselines.get(health.name), t);
      if (issue) issues.push(issue);
    }
    return issues.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
  }

  /**
   * One round: sample, detect, announce what changed, feed the health source. What the timer runs;
   * callable directly (e.g. right before a large step). Resolves with the current issues.
   */
  async check(options: { signal?: AbortSignal } = {}): Promise<MonitorIssue[]> {
    const sample = await this.sample(options);
    this.announce('monitor:sample', { sample });
    const issues = this.detectIssues();
    this.#publish(issues);
    this.#feedHealth(sample, issues);
    return issues;
  }

  async #tick(): Promise<void> {
    // A slow round is not stacked on: the next tick simply finds it still running and skips.
    if (this.#checking) return;
    this.#checking = true;
    const signal = this.#running?.signal;
    try {
      await this.check(signal ? { signal } : {});
    } catch (error) {
      if (!signal?.aborted) {
        this.announce('monitor:error', {
          message: error instanceof Error ? error.message : String(error),
          error,
        });
      }
    } finally {
      this.#checking = false;
    }
  }

  #readComponents(): MonitoredComponentHealth[] | undefined {
    const health = this.options.health;
    if (!health) return undefined;
    const names = this.options.components ?? health.components?.() ?? [];
    return names.filter((name) => name !== MONITOR_COMPONENT).map((name) => health.componentHealth(name));
  }

  #remember(sample: MonitorSample): void {
    this.#latest = sample;
    const { window, windowMs } = this.options;
    for (const disk of uniqueVolumes(sample.disks)) {
      const key = volumeKey(disk);
      const points = this.#history.get(key) ?? [];
      // A clock that went backwards (injected clocks, suspend) would corrupt the slope: start over.
      const last = points[points.length - 1];
      if (last !== undefined && sample.at <= last.at) points.length = 0;
      points.push({ at: sample.at, freeBytes: disk.freeBytes });
      while (
        points.length > window ||
        (points.length > 0 && sample.at - (points[0] as FreePoint).at > windowMs)
      ) {
        points.shift();
      }
      this.#history.set(key, points);
    }
    for (const health of sample.components ?? []) {
      if (health.status !== 'healthy' || health.calls === 0 || !(health.p95 > 0)) continue;
      const baseline = this.#baselines.get(health.name);
      if (baseline === undefined || health.p95 < baseline) this.#baselines.set(health.name, health.p95);
    }
  }

  #publish(issues: readonly MonitorIssue[]): void {
    const seen = new Set<string>();
    for (const issue of issues) {
      seen.add(issue.id);
      const before = this.#active.get(issue.id);
      this.#active.set(issue.id, issue);
      if (before === undefined) this.announce('monitor:issue', { issue });
      else if (before.severity !== issue.severity) {
        this.announce('monitor:issue', { issue, previousSeverity: before.severity });
      }
    }
    for (const [id, issue] of this.#active) {
      if (seen.has(id)) continue;
      this.#active.delete(id);
      this.announce('monitor:resolved', { id, issue });
    }
  }

  #feedHealth(sample: MonitorSample, issues: readonly MonitorIssue[]): void {
    const health = this.options.health;
    if (!this.options.feedHealth || typeof health?.record !== 'function') return;
    const durationMs = sample.durationMs ?? 0;
    const bad = (prefix: string) =>
      issues.some((issue) => issue.id.startsWith(prefix) && issue.severity !== 'info');
    if (sample.disks.length > 0) {
      const failing = bad('disk-');
      health.record({
        component: MONITOR_COMPONENT,
        operation: 'disk',
        success: !failing,
        durationMs,
        ...(failing ? { category: 'disk_full' as const } : {}),
      });
    }
    if (sample.memory) {
      const failing = bad('memory-');
      health.record({
        component: MONITOR_COMPONENT,
        operation: 'memory',
        success: !failing,
        durationMs,
        ...(failing ? { category: 'resource_exhaustion' as const } : {}),
      });
    }
  }
}

function volumeKey(disk: DiskSample): string {
  return disk.device !== undefined ? `dev:${disk.device}` : `path:${disk.path}`;
}

/** The first watched path of each volume (several paths on one disk share one history and one issue). */
function uniqueVolumes(disks: readonly DiskSample[]): DiskSample[] {
  const seen = new Set<string>();
  return disks.filter((disk) => {
    const key = volumeKey(disk);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
