// What a user of RetryPolicy relies on beyond the schedule: why it gave up (events), exact limits,
// what its hooks are told, the messages and defaults of its options.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ConfigurationError,
  HttpError,
  RetriesExhaustedError,
  type RetryInfo,
  RetryPolicy,
  type RetryPolicyOptions,
} from '../../../src/index.js';
import { scheduledDelay } from '../../../src/policies/retry/backoff.js';
import { RETRY_DEFAULTS } from '../../../src/policies/retry/defaults.js';
import { observe } from '../../support/policy-observe.js';

const failure = () => Object.assign(new Error('socket reset'), { code: 'ECONNRESET' });

/** Runs `fn` through `policy` with fake time until it settles; returns the give-up events too. */
async function run(policy: RetryPolicy, fn: () => unknown, signal?: AbortSignal) {
  const giveUps: unknown[] = [];
  policy.on('retry:give-up', (info) => giveUps.push({ ...info }));
  const { result } = observe(
    policy.execute(fn as () => Promise<unknown>, { operation: 'dl', ...(signal ? { signal } : {}) }),
  );
  await vi.advanceTimersByTimeAsync(10_000);
  return { outcome: await result, giveUps };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('RetryPolicy says why it gave up', () => {
  it('not-retryable, skipped, retry-after-too-long and exhausted, with the attempts made', async () => {
    const notRetryable = await run(new RetryPolicy({ delays: [1] }), () =>
      Promise.reject(new HttpError(404, 'gone')),
    );
    expect(notRetryable.giveUps).toEqual([
      expect.objectContaining({ operation: 'dl', attempts: 1, reason: 'not-retryable' }),
    ]);

    let calls = 0;
    const skipped = await run(
      new RetryPolicy({ delays: [1], decide: () => (++calls < 2 ? 'retry' : 'skip') }),
      () => Promise.reject(failure()),
    );
    expect(skipped.giveUps).toEqual([expect.objectContaining({ attempts: 2, reason: 'skipped' })]);

    const limited = new HttpError(429, 'slow down', { headers: { 'retry-after': '600' } });
    const tooLong = await run(new RetryPolicy({ maxRetryAfter: 1000 }), () => Promise.reject(limited));
    expect(tooLong.giveUps).toEqual([
      expect.objectContaining({ attempts: 1, reason: 'retry-after-too-long' }),
    ]);

    const exhausted = await run(new RetryPolicy({ retries: 2, delays: [1] }), () => {
      throw failure();
    });
    expect(exhausted.giveUps).toEqual([
      expect.objectContaining({ operation: 'dl', attempts: 3, reason: 'exhausted' }),
    ]);
    expect(exhausted.outcome).toMatchObject({ ok: false, error: expect.any(RetriesExhaustedError) });
    expect(String((exhausted.outcome as { error: Error }).error.message)).toContain(
      '"dl" failed after 3 attempts',
    );
  });

  it('cancelled, once, when aborted during the wait or during a later attempt', async () => {
    const duringWait = new AbortController();
    setTimeout(() => duringWait.abort(), 50);
    const waiting = await run(
      new RetryPolicy({ delays: [1000] }),
      () => Promise.reject(failure()),
      duringWait.signal,
    );
    expect(waiting.giveUps).toEqual([expect.objectContaining({ attempts: 1, reason: 'cancelled' })]);
    expect(waiting.outcome).toMatchObject({ ok: false });

    const duringAttempt = new AbortController();
    let calls = 0;
    const attempt = await run(
      new RetryPolicy({ delays: [10] }),
      () => {
        calls += 1;
        if (calls === 1) return Promise.reject(failure());
        setTimeout(() => duringAttempt.abort(), 5);
        return new Promise(() => {});
      },
      duringAttempt.signal,
    );
    expect(attempt.giveUps).toEqual([expect.objectContaining({ reason: 'cancelled' })]);
  });
});

describe('RetryPolicy limits are exact', () => {
  it('decide returning { retries: n } allows exactly n retries in all', async () => {
    const fn = vi.fn(() => Promise.reject(failure()));
    const { outcome } = await run(
      new RetryPolicy({ retries: 10, delays: [1], decide: () => ({ retries: 2 }) }),
      fn,
    );
    expect(fn).toHaveBeenCalledTimes(3);
    expect(outcome).toMatchObject({ ok: false, error: expect.any(RetriesExhaustedError) });
  });

  it('a server wait exactly at maxRetryAfter is honoured and reported as server-directed', async () => {
    const infos: RetryInfo[] = [];
    let calls = 0;
    const limited = new HttpError(429, 'slow down', { headers: { 'retry-after': '2' } });
    const { outcome } = await run(
      new RetryPolicy({ maxRetryAfter: 2000, delays: [5], onRetry: (info) => infos.push(info) }),
      () => {
        calls += 1;
        if (calls === 1) return Promise.reject(limited);
        if (calls === 2) return Promise.reject(failure());
        return Promise.resolve('ok');
      },
    );
    expect(outcome).toEqual({ ok: true, value: 'ok' });
    expect(infos.map((i) => [i.delayMs, i.serverDirected])).toEqual([
      [2000, true],
      // The second retry: the schedule's last delay, doubled.
      [10, false],
    ]);
  });

  it.each([null, { retries: -1 }, { retries: 1.5 }, { retries: '2' }, 'maybe'])(
    'decide returning %o fails with a ConfigurationError that says what is allowed',
    async (decision) => {
      const { outcome } = await run(new RetryPolicy({ delays: [1], decide: () => decision as never }), () =>
        Promise.reject(failure()),
      );
      const error = (outcome as { error: ConfigurationError }).error;
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.option).toBe('RetryPolicy.decide() result');
      expect(error.message).toContain("expected 'retry', 'skip' or { retries: n } with n ≥ 0");
    },
  );

  it('decide may return { retries: Infinity }', async () => {
    let calls = 0;
    const { outcome } = await run(
      new RetryPolicy({ retries: 1, delays: [1], decide: () => ({ retries: Number.POSITIVE_INFINITY }) }),
      () => (++calls < 5 ? Promise.reject(failure()) : Promise.resolve(calls)),
    );
    expect(outcome).toEqual({ ok: true, value: 5 });
  });
});

