import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ConfigurationError,
  classifyError,
  DEFAULT_TIMEOUTS,
  type ExecutionContext,
  TimeoutError,
  TimeoutManager,
  type TimeoutManagerOptions,
  UNKNOWN_OPERATION_TIMEOUT,
} from '../../../src/index.js';
import { observe } from '../../support/policy-observe.js';

const never = () => new Promise<never>(() => {});

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('TimeoutManager.get', () => {
  const timeouts = new TimeoutManager();

  it('has the documented defaults table', () => {
    expect(DEFAULT_TIMEOUTS).toEqual({
      model_download: 1_800_000,
      dependency_install: 600_000,
      system_detection: 60_000,
      validation: 300_000,
      network_test: 30_000,
    });
    for (const [operation, ms] of Object.entries(DEFAULT_TIMEOUTS)) expect(timeouts.get(operation)).toBe(ms);
    expect(timeouts.get('something_else')).toBe(UNKNOWN_OPERATION_TIMEOUT);
    expect(UNKNOWN_OPERATION_TIMEOUT).toBe(300_000);
  });

  it('doubles for files over 5 GB: model_download of 6e9 bytes is 3 600 000', () => {
    expect(timeouts.get('model_download', { fileSizeBytes: 6e9 })).toBe(3_600_000);
    expect(timeouts.get('model_download', { fileSizeBytes: 5e9 })).toBe(1_800_000);
  });

  it('scales a slow network by 1.5 and a retry by 1.2, and combines the factors', () => {
    expect(timeouts.get('model_download', { networkSpeed: 'slow' })).toBe(2_700_000);
    expect(timeouts.get('model_download', { networkSpeed: 'fast' })).toBe(1_800_000);
    expect(timeouts.get('network_test', { retryCount: 1 })).toBe(36_000);
    expect(timeouts.get('network_test', { retryCount: 0 })).toBe(30_000);
    expect(timeouts.get('model_download', { fileSizeBytes: 6e9, networkSpeed: 'slow', retryCount: 2 })).toBe(
      6_480_000,
    );
  });

  it('merges user defaults over the table and honours unknownOperation', () => {
    const custom = new TimeoutManager({
      defaults: { network_test: 5000, pip: 90_000 },
      unknownOperation: 1234,
    });
    expect(custom.get('network_test')).toBe(5000);
    expect(custom.get('pip')).toBe(90_000);
    expect(custom.get('model_download')).toBe(1_800_000);
    expect(custom.get('nope')).toBe(1234);
  });
});

