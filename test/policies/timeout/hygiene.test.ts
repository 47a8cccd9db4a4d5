import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CircuitBreaker,
  classifyError,
  compose,
  type ErrorCategory,
  type ExecutionContext,
  RetryPolicy,
  TimeoutManager,
  withReliability,
} from '../../../src/index.js';

const never = () => new Promise<never>(() => {});
const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A component whose method succeeds, fails or hangs depending on its argument. */
class FlakyService {
  attempts = 0;
  async fetch(mode: 'ok' | 'fail-once' | 'hang'): Promise<string> {
    this.attempts += 1;
    if (mode === 'hang') return never();
    if (mode === 'fail-once' && this.attempts % 2 === 1) {
      throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
    }
    return 'ok';
  }
}

describe('abort hygiene', () => {
  it('10 000 executions with timeouts and aborts leave no listener on the shared parent and no timer', async () => {
    const parent = new AbortController().signal;
    const timeouts = new TimeoutManager();
    const fast = timeouts.policyFor('fast', 100);
    const slow = timeouts.policyFor('slow', 250);
    // Zero delays keep the fake clock's work small; the slow one is aborted while it sleeps.
    const retried = compose(new RetryPolicy({ retries: 2, delays: [0] }), fast);
    const retriedSlow = compose(new RetryPolicy({ retries: 2, delays: [1000] }), fast);
    // Opens on timeouts and half-opens again, so all breaker states are exercised.
    const breaker = new CircuitBreaker({ name: 'hygiene', consecutiveFailures: 20, resetTimeout: 50 });
    const outcomes = new Map<string, number>();
    const count = (kind: string) => outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
    let executions = 0;
    let maxListeners = 0;

    for (let batch = 0; batch < 10; batch++) {
      const caller = new AbortController();
      const service = new FlakyService();
      const wrapped = withReliability(service, {
        name: `svc-${batch}`,
        retry: { retries: 1, delays: [0] },
        breaker,
        timeout: 100,
        signal: parent,
      });
      const cancellable = withReliability(new FlakyService(), {
        name: `cancellable-${batch}`,
        retry: { retries: 3, delays: [20] },
        breaker: false,
        timeout: 250,
        signal: caller.signal,
      });
      const pending: Promise<unknown>[] = [];
      const track = (promise: Promise<unknown>) => {
        executions += 1;
        pending.push(
          promise.then(
            () => count('ok'),
            (error: unknown) => count(classifyError(error).category),
          ),
        );
      };
      for (let i = 0; i < 1000; i++) {
        switch (i % 10) {
          case 0:
            track(fast.execute(() => Promise.resolve(i), { signal: parent }));
            break;
          case 1:
            track(fast.execute(never, { signal: parent }));
            break;
          case 2:
            track(slow.execute(() => Promise.reject(new Error('bad input')), { signal: parent }));
            break;
          case 3: {
            let attempt = 0;
            track(
              retried.execute(() => (++attempt === 1 ? Promise.reject(resetError()) : 'ok'), {
                signal: parent,
              }),
            );
            break;
          }
          case 4:
            track(
              retried.execute((ctx: ExecutionContext) => (ctx.signal.aborted ? 'x' : never()), {
                signal: parent,
              }),
            );
            break;
          case 5:
            track(wrapped.fetch('fail-once'));
            break;
          case 6:
            track(wrapped.fetch('hang'));
            break;
          case 7:
            track(slow.execute(never, { signal: caller.signal }));
            break;
          case 8:
            track(retriedSlow.execute(() => Promise.reject(resetError()), { signal: caller.signal }));
            break;
          default:
            track(cancellable.fetch('hang'));
        }
      }
      maxListeners = Math.max(maxListeners, listeners(parent));
      await vi.advanceTimersByTimeAsync(150);
      caller.abort();
      await vi.advanceTimersByTimeAsync(3000);
      await Promise.all(pending);
      expect(listeners(parent)).toBe(0);
      expect(listeners(caller.signal)).toBe(0);
    }
    expect(executions).toBe(10_000);
    // The test means something only if listeners were really added to the parent while calls ran.
    expect(maxListeners).toBeGreaterThan(100);
    expect(outcomes.get('timeout')).toBeGreaterThan(1000);
    expect(outcomes.get('cancelled')).toBeGreaterThan(1000);
    expect(outcomes.get('ok')).toBeGreaterThan(1000);
    const settled = [...outcomes.values()].reduce((a, b) => a + b, 0);
    expect(settled).toBe(10_000);

    breaker.dispose();
    await vi.advanceTimersByTimeAsync(1000);
    expect(listeners(parent)).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps at most one timer per distinct budget while calls are pending, and stops when idle', async () => {
    const timeouts = new TimeoutManager();
    const budgets = [100, 200, 300];
    const policies = budgets.map((ms) => timeouts.policyFor(`op-${ms}`, ms));
    const resolvers: Array<() => void> = [];
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 3000; i++) {
      const policy = policies[i % 3];
      if (!policy) throw new Error('unreachable');
      pending.push(
        policy
          .execute(() => new Promise<void>((resolve) => resolvers.push(resolve)))
          .catch((error: unknown) => classifyError(error).category),
      );
    }
    expect(vi.getTimerCount()).toBe(budgets.length);

    // Everything settles before its deadline: each queue keeps its armed timer until it fires
    // (re-arming per call would cost a timer pair each) plus one idle check.
    for (const resolve of resolvers) resolve();
    const results = await Promise.all(pending);
    expect(results.every((r) => r === undefined)).toBe(true);
    expect(vi.getTimerCount()).toBeLessThanOrEqual(budgets.length * 2);
    await vi.advanceTimersByTimeAsync(300);
    expect(vi.getTimerCount()).toBe(0);

    // Calls that time out leave nothing behind either.
    const late = policies.map((policy) =>
      policy.execute(never).catch((e: unknown) => classifyError(e).category),
    );
    expect(vi.getTimerCount()).toBe(budgets.length);
    await vi.advanceTimersByTimeAsync(300);
    expect(await Promise.all(late)).toEqual<ErrorCategory[]>(['timeout', 'timeout', 'timeout']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a long-lived signal shared by many sequential calls never accumulates listeners', async () => {
    const parent = new AbortController().signal;
    const policy = compose(new RetryPolicy({ delays: [1] }), new TimeoutManager().policyFor('seq', 50));
    for (let i = 0; i < 500; i++) {
      await policy.execute(() => i, { signal: parent });
      expect(listeners(parent)).toBe(0);
    }
    await vi.advanceTimersByTimeAsync(100);
    expect(vi.getTimerCount()).toBe(0);
  });
});

function resetError(): Error {
  return Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
}
