import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  formatPreflightReport,
  PreflightValidator,
} from '../../../src/diagnostics/preflight/PreflightValidator.js';
import type {
  PreflightCheck,
  PreflightResult,
  SlowNotice,
} from '../../../src/diagnostics/preflight/types.js';
import { classifyError } from '../../../src/errors/classify.js';

const passing: PreflightCheck = { id: 'passing', run: () => ({ status: 'pass', message: 'all good' }) };
const throwing: PreflightCheck = {
  id: 'throwing',
  run: () => {
    throw new Error('probe crashed');
  },
};
const hanging: PreflightCheck = { id: 'hanging', timeout: 500, run: () => new Promise(() => {}) };

afterEach(() => {
  vi.useRealTimers();
});

describe('PreflightValidator', () => {
  it('isolates a throwing and a hanging check (acceptance)', async () => {
    const validator = new PreflightValidator({ checks: [throwing, hanging, passing] });
    const started = performance.now();
    const report = await validator.run();
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(3000);
    expect(report.results.map((result) => [result.id, result.status])).toEqual([
      ['throwing', 'error'],
      ['hanging', 'error'],
      ['passing', 'pass'],
    ]);
    expect(report.ok).toBe(false);
    expect(report.counts).toEqual({ pass: 1, warn: 0, fail: 0, error: 2 });
    const [crashed, hung] = report.results as [PreflightResult, PreflightResult];
    expect(crashed.message).toContain('probe crashed');
    expect(hung.message).toContain('500 ms');
    expect(hung.durationMs).toBeGreaterThanOrEqual(450);
    expect(crashed.remediation.length).toBeGreaterThan(0);
    expect(hung.remediation.length).toBeGreaterThan(0);
    expect(new Date(report.startedAt).toISOString()).toBe(report.startedAt);
  });

  it("reports a check that resolves no valid outcome as that check's error, naming the field", async () => {
    const bad = (id: string, value: unknown): PreflightCheck => ({ id, run: () => value as never });
    const validator = new PreflightValidator({
      checks: [
        bad('nothing', undefined),
        bad('status', { status: 'ok', message: 'fine' }),
        bad('message', { status: 'pass' }),
        // Before: `[...5]` outside the check's try crashed the whole run.
        bad('remediation', { status: 'fail', message: 'low', remediation: 5 }),
        bad('details', { status: 'warn', message: 'hm', details: 'x' }),
        passing,
      ],
    });
    const report = await validator.run();
    expect(report.results.map((result) => [result.id, result.status])).toEqual([
      ['nothing', 'error'],
      ['status', 'error'],
      ['message', 'error'],
      ['remediation', 'error'],
      ['details', 'error'],
      ['passing', 'pass'],
    ]);
    const options = report.results.slice(0, 5).map((result) => result.details?.option);
    expect(options).toEqual([
      'PreflightValidator.checks[0].run() result',
      'PreflightValidator.checks[1].run() result.status',
      'PreflightValidator.checks[2].run() result.message',
      'PreflightValidator.checks[3].run() result.remediation',
      'PreflightValidator.checks[4].run() result.details',
    ]);
    const status = report.results[1] as PreflightResult;
    expect(status.details?.code).toBe('ERR_INVALID_OPTION');
    expect(status.message).toBe(
      `Check "status" returned no valid outcome: Invalid option PreflightValidator.checks[1].run() result.status: expected 'pass', 'warn' or 'fail', received "ok"`,
    );
    expect(status.remediation[0]).toContain('The check itself is wrong');
  });

  it('runs checks concurrently and aborts the signal of a check that times out', async () => {
    let abortedWith: unknown;
    const slow = (id: string): PreflightCheck => ({
      id,
      run: () => new Promise((resolve) => setTimeout(() => resolve({ status: 'pass', message: id }), 300)),
    });
    const observing: PreflightCheck = {
      id: 'observing',
      timeout: 100,
      run: ({ signal }) =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => {
            abortedWith = signal.reason;
            reject(signal.reason);
          });
        }),
    };
    const started = performance.now();
    const report = await new PreflightValidator({
      checks: [slow('a'), slow('b'), slow('c'), observing],
    }).run();
    expect(performance.now() - started).toBeLessThan(800);
    expect(report.results.map((result) => result.status)).toEqual(['pass', 'pass', 'pass', 'error']);
    expect(abortedWith).toBeInstanceOf(Error);
  });

  it('ok stays true with warnings; a bad outcome is an error', async () => {
    const warn: PreflightCheck = {
      id: 'warn',
      run: async () => ({ status: 'warn', message: 'hmm', remediation: 'do x' }),
    };
    const report = await new PreflightValidator({ checks: [warn, passing] }).run();
    expect(report.ok).toBe(true);
    expect(report.results[0]?.remediation).toEqual(['do x']);
    const bad = { id: 'bad', run: () => ({ status: 'great', message: 1 }) } as unknown as PreflightCheck;
    const badReport = await new PreflightValidator({ checks: [bad] }).run();
    expect(badReport.results[0]?.status).toBe('error');
    expect(badReport.ok).toBe(false);
  });

  it('gives a "still checking" notice after 10 s (fake timers)', async () => {
    vi.useFakeTimers();
    const notices: SlowNotice[] = [];
    const events: SlowNotice[] = [];
    const slowCheck: PreflightCheck = {
      id: 'slow-network',
      timeout: 60_000,
      run: () =>
        new Promise((resolve) => setTimeout(() => resolve({ status: 'pass', message: 'done' }), 15_000)),
    };
    const validator = new PreflightValidator({
      checks: [passing, slowCheck],
      onSlow: (notice) => notices.push(notice),
    });
    validator.on('preflight:slow', (notice) => events.push(notice));
    const results: string[] = [];
    const running = validator.run({ onResult: (result) => results.push(result.id) });
    await vi.advanceTimersByTimeAsync(9_999);
    expect(notices).toEqual([]);
    expect(results).toEqual(['passing']);
    await vi.advanceTimersByTimeAsync(1);
    expect(notices).toHaveLength(1);
    expect(notices[0]?.pending).toEqual(['slow-network']);
    expect(notices[0]?.message).toBe('Still checking: slow-network …');
    expect(events).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(5_000);
    const report = await running;
    expect(report.ok).toBe(true);
    expect(notices).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives no notice when everything finishes in time, and leaves no timers', async () => {
    vi.useFakeTimers();
    const onSlow = vi.fn();
    const report = await new PreflightValidator({ checks: [passing], onSlow }).run();
    expect(report.ok).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(onSlow).not.toHaveBeenCalled();
  });

  it('rejects with a cancelled error when the signal aborts, and aborts running checks', async () => {
    let checkSignal: AbortSignal | undefined;
    const waiting: PreflightCheck = {
      id: 'waiting',
      run: ({ signal }) => {
        checkSignal = signal;
        return new Promise(() => {});
      },
    };
    const controller = new AbortController();
    const running = new PreflightValidator({ checks: [waiting] }).run({ signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const error = await running.catch((e: unknown) => e);
    expect(classifyError(error).category).toBe('cancelled');
    expect(checkSignal?.aborted).toBe(true);
    const already = new AbortController();
    already.abort();
    await expect(
      new PreflightValidator({ checks: [passing] }).run({ signal: already.signal }),
    ).rejects.toThrow();
  });

  it('validates its options', () => {
    expect(() => new PreflightValidator({ checks: [passing, passing] })).toThrow(/unique/);
    expect(() => new PreflightValidator({ checks: [{ id: '', run: passing.run }] })).toThrow();
    expect(() => new PreflightValidator({ checks: [passing], timeout: 0 })).toThrow();
    expect(() => new PreflightValidator({ checks: [{ ...passing, timeout: -5 }] })).toThrow();
    expect(() => new PreflightValidator(undefined as never)).toThrow();
  });

  it('renders human and JSON reports, redacted', async () => {
    const leaky: PreflightCheck = {
      id: 'leaky',
      title: 'Mirror',
      run: () => ({
        status: 'fail',
        message: 'cannot reach https://user:pw-secret-1@mirror.example/x?token=tok-secret-2',
        remediation: ['Check Authorization: Bearer abc.def.ghi-secret'],
        details: { password: 'pw-secret-3' },
      }),
    };
    const report = await new PreflightValidator({ checks: [passing, leaky, throwing] }).run();
    const human = formatPreflightReport(report);
    const json = formatPreflightReport(report, { format: 'json' });
    for (const text of [human, json, JSON.stringify(report)]) {
      for (const secret of ['pw-secret-1', 'tok-secret-2', 'abc.def.ghi-secret', 'pw-secret-3'])
        expect(text).not.toContain(secret);
    }
    expect(human).toMatch(/^\[✓\] passing: all good \(\d+ ms\)/);
    expect(human).toContain('[✗] Mirror: cannot reach');
    expect(human).toContain('    → Check Authorization: Bearer [REDACTED]');
    expect(human).toContain('[‼] throwing');
    expect(human).toContain('Preflight found problems: 1 passed, 0 warnings, 1 failed, 1 error.');
    expect(formatPreflightReport(report, { ascii: true, durations: false })).toContain(
      '[ok] passing: all good\n',
    );
    const parsed = JSON.parse(json);
    expect(parsed.ok).toBe(false);
    expect(parsed.results).toHaveLength(3);
  });

  it('exposes the built-in factories', () => {
    expect(Object.keys(PreflightValidator.checks).sort()).toEqual(
      ['command', 'diskSpace', 'gpu', 'memory', 'network', 'nodeVersion', 'pythonVersion', 'writable'].sort(),
    );
  });
});

describe('formatPreflightReport JSON', () => {
  it('stays valid JSON when a secret env value matches a number in it', async () => {
    const report = await new PreflightValidator({ checks: [passing] }).run();
    const doctored = { ...report, durationMs: 424242 };
    process.env.PREFLIGHT_TEST_PASSWORD = '424242';
    try {
      const json = formatPreflightReport(doctored, { format: 'json' });
      expect(JSON.parse(json).durationMs).toBe(424242);
      const human = formatPreflightReport({
        ...doctored,
        results: [{ ...report.results[0]!, message: 'pin 424242' }],
      });
      expect(human).not.toContain('424242');
    } finally {
      delete process.env.PREFLIGHT_TEST_PASSWORD;
    }
  });
});