describe('TimeoutManager policies', () => {
  it('aborts ctx.signal and rejects with a timeout even when fn ignores the signal', async () => {
    const timeouts = new TimeoutManager({ defaults: { probe: 500 } });
    let signal: AbortSignal | undefined;
    const watch = observe(
      timeouts.policy('probe').execute((ctx) => {
        signal = ctx.signal;
        return never();
      }),
    );
    await vi.advanceTimersByTimeAsync(499);
    expect(watch.settled()).toBe(false);
    expect(signal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(watch.settled()).toBe(true);
    const outcome = await watch.result;
    const error = (outcome as { error: unknown }).error;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(classifyError(error)).toMatchObject({ category: 'timeout', retryable: true });
    expect(error).toMatchObject({ operation: 'probe', timeoutMs: 500 });
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBe(error);
  });

  it('aborts a signal that fn reads only after the timeout', async () => {
    const timeouts = new TimeoutManager();
    let ctx: ExecutionContext | undefined;
    const watch = observe(
      timeouts.policyFor('late', 100).execute((c) => {
        ctx = c;
        return never();
      }),
    );
    await vi.advanceTimersByTimeAsync(100);
    await watch.result;
    expect(ctx?.signal.aborted).toBe(true);
    expect(ctx?.signal.reason).toBeInstanceOf(TimeoutError);
  });

  it('resolves in time without aborting, and the signal stays quiet afterwards', async () => {
    const timeouts = new TimeoutManager();
    let signal: AbortSignal | undefined;
    const value = await timeouts.policyFor('quick', 1000).execute((ctx) => {
      signal = ctx.signal;
      return Promise.resolve(42);
    });
    expect(value).toBe(42);
    await vi.advanceTimersByTimeAsync(5000);
    expect(signal?.aborted).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('passes synchronous values and throws through', async () => {
    const policy = new TimeoutManager().policyFor('sync', 1000);
    await expect(policy.execute(() => 'value')).resolves.toBe('value');
    const boom = new Error('boom');
    await expect(
      policy.execute(() => {
        throw boom;
      }),
    ).rejects.toBe(boom);
  });

  it('exposes the budget and operation, and execute(operation, fn) scales by context', async () => {
    const timeouts = new TimeoutManager();
    const policy = timeouts.policy('model_download', { fileSizeBytes: 6e9 });
    expect(policy).toMatchObject({ operation: 'model_download', timeoutMs: 3_600_000 });
    const watch = observe(timeouts.execute('network_test', never, { context: { retryCount: 1 } }));
    await vi.advanceTimersByTimeAsync(35_999);
    expect(watch.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(((await watch.result) as { error: TimeoutError }).error.timeoutMs).toBe(36_000);
  });

  it('emits timeout with the operation and budget', async () => {
    const timeouts = new TimeoutManager();
    const events: unknown[] = [];
    timeouts.on('timeout', (event) => events.push(event));
    const watch = observe(timeouts.policyFor('slow_op', 50).execute(never));
    await vi.advanceTimersByTimeAsync(50);
    await watch.result;
    expect(events).toEqual([{ operation: 'slow_op', timeoutMs: 50 }]);
  });

  it('times out calls of one budget in order with a shared timer', async () => {
    const policy = new TimeoutManager().policyFor('batch', 100);
    const watches = [];
    for (let i = 0; i < 5; i++) {
      watches.push(observe(policy.execute(never)));
      await vi.advanceTimersByTimeAsync(10);
    }
    expect(vi.getTimerCount()).toBe(1);
    // Deadlines are at 100, 110, …, 140; now is 50.
    await vi.advanceTimersByTimeAsync(55);
    expect(watches.map((w) => w.settled())).toEqual([true, false, false, false, false]);
    await vi.advanceTimersByTimeAsync(35);
    expect(watches.every((w) => w.settled())).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects as cancelled when the parent signal aborts, and aborts ctx.signal', async () => {
    const controller = new AbortController();
    let signal: AbortSignal | undefined;
    const watch = observe(
      new TimeoutManager().policyFor('dl', 10_000).execute(
        (ctx) => {
          signal = ctx.signal;
          return never();
        },
        { signal: controller.signal },
      ),
    );
    await vi.advanceTimersByTimeAsync(100);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(watch.settled()).toBe(true);
    expect(classifyError(((await watch.result) as { error: unknown }).error).category).toBe('cancelled');
    expect(signal?.aborted).toBe(true);
    const early = observe(
      new TimeoutManager().policyFor('dl', 10).execute(never, { signal: AbortSignal.abort() }),
    );
    expect(classifyError(((await early.result) as { error: unknown }).error).category).toBe('cancelled');
  });

  it('a budget longer than the longest timer (24.8 days) still fires once, on time', async () => {
    const watch = observe(new TimeoutManager().policyFor('month', 30 * 86_400_000).execute(never));
    await vi.advanceTimersByTimeAsync(30 * 86_400_000 - 1);
    expect(watch.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(((await watch.result) as { error: unknown }).error).toBeInstanceOf(TimeoutError);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an Infinity budget never times out but still follows the parent signal', async () => {
    const controller = new AbortController();
    const policy = new TimeoutManager().policyFor('forever', Number.POSITIVE_INFINITY);
    await expect(policy.execute(() => 'done')).resolves.toBe('done');
    const watch = observe(policy.execute(never, { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(1e9);
    expect(watch.settled()).toBe(false);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(watch.settled()).toBe(true);
    expect(classifyError(((await watch.result) as { error: unknown }).error).category).toBe('cancelled');
  });
});

describe('TimeoutManager option validation', () => {
  it.each([
    [{ defaults: { network_test: 0 } }, 'TimeoutManager.defaults.network_test'],
    [{ defaults: { pip: 'slow' } }, 'TimeoutManager.defaults.pip'],
    [{ defaults: 5 }, 'TimeoutManager.defaults'],
    [{ unknownOperation: -1 }, 'TimeoutManager.unknownOperation'],
  ])('%o throws ConfigurationError naming %s', (options, option) => {
    let thrown: unknown;
    try {
      new TimeoutManager(options as unknown as TimeoutManagerOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect(thrown).toMatchObject({ option, category: 'configuration' });
  });

  it('rejects an invalid explicit budget', () => {
    expect(() => new TimeoutManager().policyFor('x', 0)).toThrow(ConfigurationError);
    expect(() => new TimeoutManager().policyFor('x', Number.NaN)).toThrow(/timeout for x/);
  });
});
