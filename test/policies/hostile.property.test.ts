import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyError, registerClassifier } from '../../src/errors/classify.js';
import { RetriesExhaustedError } from '../../src/errors/RetriesExhaustedError.js';
import { describeThrown, isInstance } from '../../src/errors/thrown.js';
import { Bulkhead } from '../../src/policies/bulkhead/Bulkhead.js';
import { chaos } from '../../src/policies/chaos/chaos.js';
import { CircuitBreaker } from '../../src/policies/circuit/CircuitBreaker.js';
import { fallback } from '../../src/policies/fallback/fallback.js';
import { compose, noopPolicy } from '../../src/policies/policy/compose.js';
import type { Policy, PolicyFunction } from '../../src/policies/policy/types.js';
import { RetryPolicy } from '../../src/policies/retry/RetryPolicy.js';
import { TimeoutManager } from '../../src/policies/timeout/TimeoutManager.js';
import { withReliability } from '../../src/policies/wrap/withReliability.js';
import {
  HostileTouch,
  type HostileValue,
  hostileValues,
  revoked,
  withThrowingGetters,
} from '../support/hostile-values.js';

/**
 * JavaScript can throw anything. Every policy must hand back exactly what was thrown (or a
 * documented wrapper carrying it), as a rejected promise, whatever the value does when touched.
 */

/** Values that are hostile to touch, with a label for failure messages. */
const hostile: fc.Arbitrary<HostileValue> = fc.oneof(
  hostileValues,
  // Cases the policies met in practice, beyond the shared ones.
  fc.constantFrom<HostileValue>(
    { label: 'frozen object', make: () => Object.freeze({ code: 'ECONNRESET', status: 503 }) },
    {
      label: 'Error with code getter (the reported crash)',
      make: () => withThrowingGetters(new Error('boom'), ['code']),
    },
    {
      label: 'Error whose message and name throw',
      make: () => withThrowingGetters(new Error('boom'), ['message', 'name']),
    },
    {
      label: 'looks like a ReliabilityError, category throws',
      make: () =>
        withThrowingGetters({ code: 'ERR_X', remediation: [] as string[], category: '' }, ['category']),
    },
    {
      label: 'headers getter that throws inside (Retry-After lookup)',
      make: () => ({ status: 503, headers: withThrowingGetters({}, ['retry-after', 'ratelimit']) }),
    },
  ),
  fc.string().map((s) => ({ label: `string ${JSON.stringify(s)}`, make: () => s })),
);

/** How the function under the policy fails. */
const how = fc.constantFrom('sync' as const, 'async' as const);

function failing(value: unknown, mode: 'sync' | 'async'): PolicyFunction<never> {
  return () => {
    if (mode === 'sync') throw value;
    return Promise.reject(value);
  };
}

/** A documented wrapper carrying the value: RetriesExhaustedError with every attempt's error. */
function carries(reason: unknown, value: unknown): boolean {
  if (Object.is(reason, value)) return true;
  if (!isInstance(reason, RetriesExhaustedError)) return false;
  return (
    reason.attempts.length > 0 &&
    reason.attempts.every((attempt) => Object.is(attempt.error, value)) &&
    (value === undefined || Object.is(reason.cause, value)) &&
    typeof reason.message === 'string'
  );
}

/** Calls execute() and checks the contract; resolves with the rejection reason. */
async function expectCarried(run: () => Promise<unknown>, value: unknown, label: string): Promise<void> {
  let promise: Promise<unknown>;
  try {
    promise = run();
  } catch (error) {
    throw new Error(`${label}: execute() threw synchronously (${describeThrown(error)})`);
  }
  expect(promise, label).toBeInstanceOf(Promise);
  const outcome = await promise.then(
    () => ({ ok: true as const, reason: undefined }),
    (reason: unknown) => ({ ok: false as const, reason }),
  );
  expect(outcome.ok, `${label}: must reject`).toBe(false);
  // Compared by identity only: the reason may be the hostile value itself.
  if (Object.is(outcome.reason, value)) return;
  expect(isInstance(outcome.reason, HostileTouch), `${label}: rejected with a getter's error`).toBe(false);
  expect(carries(outcome.reason, value), `${label}: rejected with ${describeThrown(outcome.reason)}`).toBe(
    true,
  );
}

const disposables: { dispose(): void }[] = [];
afterEach(() => {
  for (const item of disposables.splice(0)) item.dispose();
});

function breaker(options: ConstructorParameters<typeof CircuitBreaker>[0] = {}): CircuitBreaker {
  const made = new CircuitBreaker({ consecutiveFailures: 1_000, volumeThreshold: 1_000, ...options });
  disposables.push(made);
  return made;
}

