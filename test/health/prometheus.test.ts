import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HealthReporter } from '../../src/health/HealthReporter.js';
import { escapeLabelValue, toPrometheus } from '../../src/health/prometheus.js';
import { RecoveryRegistry } from '../../src/recovery/RecoveryRegistry.js';
import { parseExposition } from './expositionParser.js';

const hasPromtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
/** promtool must run in CI; elsewhere the test is skipped only when it is not installed. */
const promtoolTest = hasPromtool || process.env.CI ? it : it.skip;

function promtool(text: string): { status: number | null; output: string } {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function busyReporter(names: readonly string[] = ['downloader', 'pip']): HealthReporter {
  const recovery = new RecoveryRegistry();
  recovery.recordOutcome('network', 'alternative-source', true);
  recovery.recordOutcome('disk_full', 'cleanup-temp', false);
  const reporter = new HealthReporter({ recovery, openTelemetry: false, redact: (s) => s });
  names.forEach((name, i) => {
    for (let k = 0; k < 20; k++) {
      reporter.record({
        component: name,
        operation: 'download',
        success: k % 7 !== 0,
        durationMs: 3 + k * 250 * (i + 1),
        category: 'timeout',
      });
    }
    reporter.record({
      component: name,
      operation: 'verify',
      success: true,
      durationMs: 1_200_000,
      recovered: true,
    });
    reporter.record({
      component: name,
      operation: 'verify',
      success: false,
      durationMs: 10,
      category: 'corruption',
    });
  });
  reporter.recordInstall({ success: true, durationMs: 420_000 });
  return reporter;
}

describe('toPrometheus', () => {
  it('produces a valid exposition: HELP/TYPE, _total counters, seconds, cumulative histograms', () => {
    const text = busyReporter().toPrometheus();
    const families = parseExposition(text);
    expect([...families.keys()]).toEqual(
      expect.arrayContaining([
        'wan_reliability_calls_total',
        'wan_reliability_failures_total',
        'wan_reliability_call_duration_seconds',
        'wan_reliability_component_success_ratio',
        'wan_reliability_component_status',
        'wan_reliability_install_success',
        'wan_reliability_recovery_attempts_total',
      ]),
    );
    const calls = families.get('wan_reliability_calls_total')!;
    const success = calls.samples.find(
      (s) =>
        s.labels.component === 'downloader' &&
        s.labels.operation === 'download' &&
        s.labels.outcome === 'success',
    );
    expect(success?.value).toBe(17);
    const sum = families
      .get('wan_reliability_call_duration_seconds')!
      .samples.find(
        (s) => s.name.endsWith('_sum') && s.labels.operation === 'verify' && s.labels.component === 'pip',
      );
    expect(sum?.value).toBeCloseTo(1200.01);
    for (const family of families.values()) {
      if (family.type === 'counter') expect(family.name).toMatch(/_total$/);
    }
  });

  promtoolTest('passes promtool check metrics', () => {
    const { status, output } = promtool(busyReporter().toPrometheus());
    expect(output).toBe('');
    expect(status).toBe(0);
  });

  it('escapes label values and replaces lone surrogates', () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    expect(escapeLabelValue('x\uD800y\uDC00z\uD83D\uDE00')).toBe('x\uFFFDy\uFFFDz\uD83D\uDE00');
  });

  it('rejects an invalid prefix', () => {
    expect(() => toPrometheus(busyReporter().report(), { prefix: 'bad-prefix' })).toThrow(/prefix/);
    expect(() => new HealthReporter({ prefix: '1x', openTelemetry: false })).toThrow(/prefix/);
  });

  const awkward = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.string({
      unit: fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n)),
      maxLength: 20,
    }),
    fc.constantFrom(
      '',
      '"',
      '\\',
      '\n',
      '\r\n',
      '}',
      '{a="b"}',
      'a b',
      '# HELP x',
      '\\n',
      'ünïcödé ✓',
      '\u0000',
    ),
  );

  it('arbitrary component and operation names never break the text (fast-check)', () => {
    fc.assert(
      fc.property(awkward, awkward, (component, operation) => {
        const reporter = new HealthReporter({ openTelemetry: false, redact: (s) => s, circuits: false });
        reporter.record({ component, operation, success: false, durationMs: 12, category: 'network' });
        reporter.record({ component: 'plain', operation: 'op', success: true, durationMs: 1 });
        const families = parseExposition(reporter.toPrometheus());
        const wellFormed = (s: string) =>
          s.replace(/[\uD800-\uDFFF]/g, (c, i: number, all: string) => {
            const code = c.charCodeAt(0);
            const next = all.charCodeAt(i + 1);
            const prev = all.charCodeAt(i - 1);
            if (code < 0xdc00 && next >= 0xdc00 && next <= 0xdfff) return c;
            if (code >= 0xdc00 && prev >= 0xd800 && prev < 0xdc00) return c;
            return '\uFFFD';
          });
        const failures = families.get('wan_reliability_failures_total')!.samples;
        expect(failures).toHaveLength(1);
        expect(failures[0]?.labels).toEqual({
          component: wellFormed(component),
          operation: wellFormed(operation),
          category: 'network',
        });
      }),
      { numRuns: 300 },
    );
  });

  promtoolTest('promtool accepts a sample of awkward names, redacted by default', () => {
    const names = [...new Set(fc.sample(awkward, { numRuns: 40, seed: 42 }))];
    const reporter = new HealthReporter({ openTelemetry: false, circuits: false });
    for (const name of [...names, 'https://user:pass@mirror.example/x', 'token=hf_abcdefghijklmnop1234']) {
      reporter.record({ component: name, operation: name, success: true, durationMs: 5 });
    }
    const text = reporter.toPrometheus();
    parseExposition(text);
    expect(text).not.toContain('pass@');
    expect(text).not.toContain('hf_abcdefghijklmnop1234');
    const { status, output } = promtool(text);
    expect(output).toBe('');
    expect(status).toBe(0);
  });
});
