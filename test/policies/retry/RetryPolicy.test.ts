import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ConfigurationError,
  classifyError,
  type ExecutionContext,
  HttpError,
  RetriesExhaustedError,
  RetryAfterTooLongError,
  type RetryInfo,
  RetryPolicy,
  type RetryPolicyOptions,
} from '../../../src/index.js';
import { observe } from '../../support/policy-observe.js';

function failure(code = 'ECONNRESET'): Error {
  return Object.assign(new Error(`socket ${code}`), { code });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  const outcome = await observe(promise).result;
  if (outcome.ok) throw new Error('expected a rejection');
  return outcome.error;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('RetryPolicy: schedule', () => {
  it('makes 4 attempts with gaps of 40, 80 and 160 ms', async () => {
    const start = Date.now();
    const times: number[] = [];
    const fn = vi.fn(() => {
      times.push(Date.now() - start);
      return Promise.reject(failure());
    });
    const { result } = observe(new RetryPolicy({ retries: 3, delays: [40, 80, 160] }).execute(fn));
    await vi.advanceTimersByTimeAsync(1000);
    const outcome = await result;
    expect(outcome.ok).toBe(false);
    expect(fn).toHaveBeenCalledTimes(4);
    expect(times).toEqual([0, 40, 120, 280]);
  });

  it('does not start the next attempt before the gap has passed', async () => {
    const fn = vi.fn(() => Promise.reject(failure()));
    observe(new RetryPolicy({ retries: 1, delays: [40] }).execute(fn));
    await vi.advanceTimersByTimeAsync(39);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('announces 2000 ms as the first delay with no options, then 4000 and 8000', async () => {
    const delays: number[] = [];
    const policy = new RetryPolicy({ onRetry: (info) => delays.push(info.delayMs) });
    const { result } = observe(policy.execute(() => Promise.reject(failure())));
    await vi.advanceTimersByTimeAsync(0);
    expect(delays).toEqual([2000]);
    await vi.advanceTimersByTimeAsync(14_000);
    expect((await result).ok).toBe(false);
    expect(delays).toEqual([2000, 4000, 8000]);
  });

  it('doubles the last delay beyond the schedule, up to maxDelay', async () => {
    const delays: number[] = [];
    const policy = new RetryPolicy({
      retries: 5,
      delays: [10, 20],
      maxDelay: 70,
      onRetry: (info) => delays.push(info.delayMs),
    });
    const { result } = observe(policy.execute(() => Promise.reject(failure())));
    await vi.advanceTimersByTimeAsync(1000);
    await result;
    expect(delays).toEqual([10, 20, 40, 70, 70]);
  });

  it('resolves with the first success and passes the attempt number in ctx', async () => {
    const attempts: number[] = [];
    const fn = (ctx: ExecutionContext) => {
      attempts.push(ctx.attempt);
      return ctx.attempt < 3 ? Promise.reject(failure()) : Promise.resolve(`ok on ${ctx.attempt}`);
    };
    const { result } = observe(new RetryPolicy({ delays: [5] }).execute(fn, { operation: 'fetch-index' }));
    await vi.advanceTimersByTimeAsync(100);
    expect(await result).toEqual({ ok: true, value: 'ok on 3' });
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('handles synchronous results and synchronous throws', async () => {
    const policy = new RetryPolicy({ delays: [1] });
    await expect(policy.execute(() => 7)).resolves.toBe(7);
    let calls = 0;
    const { result } = observe(
      policy.execute(() => {
        calls += 1;
        if (calls === 1) throw failure();
        return 'second';
      }),
    );
    await vi.advanceTimersByTimeAsync(10);
    expect(await result).toEqual({ ok: true, value: 'second' });
  });

  it('uses jitter from the injected random source', async () => {
    const delays: number[] = [];
    const policy = new RetryPolicy({
      retries: 2,
      delays: [1000],
      jitter: 'full',
      random: () => 0.5,
      onRetry: (info) => delays.push(info.delayMs),
    });
    const { result } = observe(policy.execute(() => Promise.reject(failure())));
    await vi.advanceTimersByTimeAsync(5000);
    await result;
    expect(delays).toEqual([500, 1000]);
  });
});

describe('RetryPolicy: what is retried', () => {
  it('does not retry a 404', async () => {
    const notFound = Object.assign(new Error('not found'), { status: 404 });
    const fn = vi.fn(() => Promise.reject(notFound));
    const error = await rejection(new RetryPolicy({ delays: [1] }).execute(fn));
    expect(fn).toHaveBeenCalledTimes(1);
    expect(error).toBe(notFound);
  });

  it('retries thrown plain objects and strings by their classification', async () => {
    const fn = vi.fn(() => Promise.reject({ status: 503 }));
    const { result } = observe(new RetryPolicy({ retries: 2, delays: [1] }).execute(fn));
    await vi.advanceTimersByTimeAsync(10);
    const outcome = await result;
    expect(fn).toHaveBeenCalledTimes(3);
    expect(outcome.ok).toBe(false);
    const exhausted = (outcome as { error: RetriesExhaustedError }).error;
    expect(exhausted).toBeInstanceOf(RetriesExhaustedError);
    expect(exhausted.attempts.map((a) => a.error)).toEqual([
      { status: 503 },
      { status: 503 },
      { status: 503 },
    ]);

    const text = vi.fn(() => Promise.reject('boom'));
    expect(await rejection(new RetryPolicy({ delays: [1] }).execute(text))).toBe('boom');
    expect(text).toHaveBeenCalledTimes(1);
  });

  it('lets retryOn decide, even for a TypeError', async () => {
    const fn = vi.fn(() => Promise.reject(new TypeError('bad shape')));
    const retryOn = vi.fn(() => true);
    const { result } = observe(new RetryPolicy({ retries: 2, delays: [1], retryOn }).execute(fn));
    await vi.advanceTimersByTimeAsync(10);
    const outcome = await result;
    expect(fn).toHaveBeenCalledTimes(3);
    expect(outcome.ok ? undefined : outcome.error).toBeInstanceOf(RetriesExhaustedError);
    expect(retryOn).toHaveBeenCalledWith(
      expect.any(TypeError),
      expect.objectContaining({ category: 'unknown' }),
    );
  });

  it('uses the policy’s own classifiers', async () => {
    const fn = vi.fn(() => Promise.reject(Object.assign(new Error('quota'), { code: 'E_QUOTA' })));
    const policy = new RetryPolicy({
      retries: 1,
      delays: [1],
      classifiers: [
        (e) => ((e as { code?: string }).code === 'E_QUOTA' ? { category: 'rate_limit' } : undefined),
      ],
    });
    const { result } = observe(policy.execute(fn));
    await vi.advanceTimersByTimeAsync(10);
    const outcome = await result;
    expect(fn).toHaveBeenCalledTimes(2);
    expect(outcome.ok ? undefined : (outcome.error as RetriesExhaustedError).category).toBe('rate_limit');
  });

  it('throws RetriesExhaustedError carrying every attempt', async () => {
    const errors = [failure('ECONNRESET'), failure('ETIMEDOUT'), failure('ECONNREFUSED')];
    let call = 0;
    const fn = () => Promise.reject(errors[call++]);
    const { result } = observe(new RetryPolicy({ retries: 2, delays: [5] }).execute(fn, { operation: 'dl' }));
    await vi.advanceTimersByTimeAsync(100);
    const outcome = await result;
    expect(outcome.ok).toBe(false);
    const error = (outcome as { error: RetriesExhaustedError }).error;
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(error.attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(error.attempts.map((a) => a.error)).toEqual(errors);
    expect(error.attempts.map((a) => a.classification.category)).toEqual(['network', 'timeout', 'network']);
    expect(error.cause).toBe(errors[2]);
    expect(error.message).toContain('"dl" failed after 3 attempts');
    expect(classifyError(error)).toMatchObject({ category: 'network', retryable: false });
  });

  it('retries: 0 makes one attempt and reports it as exhausted', async () => {
    const fn = vi.fn(() => Promise.reject(failure()));
    const error = await rejection(new RetryPolicy({ retries: 0 }).execute(fn));
    expect(fn).toHaveBeenCalledTimes(1);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as RetriesExhaustedError).attempts).toHaveLength(1);
  });
});

describe('RetryPolicy: server-directed delays', () => {
  it('waits at least 1 s for a 429 with retry-after: 1', async () => {
    const limited = Object.assign(new Error('too many requests'), {
      status: 429,
      headers: { 'retry-after': '1' },
    });
    let calls = 0;
    const fn = vi.fn(() => (++calls === 1 ? Promise.reject(limited) : Promise.resolve('ok')));
    const infos: RetryInfo[] = [];
    const { result } = observe(new RetryPolicy({ delays: [10], onRetry: (i) => infos.push(i) }).execute(fn));
    await vi.advanceTimersByTimeAsync(999);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fn).toHaveBeenCalledTimes(2);
    expect(await result).toEqual({ ok: true, value: 'ok' });
    expect(infos[0]).toMatchObject({ delayMs: 1000, serverDirected: true, attempt: 1 });
  });

  it('honours an HTTP-date Retry-After and the RateLimit header', async () => {
    const at = new Date(Date.now() + 3000).toUTCString();
    const delays: number[] = [];
    const errors = [
      new HttpError(503, 'unavailable', { headers: { 'retry-after': at } }),
      new HttpError(429, 'limited', { headers: { ratelimit: '"api";r=0;t=2' } }),
    ];
    let call = 0;
    const fn = () => (call < 2 ? Promise.reject(errors[call++]) : Promise.resolve('done'));
    const policy = new RetryPolicy({ delays: [10], onRetry: (i) => delays.push(i.delayMs) });
    const { result } = observe(policy.execute(fn));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await result).toEqual({ ok: true, value: 'done' });
    expect(delays[0]).toBeGreaterThan(2000);
    expect(delays[0]).toBeLessThanOrEqual(3000);
    expect(delays[1]).toBe(2000);
  });

  it('ignores server delays when honorRetryAfter is false', async () => {
    const delays: number[] = [];
    const limited = new HttpError(429, 'limited', { headers: { 'retry-after': '60' } });
    const policy = new RetryPolicy({
      retries: 1,
      delays: [25],
      honorRetryAfter: false,
      onRetry: (i) => delays.push(i.delayMs),
    });
    const { result } = observe(policy.execute(() => Promise.reject(limited)));
    await vi.advanceTimersByTimeAsync(100);
    await result;
    expect(delays).toEqual([25]);
  });

  it('fails with RetryAfterTooLongError carrying the wait when the server asks too much', async () => {
    const limited = new HttpError(429, 'limited', { headers: { 'retry-after': '600' } });
    const fn = vi.fn(() => Promise.reject(limited));
    const error = await rejection(new RetryPolicy({ maxRetryAfter: 60_000 }).execute(fn));
    expect(fn).toHaveBeenCalledTimes(1);
    expect(error).toBeInstanceOf(RetryAfterTooLongError);
    expect(error).toMatchObject({ retryAfterMs: 600_000, maxRetryAfterMs: 60_000, category: 'rate_limit' });
    expect((error as Error).cause).toBe(limited);
    expect((error as RetryAfterTooLongError).remediation[0]).toContain('600 s');
  });
});

describe('RetryPolicy: the maxRetryAfter cap is exact', () => {
  it('a wait just over the cap fails at once; a wait just under it is honoured', async () => {
    const over = new HttpError(429, 'limited', { headers: { 'retry-after': '61' } });
    const tooLong = await rejection(
      new RetryPolicy({ maxRetryAfter: 60_000 }).execute(() => Promise.reject(over)),
    );
    expect(tooLong).toBeInstanceOf(RetryAfterTooLongError);
    expect(tooLong).toMatchObject({ retryAfterMs: 61_000, maxRetryAfterMs: 60_000 });

    const under = new HttpError(429, 'limited', { headers: { 'retry-after': '59' } });
    const delays: number[] = [];
    let calls = 0;
    const { result } = observe(
      new RetryPolicy({ maxRetryAfter: 60_000, onRetry: (info) => delays.push(info.delayMs) }).execute(() =>
        ++calls === 1 ? Promise.reject(under) : Promise.resolve('ok'),
      ),
    );
    await vi.advanceTimersByTimeAsync(59_000);
    expect(await result).toEqual({ ok: true, value: 'ok' });
    expect(delays).toEqual([59_000]);
  });
});

describe('RetryPolicy: decide hook', () => {
  it("'skip' stops after the first failure and rethrows it", async () => {
    const boom = failure();
    const fn = vi.fn(() => Promise.reject(boom));
    const decide = vi.fn(() => 'skip' as const);
    const error = await rejection(new RetryPolicy({ delays: [1], decide }).execute(fn));
    expect(fn).toHaveBeenCalledTimes(1);
    expect(decide).toHaveBeenCalledTimes(1);
    expect(error).toBe(boom);
  });

  it("'retry' keeps going and { retries: n } changes the budget", async () => {
    const fn = vi.fn(() => Promise.reject(failure()));
    const decide = vi.fn(async (info: RetryInfo) =>
      info.attempt === 1 ? { retries: 5 } : ('retry' as const),
    );
    const left: number[] = [];
    const policy = new RetryPolicy({
      retries: 1,
      delays: [1],
      decide,
      onRetry: (i) => left.push(i.retriesLeft),
    });
    const { result } = observe(policy.execute(fn));
    await vi.advanceTimersByTimeAsync(100);
    const outcome = await result;
    expect(fn).toHaveBeenCalledTimes(6);
    expect(left).toEqual([4, 3, 2, 1, 0]);
    expect((outcome as { error: RetriesExhaustedError }).error.attempts).toHaveLength(6);
  });

  it('{ retries: n } below the attempts made ends the sequence', async () => {
    const fn = vi.fn(() => Promise.reject(failure()));
    const policy = new RetryPolicy({ retries: 10, delays: [1], decide: () => ({ retries: 0 }) });
    const error = await rejection(policy.execute(fn));
    expect(fn).toHaveBeenCalledTimes(1);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
  });

  it('rejects an invalid decision with a ConfigurationError', async () => {
    const policy = new RetryPolicy({ delays: [1], decide: () => ({ retries: -2 }) });
    const error = await rejection(policy.execute(() => Promise.reject(failure())));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).option).toContain('decide');
  });

  it('is not asked about errors that are not retryable', async () => {
    const decide = vi.fn(() => 'retry' as const);
    await rejection(new RetryPolicy({ decide }).execute(() => Promise.reject(new HttpError(401, 'no'))));
    expect(decide).not.toHaveBeenCalled();
  });
});

