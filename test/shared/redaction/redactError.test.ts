import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { quoteServerText } from '../../../src/downloads/http1/head.js';
import { requestSecrets } from '../../../src/downloads/requestSecrets.js';
import { classifyError } from '../../../src/errors/classify.js';
import { HttpError } from '../../../src/errors/HttpError.js';
import { RetriesExhaustedError } from '../../../src/errors/RetriesExhaustedError.js';
import { addSecret, redactError, redactHeaders } from '../../../src/shared/redaction/redact.js';

const SECRET = 'ZqUnitRedactErrorSecret0123456789';

describe('redactError', () => {
  it('redacts message, stack, string fields and headers along the cause chain and attempts, in place', () => {
    const forget = addSecret(SECRET);
    try {
      const root = new Error(`socket said ${SECRET}`);
      const http = new HttpError(503, `HTTP 503 ${SECRET}`, {
        url: `https://cdn.example/file?X-Amz-Signature=${SECRET}`,
        headers: { 'retry-after': '7', 'www-authenticate': `Bearer ${SECRET}`, 'x-echo': SECRET },
        cause: root,
      });
      const aggregate = new AggregateError([new Error(`inner ${SECRET}`)], `several ${SECRET}`);
      const exhausted = new RetriesExhaustedError('download x', [
        { attempt: 1, error: http, classification: classifyError(http) },
        { attempt: 2, error: aggregate, classification: classifyError(aggregate) },
      ]);
      const same = redactError(exhausted);
      expect(same).toBe(exhausted);
      expect(same).toBeInstanceOf(RetriesExhaustedError);
      expect(http.status).toBe(503);
      expect(http.headers['retry-after']).toBe('7');
      expect(http.headers['www-authenticate']).toBe('[REDACTED]');
      for (const text of [
        String(exhausted),
        exhausted.stack,
        inspect(exhausted, { depth: 10, showHidden: true }),
        JSON.stringify(exhausted),
        http.stack,
        root.stack,
        String(aggregate.errors[0]),
      ]) {
        expect(text).not.toContain(SECRET);
      }
      expect(http.url).toBe('https://cdn.example/file?X-Amz-Signature=[REDACTED]');
    } finally {
      forget();
    }
  });

  it('uses per-call secrets, survives cycles, frozen errors and hostile values, and never throws', () => {
    const looped = new Error(`loop ${SECRET}`) as Error & { cause?: unknown; self?: unknown };
    looped.cause = looped;
    looped.self = { back: looped, list: [looped, `item ${SECRET}`] };
    redactError(looped, { secrets: [SECRET] });
    expect(inspect(looped, { depth: 10 })).not.toContain(SECRET);

    const frozen = Object.freeze(new Error(`frozen ${SECRET}`));
    expect(redactError(frozen, { secrets: [SECRET] })).toBe(frozen);

    const { proxy, revoke } = Proxy.revocable(new Error('x'), {});
    revoke();
    expect(redactError(proxy)).toBe(proxy);
    const getter = Object.defineProperty(new Error('y'), 'message', {
      get() {
        throw new Error('trap');
      },
    });
    expect(() => redactError(getter)).not.toThrow();
    expect(redactError(`text ${SECRET}`)).toBe(`text ${SECRET}`);
    expect(redactError(null)).toBeNull();
  });

  it('redactHeaders: secret-named values go, URL headers lose their query, others are redacted', () => {
    expect(
      redactHeaders(
        {
          location: `https://cdn.example/a/b.bin?hdnts=exp=1~hmac=${SECRET}#frag`,
          'set-cookie': ['a=1', 'b=2'],
          'x-amz-security-token': 'abc',
          ratelimit: '"api";r=0;t=55',
          'x-echo': `token=${SECRET}`,
          absent: undefined,
        },
        { secrets: [] },
      ),
    ).toEqual({
      location: 'https://cdn.example/a/b.bin',
      'set-cookie': ['[REDACTED]', '[REDACTED]'],
      'x-amz-security-token': '[REDACTED]',
      ratelimit: '"api";r=0;t=55',
      'x-echo': 'token=[REDACTED]',
      absent: undefined,
    });
  });
});

describe('what one download knows is secret', () => {
  it('credential header values (and their parts), URL passwords, secret and signed query values', () => {
    const secrets = requestSecrets(
      [
        new URL(
          'https://user:p%40ssw0rd@mirror.example/f?hdnts=exp%3D1~hmac%3Dabcd&revision=main&sig=s1g-value',
        ),
        new URL('https://hub.example/f?X-Amz-Signature=amz-sig-value&Expires=1700000000'),
      ],
      {
        Authorization: 'Bearer bearer-value-1',
        Cookie: 'sid=cookie-value-1; theme=dark-mode',
        'X-Api-Key': 'api-key-value-1',
        Accept: 'application/octet-stream',
      },
    );
    expect(secrets).toEqual(
      expect.arrayContaining([
        'Bearer bearer-value-1',
        'bearer-value-1',
        'cookie-value-1',
        'api-key-value-1',
        'p@ssw0rd',
        'exp=1~hmac=abcd',
        's1g-value',
        'amz-sig-value',
      ]),
    );
    for (const harmless of ['application/octet-stream', 'main', '1700000000', 'user']) {
      expect(secrets).not.toContain(harmless);
    }
  });

  it('quoteServerText redacts before it cuts, so no prefix of a secret survives', () => {
    const forget = addSecret(SECRET);
    try {
      for (let pad = 0; pad < 90; pad++) {
        const quoted = quoteServerText(`${'x'.repeat(pad)}${SECRET} tail`, 80);
        expect(quoted).not.toContain(SECRET.slice(0, 8));
        expect(quoted.length).toBeLessThanOrEqual(84);
      }
    } finally {
      forget();
    }
  });
});
