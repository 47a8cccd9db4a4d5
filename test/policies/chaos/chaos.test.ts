import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type ChaosOptions,
  ConfigurationError,
  chaos,
  classifyError,
  compose,
  InjectedFaultError,
  RetryPolicy,
} from '../../../src/index.js';

/** A deterministic uniform source (a small LCG), so rates can be checked exactly per seed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('chaos', () => {
  it('faultRate 1 fails every call with InjectedFaultError (network) without calling fn', async () => {
    const fn = vi.fn(() => 'real');
    const error = await chaos({ faultRate: 1 })
      .execute(fn, { operation: 'download' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InjectedFaultError);
    expect(classifyError(error)).toMatchObject({ category: 'network', retryable: true });
    expect((error as Error).message).toContain('download');
    expect(fn).not.toHaveBeenCalled();
  });

  it('injects faults at about the given rate', async () => {
    const policy = chaos({ faultRate: 0.3, random: seeded(7) });
    let faults = 0;
    for (let i = 0; i < 2000; i++) {
      await policy
        .execute(() => 'ok')
        .catch(() => {
          faults += 1;
        });
    }
    expect(faults).toBeGreaterThan(500);
    expect(faults).toBeLessThan(700);
  });

  it('throws the custom fault', async () => {
    const diskFull = Object.assign(new Error('no space'), { code: 'ENOSPC' });
    const error = await chaos({ faultRate: 1, fault: () => diskFull })
      .execute(() => 1)
      .catch((e: unknown) => e);
    expect(error).toBe(diskFull);
  });

  it('delays calls by the configured latency', async () => {
    const fn = vi.fn(() => 'late');
    const run = chaos({ latencyRate: 1, latency: 250 }).execute(fn);
    await vi.advanceTimersByTimeAsync(249);
    expect(fn).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    await expect(run).resolves.toBe('late');
  });

  it('draws latency uniformly from a [min, max] range', async () => {
    const run = chaos({ latencyRate: 1, latency: [100, 300], random: () => 0.5 }).execute(() => Date.now());
    const start = Date.now();
    await vi.advanceTimersByTimeAsync(300);
    expect((await run) - start).toBe(200);
  });

  it('an abort during injected latency rejects as cancelled and clears the timer', async () => {
    const controller = new AbortController();
    const fn = vi.fn();
    const run = chaos({ latencyRate: 1, latency: 10_000 })
      .execute(fn, { signal: controller.signal })
      .catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    expect(classifyError(await run).category).toBe('cancelled');
    expect(vi.getTimerCount()).toBe(0);
    expect(fn).not.toHaveBeenCalled();
  });

  it('runs the injected behaviour before the call', async () => {
    const order: string[] = [];
    await chaos({ behaviorRate: 1, behavior: () => void order.push('behaviour') }).execute(() =>
      order.push('call'),
    );
    expect(order).toEqual(['behaviour', 'call']);
  });

  it('does nothing while enabled() is false', async () => {
    let on = false;
    const policy = chaos({ faultRate: 1, enabled: () => on });
    await expect(policy.execute(() => 'real')).resolves.toBe('real');
    on = true;
    await expect(policy.execute(() => 'real')).rejects.toBeInstanceOf(InjectedFaultError);
  });

  it('exercises a retry policy’s recovery path when composed innermost', async () => {
    const policy = compose(
      new RetryPolicy({ retries: 5, delays: [1] }),
      chaos({ faultRate: 0.5, random: seeded(3) }),
    );
    const run = policy.execute((ctx) => `succeeded on attempt ${ctx.attempt}`);
    await vi.advanceTimersByTimeAsync(100);
    await expect(run).resolves.toMatch(/^succeeded on attempt \d$/);
  });

  it.each([
    [{ faultRate: 1.5 }, 'chaos.faultRate'],
    [{ latencyRate: -0.1 }, 'chaos.latencyRate'],
    [{ behaviorRate: 'often' }, 'chaos.behaviorRate'],
    [{ latency: [300, 100] }, 'chaos.latency'],
    [{ latency: -1 }, 'chaos.latency'],
    [{ fault: 'boom' }, 'chaos.fault'],
    [{ enabled: true }, 'chaos.enabled'],
  ])('%o throws ConfigurationError naming %s', (options, option) => {
    let thrown: unknown;
    try {
      chaos(options as unknown as ChaosOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect(thrown).toMatchObject({ option, category: 'configuration' });
  });
});
