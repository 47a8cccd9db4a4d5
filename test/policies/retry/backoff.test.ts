import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DOWNLOADER_DEFAULTS } from '../../../src/downloads/index.js';
import {
  type BackoffSchedule,
  nextDelay,
  RETRY_DEFAULTS,
  RetryPolicy,
  scheduledDelay,
} from '../../../src/index.js';

const delayArb = fc.integer({ min: 0, max: 120_000 });
const delaysArb = fc.array(delayArb, { minLength: 1, maxLength: 8 });
const maxDelayArb = fc.integer({ min: 0, max: 300_000 });
const indexArb = fc.integer({ min: 0, max: 2000 });
const randomArb = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('scheduledDelay', () => {
  it('follows the explicit schedule, then doubles the last delay', () => {
    expect([0, 1, 2, 3, 4].map((i) => scheduledDelay(i, [2000, 4000, 8000], 60_000))).toEqual([
      2000, 4000, 8000, 16_000, 32_000,
    ]);
    expect(scheduledDelay(5, [2000, 4000, 8000], 60_000)).toBe(60_000);
    expect(scheduledDelay(3, [], 60_000)).toBe(0);
  });

  it('is bounded by maxDelay and finite for any index', () => {
    fc.assert(
      fc.property(delaysArb, maxDelayArb, indexArb, (delays, maxDelay, index) => {
        const delay = scheduledDelay(index, delays, maxDelay);
        expect(Number.isFinite(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(maxDelay);
      }),
    );
    expect(scheduledDelay(1e9, [1], 5000)).toBe(5000);
  });

  it('is monotonic for non-decreasing explicit delays', () => {
    fc.assert(
      fc.property(delaysArb, maxDelayArb, fc.integer({ min: 1, max: 30 }), (raw, maxDelay, length) => {
        const delays = [...raw].sort((a, b) => a - b);
        let previous = -1;
        for (let index = 0; index < delays.length + length; index++) {
          const delay = scheduledDelay(index, delays, maxDelay);
          expect(delay).toBeGreaterThanOrEqual(previous);
          previous = delay;
        }
      }),
    );
  });
});

describe('nextDelay', () => {
  it("'none' is the schedule itself: bounded and monotonic", () => {
    fc.assert(
      fc.property(delaysArb, maxDelayArb, (raw, maxDelay) => {
        const schedule: BackoffSchedule = {
          delays: [...raw].sort((a, b) => a - b),
          maxDelay,
          jitter: 'none',
        };
        let previous: number | undefined;
        for (let index = 0; index < 20; index++) {
          const delay = nextDelay(index, schedule, previous, () => 0.5);
          expect(delay).toBe(scheduledDelay(index, schedule.delays, maxDelay));
          expect(delay).toBeLessThanOrEqual(maxDelay);
          if (previous !== undefined) expect(delay).toBeGreaterThanOrEqual(previous);
          previous = delay;
        }
      }),
    );
  });

  it("'full' stays within [0, scheduled]", () => {
    fc.assert(
      fc.property(delaysArb, maxDelayArb, indexArb, randomArb, (delays, maxDelay, index, r) => {
        const delay = nextDelay(index, { delays, maxDelay, jitter: 'full' }, undefined, () => r);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(scheduledDelay(index, delays, maxDelay));
      }),
    );
  });

  it("'full' uses the whole range", () => {
    const schedule: BackoffSchedule = { delays: [1000], maxDelay: 10_000, jitter: 'full' };
    expect(nextDelay(0, schedule, undefined, () => 0)).toBe(0);
    expect(nextDelay(0, schedule, undefined, () => 0.999_999)).toBe(999);
  });

  it("'decorrelated' stays within [min(first, maxDelay), maxDelay] over a whole sequence", () => {
    fc.assert(
      fc.property(
        delaysArb,
        maxDelayArb,
        fc.array(randomArb, { minLength: 1, maxLength: 30 }),
        (delays, maxDelay, rs) => {
          const schedule: BackoffSchedule = { delays, maxDelay, jitter: 'decorrelated' };
          const floor = Math.min(delays[0] as number, maxDelay);
          let previous: number | undefined;
          rs.forEach((r, index) => {
            const delay = nextDelay(index, schedule, previous, () => r);
            expect(delay).toBeGreaterThanOrEqual(floor);
            expect(delay).toBeLessThanOrEqual(maxDelay);
            previous = delay;
          });
        },
      ),
    );
  });

  it("'decorrelated' starts at the first delay and grows up to 3× the previous one", () => {
    const schedule: BackoffSchedule = { delays: [100], maxDelay: 100_000, jitter: 'decorrelated' };
    expect(nextDelay(0, schedule, undefined, () => 0.9)).toBe(100);
    expect(nextDelay(1, schedule, 1000, () => 0)).toBe(100);
    expect(nextDelay(1, schedule, 1000, () => 0.999_999)).toBe(2999);
  });

  it("'bounded' stays within scheduled × [1 − ratio, 1 + ratio], capped by maxDelay (property)", () => {
    fc.assert(
      fc.property(
        delaysArb,
        maxDelayArb,
        indexArb,
        randomArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        (delays, maxDelay, index, r, jitterRatio) => {
          const base = scheduledDelay(index, delays, maxDelay);
          const delay = nextDelay(
            index,
            { delays, maxDelay, jitter: 'bounded', jitterRatio },
            undefined,
            () => r,
          );
          expect(delay).toBeGreaterThanOrEqual(Math.min(Math.floor(base * (1 - jitterRatio)), maxDelay));
          expect(delay).toBeLessThanOrEqual(Math.min(base * (1 + jitterRatio), maxDelay));
          expect(Number.isInteger(delay)).toBe(true);
        },
      ),
    );
  });

  it("'bounded' with the Downloader's defaults spreads 2 s, 4 s, 8 s by ±20 % and uses the whole band", () => {
    const schedule: BackoffSchedule = { ...DOWNLOADER_DEFAULTS.retry, maxDelay: RETRY_DEFAULTS.maxDelay };
    expect(DOWNLOADER_DEFAULTS.retry).toMatchObject({
      retries: 3,
      delays: [2000, 4000, 8000],
      jitter: 'bounded',
    });
    expect([0, 1, 2].map((i) => nextDelay(i, schedule, undefined, () => 0))).toEqual([1600, 3200, 6400]);
    expect([0, 1, 2].map((i) => nextDelay(i, schedule, undefined, () => 0.999_999))).toEqual([
      2399, 4799, 9599,
    ]);
    fc.assert(
      fc.property(fc.array(randomArb, { minLength: 50, maxLength: 50 }), (rs) => {
        // A fleet of 50 clients retrying the same failure: spread out, never outside the band.
        const first = rs.map((r) => nextDelay(0, schedule, undefined, () => r));
        for (const d of first) expect(d >= 1600 && d <= 2400).toBe(true);
      }),
    );
    expect(() => new RetryPolicy({ jitter: 'bounded', jitterRatio: 1.5 })).toThrow(/jitterRatio/);
  });

  it('defaults are 2 s, 4 s, 8 s with no jitter', () => {
    expect(RETRY_DEFAULTS).toMatchObject({ retries: 3, delays: [2000, 4000, 8000], jitter: 'none' });
    const schedule: BackoffSchedule = RETRY_DEFAULTS;
    expect([0, 1, 2].map((i) => nextDelay(i, schedule, undefined))).toEqual([2000, 4000, 8000]);
  });
});
