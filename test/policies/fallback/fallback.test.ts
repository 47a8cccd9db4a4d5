import { describe, expect, it, vi } from 'vitest';
import {
  CancelledError,
  ConfigurationError,
  type ExecutionContext,
  fallback,
  HttpError,
  RetryPolicy,
} from '../../../src/index.js';

describe('fallback', () => {
  it('returns the result when the call succeeds, without calling the handler', async () => {
    const handler = vi.fn(() => 'cached');
    await expect(fallback(handler).execute(() => Promise.resolve('live'))).resolves.toBe('live');
    expect(handler).not.toHaveBeenCalled();
  });

  it('answers with the handler’s value on failure, passing the error and context', async () => {
    const failure = new HttpError(503, 'unavailable');
    const handler = vi.fn(
      (error: unknown, ctx: ExecutionContext) =>
        `cached after ${(error as Error).message} in ${ctx.operation}`,
    );
    const result = await fallback(handler).execute(() => Promise.reject(failure), {
      operation: 'fetch-index',
    });
    expect(result).toBe('cached after unavailable in fetch-index');
    expect(handler).toHaveBeenCalledWith(failure, expect.objectContaining({ operation: 'fetch-index' }));
  });

  it('handles synchronous throws and async handlers', async () => {
    const policy = fallback(async () => 'from disk');
    await expect(
      policy.execute(() => {
        throw new Error('sync');
      }),
    ).resolves.toBe('from disk');
  });

  it('only handles what `when` selects', async () => {
    const policy = fallback(() => 'default', { when: (_error, c) => c.category === 'network' });
    await expect(policy.execute(() => Promise.reject(new HttpError(503, 'x')))).resolves.toBe('default');
    const auth = new HttpError(401, 'no token');
    await expect(policy.execute(() => Promise.reject(auth))).rejects.toBe(auth);
  });

  it('does not swallow cancellations by default', async () => {
    const cancelled = new CancelledError('stopped');
    await expect(fallback(() => 'x').execute(() => Promise.reject(cancelled))).rejects.toBe(cancelled);
    const controller = new AbortController();
    const run = fallback(() => 'x').execute(
      () => {
        controller.abort();
        return Promise.reject(new Error('aborted mid-call'));
      },
      { signal: controller.signal },
    );
    await expect(run).rejects.toThrow('aborted mid-call');
    await expect(fallback(() => 'x').execute(() => 1, { signal: AbortSignal.abort() })).rejects.toMatchObject(
      {
        category: 'cancelled',
      },
    );
  });

  it('wraps a retry policy: the handler answers only after the retries are spent', async () => {
    let calls = 0;
    const retry = new RetryPolicy({ retries: 1, delays: [0] });
    const result = await fallback(() => 'fallback value').execute(() =>
      retry.execute(() => {
        calls += 1;
        return Promise.reject(Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
      }),
    );
    expect(result).toBe('fallback value');
    expect(calls).toBe(2);
  });

  it('validates its arguments', () => {
    expect(() => fallback('value' as unknown as () => string)).toThrow(ConfigurationError);
    expect(() => fallback(() => 1, { when: 'network' as unknown as () => boolean })).toThrow(
      /fallback\.when/,
    );
  });
});
