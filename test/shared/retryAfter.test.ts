import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRateLimit, parseRetryAfter, serverDelayFromHeaders } from '../../src/index.js';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
/** The largest delay a header may produce (setTimeout's limit). */
const MAX_DELAY = 2_147_483_647;

/** Arbitrary header text: any code points, control characters included (fc's 'binary' unit is 100× slower). */
function garbage(maxLength: number): fc.Arbitrary<string> {
  return fc.oneof(fc.string({ unit: 'grapheme', maxLength }), fc.string({ unit: 'binary-ascii', maxLength }));
}

function isValidDelay(value: number | undefined): boolean {
  return value === undefined || (Number.isFinite(value) && value >= 0 && value <= MAX_DELAY);
}

describe('parseRetryAfter', () => {
  it('reads delta-seconds exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2_000_000 }), (seconds) => {
        expect(parseRetryAfter(String(seconds), NOW)).toBe(seconds * 1000);
        expect(parseRetryAfter(` ${seconds} `, NOW)).toBe(seconds * 1000);
      }),
    );
  });

  it('caps huge delta-seconds at the longest possible timer', () => {
    expect(parseRetryAfter('99999999999', NOW)).toBe(MAX_DELAY);
  });

  it('reads HTTP-dates as max(0, date − now) within 1 s', () => {
    fc.assert(
      fc.property(fc.integer({ min: -10 * 86_400_000, max: 20 * 86_400_000 }), (offset) => {
        const header = new Date(NOW + offset).toUTCString();
        const parsed = parseRetryAfter(header, NOW);
        expect(parsed).toBeDefined();
        const expected = Math.max(0, offset);
        // toUTCString drops milliseconds, so the parsed value may be up to 1 s early.
        expect(Math.abs((parsed as number) - expected)).toBeLessThan(1000);
        expect(parsed).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('accepts the obsolete RFC 850 and asctime date formats', () => {
    expect(parseRetryAfter('Sunday, 22-Nov-26 12:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Sun Nov 22 12:01:00 2026', NOW)).toBeGreaterThanOrEqual(0);
  });

  it('rejects what is neither delta-seconds nor an HTTP-date', () => {
    for (const value of [
      '',
      ' ',
      '-5',
      '1.5',
      '1e3',
      'soon',
      '0x10',
      '12 s',
      '2026-11-22T12:00:00Z',
      'Funday, 1 Jan',
    ]) {
      expect(parseRetryAfter(value, NOW), value).toBeUndefined();
    }
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
  });

  it('never throws and returns undefined or a finite non-negative number for arbitrary strings', () => {
    fc.assert(
      fc.property(garbage(300), (value) => {
        expect(isValidDelay(parseRetryAfter(value, NOW))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('survives day-name prefixed garbage', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'),
        fc.string({ maxLength: 60 }),
        (day, rest) => {
          expect(isValidDelay(parseRetryAfter(`${day}, ${rest}`, NOW))).toBe(true);
        },
      ),
    );
  });
});

describe('parseRateLimit', () => {
  it('reads the structured form: wait t seconds when r=0', () => {
    expect(parseRateLimit('"api";r=0;t=55')).toBe(55_000);
    expect(parseRateLimit('"api";r=12;t=55')).toBeUndefined();
    expect(parseRateLimit('"api";t=55')).toBeUndefined();
    expect(parseRateLimit('"api";r=0;t=5, "resolvers";r=0;t=40')).toBe(40_000);
    expect(parseRateLimit('"api";r=3;t=5, "resolvers";r=0;t=40')).toBe(40_000);
    expect(parseRateLimit('"api";r="0";t="9"')).toBe(9000);
  });

  it('reads generated structured headers', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            name: fc.constantFrom('api', 'resolvers', 'pages', 'default'),
            r: fc.integer({ min: 0, max: 1000 }),
            t: fc.integer({ min: 0, max: 100_000 }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        (policies) => {
          const header = policies.map((p) => `"${p.name}";r=${p.r};t=${p.t}`).join(', ');
          const exhausted = policies.filter((p) => p.r === 0).map((p) => p.t);
          const expected = exhausted.length > 0 ? Math.max(...exhausted) * 1000 : undefined;
          expect(parseRateLimit(header)).toBe(expected);
        },
      ),
    );
  });

  it('reads the legacy draft form', () => {
    expect(parseRateLimit('limit=100, remaining=0, reset=30')).toBe(30_000);
    expect(parseRateLimit('limit=100, remaining=4, reset=30')).toBeUndefined();
    expect(parseRateLimit('reset=7')).toBe(7000);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 0, max: 86_400 }),
        (limit, remaining, reset) => {
          const parsed = parseRateLimit(`limit=${limit}, remaining=${remaining}, reset=${reset}`);
          expect(parsed).toBe(remaining === 0 ? reset * 1000 : undefined);
        },
      ),
    );
  });

  it('never throws on garbage and returns undefined or a valid delay', () => {
    fc.assert(
      fc.property(garbage(400), (value) => {
        expect(isValidDelay(parseRateLimit(value))).toBe(true);
      }),
      { numRuns: 3000 },
    );
    const pieces = fc.constantFrom(
      '"api"',
      ';',
      'r=',
      't=',
      '0',
      '9',
      ',',
      ' ',
      'reset=',
      'remaining=',
      '"',
      '=',
    );
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 30 }), (parts) => {
        expect(isValidDelay(parseRateLimit(parts.join('')))).toBe(true);
      }),
    );
    for (const value of ['', 'r=0', '"api";r=0', ';;;', 'remaining=0', undefined, null]) {
      expect(parseRateLimit(value), String(value)).toBeUndefined();
    }
  });
});

describe('serverDelayFromHeaders', () => {
  it('prefers Retry-After, then RateLimit, then RateLimit-Reset, case-insensitively', () => {
    expect(serverDelayFromHeaders({ 'Retry-After': '2', RateLimit: '"api";r=0;t=9' }, NOW)).toBe(2000);
    expect(serverDelayFromHeaders({ ratelimit: '"api";r=0;t=9' }, NOW)).toBe(9000);
    expect(serverDelayFromHeaders({ 'RateLimit-Reset': '4' }, NOW)).toBe(4000);
    expect(serverDelayFromHeaders({ 'content-type': 'text/plain' }, NOW)).toBeUndefined();
    expect(serverDelayFromHeaders(undefined, NOW)).toBeUndefined();
  });

  it('reads fetch Headers, arrays of values and numbers', () => {
    expect(serverDelayFromHeaders(new Headers({ 'retry-after': '3' }), NOW)).toBe(3000);
    expect(serverDelayFromHeaders({ 'retry-after': 5 }, NOW)).toBe(5000);
    expect(serverDelayFromHeaders({ ratelimit: ['"a";r=1;t=1', '"b";r=0;t=6'] }, NOW)).toBe(6000);
  });

  it('falls through an unreadable Retry-After to RateLimit', () => {
    expect(serverDelayFromHeaders({ 'retry-after': 'later', ratelimit: '"api";r=0;t=8' }, NOW)).toBe(8000);
  });
});
