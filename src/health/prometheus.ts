import { ConfigurationError } from '../errors/ConfigurationError.js';
import { clip, LabelValues, MAX_LABEL_LENGTH } from './labelValues.js';
import { LATENCY_BOUNDS_MS } from './stats.js';

export { MAX_LABEL_LENGTH } from './labelValues.js';

import type { ComponentReport, HealthReport, HealthStatus } from './types.js';

/** Options of {@link toPrometheus}. */
export interface PrometheusOptions {
  /** Metric name prefix (default `wan_reliability`); must be a valid metric name. */
  prefix?: string;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const STATUSES: readonly HealthStatus[] = ['healthy', 'degraded', 'unhealthy'];
const CIRCUIT_STATES = ['closed', 'open', 'half-open'] as const;
/** `le` label values of the standard buckets, in seconds. */
const LATENCY_LE = LATENCY_BOUNDS_MS.map((ms) => formatValue(ms / 1000));
const NEEDS_ESCAPE = /[\\"\n\uD800-\uDFFF]/;

/**
 * Escapes a label value for the text exposition format: backslash, double quote and line feed are
 * escaped; lone UTF-16 surrogates (not encodable as UTF-8) become U+FFFD.
 */
export function escapeLabelValue(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(
    /[\\"\n]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    (c) => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : c === '\n' ? '\\n' : '\uFFFD'),
  );
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value as the exposition format spells it. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/** Per-component gauges: metric suffix, HELP text, value. */
const COMPONENT_GAUGES: ReadonlyArray<readonly [string, string, (c: ComponentReport) => number]> = [
  [
    'component_success_ratio',
    'Success ratio of each component over its rolling window.',
    (c) => c.successRate,
  ],
  [
    'component_consecutive_failures',
    'Current run of consecutive failures per component.',
    (c) => c.consecutiveFailures,
  ],
  [
    'component_latency_p50_seconds',
    'Median duration of recent calls per component, in seconds.',
    (c) => c.p50 / 1000,
  ],
  [
    'component_latency_p95_seconds',
    '95th percentile duration of recent calls per component, in seconds.',
    (c) => c.p95 / 1000,
  ],
];

/** Renders `k="v",…` (clipped to MAX_LABEL_LENGTH, escaped); label names are ours and valid. */
function labels(...pairs: string[]): string {
  let out = '';
  for (let i = 0; i < pairs.length; i += 2) {
    const value = pairs[i + 1];
    out += `${i === 0 ? '' : ','}${pairs[i]}="${escapeLabelValue(clip(typeof value === 'string' ? value : '', MAX_LABEL_LENGTH))}"`;
  }
  return out;
}

/** `[key, count]` of a category → count record, each key a distinct label value. */
function categoryCounts(record: unknown): [string, number][] {
  if (typeof record !== 'object' || record === null) return [];
  const keys = new LabelValues();
  return Object.entries(record).map(([k, v]) => [keys.take(k), typeof v === 'number' ? v : 0]);
}

class Exposition {
  readonly #lines: string[] = [];
  readonly #prefix: string;

  constructor(prefix: string) {
    this.#prefix = prefix;
  }

  family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string): string {
    const full = `${this.#prefix}_${name}`;
    this.#lines.push(`# HELP ${full} ${escapeHelp(help)}`, `# TYPE ${full} ${type}`);
    return full;
  }

  /** One sample; `body` is rendered label text (see {@link labels}), empty for none. */
  sample(name: string, body: string, value: number): void {
    this.#lines.push(`${name}${body ? `{${body}}` : ''} ${formatValue(value)}`);
  }

  text(): string {
    return `${this.#lines.join('\n')}\n`;
  }
}

/**
 * Renders a report in the Prometheus text exposition format (version 0.0.4): counters end in
 * `_total`, durations are in seconds, every family has HELP and TYPE, label values are escaped.
 * Passes `promtool check metrics`. Components and operations are labels, so a name can hold any text.
 */
export function toPrometheus(report: HealthReport, options: PrometheusOptions = {}): string {
  const prefix = options.prefix ?? 'wan_reliability';
  if (typeof prefix !== 'string' || !METRIC_NAME.test(prefix) || prefix.includes(':')) {
    throw new ConfigurationError('prefix', 'a metric name such as wan_reliability', prefix);
  }
  const out = new Exposition(prefix);
  // Series are unique by construction: names equal after redaction, clipping or surrogate
  // replacement get a suffix (see LabelValues) — Prometheus rejects a scrape with duplicates.
  const componentNames = new LabelValues();
  const perComponent = report.components.map((c) => {
    const component = componentNames.take(c.name);
    const operationNames = new LabelValues();
    return {
      c,
      component,
      base: labels('component', component),
      ops: c.operations.map((o) => ({
        o,
        base: labels('component', component, 'operation', operationNames.take(o.name)),
        errors: categoryCounts(o.errors),
        attemptErrors: categoryCounts(o.attemptErrors),
      })),
    };
  });
  const ops = perComponent.flatMap((c) => c.ops);

  let name = out.family('info', 'gauge', 'Reporter identity; always 1.');
  const i = report.instance;
  out.sample(name, labels('reporter_id', i.id, 'hostname', i.hostname, 'node_version', i.node), 1);

  name = out.family(
    'start_time_seconds',
    'gauge',
    'Start time of the reporter since the Unix epoch, in seconds.',
  );
  out.sample(name, '', Date.parse(i.startedAt) / 1000);

  name = out.family('status', 'gauge', 'Overall health: 1 for the current status, 0 for the others.');
  for (const s of STATUSES) out.sample(name, `status="${s}"`, report.status === s ? 1 : 0);

  name = out.family(
    'calls_total',
    'counter',
    'Calls completed, by final outcome (after retries and recovery).',
  );
  for (const { o, base } of ops) {
    out.sample(name, `${base},outcome="success"`, o.successes);
    out.sample(name, `${base},outcome="failure"`, o.failures);
  }

  name = out.family(
    'recovered_calls_total',
    'counter',
    'Calls that succeeded thanks to a recovery strategy.',
  );
  for (const { o, base } of ops) out.sample(name, base, o.recovered);

  name = out.family('failures_total', 'counter', 'Failed calls by error category.');
  for (const { base, errors } of ops) {
    for (const [category, count] of errors)
      out.sample(name, `${base},${labels('category', category)}`, count);
  }

  name = out.family(
    'attempts_total',
    'counter',
    'Attempts made: calls plus retried or failed-over attempts.',
  );
  for (const { o, base } of ops) out.sample(name, base, o.attempts);

  name = out.family(
    'attempt_failures_total',
    'counter',
    'Failed attempts by error category, final and retried ones (recovered calls included).',
  );
  for (const { base, attemptErrors } of ops) {
    for (const [category, count] of attemptErrors)
      out.sample(name, `${base},${labels('category', category)}`, count);
  }

  name = out.family(
    'call_duration_seconds',
    'histogram',
    'Duration of whole calls including retries, in seconds.',
  );
  const le = LATENCY_LE;
  for (const { o, base } of ops) {
    const { boundsMs, counts, sumMs } = o.histogram;
    let cumulative = 0;
    for (let b = 0; b < boundsMs.length; b++) {
      cumulative += counts[b] ?? 0;
      const bound = boundsMs === LATENCY_BOUNDS_MS ? le[b]! : formatValue(boundsMs[b]! / 1000);
      out.sample(`${name}_bucket`, `${base},le="${bound}"`, cumulative);
    }
    cumulative += counts[boundsMs.length] ?? 0;
    out.sample(`${name}_bucket`, `${base},le="+Inf"`, cumulative);
    out.sample(`${name}_sum`, base, sumMs / 1000);
    out.sample(`${name}_count`, base, cumulative);
  }

  for (const [metric, help, value] of COMPONENT_GAUGES) {
    name = out.family(metric, 'gauge', help);
    for (const { c, base } of perComponent) out.sample(name, base, value(c));
  }

  name = out.family(
    'component_status',
    'gauge',
    'Health of each component: 1 for its current status, 0 for the others.',
  );
  for (const { c, base } of perComponent) {
    for (const s of STATUSES) out.sample(name, `${base},status="${s}"`, c.status === s ? 1 : 0);
  }

  if (report.install) {
    name = out.family(
      'install_success',
      'gauge',
      'Whether the last installation succeeded (1) or failed (0).',
    );
    out.sample(name, '', report.install.success ? 1 : 0);
    name = out.family('install_duration_seconds', 'gauge', 'Duration of the last installation, in seconds.');
    out.sample(name, '', report.install.durationMs / 1000);
  }

  if (report.recovery) {
    // Unique per category: the pair (category, strategy) names a series.
    const perCategory = new Map<string, LabelValues>();
    const categories = new LabelValues();
    const categoryOf = new Map<string, string>();
    const strategies = report.recovery.strategies.map((s) => {
      const raw = typeof s.category === 'string' ? s.category : '';
      let category = categoryOf.get(raw);
      if (category === undefined) {
        category = categories.take(raw);
        categoryOf.set(raw, category);
      }
      let names = perCategory.get(category);
      if (!names) {
        names = new LabelValues();
        perCategory.set(category, names);
      }
      return { s, base: labels('category', category, 'strategy', names.take(s.strategy)) };
    });
    for (const [metric, help, key] of [
      ['recovery_attempts_total', 'Recovery strategy runs by category and strategy.', 'attempts'],
      ['recovery_successes_total', 'Recovery strategy runs that fixed the failure.', 'successes'],
    ] as const) {
      name = out.family(metric, 'counter', help);
      for (const { s, base } of strategies) out.sample(name, base, s[key]);
    }
  }

  if (report.circuits && report.circuits.length > 0) {
    name = out.family(
      'circuit_state',
      'gauge',
      'Circuit breaker state: 1 for the current state, 0 for the others.',
    );
    const circuitNames = new LabelValues();
    for (const b of report.circuits) {
      const base = labels('circuit', circuitNames.take(b.name));
      for (const s of CIRCUIT_STATES) out.sample(name, `${base},state="${s}"`, b.state === s ? 1 : 0);
    }
    name = out.family(
      'circuits_omitted',
      'gauge',
      "Circuit breakers left out of circuit_state by the reporter's maxCircuits (closed ones first).",
    );
    out.sample(name, '', report.circuitsOmitted ?? 0);
  }
  return out.text();
}
