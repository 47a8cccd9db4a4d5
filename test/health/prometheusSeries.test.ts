import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ERROR_CATEGORIES } from '../../src/errors/category.js';
import { HealthReporter } from '../../src/health/HealthReporter.js';
import { MAX_LABEL_LENGTH, toPrometheus } from '../../src/health/prometheus.js';
import type { HealthServer } from '../../src/health/server.js';
import type { HealthReport } from '../../src/health/types.js';
import { withReliability } from '../../src/policies/wrap/withReliability.js';
import { type RunningPrometheus, startPrometheus } from '../support/prometheus.js';
import { parseExposition } from './expositionParser.js';

const hasPromtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
const hasPrometheus = spawnSync('prometheus', ['--version'], { stdio: 'ignore' }).status === 0;

/** Every (name, labels) pair that occurs more than once. parseExposition rejects them too. */
function duplicates(text: string): string[] {
  const seen = new Set<string>();
  const dupes: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const key = line.slice(0, line.lastIndexOf(' '));
    if (seen.has(key)) dupes.push(key);
    seen.add(key);
  }
  return dupes;
}

/**
 * A reporter whose names collide only after redaction, escaping or truncation, with two breakers
 * of one name and two recovery strategies that redact alike.
 */
function collidingReporter(): HealthReporter {
  const reporter = new HealthReporter({
    openTelemetry: false,
    circuits: () => [
      { name: 'hub', state: 'open', consecutiveFailures: 5 },
      { name: 'hub', state: 'closed', consecutiveFailures: 0 },
      { name: 'https://u:tok1@mirror.example/x', state: 'closed' },
      { name: 'https://u:tok2@mirror.example/x', state: 'half-open' },
    ],
    recovery: {
      stats: () => ({
        strategies: [
          {
            category: 'network',
            strategy: 'retry https://u:a1@m.example',
            attempts: 2,
            successes: 1,
            observedRate: 0.5,
            likelihood: 0.5,
          },
          {
            category: 'network',
            strategy: 'retry https://u:b2@m.example',
            attempts: 1,
            successes: 1,
            observedRate: 1,
            likelihood: 0.6,
          },
        ],
        totals: { recoveries: 3, fixed: 2, manual: 0 },
      }),
    } as unknown as { stats(): NonNullable<HealthReport['recovery']> },
  });
  const names = [
    ['downloads', 'https://user:token-one@mirror.example/model.bin'],
    ['downloads', 'https://user:token-two@mirror.example/model.bin'],
    ['https://a:one@hub.example', 'get'],
    ['https://a:two@hub.example', 'get'],
    ['\uD800', '\uDC00'],
    ['\uD801', '\uDC01'],
    [`${'x'.repeat(200)}1`, 'op'],
    [`${'x'.repeat(200)}2`, 'op'],
    ['hub', 'hub (2)'],
    ['hub', 'hub'],
  ] as const;
  for (const [component, operation] of names) {
    reporter.record({ component, operation, success: false, durationMs: 5, category: 'timeout' });
    reporter.record({ component, operation, success: true, durationMs: 5 });
  }
  return reporter;
}

