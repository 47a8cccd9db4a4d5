import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ConfigurationError,
  classifyError,
  compose,
  currentContext,
  type ExecuteOptions,
  type ExecutionContext,
  enableCurrentContext,
  fallback,
  noopPolicy,
  type Policy,
  type PolicyFunction,
  RetryPolicy,
  TimeoutError,
  TimeoutManager,
} from '../../../src/index.js';

/** A policy that records when it is entered and left, and what options it received. */
function tracer(name: string, log: string[], seen: ExecuteOptions[] = []): Policy {
  return {
    async execute<T>(fn: PolicyFunction<T>, options: ExecuteOptions = {}): Promise<T> {
      seen.push(options);
      log.push(`${name}:enter`);
      try {
        return await fn({
          signal: options.signal ?? new AbortController().signal,
          attempt: options.attempt ?? 1,
          operation: options.operation ?? 'operation',
        });
      } finally {
        log.push(`${name}:leave`);
      }
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('compose', () => {
  it('runs the first policy outermost', async () => {
    const log: string[] = [];
    const policy = compose(tracer('a', log), tracer('b', log), tracer('c', log));
    await expect(
      policy.execute(() => {
        log.push('fn');
        return 'done';
      }),
    ).resolves.toBe('done');
    expect(log).toEqual(['a:enter', 'b:enter', 'c:enter', 'fn', 'c:leave', 'b:leave', 'a:leave']);
  });

  it('passes the operation, signal and attempt down to inner policies', async () => {
    const controller = new AbortController();
    const seen: ExecuteOptions[] = [];
    const inner = tracer('inner', [], seen);
    const attempts: number[] = [];
    const policy = compose(new RetryPolicy({ delays: [1] }), inner);
    const run = policy.execute(
      (ctx) => {
        attempts.push(ctx.attempt);
        return ctx.attempt < 3
          ? Promise.reject(Object.assign(new Error('x'), { code: 'ECONNRESET' }))
          : ctx.operation;
      },
      { operation: 'fetch-index', signal: controller.signal },
    );
    await vi.advanceTimersByTimeAsync(10);
    await expect(run).resolves.toBe('fetch-index');
    expect(attempts).toEqual([1, 2, 3]);
    expect(seen.map((o) => o.attempt)).toEqual([1, 2, 3]);
    expect(seen.every((o) => o.signal === controller.signal && o.operation === 'fetch-index')).toBe(true);
  });

  it('gives each retry attempt its own timeout in compose(retry, timeout)', async () => {
    const policy = compose(
      new RetryPolicy({ retries: 2, delays: [10, 10] }),
      new TimeoutManager().policyFor('op', 100),
    );
    const signals: AbortSignal[] = [];
    const run = policy
      .execute((ctx) => {
        signals.push(ctx.signal);
        return ctx.attempt < 3 ? new Promise<never>(() => {}) : 'third time';
      })
      .catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(100);
    expect(signals).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(signals).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(110);
    expect(await run).toBe('third time');
    expect(signals.map((s) => s.aborted)).toEqual([true, true, false]);
  });

  it('an enclosing timeout surfaces as a timeout, not a cancellation, through inner policies', async () => {
    const policy = compose(new TimeoutManager().policyFor('whole', 50), new RetryPolicy({ delays: [1000] }));
    const run = policy
      .execute(() => Promise.reject(Object.assign(new Error('x'), { code: 'ECONNRESET' })))
      .catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(50);
    const error = await run;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(classifyError(error).category).toBe('timeout');
    await vi.advanceTimersByTimeAsync(2000);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('compose() is the no-op policy and compose(p) is p', async () => {
    expect(compose()).toBe(noopPolicy);
    const single = tracer('x', []);
    expect(compose(single)).toBe(single);
    await expect(noopPolicy.execute((ctx) => ctx.operation, { operation: 'named' })).resolves.toBe('named');
    const boom = new Error('sync');
    await expect(
      noopPolicy.execute(() => {
        throw boom;
      }),
    ).rejects.toBe(boom);
  });

  it('accepts a fallback outermost and widens the result type', async () => {
    const pipeline = compose(
      fallback(() => 'cached' as const),
      new RetryPolicy({ retries: 1, delays: [0] }),
    );
    const value: number | 'cached' = await pipeline.execute((): number => {
      throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
    });
    expect(value).toBe('cached');
  });

  it('rejects arguments that are not policies', () => {
    expect(() => compose(tracer('ok', []), {} as Policy)).toThrow(
      /compose\(\) argument 1: expected a Policy/,
    );
    expect(() => compose(null as unknown as Policy)).toThrow(ConfigurationError);
  });
});

describe('currentContext', () => {
  it('is undefined outside policy calls and the running context inside, across awaits', async () => {
    enableCurrentContext();
    expect(currentContext()).toBeUndefined();
    const seen: Array<ExecutionContext | undefined> = [];
    const deep = async () => {
      await Promise.resolve();
      seen.push(currentContext());
    };
    const policy = compose(new RetryPolicy({ delays: [1] }), new TimeoutManager().policyFor('ctx', 1000));
    const run = policy.execute(
      async (ctx) => {
        await deep();
        if (ctx.attempt === 1) throw Object.assign(new Error('x'), { code: 'ECONNRESET' });
        return 'ok';
      },
      { operation: 'install' },
    );
    await vi.advanceTimersByTimeAsync(10);
    await run;
    expect(seen.map((c) => [c?.operation, c?.attempt])).toEqual([
      ['install', 1],
      ['install', 2],
    ]);
    expect(seen.every((c) => c?.signal instanceof AbortSignal)).toBe(true);
    expect(currentContext()).toBeUndefined();
  });
});
