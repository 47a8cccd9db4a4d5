import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CircuitBreaker,
  type CircuitBreakerOptions,
  CircuitOpenError,
  ConfigurationError,
  classifyError,
  defaultIsFailure,
  HttpError,
} from '../../../src/index.js';

const created: CircuitBreaker[] = [];

/** A breaker disposed after the test (it would otherwise stay in the process-wide registry). */
function breaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  const b = new CircuitBreaker(options);
  created.push(b);
  return b;
}

function networkFailure(): Error {
  return Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
}

async function fail(b: CircuitBreaker, error: unknown = networkFailure()): Promise<unknown> {
  return b
    .execute(() => Promise.reject(error))
    .then(
      () => {
        throw new Error('expected a failure');
      },
      (e: unknown) => e,
    );
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  for (const b of created.splice(0)) b.dispose();
  vi.useRealTimers();
});

describe('CircuitBreaker: consecutive failures', () => {
  it('is open after 3 failures, rejects without calling fn, and closes after 300 ms and a success', async () => {
    const b = breaker({ consecutiveFailures: 3, resetTimeout: 300 });
    for (let i = 0; i < 2; i++) await fail(b);
    expect(b.state).toBe('closed');
    expect(b.consecutiveFailures).toBe(2);
    await fail(b);
    expect(b.state).toBe('open');

    const fn = vi.fn(() => 'called');
    const rejected = await b.execute(fn).catch((e: unknown) => e);
    expect(fn).not.toHaveBeenCalled();
    expect(rejected).toBeInstanceOf(CircuitOpenError);
    expect(classifyError(rejected).category).toBe('circuit_open');
    expect((rejected as CircuitOpenError).retryAfterMs).toBe(300);
    expect((rejected as CircuitOpenError).breaker).toBe(b.name);

    await vi.advanceTimersByTimeAsync(100);
    expect(b.retryAfterMs).toBe(200);
    await vi.advanceTimersByTimeAsync(200);
    expect(b.state).toBe('half-open');
    await expect(b.execute(fn)).resolves.toBe('called');
    expect(b.state).toBe('closed');
    expect(b.consecutiveFailures).toBe(0);
  });

  it('resets the run on any success', async () => {
    const b = breaker({ consecutiveFailures: 3, volumeThreshold: 1000 });
    await fail(b);
    await fail(b);
    await b.execute(() => 'ok');
    await fail(b);
    await fail(b);
    expect(b.state).toBe('closed');
    expect(b.consecutiveFailures).toBe(2);
  });

  it('counts synchronous throws and resolves synchronous values', async () => {
    const b = breaker({ consecutiveFailures: 2 });
    await expect(b.execute(() => 5)).resolves.toBe(5);
    for (let i = 0; i < 2; i++) {
      await b
        .execute(() => {
          throw networkFailure();
        })
        .catch(() => undefined);
    }
    expect(b.state).toBe('open');
  });

  it('passes the original error through', async () => {
    const b = breaker();
    const error = networkFailure();
    expect(await fail(b, error)).toBe(error);
  });
});

describe('CircuitBreaker: failure rate', () => {
  it('opens when the failure rate exceeds the threshold once the volume is reached', async () => {
    const b = breaker({
      consecutiveFailures: Number.POSITIVE_INFINITY,
      volumeThreshold: 4,
      errorThresholdPercentage: 50,
      rollingWindow: 10_000,
    });
    await fail(b);
    await b.execute(() => 1);
    await fail(b);
    expect(b.state).toBe('closed');
    await b.execute(() => 1);
    expect(b.state).toBe('closed');
    await fail(b);
    expect(b.state).toBe('open');
  });

  it('forgets failures that left the rolling window', async () => {
    const b = breaker({
      consecutiveFailures: Number.POSITIVE_INFINITY,
      volumeThreshold: 2,
      errorThresholdPercentage: 50,
      rollingWindow: 1000,
    });
    await fail(b);
    await vi.advanceTimersByTimeAsync(1500);
    await b.execute(() => 1);
    await b.execute(() => 1);
    await fail(b);
    expect(b.state).toBe('closed');
  });
});

