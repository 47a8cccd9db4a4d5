import { metrics } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors/ConfigurationError.js';
import { HealthReporter } from '../../src/health/HealthReporter.js';
import type {
  MeterLike,
  MetricAttributes,
  ObservableLike,
  ObservableResultLike,
} from '../../src/health/otel.js';
import { HEALTH_REPORT_SCHEMA, HEALTH_REPORT_VERSION } from '../../src/health/types.js';
import { CircuitBreaker } from '../../src/policies/circuit/CircuitBreaker.js';
import { withReliability } from '../../src/policies/wrap/withReliability.js';
import { RecoveryRegistry } from '../../src/recovery/RecoveryRegistry.js';

const quiet = { openTelemetry: false as const, circuits: false as const };

function feed(reporter: HealthReporter, component: string, outcomes: string): void {
  for (const c of outcomes) {
    reporter.record({
      component,
      operation: 'op',
      success: c === 'S',
      durationMs: 10,
      ...(c === 'S' ? {} : { category: 'network' as const }),
    });
  }
}

describe('HealthReporter status', () => {
  it('10 successes then 3 consecutive failures → no longer healthy', () => {
    const reporter = new HealthReporter(quiet);
    feed(reporter, 'downloader', 'SSSSSSSSSS');
    expect(reporter.componentHealth('downloader').status).toBe('healthy');
    feed(reporter, 'downloader', 'FFF');
    const health = reporter.componentHealth('downloader');
    expect(health.status).not.toBe('healthy');
    expect(health).toMatchObject({
      status: 'degraded',
      consecutiveFailures: 3,
      calls: 13,
      successRate: 10 / 13,
    });
    feed(reporter, 'downloader', 'FF');
    expect(reporter.componentHealth('downloader').status).toBe('unhealthy');
    expect(reporter.status()).toBe('unhealthy');
    feed(reporter, 'downloader', 'S');
    expect(reporter.componentHealth('downloader')).toMatchObject({
      status: 'healthy',
      consecutiveFailures: 0,
    });
  });

  it('judges the success rate over a rolling window, not since start', () => {
    const reporter = new HealthReporter({ ...quiet, window: 10 });
    feed(reporter, 'pip', 'SFSFSFSFSF'); // 50 %: degraded (rate must be above 0.5)
    expect(reporter.componentHealth('pip').status).toBe('degraded');
    feed(reporter, 'pip', 'FSFFSFFSFF'); // 30 % in the window → degraded, 20 % → unhealthy
    expect(reporter.componentHealth('pip')).toMatchObject({ status: 'degraded', successRate: 0.3 });
    feed(reporter, 'pip', 'FF');
    expect(reporter.componentHealth('pip').successRate).toBeCloseTo(0.2);
    expect(reporter.componentHealth('pip').status).toBe('unhealthy');
    feed(reporter, 'pip', 'SSSSSSSSSS');
    expect(reporter.componentHealth('pip')).toMatchObject({ status: 'healthy', successRate: 1, calls: 32 });
  });

  it('uses custom thresholds and validates them', () => {
    const reporter = new HealthReporter({ ...quiet, thresholds: { degradedConsecutiveFailures: 1 } });
    feed(reporter, 'x', 'SSSSF');
    expect(reporter.componentHealth('x').status).toBe('degraded');
    expect(() => new HealthReporter({ ...quiet, thresholds: { degradedSuccessRate: 2 } })).toThrow(
      ConfigurationError,
    );
    expect(() => new HealthReporter({ ...quiet, thresholds: { unhealthyConsecutiveFailures: 1 } })).toThrow(
      /at least/,
    );
    expect(() => new HealthReporter({ ...quiet, window: 0 })).toThrow(ConfigurationError);
  });

  it('reports recent p50 / p95 and an unknown component as healthy with no calls', () => {
    const reporter = new HealthReporter({ ...quiet, latencySamples: 100 });
    for (let i = 1; i <= 200; i++)
      reporter.record({ component: 'c', operation: 'op', success: true, durationMs: i });
    expect(reporter.componentHealth('c')).toMatchObject({ p50: 150, p95: 195 }); // the last 100 samples: 101..200
    expect(reporter.componentHealth('nope')).toEqual({
      name: 'nope',
      status: 'healthy',
      successRate: 1,
      consecutiveFailures: 0,
      calls: 0,
      p50: 0,
      p95: 0,
    });
  });

  it('folds components and operations beyond the limits into (other) to keep memory bounded', () => {
    const reporter = new HealthReporter({ ...quiet, maxComponents: 3, maxOperations: 2 });
    for (let i = 0; i < 10; i++)
      reporter.record({ component: `c${i}`, operation: `o${i}`, success: true, durationMs: 1 });
    for (let i = 0; i < 10; i++)
      reporter.record({ component: 'c0', operation: `o${i}`, success: true, durationMs: 1 });
    expect(reporter.components()).toEqual(['c0', 'c1', 'c2', '(other)']);
    const c0 = reporter.report().components.find((c) => c.name === 'c0')!;
    expect(c0.operations.map((o) => o.name)).toEqual(['o0', 'o1', '(other)']);
    expect(c0.calls).toBe(11);
  });
});

