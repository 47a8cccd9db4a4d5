import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseContentRange } from '../../src/downloads/contentRange.js';

describe('parseContentRange', () => {
  it('parses ranges, unknown totals and unsatisfied ranges', () => {
    expect(parseContentRange('bytes 0-499/1234')).toEqual({ kind: 'range', start: 0, end: 499, total: 1234 });
    expect(parseContentRange('bytes 500-999/*')).toEqual({
      kind: 'range',
      start: 500,
      end: 999,
      total: undefined,
    });
    expect(parseContentRange('bytes */1234')).toEqual({ kind: 'unsatisfied', total: 1234 });
    expect(parseContentRange('  BYTES 1-1/2 ')).toEqual({ kind: 'range', start: 1, end: 1, total: 2 });
  });

  it('rejects malformed or inconsistent values', () => {
    for (const value of [
      undefined,
      '',
      'bytes',
      'bytes 5-4/10',
      'bytes 0-10/10',
      'bytes 0-9/10 extra',
      'items 0-9/10',
      'bytes -1-9/10',
      'bytes 0-/10',
      'bytes */*',
      'bytes 0-99999999999999999/*',
      'bytes 1e3-2000/3000',
    ]) {
      expect(parseContentRange(value)).toBeUndefined();
    }
  });

  it('anchors the whole value: text before or after a range is not a range', () => {
    for (const value of [
      'xbytes 0-1/2',
      'bytes 0-1/2x',
      'bytes 0-1/2, bytes 3-4/5',
      'xbytes */10',
      'bytes */10x',
      'bytes */10/20',
    ]) {
      expect(parseContentRange(value), value).toBeUndefined();
    }
    // Any run of spaces or tabs after the unit.
    expect(parseContentRange('bytes \t 0-1/2')).toEqual({ kind: 'range', start: 0, end: 1, total: 2 });
    expect(parseContentRange('bytes  \t*/10')).toEqual({ kind: 'unsatisfied', total: 10 });
  });

  it('takes values up to 80 characters, and positions JavaScript numbers hold exactly', () => {
    const padded = (length: number) => `bytes${' '.repeat(length - 'bytes'.length - '0-1/2'.length)}0-1/2`;
    expect(parseContentRange(padded(80))).toEqual({ kind: 'range', start: 0, end: 1, total: 2 });
    expect(parseContentRange(padded(81))).toBeUndefined();
    const unsafe = '9007199254740993'; // 2^53 + 1: would round to another byte
    expect(parseContentRange(`bytes ${unsafe}-${unsafe}/*`)).toBeUndefined();
    expect(parseContentRange(`bytes 0-${unsafe}/*`)).toBeUndefined();
    expect(parseContentRange(`bytes ${unsafe}-9007199254740994/*`)).toBeUndefined();
    expect(parseContentRange(`bytes */${unsafe}`)).toBeUndefined();
  });

  it('round-trips every valid range (property)', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 2 ** 40 }),
        fc.nat({ max: 2 ** 40 }),
        fc.nat({ max: 2 ** 40 }),
        (a, b, extra) => {
          const start = Math.min(a, b);
          const end = Math.max(a, b);
          const total = end + 1 + extra;
          expect(parseContentRange(`bytes ${start}-${end}/${total}`)).toEqual({
            kind: 'range',
            start,
            end,
            total,
          });
          expect(parseContentRange(`bytes ${start}-${end}/*`)).toEqual({
            kind: 'range',
            start,
            end,
            total: undefined,
          });
          expect(parseContentRange(`bytes */${total}`)).toEqual({ kind: 'unsatisfied', total });
        },
      ),
    );
  });

  it('never throws and only accepts consistent ranges (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^bytes [0-9*-]{0,12}\/[0-9*]{0,6}$/)), (value) => {
        const parsed = parseContentRange(value);
        if (parsed?.kind === 'range') {
          expect(parsed.end).toBeGreaterThanOrEqual(parsed.start);
          if (parsed.total !== undefined) expect(parsed.end).toBeLessThan(parsed.total);
        }
      }),
    );
  });
});