describe('CircuitBreaker: what counts as a failure', () => {
  it('does not count 404s, bad input or cancellations by default', async () => {
    const b = breaker({ consecutiveFailures: 2 });
    for (let i = 0; i < 5; i++) await fail(b, new HttpError(404, 'not found'));
    await fail(b, Object.assign(new Error('stop'), { name: 'AbortError' }));
    expect(b.state).toBe('closed');
    expect(defaultIsFailure(new HttpError(404, 'x'))).toBe(false);
    expect(defaultIsFailure(new HttpError(503, 'x'))).toBe(true);
    expect(defaultIsFailure(new Error('who knows'))).toBe(true);
  });

  it('uses isFailure when given', async () => {
    const b = breaker({ consecutiveFailures: 2, isFailure: (e) => (e as Error).message === 'bad' });
    await fail(b, new Error('fine'));
    await fail(b, new Error('fine'));
    expect(b.state).toBe('closed');
    await fail(b, new Error('bad'));
    await fail(b, new Error('bad'));
    expect(b.state).toBe('open');
  });
});

describe('CircuitBreaker: half-open probes', () => {
  it('halfOpenProbes: 3 needs 3 successes to close and admits only 3 concurrent trials', async () => {
    const b = breaker({ consecutiveFailures: 1, resetTimeout: 100, halfOpenProbes: 3 });
    await fail(b);
    await vi.advanceTimersByTimeAsync(100);
    expect(b.state).toBe('half-open');

    const releases: Array<() => void> = [];
    const slow = () => new Promise<string>((resolve) => releases.push(() => resolve('probe')));
    const probes = [b.execute(slow), b.execute(slow), b.execute(slow)];
    const fourth = await b.execute(slow).catch((e: unknown) => e);
    expect(fourth).toBeInstanceOf(CircuitOpenError);
    expect(releases).toHaveLength(3);

    releases[0]?.();
    await probes[0];
    expect(b.state).toBe('half-open');
    releases[1]?.();
    await probes[1];
    expect(b.state).toBe('half-open');
    releases[2]?.();
    await probes[2];
    expect(b.state).toBe('closed');
  });

  it('a failed probe opens the breaker again for a full cool-down', async () => {
    const b = breaker({ consecutiveFailures: 1, resetTimeout: 100, halfOpenProbes: 2 });
    const reasons: string[] = [];
    b.on('circuit:open', (e) => reasons.push(e.reason));
    await fail(b);
    await vi.advanceTimersByTimeAsync(100);
    await b.execute(() => 'ok');
    expect(b.state).toBe('half-open');
    await fail(b);
    expect(b.state).toBe('open');
    expect(b.retryAfterMs).toBe(100);
    expect(reasons).toEqual(['consecutive-failures', 'half-open-probe-failed']);
    await vi.advanceTimersByTimeAsync(100);
    expect(b.state).toBe('half-open');
  });
});

describe('CircuitBreaker: manual control and saved state', () => {
  it('open() and close() switch at once; close() clears the failure count', async () => {
    const b = breaker({ consecutiveFailures: 3 });
    await fail(b);
    await fail(b);
    b.open();
    expect(b.state).toBe('open');
    b.close();
    expect(b.state).toBe('closed');
    expect(b.consecutiveFailures).toBe(0);
    await fail(b);
    expect(b.state).toBe('closed');
  });

  it('close() on a closed breaker also clears the failure count', async () => {
    const b = breaker({ consecutiveFailures: 3 });
    await fail(b);
    await fail(b);
    b.close();
    expect(b.consecutiveFailures).toBe(0);
    await fail(b);
    expect(b.state).toBe('closed');
  });

  it('toJSON() fed back as state restores open with the remaining cool-down', async () => {
    const b = breaker({ name: 'hub', consecutiveFailures: 1, resetTimeout: 1000 });
    expect(b.toJSON()).toEqual({ name: 'hub', state: 'closed' });
    await fail(b);
    const saved = JSON.parse(JSON.stringify(b.toJSON()));
    expect(saved).toEqual({ name: 'hub', state: 'open', openedAt: Date.now() });
    b.dispose();

    await vi.advanceTimersByTimeAsync(400);
    const restored = breaker({ name: 'hub', resetTimeout: 1000, state: saved });
    expect(restored.state).toBe('open');
    const fn = vi.fn();
    expect(await restored.execute(fn).catch((e: unknown) => e)).toBeInstanceOf(CircuitOpenError);
    expect(fn).not.toHaveBeenCalled();
    expect(restored.toJSON()).toEqual(saved);
    expect(restored.retryAfterMs).toBe(600);
    await vi.advanceTimersByTimeAsync(600);
    expect(restored.state).toBe('half-open');

    // Only the restored cool-down is shortened; the next one is full length.
    await fail(restored);
    expect(restored.state).toBe('open');
    await vi.advanceTimersByTimeAsync(999);
    expect(restored.state).toBe('open');
    await vi.advanceTimersByTimeAsync(1);
    expect(restored.state).toBe('half-open');
  });

  it('a saved open state whose cool-down has passed restores half-open', () => {
    const saved = { name: 'hub', state: 'open' as const, openedAt: Date.now() - 5000 };
    expect(breaker({ resetTimeout: 1000, state: saved }).state).toBe('half-open');
    expect(breaker({ state: { name: 'hub', state: 'closed' } }).state).toBe('closed');
  });
});

