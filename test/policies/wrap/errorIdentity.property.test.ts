import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { describeThrown, isInstance } from '../../../src/errors/thrown.js';
import {
  type CaptureHook,
  CircuitBreaker,
  CircuitOpenError,
  type HealthHook,
  type Logger,
  type RecoveryHook,
  RetriesExhaustedError,
  RetryPolicy,
  registerClassifier,
  withReliability,
} from '../../../src/index.js';
import { hostileValues, revoked, touch, withThrowingGetters } from '../../support/hostile-values.js';

/**
 * The caller of a wrapped method gets exactly the value its method threw (or, once retries ran out,
 * the RetriesExhaustedError carrying it), whatever the thrown value does when touched and whatever
 * the logger, health, capture and recovery hooks, event listeners and classifiers do.
 */

const made: { dispose(): void }[] = [];
afterEach(() => {
  for (const item of made.splice(0)) item.dispose();
  for (const b of CircuitBreaker.registry()) if (b.name.startsWith('identity')) b.dispose();
});

/**
 * `hook` with members that are readable while withReliability validates its options and throw
 * on every later read (a hook object that breaks mid-install).
 */
function breaksLater<T extends object>(names: readonly string[]): T {
  const hook = {};
  for (const name of names) {
    let reads = 0;
    Object.defineProperty(hook, name, {
      get: () => {
        reads += 1;
        if (reads > 1) touch();
        return () => undefined;
      },
    });
  }
  return hook as T;
}

/** A value thrown by a hook itself: the caller must never see it. */
class HookFailure extends Error {}
const hookThrows = (): never => {
  throw new HookFailure('a hook threw');
};

const loggers: Record<string, () => Logger | undefined> = {
  absent: () => undefined,
  fine: () => ({ warn: () => {}, error: () => {} }),
  throws: () => ({ warn: hookThrows, error: hookThrows }),
  'throws a revoked proxy': () => ({
    warn: () => {
      throw revoked({});
    },
    error: () => {
      throw revoked({});
    },
  }),
  'async, rejects': () => ({ warn: async () => hookThrows(), error: async () => hookThrows() }),
  'getters throw after validation': () => breaksLater<Logger>(['warn', 'error', 'debug', 'info']),
};

const healths: Record<string, () => HealthHook | undefined> = {
  absent: () => undefined,
  fine: () => ({ record: () => {} }),
  throws: () => ({ record: hookThrows }),
  'async, rejects': () => ({ record: (async () => hookThrows()) as () => void }),
  'getter throws after validation': () => breaksLater<HealthHook>(['record']),
};

const captures: Record<string, () => CaptureHook | undefined> = {
  absent: () => undefined,
  fine: () => ({ capture: async () => undefined }),
  'throws synchronously': () => ({ capture: hookThrows }),
  'returns a non-promise': () => ({ capture: (() => 42) as unknown as CaptureHook['capture'] }),
  'returns a thenable whose then throws': () => ({
    capture: () => withThrowingGetters({}, ['then']) as Promise<unknown>,
  }),
  'rejects with a revoked proxy': () => ({ capture: () => Promise.reject(revoked({})) }),
  'getter throws after validation': () => breaksLater<CaptureHook>(['capture']),
};

const recoveries: Record<string, () => RecoveryHook | undefined> = {
  absent: () => undefined,
  fail: () => ({ recover: async () => ({ action: 'fail' }) }),
  'throws synchronously': () => ({ recover: hookThrows }),
  'resolves null': () => ({ recover: async () => null as never }),
  'resolves a decision whose action getter throws': () => ({
    recover: async () => withThrowingGetters({}, ['action']) as never,
  }),
  'resolves an unknown action': () => ({ recover: async () => ({ action: 'explode' }) as never }),
  'returns a non-promise': () => ({
    recover: (() => ({ action: 'fail' })) as unknown as RecoveryHook['recover'],
  }),
  'resolves a revoked proxy': () => ({ recover: async () => revoked({}) as never }),
  'getter throws after validation': () => breaksLater<RecoveryHook>(['recover']),
};

/** Retry settings; `exhausts` ends with a RetriesExhaustedError carrying the value. */
const retries: Record<string, { exhausts: boolean; make: () => RetryPolicy | false | object }> = {
  off: { exhausts: false, make: () => false },
  'gives up (retryOn false)': {
    exhausts: false,
    make: () => ({ retries: 1, delays: [0], retryOn: () => false }),
  },
  'exhausts, onRetry throws': {
    exhausts: true,
    make: () => ({ retries: 1, delays: [0], retryOn: () => true, onRetry: hookThrows }),
  },
  'exhausts, listeners throw': {
    exhausts: true,
    make: () => {
      const policy = new RetryPolicy({ retries: 1, delays: [0], retryOn: () => true });
      policy.on('retry', hookThrows).on('retry:give-up', hookThrows);
      return policy;
    },
  },
  'gives up, give-up listener throws': {
    exhausts: false,
    make: () =>
      new RetryPolicy({ retries: 1, delays: [0], retryOn: () => false }).on('retry:give-up', hookThrows),
  },
};

const breakers: Record<string, () => CircuitBreaker | false | object> = {
  off: () => false,
  default: () => ({ consecutiveFailures: 1_000, volumeThreshold: 1_000 }),
  'opens at once, open listener throws': () => {
    const breaker = new CircuitBreaker({ name: 'identity-open', consecutiveFailures: 1 });
    breaker.on('circuit:open', hookThrows);
    made.push(breaker);
    return breaker;
  },
};