describe('toPrometheus: every series is unique by construction', () => {
  it('names that redact, escape or truncate alike get a deterministic suffix instead of a duplicate', () => {
    const text = collidingReporter().toPrometheus();
    expect(duplicates(text)).toEqual([]);
    const families = parseExposition(text);
    const calls = families
      .get('wan_reliability_calls_total')!
      .samples.filter((s) => s.labels.outcome === 'success');
    expect(calls).toHaveLength(10);
    const downloads = calls.filter((s) => s.labels.component === 'downloads').map((s) => s.labels.operation);
    expect(downloads).toEqual([
      'https://[REDACTED]@mirror.example/model.bin',
      'https://[REDACTED]@mirror.example/model.bin (2)',
    ]);
    const circuits = families.get('wan_reliability_circuit_state')!.samples.filter((s) => s.value === 1);
    expect(circuits.map((s) => `${s.labels.circuit}=${s.labels.state}`)).toEqual([
      'hub=open',
      'hub (2)=closed',
      'https://[REDACTED]@mirror.example/x=closed',
      'https://[REDACTED]@mirror.example/x (2)=half-open',
    ]);
    for (const s of calls) expect(s.labels.component!.length).toBeLessThanOrEqual(MAX_LABEL_LENGTH);
    expect(text).not.toContain('tok1');
    expect(text).not.toContain('token-two');
  });

  it('report() itself names components, operations, circuits and strategies distinctly (JSON, dashboards, OpenTelemetry)', () => {
    const report = collidingReporter().report();
    const distinct = (names: readonly string[]) => expect(new Set(names).size).toBe(names.length);
    distinct(report.components.map((c) => c.name));
    for (const c of report.components) distinct(c.operations.map((o) => o.name));
    distinct((report.circuits ?? []).map((b) => b.name));
    distinct((report.recovery?.strategies ?? []).map((s) => `${s.category}\0${s.strategy}`));
    expect(report.components.map((c) => c.name)).toContain('https://[REDACTED]@hub.example (2)');
    expect(JSON.stringify(report)).not.toContain('token-one');
  });

  it('two components wrapped under the same name: one breaker series each, no duplicate', async () => {
    const health = new HealthReporter({ openTelemetry: false });
    const a = withReliability(
      { get: async () => 1 },
      { name: 'same-name', health, retry: false, timeout: false },
    );
    const b = withReliability(
      { get: async () => 2 },
      { name: 'same-name', health, retry: false, timeout: false },
    );
    await a.get();
    await b.get();
    const text = health.toPrometheus();
    expect(duplicates(text)).toEqual([]);
    parseExposition(text);
  });

  it('hand-made reports with repeated names and categories render unique series', () => {
    const report = collidingReporter().report();
    const c = report.components[0]!;
    const doubled = {
      ...report,
      components: [c, c, { ...c, operations: [...c.operations, ...c.operations] }],
      circuits: [...(report.circuits ?? []), ...(report.circuits ?? [])],
    } as HealthReport;
    const text = toPrometheus(doubled);
    expect(duplicates(text)).toEqual([]);
    parseExposition(text);
  });

  const awkward = fc.oneof(
    fc.constantFrom(
      'a',
      'a (2)',
      'a (3)',
      '\uD800',
      '\uDBFF',
      '\uDC00',
      'x'.repeat(70),
      `${'x'.repeat(70)}y`,
    ),
    fc.constantFrom(
      'https://u:p1@h.example/',
      'https://u:p2@h.example/',
      'token=hf_aaaaaaaaaaaaaaaaaaaa1',
      'token=hf_bbbbbbbbbbbbbbbbbbbb2',
    ),
    fc.string({ maxLength: 4 }),
    fc.string({
      unit: fc.integer({ min: 0xd7f0, max: 0xdc10 }).map((n) => String.fromCharCode(n)),
      maxLength: 3,
    }),
  );

  it('any names, redacted by default: no duplicate series (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(awkward, awkward), { minLength: 1, maxLength: 12 }),
        fc.array(awkward, { maxLength: 6 }),
        (pairs, circuits) => {
          const reporter = new HealthReporter({
            openTelemetry: false,
            circuits: () => circuits.map((name) => ({ name, state: 'closed' as const })),
          });
          for (const [component, operation] of pairs)
            reporter.record({ component, operation, success: true, durationMs: 1 });
          const text = reporter.toPrometheus();
          expect(duplicates(text)).toEqual([]);
          parseExposition(text);
        },
      ),
      { numRuns: 300 },
    );
  });

  (hasPromtool || process.env.CI ? it : it.skip)('promtool accepts the colliding exposition', () => {
    const result = spawnSync('promtool', ['check', 'metrics'], {
      input: collidingReporter().toPrometheus(),
      encoding: 'utf8',
    });
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('default cardinality caps', () => {
  it('lists at most maxCircuits breakers, every open one first, and counts the rest', () => {
    const breakers = Array.from({ length: 500 }, (_, i) => ({
      name: `download:https://mirror-${i}.example`,
      state: i % 50 === 7 ? ('open' as const) : i % 50 === 9 ? ('half-open' as const) : ('closed' as const),
    }));
    const reporter = new HealthReporter({ openTelemetry: false, circuits: () => breakers });
    const report = reporter.report();
    expect(report.circuits).toHaveLength(32);
    expect(report.circuitsOmitted).toBe(468);
    const states = (report.circuits ?? []).map((b) => b.state);
    expect(states.filter((state) => state === 'open')).toHaveLength(10);
    expect(states.filter((state) => state === 'half-open')).toHaveLength(10);
    // Kept in their original order: the 12 closed ones are the first closed ones.
    expect(report.circuits?.slice(0, 3).map((b) => b.name)).toEqual(
      ['0', '1', '2'].map((i) => `download:https://mirror-${i}.example`),
    );
    const text = reporter.toPrometheus();
    expect(text.split('\n').filter((line) => line.includes('circuit_state{'))).toHaveLength(96);
    expect(text).toMatch(/^wan_reliability_circuits_omitted 468$/m);
    expect(duplicates(text)).toEqual([]);
    const uncapped = new HealthReporter({ openTelemetry: false, circuits: () => breakers, maxCircuits: 600 });
    expect(uncapped.report().circuits).toHaveLength(500);
    expect(uncapped.report().circuitsOmitted).toBeUndefined();
    expect(() => new HealthReporter({ openTelemetry: false, maxCircuits: 0 })).toThrow(/maxCircuits/);
  });

  it('the worst case stays within the documented bound: 9 000 series, 4 MB', () => {
    const reporter = new HealthReporter({
      openTelemetry: false,
      circuits: false,
      redact: (s) => s,
    });
    // Names longer than a label may be, of 3-byte characters (the most UTF-8 per code unit), every
    // category failed and retried, huge durations: more than the caps allow, so folding shows.
    const name = (i: number) => `${i}${'€'.repeat(80)}`;
    for (let c = 0; c < 40; c++) {
      for (let o = 0; o < 40; o++) {
        for (const category of ERROR_CATEGORIES) {
          reporter.record({
            component: name(c),
            operation: name(o),
            success: false,
            durationMs: 1e12,
            category,
          });
          reporter.recordFailedAttempt({ component: name(c), operation: name(o), category });
        }
        reporter.record({
          component: name(c),
          operation: name(o),
          success: true,
          durationMs: 1,
          recovered: true,
        });
      }
    }
    reporter.recordInstall({ success: true, durationMs: 1 });
    const text = reporter.toPrometheus();
    const series = text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
    expect(reporter.components()).toHaveLength(17);
    expect(series).toBeLessThanOrEqual(9_000);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(duplicates(text)).toEqual([]);
  });
});

describe.skipIf(!hasPrometheus && !process.env.CI)('a real Prometheus scrape of colliding names', () => {
  let prometheus: RunningPrometheus | undefined;
  let server: HealthServer | undefined;
  afterEach(async () => {
    await prometheus?.stop();
    prometheus = undefined;
    await server?.close();
  });

  it('scrapes every sample: up == 1, scrape_samples_scraped == lines served, no duplicate-sample error', async () => {
    const reporter = collidingReporter();
    server = await reporter.serve({ port: 0 });
    const served = reporter
      .toPrometheus()
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#')).length;
    prometheus = await startPrometheus([`127.0.0.1:${server.port}`], { logLevel: 'debug' });
    const running = prometheus;
    const query = async (expr: string): Promise<number | undefined> => {
      const v = (await running.query(expr))[0]?.value[1];
      return v === undefined ? undefined : Number(v);
    };
    let up: number | undefined;
    let scraped: number | undefined;
    let stored: number | undefined;
    // Bounded: 20 s of 250 ms polls; the scrape interval is 1 s.
    for (let i = 0; i < 80; i++) {
      try {
        up = await query('up{job="wan"}');
        scraped = await query('scrape_samples_scraped{job="wan"}');
        stored = await query('count({job="wan",__name__=~"wan_reliability_.*"})');
        if (up !== undefined && stored !== undefined && stored >= served) break;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const text = running.log();
    expect(up, text.slice(-2000)).toBe(1);
    expect(scraped).toBe(served);
    expect(stored).toBe(served);
    expect(text).not.toMatch(/duplicate sample|Error on ingesting samples/i);
  }, 40_000);
});
