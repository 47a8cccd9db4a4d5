/**
 * Issue #16, point 7: `retries: Infinity` must not keep every attempt's error. RetryPolicy and
 * RetriesExhaustedError keep the first and last ATTEMPTS_KEPT attempts and a total count.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AttemptFailure,
  classifyError,
  RetriesExhaustedError,
  type RetryGiveUpInfo,
  RetryPolicy,
} from '../../../src/index.js';
import { AttemptWindow } from '../../../src/policies/retry/attemptWindow.js';

const { ATTEMPTS_KEPT } = RetriesExhaustedError;

const ATTEMPTS = 10_000;

function failure(attempt: number): AttemptFailure {
  const error = Object.assign(new Error(`socket reset #${attempt}`), { code: 'ECONNRESET' });
  return { attempt, error, classification: classifyError(error) };
}

/** The attempt numbers a window over `total` attempts keeps: 1…N and total−N+1…total. */
function expectedKept(total: number): number[] {
  const all = Array.from({ length: total }, (_, i) => i + 1);
  return total <= 2 * ATTEMPTS_KEPT ? all : [...all.slice(0, ATTEMPTS_KEPT), ...all.slice(-ATTEMPTS_KEPT)];
}

describe('RetryPolicy keeps a bounded window of attempts', () => {
  it('after 10 000 failed attempts under retries: Infinity, the error holds first N + last N and the count', async () => {
    let calls = 0;
    const giveUps: RetryGiveUpInfo[] = [];
    // Zero delays: no timers at all, so 10 000 attempts take a fraction of a second.
    const policy = new RetryPolicy({
      retries: Number.POSITIVE_INFINITY,
      delays: [0],
      // The only way to end an infinite budget besides success or abort: a new budget of 0.
      decide: (info) => (info.attempt >= ATTEMPTS ? { retries: 0 } : 'retry'),
    });
    policy.on('retry:give-up', (info) => giveUps.push(info));
    const error = await policy
      .execute(() => {
        calls += 1;
        return Promise.reject(failure(calls).error);
      })
      .catch((e: unknown) => e);
    expect(calls).toBe(ATTEMPTS);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    const exhausted = error as RetriesExhaustedError;
    expect(exhausted.attempts).toHaveLength(2 * ATTEMPTS_KEPT);
    expect(exhausted.attempts.map((a) => a.attempt)).toEqual(expectedKept(ATTEMPTS));
    expect(exhausted.totalAttempts).toBe(ATTEMPTS);
    expect(exhausted.omittedAttempts).toBe(ATTEMPTS - 2 * ATTEMPTS_KEPT);
    expect(exhausted.message).toContain(`after ${ATTEMPTS} attempts`);
    expect(exhausted.cause).toBe(exhausted.attempts.at(-1)?.error);
    expect((exhausted.cause as Error).message).toBe(`socket reset #${ATTEMPTS}`);
    expect(giveUps).toEqual([expect.objectContaining({ reason: 'exhausted', attempts: ATTEMPTS })]);
  });

  it('a finite budget of 10 000 retries keeps the same window', async () => {
    let calls = 0;
    const error = (await new RetryPolicy({ retries: ATTEMPTS - 1, delays: [0] })
      .execute(() => {
        calls += 1;
        return Promise.reject(failure(calls).error);
      })
      .catch((e: unknown) => e)) as RetriesExhaustedError;
    expect(calls).toBe(ATTEMPTS);
    expect(error.attempts.map((a) => a.attempt)).toEqual(expectedKept(ATTEMPTS));
    expect(error.totalAttempts).toBe(ATTEMPTS);
  });

  it('an abort after thousands of attempts reports the count of all of them', async () => {
    const controller = new AbortController();
    let calls = 0;
    const giveUps: RetryGiveUpInfo[] = [];
    const policy = new RetryPolicy({ retries: Number.POSITIVE_INFINITY, delays: [0] });
    policy.on('retry:give-up', (info) => giveUps.push(info));
    const error = await policy
      .execute(
        () => {
          calls += 1;
          if (calls === 3_000) controller.abort();
          return Promise.reject(failure(calls).error);
        },
        { signal: controller.signal },
      )
      .catch((e: unknown) => e);
    expect(classifyError(error).category).toBe('cancelled');
    expect(giveUps).toEqual([expect.objectContaining({ reason: 'cancelled', attempts: 3_000 })]);
  });
});

describe('RetriesExhaustedError bounds what it is given', () => {
  it('a list longer than 2N is cut to its first and last N; the total counts them all', () => {
    const list = Array.from({ length: 500 }, (_, i) => failure(i + 1));
    const error = new RetriesExhaustedError('fetch', list);
    expect(error.attempts.map((a) => a.attempt)).toEqual(expectedKept(500));
    expect(error.totalAttempts).toBe(500);
    expect(error.omittedAttempts).toBe(500 - 2 * ATTEMPTS_KEPT);
    expect(error.message).toBe('"fetch" failed after 500 attempts: socket reset #500');
  });

  it('a stated total larger than the list is kept; a smaller one is raised to the list length', () => {
    const list = [failure(1), failure(2), failure(7)];
    expect(new RetriesExhaustedError('x', list, { totalAttempts: 7 }).totalAttempts).toBe(7);
    expect(new RetriesExhaustedError('x', list, { totalAttempts: 1 }).totalAttempts).toBe(3);
    expect(new RetriesExhaustedError('x', list, { totalAttempts: Number.NaN }).totalAttempts).toBe(3);
    expect(new RetriesExhaustedError('x', []).message).toBe(
      '"x" failed after 0 attempts: no attempt recorded',
    );
  });
});

describe('AttemptWindow', () => {
  it('keeps exactly the first and last N of any number of attempts, in order (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 30 }), (total, keep) => {
        const window = new AttemptWindow(keep);
        for (let i = 1; i <= total; i++) window.push(failure(i));
        const all = Array.from({ length: total }, (_, i) => i + 1);
        const expected = total <= 2 * keep ? all : [...all.slice(0, keep), ...all.slice(total - keep)];
        expect(window.list().map((a) => a.attempt)).toEqual(expected);
        expect(window.total).toBe(total);
        expect(window.last?.attempt).toBe(total === 0 ? undefined : total);
      }),
    );
  });
});
