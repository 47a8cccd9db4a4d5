// What a user of CircuitBreaker reads and relies on besides open/closed: the events and their
// reasons, the names, the messages of bad options, the defaults, what counts as a failure.
import diagnosticsChannel from 'node:diagnostics_channel';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CircuitBreaker,
  type CircuitBreakerOptions,
  CircuitOpenError,
  ConfigurationError,
  defaultIsFailure,
  HttpError,
} from '../../../src/index.js';
import { createCountingStatus } from '../../../src/policies/circuit/countingStatus.js';
import { CIRCUIT_DEFAULTS } from '../../../src/policies/circuit/defaults.js';

const created: CircuitBreaker[] = [];
function breaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  const b = new CircuitBreaker(options);
  created.push(b);
  return b;
}
const reset = () => Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
const settle = () => vi.advanceTimersByTimeAsync(0);
async function fail(b: CircuitBreaker, error: unknown = reset()): Promise<void> {
  await b.execute(() => Promise.reject(error)).catch(() => {});
  await settle();
}

/** Every event the breaker announces, in order. */
function record(b: CircuitBreaker): unknown[] {
  const seen: unknown[] = [];
  for (const name of ['circuit:open', 'circuit:half-open', 'circuit:close', 'circuit:reject'] as const) {
    b.on(name, (event: object) => seen.push({ event: name, ...event }));
  }
  return seen;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  for (const b of created.splice(0)) b.dispose();
  vi.useRealTimers();
});

describe('CircuitBreaker events say why and for whom', () => {
  it('consecutive failures, a rejected call, half-open and close, each with the breaker name', async () => {
    const b = breaker({ name: 'mirror-a', consecutiveFailures: 2, resetTimeout: 100 });
    const seen = record(b);
    await fail(b);
    await fail(b);
    await expect(b.execute(() => 'x')).rejects.toBeInstanceOf(CircuitOpenError);
    await vi.advanceTimersByTimeAsync(100);
    await expect(b.execute(() => 'ok')).resolves.toBe('ok');
    expect(seen).toEqual([
      { event: 'circuit:open', name: 'mirror-a', reason: 'consecutive-failures', retryAfterMs: 100 },
      { event: 'circuit:reject', name: 'mirror-a', retryAfterMs: 100 },
      { event: 'circuit:half-open', name: 'mirror-a' },
      { event: 'circuit:close', name: 'mirror-a' },
    ]);
  });

  it('the reason is failure-rate, manual, half-open-probe-failed or restored as the case is', async () => {
    const rate = breaker({ consecutiveFailures: 100, volumeThreshold: 2, errorThresholdPercentage: 50 });
    const rateSeen = record(rate);
    await fail(rate);
    await fail(rate);
    expect(rateSeen).toEqual([expect.objectContaining({ event: 'circuit:open', reason: 'failure-rate' })]);

    const manual = breaker({ resetTimeout: 50 });
    const manualSeen = record(manual);
    manual.open();
    await vi.advanceTimersByTimeAsync(50);
    await fail(manual);
    expect(manualSeen).toEqual([
      expect.objectContaining({ event: 'circuit:open', reason: 'manual' }),
      expect.objectContaining({ event: 'circuit:half-open' }),
      expect.objectContaining({ event: 'circuit:open', reason: 'half-open-probe-failed' }),
    ]);
  });

  it('a breaker restored as open publishes circuit:open with reason restored on its diagnostics channel', () => {
    const published: unknown[] = [];
    const listener = (payload: unknown) => published.push(payload);
    diagnosticsChannel.subscribe('wan-reliability:circuit:open', listener);
    try {
      const restored = breaker({
        name: 'r',
        resetTimeout: 1000,
        state: { name: 'r', state: 'open', openedAt: Date.now() },
      });
      expect(restored.state).toBe('open');
    } finally {
      diagnosticsChannel.unsubscribe('wan-reliability:circuit:open', listener);
    }
    expect(published).toEqual([{ name: 'r', reason: 'restored', retryAfterMs: 1000 }]);
  });

  it('a breaker restored as open announces nothing but reports the restored reason on its next opening', async () => {
    const b = breaker({ resetTimeout: 40, state: { name: 'x', state: 'open', openedAt: Date.now() } });
    const seen = record(b);
    await vi.advanceTimersByTimeAsync(40);
    expect(b.state).toBe('half-open');
    await fail(b);
    expect(seen).toEqual([
      expect.objectContaining({ event: 'circuit:half-open' }),
      expect.objectContaining({ event: 'circuit:open', reason: 'half-open-probe-failed' }),
    ]);
  });

  it('close() on an open breaker announces circuit:close once', () => {
    const b = breaker();
    const seen = record(b);
    b.open();
    b.close();
    b.close();
    expect(seen.map((e) => (e as { event: string }).event)).toEqual(['circuit:open', 'circuit:close']);
  });
});

