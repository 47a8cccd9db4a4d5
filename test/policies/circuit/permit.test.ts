import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CircuitBreaker, type CircuitBreakerOptions, HttpError } from '../../../src/index.js';

const created: CircuitBreaker[] = [];

function breaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  const b = new CircuitBreaker(options);
  created.push(b);
  return b;
}

const reset = () => Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });

/** Lets opossum's replayed failure settle (it decides about opening in a promise chain). */
const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  for (const b of created.splice(0)) b.dispose();
  vi.useRealTimers();
});

describe('CircuitBreaker.tryAcquire (permits for calls reported later)', () => {
  it('closed: failures reported through permits open it like execute() failures do', async () => {
    const b = breaker({ consecutiveFailures: 3, resetTimeout: 100 });
    for (let i = 0; i < 3; i++) {
      const permit = b.tryAcquire();
      expect(permit).toBeDefined();
      permit?.failure(reset());
      await settle();
    }
    expect(b.state).toBe('open');
    expect(b.tryAcquire()).toBeUndefined();
  });

  it('closed: a success resets the failure run; only the first report of a permit counts', async () => {
    const b = breaker({ consecutiveFailures: 2 });
    const first = b.tryAcquire();
    first?.failure(reset());
    first?.failure(reset());
    await settle();
    expect(b.consecutiveFailures).toBe(1);
    b.tryAcquire()?.success();
    expect(b.consecutiveFailures).toBe(0);
    const released = b.tryAcquire();
    released?.release();
    released?.failure(reset());
    await settle();
    expect(b.consecutiveFailures).toBe(0);
  });

  it('errors the breaker ignores (a 404) do not count', async () => {
    const b = breaker({ consecutiveFailures: 1 });
    b.tryAcquire()?.failure(new HttpError(404, 'not found'));
    await settle();
    expect(b.state).toBe('closed');
  });

  it('half-open: admits halfOpenProbes permits; releases free a slot; enough successes close it', async () => {
    const b = breaker({ consecutiveFailures: 1, resetTimeout: 100, halfOpenProbes: 2 });
    b.open();
    expect(b.tryAcquire()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(100);
    expect(b.state).toBe('half-open');
    const one = b.tryAcquire();
    const two = b.tryAcquire();
    expect(one && two).toBeDefined();
    expect(b.tryAcquire()).toBeUndefined();
    two?.release();
    const three = b.tryAcquire();
    expect(three).toBeDefined();
    one?.success();
    expect(b.state).toBe('half-open');
    three?.success();
    expect(b.state).toBe('closed');
  });

  it('half-open: one failed trial opens it again for a full cool-down; stale permits are ignored', async () => {
    const b = breaker({ consecutiveFailures: 1, resetTimeout: 100, halfOpenProbes: 2 });
    b.open();
    await vi.advanceTimersByTimeAsync(100);
    const one = b.tryAcquire();
    const two = b.tryAcquire();
    one?.failure(reset());
    expect(b.state).toBe('open');
    expect(b.retryAfterMs).toBe(100);
    // A trial of the phase that ended says nothing about the next one.
    two?.success();
    expect(b.state).toBe('open');
    await vi.advanceTimersByTimeAsync(100);
    expect(b.tryAcquire()).toBeDefined();
    expect(b.tryAcquire()).toBeDefined();
    expect(b.tryAcquire()).toBeUndefined();
  });

  it('half-open: a trial that already succeeded still takes its slot until the breaker closes', async () => {
    const b = breaker({ consecutiveFailures: 1, resetTimeout: 100, halfOpenProbes: 2 });
    b.open();
    await vi.advanceTimersByTimeAsync(100);
    b.tryAcquire()?.success();
    expect(b.state).toBe('half-open');
    const second = b.tryAcquire();
    expect(second).toBeDefined();
    // One succeeded and one runs: that is both slots.
    expect(b.tryAcquire()).toBeUndefined();
    await expect(b.execute(() => 'extra')).rejects.toMatchObject({ code: 'ERR_CIRCUIT_OPEN' });
    second?.success();
    expect(b.state).toBe('closed');
    await expect(b.execute(() => 'after')).resolves.toBe('after');
  });

  it('half-open: a cancelled trial is neutral', async () => {
    const b = breaker({ consecutiveFailures: 1, resetTimeout: 100 });
    b.open();
    await vi.advanceTimersByTimeAsync(100);
    const trial = b.tryAcquire();
    trial?.failure(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    expect(b.state).toBe('half-open');
    expect(b.tryAcquire()).toBeDefined();
  });
});
