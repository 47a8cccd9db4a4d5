import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError } from '../../src/errors/ConfigurationError.js';
import type { MonitorIssueEvent, MonitorResolvedEvent } from '../../src/events/monitorEvents.js';
import { HealthReporter } from '../../src/health/HealthReporter.js';
import { DiagnosticMonitor } from '../../src/monitor/DiagnosticMonitor.js';
import type { SamplerResult } from '../../src/monitor/types.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

afterEach(() => {
  vi.useRealTimers();
});

describe('component health', () => {
  it('reports "component downloader degraded: 4 of the last 10 calls failed, p95 latency tripled" and feeds the reporter', async () => {
    const health = new HealthReporter({ openTelemetry: false });
    const monitor = new DiagnosticMonitor({ paths: [], health, sampler: async () => ({ disks: [] }) });
    for (let i = 0; i < 6; i++)
      health.record({ component: 'downloader', operation: 'download', success: true, durationMs: 100 });
    await monitor.check();
    expect(monitor.detectIssues()).toEqual([]);
    for (let i = 0; i < 4; i++) {
      health.record({
        component: 'downloader',
        operation: 'download',
        success: false,
        durationMs: 300,
        category: 'network',
      });
    }
    const issues = await monitor.check();
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ id: 'component:downloader', severity: 'warn' });
    expect(issues[0]?.message).toBe(
      'component downloader degraded: 4 of the last 10 calls failed, p95 latency tripled (100 ms → 300 ms)',
    );
  });

  it('records disk and memory findings into the reporter as failures with a category', async () => {
    const health = new HealthReporter({ openTelemetry: false });
    const monitor = new DiagnosticMonitor({
      paths: ['/data'],
      health,
      components: [],
      sampler: async () => ({
        disks: [{ path: '/data', freeBytes: 1, totalBytes: 1e9, device: 3 }],
        memory: { totalBytes: 100, availableBytes: 50 },
      }),
    });
    await monitor.check();
    const report = health.report().components.find((c) => c.name === 'monitor');
    expect(report?.operations.find((o) => o.name === 'disk')?.errors).toEqual({ disk_full: 1 });
    expect(report?.operations.find((o) => o.name === 'memory')?.failures).toBe(0);
    // The monitor's own component is never reported as an issue about itself.
    const again = new DiagnosticMonitor({ paths: [], health, sampler: async () => ({ disks: [] }) });
    await again.check();
    expect(again.latest?.components?.map((c) => c.name)).toEqual([]);
  });
});

describe('events', () => {
  it('announces an issue once, again when its severity changes, and when it resolves', async () => {
    let available = 0.08;
    const monitor = new DiagnosticMonitor({
      paths: [],
      sampler: async () => ({ disks: [], memory: { totalBytes: 1000, availableBytes: available * 1000 } }),
    });
    const issues: MonitorIssueEvent[] = [];
    const resolved: MonitorResolvedEvent[] = [];
    monitor.on('monitor:issue', (e) => issues.push(e));
    monitor.on('monitor:resolved', (e) => resolved.push(e));
    await monitor.check();
    await monitor.check();
    expect(issues.map((e) => e.issue.severity)).toEqual(['warn']);
    available = 0.02;
    await monitor.check();
    expect(issues.map((e) => [e.issue.severity, e.previousSeverity])).toEqual([
      ['warn', undefined],
      ['critical', 'warn'],
    ]);
    available = 0.5;
    await monitor.check();
    expect(resolved.map((e) => e.id)).toEqual(['memory-low']);
    expect(monitor.issues).toEqual([]);
  });
});

describe('timer', () => {
  it('samples on the interval and stop() leaves no timer behind', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const monitor = new DiagnosticMonitor({
      paths: [],
      interval: 1000,
      sampler: async () => {
        calls++;
        return { disks: [] } satisfies SamplerResult;
      },
    });
    const baseline = vi.getTimerCount();
    monitor.start();
    await vi.advanceTimersByTimeAsync(3500);
    expect(calls).toBe(4); // at once, then at 1, 2 and 3 s
    expect(monitor.running).toBe(true);
    monitor.stop();
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(baseline);
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toBe(4);
  });

  it('time-boxes a hanging sampler and keeps going', async () => {
    vi.useFakeTimers();
    let hang = true;
    const errors: string[] = [];
    const monitor = new DiagnosticMonitor({
      paths: [],
      interval: 1000,
      sampleTimeout: 200,
      sampler: () => (hang ? new Promise<SamplerResult>(() => {}) : Promise.resolve({ disks: [] })),
    });
    monitor.on('monitor:error', (e) => errors.push(e.message));
    monitor.start();
    await vi.advanceTimersByTimeAsync(250);
    expect(errors).toEqual(['Operation "monitor sample" timed out after 200 ms']);
    hang = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(monitor.latest).toBeDefined();
    monitor.stop();
  });

  it('a process that started and stopped a real monitor exits on its own', async () => {
    const script = `
      import { DiagnosticMonitor } from ${JSON.stringify(path.join(root, 'src/monitor/DiagnosticMonitor.ts'))};
      const monitor = new DiagnosticMonitor({ paths: [${JSON.stringify(os.tmpdir())}], interval: 20 });
      monitor.start();
      const issues = await monitor.check();
      monitor.stop();
      console.log('stopped', monitor.latest.disks.length, Array.isArray(issues));
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('exit', (c, s) => resolve([c, s])),
    );
    clearTimeout(killer);
    expect(signal).toBeNull();
    expect(code).toBe(0);
    expect(out).toContain('stopped 1 true');
  });

  it('an unref’d running monitor does not keep a process alive either', async () => {
    const script = `
      import { DiagnosticMonitor } from ${JSON.stringify(path.join(root, 'src/monitor/DiagnosticMonitor.ts'))};
      new DiagnosticMonitor({ paths: [${JSON.stringify(os.tmpdir())}], interval: 20 }).start();
      setTimeout(() => console.log('done'), 100);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('exit', (c, s) => resolve([c, s])),
    );
    clearTimeout(killer);
    expect([code, signal]).toEqual([0, null]);
  });
});

describe('options', () => {
  it('rejects invalid options with a ConfigurationError naming the option', () => {
    const bad = [
      [{ paths: 'x' }, 'DiagnosticMonitor.paths'],
      [{ paths: [], interval: 0 }, 'DiagnosticMonitor.interval'],
      [{ paths: [], health: {} }, 'DiagnosticMonitor.health'],
      [{ paths: [], thresholds: { memoryWarnRatio: 2 } }, 'DiagnosticMonitor.thresholds.memoryWarnRatio'],
      [{ paths: [], thresholds: { minSamples: 1 } }, 'DiagnosticMonitor.thresholds.minSamples'],
      [{ paths: [], window: 1 }, 'DiagnosticMonitor.window'],
    ] as const;
    for (const [options, option] of bad) {
      let error: unknown;
      try {
        new DiagnosticMonitor(options as never);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).option).toBe(option);
    }
  });
});