describe('RetryPolicy: abort', () => {
  it('rejects within 1 s of an abort during the wait, classified as cancelled', async () => {
    const controller = new AbortController();
    const fn = vi.fn(() => Promise.reject(failure()));
    const watch = observe(new RetryPolicy().execute(fn, { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(100);
    controller.abort();
    await vi.advanceTimersByTimeAsync(1000);
    expect(watch.settled()).toBe(true);
    const outcome = await watch.result;
    expect(outcome.ok).toBe(false);
    expect(classifyError((outcome as { error: unknown }).error).category).toBe('cancelled');
    await vi.advanceTimersByTimeAsync(20_000);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects at once when an attempt that ignores the signal is aborted', async () => {
    const controller = new AbortController();
    const never = new Promise<never>(() => {});
    const watch = observe(new RetryPolicy().execute(() => never, { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(10);
    controller.abort(new Error('user pressed Ctrl-C'));
    await vi.advanceTimersByTimeAsync(0);
    expect(watch.settled()).toBe(true);
    const outcome = await watch.result;
    expect(classifyError((outcome as { error: unknown }).error).category).toBe('cancelled');
  });

  it('aborts a later attempt that is running, and exposes the signal to fn', async () => {
    const controller = new AbortController();
    const seen: AbortSignal[] = [];
    const fn = (ctx: ExecutionContext) => {
      seen.push(ctx.signal);
      return ctx.attempt === 1 ? Promise.reject(failure()) : new Promise<never>(() => {});
    };
    const watch = observe(new RetryPolicy({ delays: [10] }).execute(fn, { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(20);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    const outcome = await watch.result;
    expect(classifyError((outcome as { error: unknown }).error).category).toBe('cancelled');
    expect(seen).toHaveLength(2);
    expect(seen.every((signal) => signal === controller.signal)).toBe(true);
  });

  it('rejects at once when aborted while decide is still waiting for an answer', async () => {
    const controller = new AbortController();
    const decide = vi.fn(() => new Promise<'retry'>(() => {}));
    const fn = vi.fn(() => Promise.reject(failure()));
    const watch = observe(new RetryPolicy({ decide }).execute(fn, { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(10);
    expect(decide).toHaveBeenCalledTimes(1);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(watch.settled()).toBe(true);
    expect(classifyError(((await watch.result) as { error: unknown }).error).category).toBe('cancelled');
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('rejects without calling fn when the signal is already aborted', async () => {
    const fn = vi.fn(() => 1);
    const error = await rejection(new RetryPolicy().execute(fn, { signal: AbortSignal.abort() }));
    expect(fn).not.toHaveBeenCalled();
    expect(classifyError(error).category).toBe('cancelled');
  });
});

describe('RetryPolicy: events', () => {
  it('emits retry before each wait and retry:give-up with the reason', async () => {
    const policy = new RetryPolicy({ retries: 1, delays: [3] });
    const retries: RetryInfo[] = [];
    const giveUps: unknown[] = [];
    policy.on('retry', (info) => retries.push(info));
    policy.on('retry:give-up', (info) => giveUps.push(info));
    const { result } = observe(policy.execute(() => Promise.reject(failure()), { operation: 'dl' }));
    await vi.advanceTimersByTimeAsync(10);
    await result;
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ operation: 'dl', attempt: 1, delayMs: 3, retriesLeft: 0 });
    expect(giveUps).toEqual([expect.objectContaining({ operation: 'dl', attempts: 2, reason: 'exhausted' })]);
  });
});

describe('RetryPolicy: option validation', () => {
  it.each([
    [{ retries: -1 }, 'RetryPolicy.retries'],
    [{ retries: 1.5 }, 'RetryPolicy.retries'],
    [{ delays: [10, -1] }, 'RetryPolicy.delays'],
    [{ delays: 'fast' }, 'RetryPolicy.delays'],
    [{ maxDelay: Number.NaN }, 'RetryPolicy.maxDelay'],
    [{ jitter: 'random' }, 'RetryPolicy.jitter'],
    [{ maxRetryAfter: 0 }, 'RetryPolicy.maxRetryAfter'],
    [{ honorRetryAfter: 'yes' }, 'RetryPolicy.honorRetryAfter'],
    [{ onRetry: 5 }, 'RetryPolicy.onRetry'],
    [{ decide: {} }, 'RetryPolicy.decide'],
    [{ retryOn: true }, 'RetryPolicy.retryOn'],
    [{ classifiers: [1] }, 'RetryPolicy.classifiers'],
  ])('%o throws ConfigurationError naming %s', (options, option) => {
    let thrown: unknown;
    try {
      new RetryPolicy(options as unknown as RetryPolicyOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect(thrown).toMatchObject({ option, category: 'configuration', code: 'ERR_INVALID_OPTION' });
    expect((thrown as Error).message).toContain(option);
  });

  it('accepts Infinity retries', () => {
    expect(new RetryPolicy({ retries: Number.POSITIVE_INFINITY }).options.retries).toBe(
      Number.POSITIVE_INFINITY,
    );
  });
});
