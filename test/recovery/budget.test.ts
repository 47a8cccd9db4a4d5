import { spawn } from 'node:child_process';
import { getEventListeners } from 'node:events';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError } from '../../src/errors/ConfigurationError.js';
import { TimeoutError } from '../../src/errors/TimeoutError.js';
import type { RecoveryHook } from '../../src/policies/wrap/hooks.js';
import { withReliability } from '../../src/policies/wrap/withReliability.js';
import { RecoveryRegistry } from '../../src/recovery/RecoveryRegistry.js';
import { RECOVERY_REGISTRY_DEFAULTS } from '../../src/recovery/registryOptions.js';
import type {
  RecoveryContext,
  RecoveryEvents,
  RecoveryResult,
  RecoveryStrategy,
  StrategyOutcome,
} from '../../src/recovery/types.js';

const networkError = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
const NEVER = new Promise<never>(() => {});

/** A strategy whose run (or applies) never settles and ignores its signal: the worst case. */
function hanging(
  name: string,
  where: 'run' | 'applies' = 'run',
  seen: RecoveryContext[] = [],
): RecoveryStrategy {
  return {
    name,
    description: `${name} hangs`,
    ...(where === 'applies'
      ? {
          applies: (ctx) => {
            seen.push(ctx);
            return NEVER;
          },
        }
      : {}),
    run: (ctx) => {
      seen.push(ctx);
      return where === 'run' ? NEVER : 'retry';
    },
  };
}

function answering(name: string, outcome: StrategyOutcome, calls: string[] = []): RecoveryStrategy {
  return {
    name,
    description: `${name} answers ${outcome}`,
    run: () => {
      calls.push(name);
      return outcome;
    },
  };
}