const pick = <T>(table: Record<string, T>) =>
  fc.constantFrom(...Object.keys(table)).map((key) => ({ key, value: table[key] as T }));

/**
 * A documented carrier: a RetriesExhaustedError whose first attempt is the value, whose later
 * attempts are the value or the breaker's refusal (a breaker that opened on the first failure),
 * and whose cause is its last attempt's error.
 */
function carries(reason: unknown, value: unknown): boolean {
  if (!isInstance(reason, RetriesExhaustedError)) return false;
  const { attempts } = reason;
  return (
    attempts.length === 2 &&
    Object.is(attempts[0]?.error, value) &&
    attempts.every((a) => Object.is(a.error, value) || isInstance(a.error, CircuitOpenError)) &&
    Object.is(reason.cause, attempts[1]?.error)
  );
}

describe('withReliability: the caller gets exactly the thrown value', () => {
  it('whatever the value, the hooks, the listeners and the classifiers do', async () => {
    await fc.assert(
      fc.asyncProperty(
        hostileValues,
        fc.constantFrom('sync' as const, 'async' as const),
        fc.record({
          logger: pick(loggers),
          health: pick(healths),
          capture: pick(captures),
          recovery: pick(recoveries),
          retry: pick(retries),
          breaker: pick(breakers),
          timeout: fc.constantFrom(false as const, 60_000),
          classifier: fc.boolean(),
        }),
        async ({ label, make }, mode, hooks) => {
          const value = make();
          const component = {
            call(): Promise<never> {
              if (mode === 'sync') throw value;
              return Promise.reject(value);
            },
          };
          const logger = hooks.logger.value();
          const health = hooks.health.value();
          const capture = hooks.capture.value();
          const recovery = hooks.recovery.value();
          const wrapped = withReliability(component, {
            name: 'identity',
            retry: hooks.retry.value.make() as false,
            breaker: hooks.breaker.value() as false,
            timeout: hooks.timeout,
            ...(logger ? { logger } : {}),
            ...(health ? { health } : {}),
            ...(capture ? { capture } : {}),
            ...(recovery ? { recovery } : {}),
          });
          const remove = hooks.classifier ? registerClassifier(touch) : () => {};
          const context = `${label} (${mode}) with ${JSON.stringify(
            Object.fromEntries(Object.entries(hooks).map(([k, v]) => [k, typeof v === 'object' ? v.key : v])),
          )}`;
          try {
            const outcome = await wrapped.call().then(
              () => ({ ok: true as const, reason: undefined }),
              (reason: unknown) => ({ ok: false as const, reason }),
            );
            expect(outcome.ok, context).toBe(false);
            const identical = Object.is(outcome.reason, value);
            const carried = hooks.retry.value.exhausts && carries(outcome.reason, value);
            expect(identical || carried, `${context}: got ${describeThrown(outcome.reason)}`).toBe(true);
          } finally {
            remove();
            for (const b of CircuitBreaker.registry()) if (b.name.startsWith('identity')) b.dispose();
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('hands the identical value to capture and recovery, and a string message to the logger', async () => {
    const value = withThrowingGetters(new Error('boom'), ['message', 'name', 'stack', 'cause']);
    const seen: unknown[] = [];
    const messages: unknown[] = [];
    const wrapped = withReliability(
      {
        call(): never {
          throw value;
        },
      },
      {
        name: 'identity-seen',
        retry: false,
        breaker: false,
        timeout: false,
        logger: { warn: (m) => messages.push(m), error: (m) => messages.push(m) },
        capture: { capture: async (error) => seen.push(error) },
        recovery: {
          recover: async (error) => {
            seen.push(error);
            return { action: 'fail' };
          },
        },
      },
    );
    await expect(wrapped.call()).rejects.toBe(value);
    expect(seen).toHaveLength(2);
    expect(seen.every((error) => error === value)).toBe(true);
    expect(messages).toHaveLength(1);
    expect(typeof messages[0]).toBe('string');
  });

  it('a throwing health hook or logger never turns a success into a failure', async () => {
    const wrapped = withReliability(
      { call: async () => 'done' },
      {
        name: 'identity-success',
        retry: false,
        breaker: false,
        timeout: false,
        health: { record: hookThrows },
        logger: { warn: hookThrows, error: hookThrows },
      },
    );
    await expect(wrapped.call()).resolves.toBe('done');
  });

  it("a throwing recovery hook's 'retry' after a hostile value still ends with the value", async () => {
    const value = revoked({});
    let calls = 0;
    const wrapped = withReliability(
      {
        call(): never {
          calls += 1;
          throw value;
        },
      },
      {
        name: 'identity-recovery',
        retry: false,
        breaker: false,
        timeout: false,
        maxRecoveryAttempts: 2,
        recovery: { recover: async () => ({ action: 'retry' }) },
        health: { record: hookThrows },
      },
    );
    // Boxed: resolving with the revoked proxy itself would read its `then`.
    const outcome = await wrapped.call().then(
      () => ({ reason: 'resolved' as unknown }),
      (reason: unknown) => ({ reason }),
    );
    // Compared by identity only: expect() would inspect the revoked proxy.
    expect(Object.is(outcome.reason, value)).toBe(true);
    expect(calls).toBe(3);
  });
});
