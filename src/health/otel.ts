import type { HealthReport } from './types.js';

/** Attributes of an observation (the subset of OpenTelemetry's `Attributes` we use). */
export type MetricAttributes = Record<string, string>;

/** The part of OpenTelemetry's `ObservableResult` used here. */
export interface ObservableResultLike {
  /** Reports the instrument's current value for one attribute set. */
  observe(value: number, attributes?: MetricAttributes): void;
}

/** The part of OpenTelemetry's `Observable` instrument used here. */
export interface ObservableLike {
  /** Registers a callback run at each collection. */
  addCallback(callback: (result: ObservableResultLike) => void | Promise<void>): void;
  /** Unregisters a callback given to addCallback. */
  removeCallback(callback: (result: ObservableResultLike) => void | Promise<void>): void;
}

/**
 * The part of OpenTelemetry's `Meter` used here (structural, so `@opentelemetry/api` stays an
 * optional peer dependency and its types are not needed by users who do not install it).
 */
export interface MeterLike {
  /** Creates a monotonic counter read through callbacks (calls, failures, recovered calls). */
  createObservableCounter(name: string, options?: { description?: string; unit?: string }): ObservableLike;
  /** Creates a gauge read through callbacks (success ratio, latency, status). */
  createObservableGauge(name: string, options?: { description?: string; unit?: string }): ObservableLike;
}

/** Instrument names registered on the meter. */
export const OTEL_INSTRUMENTS = Object.freeze({
  /** Counter of completed calls per component, operation and `outcome` (success / failure). */
  calls: 'wan_reliability.calls',
  /** Counter of failed calls per component, operation and error `category`. */
  failures: 'wan_reliability.failures',
  /** Counter of calls that succeeded thanks to recovery, per component and operation. */
  recovered: 'wan_reliability.recovered_calls',
  /** Gauge: success ratio over the rolling window (0–1), per component. */
  successRatio: 'wan_reliability.component.success_ratio',
  /** Gauge: current run of consecutive failures, per component. */
  consecutiveFailures: 'wan_reliability.component.consecutive_failures',
  /** Gauge: median duration of recent calls, seconds, per component. */
  latencyP50: 'wan_reliability.component.latency.p50',
  /** Gauge: 95th percentile duration of recent calls, seconds, per component. */
  latencyP95: 'wan_reliability.component.latency.p95',
  /** Gauge: 0 healthy, 1 degraded, 2 unhealthy, per component. */
  status: 'wan_reliability.component.status',
});

const STATUS_VALUE = { healthy: 0, degraded: 1, unhealthy: 2 } as const;

/**
 * Registers asynchronous (observable) instruments whose callbacks read the reporter's counters at
 * collection time, so recording stays free of OpenTelemetry calls. `source` returns the current
 * report, or undefined once the reporter is gone (the callbacks then remove themselves).
 * Returns a function that unregisters everything.
 */
export function bindMeter(meter: MeterLike, source: () => HealthReport | undefined): () => void {
  let cached: { at: number; report: HealthReport } | undefined;
  const current = (): HealthReport | undefined => {
    const now = Date.now();
    if (cached && now - cached.at < 100) return cached.report;
    const report = source();
    cached = report ? { at: now, report } : undefined;
    return report;
  };
  const bindings: Array<{ instrument: ObservableLike; callback: (r: ObservableResultLike) => void }> = [];
  const unbind = () => {
    for (const { instrument, callback } of bindings.splice(0)) instrument.removeCallback(callback);
  };
  const add = (
    instrument: ObservableLike,
    observe: (report: HealthReport, result: ObservableResultLike) => void,
  ) => {
    const callback = (result: ObservableResultLike) => {
      const report = current();
      if (!report) {
        queueMicrotask(unbind);
        return;
      }
      observe(report, result);
    };
    instrument.addCallback(callback);
    bindings.push({ instrument, callback });
  };
  const ops = (report: HealthReport) => report.components.flatMap((c) => c.operations.map((o) => ({ c, o })));

  add(
    meter.createObservableCounter(OTEL_INSTRUMENTS.calls, {
      description: 'Calls completed, by final outcome',
      unit: '{call}',
    }),
    (report, r) => {
      for (const { c, o } of ops(report)) {
        r.observe(o.successes, { component: c.name, operation: o.name, outcome: 'success' });
        r.observe(o.failures, { component: c.name, operation: o.name, outcome: 'failure' });
      }
    },
  );
  add(
    meter.createObservableCounter(OTEL_INSTRUMENTS.failures, {
      description: 'Failed calls by error category',
      unit: '{call}',
    }),
    (report, r) => {
      for (const { c, o } of ops(report)) {
        for (const [category, count] of Object.entries(o.errors)) {
          r.observe(count ?? 0, { component: c.name, operation: o.name, category });
        }
      }
    },
  );
  add(
    meter.createObservableCounter(OTEL_INSTRUMENTS.recovered, {
      description: 'Calls that succeeded thanks to recovery',
      unit: '{call}',
    }),
    (report, r) => {
      for (const { c, o } of ops(report)) r.observe(o.recovered, { component: c.name, operation: o.name });
    },
  );
  const perComponent = (
    name: string,
    description: string,
    unit: string,
    value: (c: HealthReport['components'][number]) => number,
  ) =>
    add(meter.createObservableGauge(name, { description, unit }), (report, r) => {
      for (const c of report.components) r.observe(value(c), { component: c.name });
    });
  perComponent(
    OTEL_INSTRUMENTS.successRatio,
    'Success ratio over the rolling window',
    '1',
    (c) => c.successRate,
  );
  perComponent(
    OTEL_INSTRUMENTS.consecutiveFailures,
    'Current run of consecutive failures',
    '{call}',
    (c) => c.consecutiveFailures,
  );
  perComponent(OTEL_INSTRUMENTS.latencyP50, 'Median duration of recent calls', 's', (c) => c.p50 / 1000);
  perComponent(
    OTEL_INSTRUMENTS.latencyP95,
    '95th percentile duration of recent calls',
    's',
    (c) => c.p95 / 1000,
  );
  perComponent(
    OTEL_INSTRUMENTS.status,
    'Health: 0 healthy, 1 degraded, 2 unhealthy',
    '1',
    (c) => STATUS_VALUE[c.status],
  );
  return unbind;
}

/**
 * The global OpenTelemetry meter when `@opentelemetry/api` is installed (an optional peer
 * dependency), else undefined. Without a registered MeterProvider the API's meter is a no-op.
 */
export async function loadGlobalMeter(name = '@wan/reliability'): Promise<MeterLike | undefined> {
  try {
    const api = (await import('@opentelemetry/api')) as { metrics?: { getMeter(name: string): MeterLike } };
    return api.metrics?.getMeter(name);
  } catch {
    return undefined;
  }
}