/** Tracks whether a promise settled, for fake-timer tests that must not await a hang. */
function track<T>(promise: Promise<T>): { settled: () => boolean; value: Promise<T> } {
  let done = false;
  const value = promise.finally(() => {
    done = true;
  });
  return { settled: () => done, value };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('recovery strategy budget and abort', () => {
  it('an abort ends a recovery whose strategy hangs and ignores its signal: fail, interrupted, nothing counted', async () => {
    const registry = new RecoveryRegistry();
    const seen: RecoveryContext[] = [];
    registry.register('network', hanging('stuck', 'run', seen));
    registry.register('network', answering('later', 'retry'));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const run = track(registry.recover(networkError(), { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(99);
    expect(run.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(run.settled()).toBe(true);
    const result = await run.value;
    expect(result).toMatchObject({ action: 'fail', interrupted: 'stuck', attempts: [] });
    expect(seen[0]?.signal.aborted).toBe(true);
    expect(registry.stats().strategies.every((s) => s.attempts === 0)).toBe(true);
    expect(registry.history().at(-1)).toMatchObject({ action: 'fail' });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an abort ends a recovery whose applies() hangs', async () => {
    const registry = new RecoveryRegistry();
    registry.register('network', hanging('asks-forever', 'applies'));
    const controller = new AbortController();
    const run = track(registry.recover(networkError(), { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(50);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(run.settled()).toBe(true);
    expect(await run.value).toMatchObject({ action: 'fail', interrupted: 'asks-forever' });
  });

  it('a strategy over its budget is stopped, reported as timed out, counted as failed, and the next one runs', async () => {
    const registry = new RecoveryRegistry({ strategyTimeoutMs: 1_000 });
    const seen: RecoveryContext[] = [];
    const calls: string[] = [];
    registry.register('network', hanging('stuck', 'run', seen));
    registry.register('network', answering('mirror', 'retry', calls));
    const failed: RecoveryEvents['recovery:failed'][] = [];
    registry.on('recovery:failed', (e) => failed.push(e));
    const run = track(registry.recover(networkError()));
    await vi.advanceTimersByTimeAsync(999);
    expect(run.settled()).toBe(false);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    const result = await run.value;
    expect(result).toMatchObject({ action: 'retry', strategy: 'mirror' });
    expect(result.attempts[0]).toMatchObject({ strategy: 'stuck', outcome: 'error', timedOut: true });
    expect(result.attempts[0]?.error).toMatch(/stuck.*1000 ms/);
    expect(result.attempts[1]).not.toHaveProperty('timedOut');
    expect(failed).toEqual([
      expect.objectContaining({ strategy: 'stuck', outcome: 'error', timedOut: true }),
    ]);
    expect(seen[0]?.signal.aborted).toBe(true);
    expect(seen[0]?.signal.reason).toBeInstanceOf(TimeoutError);
    expect(registry.plan('network').find((s) => s.strategy === 'stuck')).toMatchObject({
      attempts: 1,
      successes: 0,
      lastOutcome: 'error',
    });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('the default budget bounds a hang even without a signal', async () => {
    const registry = new RecoveryRegistry();
    registry.register('network', hanging('stuck'));
    const run = track(registry.recover(networkError()));
    await vi.advanceTimersByTimeAsync(RECOVERY_REGISTRY_DEFAULTS.strategyTimeoutMs - 1);
    expect(run.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(run.settled()).toBe(true);
    const result: RecoveryResult = await run.value;
    expect(result.action).toBe('manual');
    expect(result.attempts).toMatchObject([{ strategy: 'stuck', timedOut: true }]);
  });

  it("a strategy's own timeoutMs overrides the registry's budget, and the budget covers applies() and run() together", async () => {
    const registry = new RecoveryRegistry({ strategyTimeoutMs: 10_000 });
    const slowThenHang: RecoveryStrategy = {
      name: 'quick-budget',
      description: 'answers applies() after 300 ms, then hangs',
      timeoutMs: 500,
      applies: () => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 300)),
      run: () => NEVER,
    };
    registry.register('network', slowThenHang);
    const run = track(registry.recover(networkError()));
    await vi.advanceTimersByTimeAsync(499);
    expect(run.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(run.settled()).toBe(true);
    expect((await run.value).attempts).toMatchObject([{ strategy: 'quick-budget', timedOut: true }]);
  });

  it('an applies() over budget skips the strategy with a warning naming it, without counting a failure', async () => {
    const warnings: string[] = [];
    const registry = new RecoveryRegistry({
      strategyTimeoutMs: 200,
      logger: { warn: (m) => warnings.push(m) },
    });
    const calls: string[] = [];
    registry.register('network', hanging('asks-forever', 'applies'));
    registry.register('network', answering('mirror', 'continue', calls));
    const events: RecoveryEvents['recovery:warning'][] = [];
    registry.on('recovery:warning', (w) => events.push(w));
    const run = track(registry.recover(networkError()));
    await vi.advanceTimersByTimeAsync(200);
    const result = await run.value;
    expect(result).toMatchObject({ action: 'continue', strategy: 'mirror' });
    expect(calls).toEqual(['mirror']);
    expect(events[0]?.message).toMatch(/asks-forever.*applies\(\).*200 ms/);
    expect(warnings).toHaveLength(1);
    expect(registry.plan('network').find((s) => s.strategy === 'asks-forever')?.attempts).toBe(0);
  });

  it('a strategy that answers within its budget leaves no timer and no listener behind', async () => {
    const registry = new RecoveryRegistry({ strategyTimeoutMs: 60_000 });
    registry.register('network', {
      name: 'async',
      description: 'answers after 10 ms',
      run: () => new Promise<StrategyOutcome>((resolve) => setTimeout(() => resolve('retry'), 10)),
    });
    const controller = new AbortController();
    const run = track(registry.recover(networkError(), { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(10);
    expect(await run.value).toMatchObject({ action: 'retry' });
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('a hanging reportBuilder is bounded too: the default report is used, with a warning', async () => {
    const warnings: string[] = [];
    const registry = new RecoveryRegistry({
      strategyTimeoutMs: 300,
      reportBuilder: () => NEVER,
      logger: { warn: (m) => warnings.push(m) },
    });
    registry.register('network', answering('no', 'fail'));
    const run = track(registry.recover(networkError()));
    await vi.advanceTimersByTimeAsync(300);
    expect(run.settled()).toBe(true);
    const result = await run.value;
    expect(result.action).toBe('manual');
    if (result.action === 'manual') expect(result.report).toMatch(/socket hang up/);
    expect(warnings.join('\n')).toMatch(/report.*300 ms/);
  });

  it('an abort while the manual report is built ends the recovery with fail', async () => {
    const registry = new RecoveryRegistry({ reportBuilder: () => NEVER });
    const controller = new AbortController();
    const run = track(registry.recover(networkError(), { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(run.settled()).toBe(true);
    expect(await run.value).toMatchObject({ action: 'fail' });
  });

  it("reads a strategy's timeoutMs once, at registration, and rejects a signal that is not one", async () => {
    let reads = 0;
    const registry = new RecoveryRegistry();
    registry.register('network', {
      ...hanging('shifty'),
      get timeoutMs() {
        reads += 1;
        return reads === 1 ? 100 : Number.NaN;
      },
    });
    const run = track(registry.recover(networkError()));
    await vi.advanceTimersByTimeAsync(99);
    expect(run.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((await run.value).attempts).toMatchObject([{ strategy: 'shifty', timedOut: true }]);
    const bad = { aborted: false } as unknown as AbortSignal;
    await expect(registry.recover(networkError(), { signal: bad })).rejects.toBeInstanceOf(
      ConfigurationError,
    );
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, '1000', null])(
    'rejects %s as strategyTimeoutMs, lockWaitMs and a strategy timeoutMs with ConfigurationError',
    (bad) => {
      expect(() => new RecoveryRegistry({ strategyTimeoutMs: bad as number })).toThrow(ConfigurationError);
      expect(() => new RecoveryRegistry({ lockWaitMs: bad as number })).toThrow(ConfigurationError);
      const strategy = { ...answering('x', 'fail'), timeoutMs: bad as number };
      expect(() => new RecoveryRegistry().register('network', strategy)).toThrow(ConfigurationError);
    },
  );
});

describe('withReliability with a recovery that hangs', () => {
  it('a call with a 200 ms timeout whose signal aborts at 100 ms settles then with the original error', async () => {
    const recovery = new RecoveryRegistry();
    recovery.register('network', hanging('stuck'));
    const controller = new AbortController();
    const original = networkError();
    const component = {
      async fetch(): Promise<string> {
        throw original;
      },
    };
    const reliable = withReliability(component, {
      name: 'hub',
      retry: false,
      breaker: false,
      timeout: 200,
      signal: controller.signal,
      recovery,
    });
    setTimeout(() => controller.abort(), 100);
    const call = track(reliable.fetch());
    call.value.catch(() => {});
    await vi.advanceTimersByTimeAsync(100);
    expect(call.settled()).toBe(true);
    await expect(call.value).rejects.toBe(original);
  });

  it('any recovery hook that never settles is given up on when the signal aborts', async () => {
    const recovery: RecoveryHook = { recover: () => NEVER };
    const controller = new AbortController();
    const original = networkError();
    const reliable = withReliability(
      {
        async fetch(): Promise<string> {
          throw original;
        },
      },
      { name: 'hub', retry: false, breaker: false, timeout: 200, signal: controller.signal, recovery },
    );
    const call = track(reliable.fetch());
    call.value.catch(() => {});
    await vi.advanceTimersByTimeAsync(100);
    expect(call.settled()).toBe(false);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(call.settled()).toBe(true);
    await expect(call.value).rejects.toBe(original);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('in a real process', () => {
  it("a hung strategy does not keep the process alive: the budget timer is unref'd", async () => {
    vi.useRealTimers();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.resolve(__dirname, '../support/recovery-hang-child.ts')],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    // Killed when still alive long after it should have exited, so a failure leaves no process behind.
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(killer);
    expect(out).toBe('started\n');
    expect(code).toBe(0);
  }, 30_000);
});