describe('CircuitBreaker names and context', () => {
  it('unnamed breakers get distinct numbered names; a named one does not use up a number', () => {
    const first = breaker().name;
    breaker({ name: 'named' });
    const second = breaker().name;
    const n = Number(/^circuit-(\d+)$/.exec(first)?.[1]);
    expect(n).toBeGreaterThan(0);
    expect(second).toBe(`circuit-${n + 1}`);
  });

  it('the function sees the operation name and attempt it was given (defaults: operation, 1)', async () => {
    const b = breaker();
    const seen: unknown[] = [];
    await b.execute((ctx) => seen.push([ctx.operation, ctx.attempt]), { operation: 'fetch x', attempt: 3 });
    await b.execute((ctx) => seen.push([ctx.operation, ctx.attempt]));
    expect(seen).toEqual([
      ['fetch x', 3],
      ['operation', 1],
    ]);
  });
});

describe('CircuitBreaker options', () => {
  it.each([
    [5, 'CircuitBreaker options', 'an options object'],
    [{ name: 5 }, 'CircuitBreaker.name', 'a non-empty string'],
    [{ name: '' }, 'CircuitBreaker.name', 'a non-empty string'],
    [
      { state: null },
      'CircuitBreaker.state',
      "a saved state from toJSON(): { state: 'closed' | 'open', openedAt? }",
    ],
    [{ state: 'open' }, 'CircuitBreaker.state', 'a saved state'],
    [{ state: { state: 'open', openedAt: 'yesterday' } }, 'CircuitBreaker.state', 'a saved state'],
    [
      { errorThresholdPercentage: 100.5 },
      'CircuitBreaker.errorThresholdPercentage',
      'a number from 0 to 100',
    ],
    [{ halfOpenProbes: 0 }, 'CircuitBreaker.halfOpenProbes', 'an integer ≥ 1'],
    [{ consecutiveFailures: 0 }, 'CircuitBreaker.consecutiveFailures', 'an integer ≥ 1 or Infinity'],
    [
      { resetTimeout: 2 ** 31 },
      'CircuitBreaker.resetTimeout',
      'a positive number of milliseconds up to 2147483647',
    ],
  ])('%o: ConfigurationError for %s expecting %s', (options, option, expectation) => {
    let thrown: unknown;
    try {
      breaker(options as unknown as CircuitBreakerOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect(thrown).toMatchObject({ option });
    expect((thrown as Error).message).toContain(`Invalid option ${option}: expected ${expectation}`);
  });

  it('accepts the limits themselves and fills in every default', () => {
    const edge = breaker({ errorThresholdPercentage: 100, resetTimeout: 2 ** 31 - 1, halfOpenProbes: 1 });
    expect(edge.options.errorThresholdPercentage).toBe(100);
    expect(edge.options.resetTimeout).toBe(2 ** 31 - 1);
    const plain = breaker();
    expect(plain.options).toMatchObject({
      consecutiveFailures: CIRCUIT_DEFAULTS.consecutiveFailures,
      errorThresholdPercentage: CIRCUIT_DEFAULTS.errorThresholdPercentage,
      volumeThreshold: CIRCUIT_DEFAULTS.volumeThreshold,
      rollingWindow: CIRCUIT_DEFAULTS.rollingWindow,
      resetTimeout: CIRCUIT_DEFAULTS.resetTimeout,
      halfOpenProbes: CIRCUIT_DEFAULTS.halfOpenProbes,
      isFailure: defaultIsFailure,
    });
    expect(CIRCUIT_DEFAULTS).toEqual({
      consecutiveFailures: 5,
      errorThresholdPercentage: 50,
      volumeThreshold: 5,
      rollingWindow: 10_000,
      resetTimeout: 60_000,
      halfOpenProbes: 1,
    });
  });

  it('by default only failures that say something about the service count', () => {
    expect(defaultIsFailure(reset())).toBe(true);
    expect(defaultIsFailure(new Error('something odd'))).toBe(true);
    expect(defaultIsFailure(new HttpError(503, 'busy'))).toBe(true);
    expect(defaultIsFailure(new HttpError(404, 'missing'))).toBe(false);
    expect(defaultIsFailure(new CircuitOpenError('upstream', 10))).toBe(false);
    expect(defaultIsFailure(new DOMException('stop', 'AbortError'))).toBe(false);
  });
});

describe('the rolling window keeps counts only', () => {
  it('a million calls add no latency samples; resetCounts zeroes every bucket', () => {
    const status = createCountingStatus({
      rollingCountTimeout: 1000,
      rollingCountBuckets: 4,
      // With percentiles on, opossum's own window would report every latency it kept.
      rollingPercentilesEnabled: true,
      enableSnapshots: false,
    } as never);
    try {
      for (let i = 0; i < 1000; i++) status.increment('successes', 5);
      status.increment('failures', 7);
      const stats = status.stats as unknown as Record<string, unknown>;
      expect(stats.successes).toBe(1000);
      expect(stats.failures).toBe(1);
      expect(stats.latencyTimes).toEqual([]);
      status.resetCounts();
      expect(status.stats.successes).toBe(0);
      expect(status.stats.failures).toBe(0);
      expect(status.stats.fires).toBe(0);
      expect((status.stats as unknown as { latencyTimes: unknown[] }).latencyTimes).toEqual([]);
      // Counting goes on in the emptied window.
      status.increment('failures');
      expect(status.stats.failures).toBe(1);
    } finally {
      (status as unknown as { shutdown(): void }).shutdown();
    }
  });
});
