import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { planResponse } from '../../src/downloads/rangeResume.js';
import { SizeMismatchError } from '../../src/errors/SizeMismatchError.js';

// What a download does with each answer decides whether kept bytes are trusted: every case below is
// a server's answer and what must happen to the partial file.

function plan(
  status: number,
  headers: IncomingHttpHeaders,
  at: { offset?: number; rangeSent?: boolean; expectedSize?: number; knownTotal?: number } = {},
) {
  return planResponse({
    status,
    headers,
    offset: at.offset ?? 0,
    rangeSent: at.rangeSent ?? false,
    expectedSize: at.expectedSize,
    knownTotal: at.knownTotal,
    url: 'http://127.0.0.1/f',
  });
}

describe('planResponse: 200', () => {
  it('a Content-Length that is not a plain number counts as unknown, not as a size', () => {
    for (const length of ['12abc', 'abc12', '1 2', '-12', '']) {
      expect(plan(200, { 'content-length': length }, { expectedSize: 12 }), length).toEqual({
        action: 'write',
        start: 0,
        length: undefined,
        total: undefined,
      });
    }
    expect(plan(200, {}, { expectedSize: 12 })).toMatchObject({ action: 'write', length: undefined });
    expect(plan(200, { 'content-length': '12' }, { expectedSize: 12 })).toMatchObject({
      length: 12,
      total: 12,
    });
  });

  it('a length other than the expected size fails with the sizes', () => {
    const result = plan(200, { 'content-length': '13' }, { expectedSize: 12 });
    expect(result.action).toBe('fail');
    expect(result.action === 'fail' && result.error).toBeInstanceOf(SizeMismatchError);
  });

  it('to a range request: start over from byte 0', () => {
    expect(plan(200, { 'content-length': '12' }, { offset: 5, rangeSent: true })).toEqual({
      action: 'restart',
      reason: 'range-ignored',
      length: 12,
      total: 12,
    });
  });
});

describe('planResponse: 206', () => {
  it('the file size comes from Content-Range, else the expected size, else what was learnt before', () => {
    expect(plan(206, { 'content-range': 'bytes 0-9/100' })).toMatchObject({ action: 'write', total: 100 });
    expect(plan(206, { 'content-range': 'bytes 0-9/*' }, { expectedSize: 50 })).toMatchObject({ total: 50 });
    expect(plan(206, { 'content-range': 'bytes 0-9/*' }, { knownTotal: 70 })).toMatchObject({ total: 70 });
    expect(plan(206, { 'content-range': 'bytes 0-9/*' }, { expectedSize: 50, knownTotal: 70 })).toMatchObject(
      {
        total: 50,
      },
    );
    expect(plan(206, { 'content-range': 'bytes 0-9/100' }, { expectedSize: 100 })).toEqual({
      action: 'write',
      start: 0,
      length: 10,
      total: 100,
    });
  });

  it('a total other than the expected size fails; other than the one seen before means the file changed', () => {
    expect(plan(206, { 'content-range': 'bytes 0-9/101' }, { expectedSize: 100 }).action).toBe('fail');
    expect(
      plan(206, { 'content-range': 'bytes 5-9/101' }, { offset: 5, rangeSent: true, knownTotal: 100 }),
    ).toEqual({
      action: 'refetch',
      reason: 'validator-changed',
    });
    expect(
      plan(206, { 'content-range': 'bytes 5-9/100' }, { offset: 5, rangeSent: true, knownTotal: 100 }),
    ).toMatchObject({ action: 'write', start: 5 });
  });

  it('a body that starts elsewhere or whose length disagrees is not used', () => {
    expect(plan(206, { 'content-range': 'bytes 4-9/10' }, { offset: 5, rangeSent: true })).toEqual({
      action: 'refetch',
      reason: 'bad-content-range',
    });
    expect(
      plan(206, { 'content-range': 'bytes 5-9/10', 'content-length': '4' }, { offset: 5, rangeSent: true }),
    ).toEqual({ action: 'refetch', reason: 'bad-content-range' });
    expect(plan(206, { 'content-range': 'bytes */10' }, { offset: 5, rangeSent: true })).toEqual({
      action: 'refetch',
      reason: 'bad-content-range',
    });
  });

  it('a 206 from byte 0 when no range was sent but bytes are kept: start over', () => {
    expect(plan(206, { 'content-range': 'bytes 0-9/10' }, { offset: 5 })).toEqual({
      action: 'restart',
      reason: 'range-ignored',
      length: 10,
      total: 10,
    });
  });
});

describe('planResponse: 416 and the rest', () => {
  it('416 means complete only when its total is exactly the kept bytes (and the expected size)', () => {
    const asked = { offset: 100, rangeSent: true };
    expect(plan(416, { 'content-range': 'bytes */100' }, asked)).toEqual({ action: 'complete', total: 100 });
    expect(plan(416, { 'content-range': 'bytes 0-99/100' }, asked)).toEqual({
      action: 'complete',
      total: 100,
    });
    expect(plan(416, { 'content-range': 'bytes */100' }, { ...asked, expectedSize: 100 }).action).toBe(
      'complete',
    );
    for (const [headers, at] of [
      [{ 'content-range': 'bytes */100' }, { ...asked, expectedSize: 101 }],
      [{ 'content-range': 'bytes */100' }, { ...asked, offset: 99 }],
      [{ 'content-range': 'bytes */100' }, { ...asked, rangeSent: false }],
      [{ 'content-range': 'bytes 0-9/*' }, asked],
      [{}, asked],
    ] as const) {
      expect(plan(416, headers, at)).toEqual({ action: 'refetch', reason: 'range-not-satisfiable' });
    }
  });

  it('any other status is an error naming it', () => {
    const result = plan(302, {});
    expect(result.action).toBe('fail');
    expect(result.action === 'fail' && result.error.message).toBe('unexpected status 302');
  });
});