describe('HealthReporter report()', () => {
  it('is versioned JSON with totals, operations, histograms, install, recovery and circuits', () => {
    const recovery = new RecoveryRegistry();
    recovery.recordOutcome('network', 'alternative-source', true);
    const breaker = new CircuitBreaker({ name: 'hub-api' });
    const reporter = new HealthReporter({
      openTelemetry: false,
      recovery,
      labels: { installer: '2.2.0' },
      instanceId: 'box-1',
    });
    reporter.record({
      component: 'hub',
      operation: 'download',
      success: true,
      durationMs: 40,
      recovered: true,
    });
    reporter.record({
      component: 'hub',
      operation: 'download',
      success: false,
      durationMs: 30_000,
      category: 'timeout',
    });
    reporter.record({ component: 'installer', operation: 'install', success: true, durationMs: 480_000 });
    const report = JSON.parse(JSON.stringify(reporter));
    expect(report).toMatchObject({
      schema: HEALTH_REPORT_SCHEMA,
      version: HEALTH_REPORT_VERSION,
      instance: { id: 'box-1', labels: { installer: '2.2.0' }, pid: process.pid },
      status: 'degraded', // hub: 1 of 2 calls failed, a rate of 0.5 is not above 0.5
      totals: { calls: 3, successes: 2, failures: 1, recovered: 1, errors: { timeout: 1 } },
      install: { success: true, durationMs: 480_000, source: 'operation' },
      recovery: {
        strategies: [{ category: 'network', strategy: 'alternative-source', attempts: 1, successes: 1 }],
      },
    });
    expect(report.circuits).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'hub-api', state: 'closed' })]),
    );
    const download = report.components[0].operations[0];
    expect(download).toMatchObject({
      name: 'download',
      calls: 2,
      failures: 1,
      recovered: 1,
      maxMs: 30_000,
      errors: { timeout: 1 },
    });
    expect(download.histogram.counts.reduce((a: number, b: number) => a + b, 0)).toBe(2);
    expect(download.histogram.counts).toHaveLength(download.histogram.boundsMs.length + 1);

    reporter.recordInstall({ success: false, durationMs: 1000, category: 'disk_full' });
    expect(reporter.report().install).toMatchObject({
      success: false,
      source: 'explicit',
      category: 'disk_full',
    });
    expect(() => reporter.recordInstall({ success: true, durationMs: -1 })).toThrow(ConfigurationError);
    breaker.close();
  });

  it('gives every reporter its own instance id by default', () => {
    const a = new HealthReporter(quiet).report().instance.id;
    const b = new HealthReporter(quiet).report().instance.id;
    expect(a).not.toBe(b);
  });

  it('redacts names and labels', () => {
    const reporter = new HealthReporter({ ...quiet, labels: { proxy: 'http://bob:hunter22@proxy:3128' } });
    reporter.record({
      component: 'https://user:s3cretpass@mirror.example',
      operation: 'get',
      success: true,
      durationMs: 1,
    });
    const text =
      JSON.stringify(reporter.report()) + reporter.toMarkdown() + reporter.toHTML() + reporter.toPrometheus();
    expect(text).not.toContain('s3cretpass');
    expect(text).not.toContain('hunter22');
  });

  it('renders Markdown with the component table', () => {
    const reporter = new HealthReporter(quiet);
    feed(reporter, 'a|b', 'SSF');
    const md = reporter.toMarkdown();
    expect(md).toMatch(/^# Health report: healthy/);
    expect(md).toContain('| a\\|b | healthy | 66.7 % | 1 | 3 |');
    expect(md).toContain('| network | 1 |');
  });

  it('renders one self-contained HTML page with inline SVG charts and no network references', () => {
    const reporter = new HealthReporter(quiet);
    feed(reporter, 'downloader', 'SSSF');
    reporter.record({
      component: 'https://mirror.example/<script>',
      operation: 'x',
      success: true,
      durationMs: 5,
    });
    const html = reporter.toHTML({ title: 'WAN2.2 installer' });
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<svg');
    expect(html.match(/<svg/g)?.length).toBeGreaterThanOrEqual(4);
    expect(html).toContain('downloader');
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|\bhref=|url\(|@import|xmlns/i);
    expect(html).toContain("default-src 'none'");
  });
});