describe('CircuitBreaker: registry', () => {
  it('lists live breakers and drops disposed ones', () => {
    const a = breaker({ name: 'registry-a' });
    const b = breaker({ name: 'registry-b' });
    const names = () => CircuitBreaker.registry().map((x) => x.name);
    expect(names()).toEqual(expect.arrayContaining(['registry-a', 'registry-b']));
    a.dispose();
    expect(names()).not.toContain('registry-a');
    expect(names()).toContain('registry-b');
    expect(b.snapshot()).toEqual({
      name: 'registry-b',
      state: 'closed',
      consecutiveFailures: 0,
      retryAfterMs: 0,
    });
  });
});

describe('CircuitBreaker: abort', () => {
  it('rejects as cancelled when the signal aborts, without counting a failure', async () => {
    const b = breaker({ consecutiveFailures: 1 });
    const controller = new AbortController();
    const pending = b
      .execute(() => new Promise(() => {}), { signal: controller.signal })
      .catch((e: unknown) => e);
    controller.abort();
    expect(classifyError(await pending).category).toBe('cancelled');
    expect(b.state).toBe('closed');
    const early = await b.execute(() => 1, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(classifyError(early).category).toBe('cancelled');
  });
});

describe('CircuitBreaker: cancellations say nothing about the service', () => {
  it('a cancelled call neither resets nor adds to the failure run', async () => {
    const b = breaker({ consecutiveFailures: 3 });
    await fail(b);
    await fail(b);
    const controller = new AbortController();
    const pending = b
      .execute(() => new Promise(() => {}), { signal: controller.signal })
      .catch((e: unknown) => e);
    controller.abort();
    expect(classifyError(await pending).category).toBe('cancelled');
    expect(b.consecutiveFailures).toBe(2);
    await fail(b);
    expect(b.state).toBe('open');
  });

  it('a cancelled half-open probe frees its slot without closing the breaker', async () => {
    const b = breaker({ consecutiveFailures: 1, resetTimeout: 100, halfOpenProbes: 1 });
    await fail(b);
    await vi.advanceTimersByTimeAsync(100);
    const controller = new AbortController();
    const probe = b
      .execute(() => new Promise(() => {}), { signal: controller.signal })
      .catch((e: unknown) => e);
    controller.abort();
    expect(classifyError(await probe).category).toBe('cancelled');
    expect(b.state).toBe('half-open');
    await expect(b.execute(() => 'real probe')).resolves.toBe('real probe');
    expect(b.state).toBe('closed');
  });
});

describe('CircuitBreaker: option validation', () => {
  it.each([
    [{ consecutiveFailures: 0 }, 'CircuitBreaker.consecutiveFailures'],
    [{ consecutiveFailures: -1 }, 'CircuitBreaker.consecutiveFailures'],
    [{ errorThresholdPercentage: 101 }, 'CircuitBreaker.errorThresholdPercentage'],
    [{ volumeThreshold: 1.5 }, 'CircuitBreaker.volumeThreshold'],
    [{ rollingWindow: 0 }, 'CircuitBreaker.rollingWindow'],
    [{ resetTimeout: -5 }, 'CircuitBreaker.resetTimeout'],
    // Node fires timers longer than 2^31 − 1 ms (and Infinity) after 1 ms instead of never.
    [{ resetTimeout: Number.POSITIVE_INFINITY }, 'CircuitBreaker.resetTimeout'],
    [{ resetTimeout: 2 ** 31 }, 'CircuitBreaker.resetTimeout'],
    [{ rollingWindow: 1e12 }, 'CircuitBreaker.rollingWindow'],
    [{ halfOpenProbes: 0 }, 'CircuitBreaker.halfOpenProbes'],
    [{ isFailure: 'yes' }, 'CircuitBreaker.isFailure'],
    [{ name: '' }, 'CircuitBreaker.name'],
    [{ state: { state: 'ajar' } }, 'CircuitBreaker.state'],
  ])('%o throws ConfigurationError naming %s', (options, option) => {
    let thrown: unknown;
    try {
      breaker(options as unknown as CircuitBreakerOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect(thrown).toMatchObject({ option, category: 'configuration' });
  });
});