describe('RetryPolicy schedule edge cases', () => {
  it('an explicit schedule is followed as written, even when it is not geometric', () => {
    expect([0, 1, 2, 3, 4].map((i) => scheduledDelay(i, [100, 150, 1000], 60_000))).toEqual([
      100, 150, 1000, 2000, 4000,
    ]);
  });

  it('a zero delay stays zero however many retries follow', () => {
    expect(scheduledDelay(5000, [0], 60_000)).toBe(0);
    expect(scheduledDelay(5000, [10, 0], 60_000)).toBe(0);
  });
});

describe('RetryPolicy options', () => {
  it.each([
    [7, 'RetryPolicy options', 'an options object'],
    [{ delays: [10, Number.POSITIVE_INFINITY] }, 'RetryPolicy.delays', 'an array of finite numbers ≥ 0 (ms)'],
    [{ delays: [10, -1] }, 'RetryPolicy.delays', 'an array of finite numbers ≥ 0 (ms)'],
    [{ delays: ['5'] }, 'RetryPolicy.delays', 'an array of finite numbers ≥ 0 (ms)'],
    [{ jitterRatio: -0.1 }, 'RetryPolicy.jitterRatio', 'a number from 0 to 1'],
    [{ jitterRatio: 1.1 }, 'RetryPolicy.jitterRatio', 'a number from 0 to 1'],
    [{ jitterRatio: '0.5' }, 'RetryPolicy.jitterRatio', 'a number from 0 to 1'],
    [{ jitter: 'random' }, 'RetryPolicy.jitter', "one of 'none', 'full', 'decorrelated', 'bounded'"],
    [{ classifiers: 'all' }, 'RetryPolicy.classifiers', 'an array of functions'],
    [{ random: 0.5 }, 'RetryPolicy.random', 'a function'],
  ])('%o: ConfigurationError for %s expecting %s', (options, option, expectation) => {
    let thrown: unknown;
    try {
      new RetryPolicy(options as unknown as RetryPolicyOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect(thrown).toMatchObject({ option });
    expect((thrown as Error).message).toContain(`Invalid option ${option}: expected ${expectation}`);
  });

  it('accepts the limits and every jitter mode, and fills in the defaults', () => {
    expect(new RetryPolicy({ jitterRatio: 0 }).options.jitterRatio).toBe(0);
    expect(new RetryPolicy({ jitterRatio: 1 }).options.jitterRatio).toBe(1);
    for (const jitter of ['none', 'full', 'decorrelated', 'bounded'] as const) {
      expect(new RetryPolicy({ jitter }).options.jitter).toBe(jitter);
    }
    const random = () => 0.25;
    expect(new RetryPolicy({ random }).options.random).toBe(random);
    const plain = new RetryPolicy().options;
    expect(plain).toMatchObject({
      retries: 3,
      delays: [2000, 4000, 8000],
      maxDelay: 60_000,
      jitter: 'none',
      jitterRatio: 0.2,
      honorRetryAfter: true,
      maxRetryAfter: 120_000,
      classifiers: [],
      random: Math.random,
    });
    expect(RETRY_DEFAULTS).toMatchObject({ retries: 3, jitterRatio: 0.2, honorRetryAfter: true });
  });
});