describe('HealthReporter.recordFailedAttempt', () => {
  it('counts retried attempts and their categories without changing outcomes or status', () => {
    const reporter = new HealthReporter(quiet);
    for (let i = 0; i < 4; i++)
      reporter.recordFailedAttempt({ component: 'downloads', operation: 'download', category: 'timeout' });
    reporter.recordFailedAttempt({ component: 'downloads', operation: 'download' });
    reporter.record({
      component: 'downloads',
      operation: 'download',
      success: true,
      durationMs: 5,
      recovered: true,
    });
    reporter.record({
      component: 'downloads',
      operation: 'download',
      success: false,
      durationMs: 5,
      category: 'corruption',
    });
    const report = reporter.report();
    expect(report.totals).toMatchObject({
      calls: 2,
      failures: 1,
      errors: { corruption: 1 },
      attempts: 7,
      attemptErrors: { timeout: 4, unknown: 1, corruption: 1 },
    });
    const op = report.components[0]?.operations[0];
    expect(op).toMatchObject({
      calls: 2,
      attempts: 7,
      attemptErrors: { timeout: 4, unknown: 1, corruption: 1 },
    });
    expect(reporter.componentHealth('downloads')).toMatchObject({ calls: 2, consecutiveFailures: 1 });
    const metrics = reporter.toPrometheus();
    expect(metrics).toContain('wan_reliability_attempts_total{component="downloads",operation="download"} 7');
    expect(metrics).toContain(
      'wan_reliability_attempt_failures_total{component="downloads",operation="download",category="timeout"} 4',
    );
  });

  it('rejects bad input with a ConfigurationError', () => {
    const reporter = new HealthReporter(quiet);
    expect(() => reporter.recordFailedAttempt(null as never)).toThrow(/recordFailedAttempt/);
    expect(() =>
      reporter.recordFailedAttempt({ component: 'a', operation: 'b', category: 'nope' as never }),
    ).toThrow(/ErrorCategory/);
  });
});