/** Every policy shape, built fresh per run (a breaker that opened would answer CircuitOpenError). */
const POLICIES: Record<string, () => Policy> = {
  'RetryPolicy (not retryable: rethrows)': () => new RetryPolicy({ retries: 2, delays: [0] }),
  'RetryPolicy (retryOn: exhausts)': () =>
    new RetryPolicy({ retries: 2, delays: [0], retryOn: () => true, onRetry: () => {} }),
  'RetryPolicy (decide + jitter)': () =>
    new RetryPolicy({ retries: 1, delays: [0], jitter: 'full', retryOn: () => true, decide: () => 'retry' }),
  'CircuitBreaker (closed)': () => breaker(),
  'CircuitBreaker (half-open probe)': () =>
    breaker({ name: 'restored', state: { name: 'restored', state: 'open', openedAt: 0 } }),
  'CircuitBreaker (throwing isFailure)': () =>
    breaker({
      isFailure: (error) => (error as { code?: unknown }).code === 'x' || Boolean(String(error)),
    }),
  'CircuitBreaker (opens at once)': () => breaker({ consecutiveFailures: 1 }),
  'TimeoutManager.policyFor': () => new TimeoutManager().policyFor('op', 60_000),
  'TimeoutManager.policyFor(Infinity)': () => new TimeoutManager().policyFor('op', Number.POSITIVE_INFINITY),
  Bulkhead: () => new Bulkhead({ maxConcurrent: 1 }),
  'fallback (handler rethrows)': () =>
    fallback((error) => {
      throw error;
    }) as unknown as Policy,
  'fallback (when declines)': () => fallback(() => 'replacement', { when: () => false }) as unknown as Policy,
  'chaos (no faults)': () => chaos(),
  noopPolicy: () => noopPolicy,
  'compose(retry, breaker, timeout, bulkhead)': () =>
    compose(
      new RetryPolicy({ retries: 1, delays: [0], retryOn: () => true }),
      breaker(),
      new TimeoutManager().policyFor('op', 60_000),
      new Bulkhead(),
    ),
};

describe('every policy under hostile throwables', () => {
  for (const [name, build] of Object.entries(POLICIES)) {
    it(`${name}: returns a promise rejecting with the thrown value (or a wrapper carrying it)`, async () => {
      await fc.assert(
        fc.asyncProperty(hostile, how, async ({ label, make }, mode) => {
          const value = make();
          const policy = build();
          await expectCarried(() => policy.execute(failing(value, mode)), value, `${label} (${mode})`);
        }),
        { numRuns: 60 },
      );
    });
  }

  it('CircuitBreaker counts hostile failures and opens (then CircuitOpenError, never a crash)', async () => {
    const value = revoked({});
    const opened = breaker({ consecutiveFailures: 2 });
    await expectCarried(() => opened.execute(failing(value, 'sync')), value, 'first');
    await expectCarried(() => opened.execute(failing(value, 'async')), value, 'second');
    expect(opened.state).toBe('open');
  });

  it('withReliability (retry, breaker, timeout, health, recovery, capture, logger) rethrows the value', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, how, async ({ label, make }, mode) => {
        const value = make();
        const seen: string[] = [];
        const component = {
          call(): Promise<never> {
            return failing(value, mode)(undefined as never) as Promise<never>;
          },
        };
        const wrapped = withReliability(component, {
          name: 'hostile',
          retry: { retries: 1, delays: [0], retryOn: () => true },
          breaker: { consecutiveFailures: 1_000, volumeThreshold: 1_000 },
          timeout: 60_000,
          health: { record: (outcome) => seen.push(`health ${outcome.success}`) },
          recovery: { recover: async () => ({ action: 'fail' }) },
          capture: { capture: async () => seen.push('capture') },
          logger: { warn: (message) => seen.push(message), error: (message) => seen.push(message) },
        });
        await expectCarried(() => wrapped.call(), value, `${label} (${mode})`);
        expect(seen).toContain('capture');
        expect(seen).toContain('health false');
        for (const breakerOfIt of CircuitBreaker.registry().filter((b) => b.name === 'hostile'))
          breakerOfIt.dispose();
      }),
      { numRuns: 60 },
    );
  });
});

describe('classifyError and describeThrown under hostile values', () => {
  it('never throw, and a classifier that throws is skipped', () => {
    const remove = registerClassifier((error) =>
      (error as { code?: unknown }).code === 'NEVER' ? { category: 'network' } : undefined,
    );
    try {
      fc.assert(
        fc.property(hostile, ({ make }) => {
          const value = make();
          const classification = classifyError(value, {
            classifiers: [(error) => (String(error) === 'x' ? { category: 'system' } : undefined)],
          });
          expect(typeof classification.category).toBe('string');
          expect(typeof classification.retryable).toBe('boolean');
          expect(Array.isArray(classification.remediation)).toBe(true);
          expect(typeof describeThrown(value)).toBe('string');
        }),
        { numRuns: 300 },
      );
    } finally {
      remove();
    }
  });

  it('keeps what can be read: a status beside a throwing code still classifies', () => {
    const error = withThrowingGetters({ status: 503 }, ['code', 'name']);
    expect(classifyError(error)).toMatchObject({ category: 'network', retryable: true, status: 503 });
    expect(describeThrown(revoked({}))).toBe('[unprintable object]');
    expect(describeThrown(withThrowingGetters(new Error('boom'), ['message']))).toMatch(
      /^\[unprintable|Error/,
    );
  });
});