describe('HealthReporter and withReliability', () => {
  it('is fed automatically by wrapped calls', async () => {
    const reporter = new HealthReporter(quiet);
    let n = 0;
    const reliable = withReliability(
      {
        async ping() {
          n += 1;
          if (n > 2) throw Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
          return n;
        },
      },
      { name: 'api', retry: { retries: 0 }, health: reporter },
    );
    await reliable.ping();
    await reliable.ping();
    await expect(reliable.ping()).rejects.toThrow('refused');
    expect(reporter.componentHealth('api')).toMatchObject({ calls: 3, consecutiveFailures: 1 });
    expect(reporter.report().totals.errors).toEqual({ network: 1 });
  });
});

describe('OpenTelemetry', () => {
  class FakeInstrument implements ObservableLike {
    readonly callbacks = new Set<(r: ObservableResultLike) => void | Promise<void>>();
    constructor(
      readonly kind: string,
      readonly options: { unit?: string } | undefined,
    ) {}
    addCallback(cb: (r: ObservableResultLike) => void | Promise<void>) {
      this.callbacks.add(cb);
    }
    removeCallback(cb: (r: ObservableResultLike) => void | Promise<void>) {
      this.callbacks.delete(cb);
    }
    collect(): Array<{ value: number; attributes: MetricAttributes | undefined }> {
      const seen: Array<{ value: number; attributes: MetricAttributes | undefined }> = [];
      for (const cb of this.callbacks)
        cb({ observe: (value, attributes) => seen.push({ value, attributes }) });
      return seen;
    }
  }
  class FakeMeter implements MeterLike {
    readonly instruments = new Map<string, FakeInstrument>();
    createObservableCounter(name: string, options?: { unit?: string }) {
      const i = new FakeInstrument('counter', options);
      this.instruments.set(name, i);
      return i;
    }
    createObservableGauge(name: string, options?: { unit?: string }) {
      const i = new FakeInstrument('gauge', options);
      this.instruments.set(name, i);
      return i;
    }
  }

  afterEach(() => metrics.disable());

  it('a provided meter receives observable instruments fed from the counters', async () => {
    const meter = new FakeMeter();
    const reporter = new HealthReporter({ openTelemetry: meter, circuits: false });
    expect(await reporter.openTelemetryReady).toBe(true);
    feed(reporter, 'downloader', 'SSF');
    expect([...meter.instruments.keys()]).toEqual(
      expect.arrayContaining([
        'wan_reliability.calls',
        'wan_reliability.component.success_ratio',
        'wan_reliability.component.latency.p95',
      ]),
    );
    expect(meter.instruments.get('wan_reliability.calls')?.collect()).toEqual([
      { value: 2, attributes: { component: 'downloader', operation: 'op', outcome: 'success' } },
      { value: 1, attributes: { component: 'downloader', operation: 'op', outcome: 'failure' } },
    ]);
    expect(meter.instruments.get('wan_reliability.component.latency.p95')?.options?.unit).toBe('s');
    reporter.close();
    expect(meter.instruments.get('wan_reliability.calls')?.callbacks.size).toBe(0);
  });

  it('binds to the global meter of @opentelemetry/api when a MeterProvider is registered', async () => {
    const meter = new FakeMeter();
    const requested: string[] = [];
    metrics.setGlobalMeterProvider({
      getMeter: (name: string) => {
        requested.push(name);
        return meter as unknown as ReturnType<ReturnType<typeof metrics.getMeterProvider>['getMeter']>;
      },
    });
    const reporter = new HealthReporter({ circuits: false });
    expect(await reporter.openTelemetryReady).toBe(true);
    expect(requested).toEqual(['@wan/reliability']);
    feed(reporter, 'pip', 'FFFFF');
    expect(meter.instruments.get('wan_reliability.component.status')?.collect()).toEqual([
      { value: 2, attributes: { component: 'pip' } },
    ]);
    expect(meter.instruments.get('wan_reliability.failures')?.collect()).toEqual([
      { value: 5, attributes: { component: 'pip', operation: 'op', category: 'network' } },
    ]);
    reporter.close();
  });
});
