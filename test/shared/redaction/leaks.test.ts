// How a secret could still get out of the redactor: overlapping and encoded secrets, environments
// that change, per-call options, the shapes of values handed to redactValue / redactError.
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  addSecret,
  isSecretName,
  REDACTED,
  redact,
  redactError,
  redactHeaders,
  redactValue,
} from '../../../src/shared/redaction/redact.js';

const SECRET = 'LeakTestSecretValue0123456789';
const forgets: (() => void)[] = [];
afterEach(() => {
  for (const forget of forgets.splice(0)) forget();
  delete process.env.WAN_LEAK_TEST_TOKEN;
});

describe('literal secrets', () => {
  it('a secret that contains a shorter one is removed whole, whatever order they were given in', () => {
    const short = 'abcd1234';
    const long = 'abcd1234-and-the-rest-of-it';
    expect(redact(`x ${long} y ${short} z`, { env: null, secrets: [short, long] })).toBe(
      `x ${REDACTED} y ${REDACTED} z`,
    );
    const env = { A_TOKEN: short, B_TOKEN: long };
    expect(redact(`x ${long} y`, { env })).toBe(`x ${REDACTED} y`);
  });

  it('the percent-encoded form of a secret is removed too (a password inside a URL or form body)', () => {
    const secret = 'p@ss w0rd!!';
    expect(redact('https://h.example/x?q=p%40ss%20w0rd!!&page=2', { env: null, secrets: [secret] })).toBe(
      `https://h.example/x?q=${REDACTED}&page=2`,
    );
    expect(redact('form: q=p%40ss%20w0rd!!', { env: { DB_PASSWORD: secret } })).toBe(`form: q=${REDACTED}`);
  });

  it('values too short or too common to be secrets are not replaced wherever they appear', () => {
    forgets.push(addSecret('ab'), addSecret('true'), addSecret('None'));
    const text = 'ab: done, flag true, None left';
    expect(redact(text, { env: null })).toBe(text);
    expect(redact(text, { env: null, secrets: ['ab', 'true', 'None'] })).toBe(text);
    expect(redact(text, { env: { AB_TOKEN: 'ab', FLAG_SECRET: 'true' } })).toBe(text);
    // Four characters are enough, also when they are the whole text.
    expect(redact('code abcd here', { env: null, secrets: ['abcd'] })).toBe(`code ${REDACTED} here`);
    expect(redact('abcd', { env: null, secrets: ['abcd'] })).toBe(REDACTED);
    expect(redactValue({ pin: 'abcd', note: ['abcd'] }, { env: null, secrets: ['abcd'] })).toEqual({
      pin: REDACTED,
      note: [REDACTED],
    });
  });

  it('a secret-named variable added to (or replacing one in) the same environment object is seen at once', () => {
    const env: Record<string, string | undefined> = { HOME: '/home/u', FIRST_TOKEN: 'first-secret-1' };
    expect(redact('first-secret-1 second-secret-2', { env })).toBe(`${REDACTED} second-secret-2`);
    env.SECOND_TOKEN = 'second-secret-2';
    expect(redact('first-secret-1 second-secret-2', { env })).toBe(`${REDACTED} ${REDACTED}`);
    // Same number of keys, one name swapped for another.
    delete env.FIRST_TOKEN;
    env.THIRD_TOKEN = 'third-secret-3';
    expect(redact('first-secret-1 third-secret-3', { env })).toBe(`first-secret-1 ${REDACTED}`);
  });

  it('short names that are secret as a segment of a longer name (url_sig, x-passwd)', () => {
    for (const name of ['url_sig', 'X-Sig', 'db.passwd', 'my-password'])
      expect(isSecretName(name), name).toBe(true);
    for (const name of ['signal', 'design', 'x-sigma']) expect(isSecretName(name), name).toBe(false);
  });

  it('non-string input is turned into text first', () => {
    expect(redact(12345 as unknown as string, { env: null })).toBe('12345');
    expect(redact({ toString: () => `token=${SECRET}` } as unknown as string, { env: null })).toBe(
      `token=${REDACTED}`,
    );
    expect(redact('', { env: null })).toBe('');
  });
});

describe('redactValue', () => {
  it('per-call secrets are removed from every string in the value', () => {
    const out = redactValue(
      { message: `failed with ${SECRET}`, list: [`${SECRET}!`], map: new Map([['k', `a ${SECRET}`]]) },
      { env: null, secrets: [SECRET] },
    );
    expect(inspect(out, { depth: 5 })).not.toContain(SECRET);
    expect(out.message).toBe(`failed with ${REDACTED}`);
  });

  it('env: null skips the process environment; the default reads it', () => {
    process.env.WAN_LEAK_TEST_TOKEN = 'process-env-secret-77';
    expect(redactValue({ a: 'process-env-secret-77' }, { env: null })).toEqual({
      a: 'process-env-secret-77',
    });
    expect(redactValue({ a: 'process-env-secret-77' }, { env: {} })).toEqual({ a: 'process-env-secret-77' });
    expect(redactValue({ a: 'process-env-secret-77' })).toEqual({ a: REDACTED });
  });

  it('keeps dates, describes functions and summarises binary data', () => {
    const when = new Date(0);
    function namedHook() {}
    const out = redactValue({
      when,
      hook: namedHook,
      arrow: [() => 1][0],
      bytes: new Uint8Array([1, 2, 3]),
      buffer: new ArrayBuffer(4),
      node: Buffer.from('Bearer abcdefgh'),
    });
    expect(out.when).toBe(when);
    expect(out.hook).toBe('[Function namedHook]');
    expect(out.arrow).toBe('[Function anonymous]');
    expect(out.bytes).toBe('[Uint8Array]');
    expect(out.buffer).toBe('[ArrayBuffer]');
    expect(out.node).toBe('[Buffer]');
  });

  it('maxDepth counts levels inside arrays, Maps and Sets too', () => {
    expect(redactValue([[['deep']]], { maxDepth: 2 })).toEqual([['[Truncated]']]);
    expect(redactValue([[['deep']]], { maxDepth: 3 })).toEqual([[['deep']]]);
    const map = redactValue(new Map([['a', new Map([['b', { c: 1 }]])]]), { maxDepth: 2 });
    expect(map.get('a')).toEqual(new Map([['b', '[Truncated]']]));
    const set = redactValue(new Set([new Set([{ c: 1 }])]), { maxDepth: 2 });
    expect([...set][0]).toEqual(new Set(['[Truncated]']));
  });

  it('an Error becomes a plain object with its standard fields (only those it has) and own properties', () => {
    const error = Object.assign(new Error(`boom ${SECRET}`), { code: 'E_TEST' });
    const out = redactValue(error, { env: null, secrets: [SECRET] }) as unknown as Record<string, unknown>;
    expect(out).not.toBeInstanceOf(Error);
    expect(out.name).toBe('Error');
    expect(out.message).toBe(`boom ${REDACTED}`);
    expect(String(out.stack)).toContain(`boom ${REDACTED}`);
    expect(out.code).toBe('E_TEST');
    expect('cause' in out).toBe(false);
    expect('errors' in out).toBe(false);
    const aggregate = redactValue(new AggregateError([new Error('inner')], 'outer', { cause: 'why' }));
    const plain = aggregate as unknown as { errors: { message: string }[]; cause: unknown };
    expect(plain.errors[0]?.message).toBe('inner');
    expect(plain.cause).toBe('why');
  });

  it('secret-named keys hide scalars but keep empty and null values, and walk objects', () => {
    expect(
      redactValue({
        password: '',
        token: null,
        apiKey: 0,
        auth: { user: 'bob', password: 'pw-123456' },
        secrets: ['abc', `Bearer ${SECRET}`],
        onToken: function tokenHook() {},
      }),
    ).toEqual({
      password: '',
      token: null,
      apiKey: REDACTED,
      auth: { user: 'bob', password: REDACTED },
      secrets: ['abc', `Bearer ${REDACTED}`],
      onToken: '[Function tokenHook]',
    });
    expect(redactValue(new Map<string, unknown>([['token', { id: 7 }]])).get('token')).toEqual({ id: 7 });
  });
});

describe('redactError', () => {
  it('changes errors, arrays and plain records, never other objects an error carries', () => {
    class Resource {
      readonly label = `token=${SECRET}`;
    }
    const resource = new Resource();
    const bare = Object.create(null) as Record<string, string>;
    bare.detail = `token=${SECRET}`;
    const error = Object.assign(new Error('failed'), { resource, bare, list: [`token=${SECRET}`] });
    redactError(error);
    expect(resource.label).toBe(`token=${SECRET}`);
    expect(bare.detail).toBe(`token=${REDACTED}`);
    expect(error.list).toEqual([`token=${REDACTED}`]);
    // A non-error object handed in directly is left alone as well.
    const other = new Resource();
    expect(redactError(other)).toBe(other);
    expect(other.label).toBe(`token=${SECRET}`);
    // A plain record is walked.
    const record = { note: `token=${SECRET}` };
    expect(redactError(record).note).toBe(`token=${REDACTED}`);
  });

  it('replaces read-only fields it may redefine, keeping them enumerable or hidden as they were', () => {
    const error = new Error('failed');
    Object.defineProperty(error, 'shown', {
      value: `token=${SECRET}`,
      writable: false,
      enumerable: true,
      configurable: true,
    });
    Object.defineProperty(error, 'hidden', {
      value: `token=${SECRET}`,
      writable: false,
      enumerable: false,
      configurable: true,
    });
    Object.defineProperty(error, 'fixed', {
      value: `token=${SECRET}`,
      writable: false,
      enumerable: true,
      configurable: false,
    });
    redactError(error);
    const fields = error as Error & { shown: string; hidden: string; fixed: string };
    expect(fields.shown).toBe(`token=${REDACTED}`);
    expect(fields.hidden).toBe(`token=${REDACTED}`);
    expect(Object.keys(error)).toEqual(['shown', 'fixed']);
    // Neither writable nor configurable: nothing can change it, and nothing throws.
    expect(fields.fixed).toBe(`token=${SECRET}`);
  });

  it('standard fields that an error class serves from getters are redacted too', () => {
    class Wrapped extends Error {
      override get message() {
        return `wrapped ${SECRET}`;
      }
      override get cause() {
        return new Error(`inner ${SECRET}`);
      }
    }
    const error = redactError(new Wrapped(), { secrets: [SECRET] });
    expect(error.message).toBe(`wrapped ${REDACTED}`);
    expect(String(error)).not.toContain(SECRET);
    // Still an ordinary message: hidden from Object.keys, and a caller may add context to it.
    expect(Object.keys(error)).not.toContain('message');
    const plain: Error = error;
    plain.message = `while installing: ${plain.message}`;
    expect(plain.message).toBe(`while installing: wrapped ${REDACTED}`);
  });

  it('a cause chain eight levels deep is redacted to its end', () => {
    let error = new Error(`root ${SECRET}`);
    for (let level = 0; level < 8; level++) error = new Error(`level ${level}`, { cause: error });
    redactError(error, { secrets: [SECRET] });
    let cause: unknown = error;
    while ((cause as Error).cause) cause = (cause as Error).cause;
    expect((cause as Error).message).toBe(`root ${REDACTED}`);
  });

  it('redactHeaders strips the query only from URL-valued headers', () => {
    expect(
      redactHeaders({
        location: 'https://cdn.example/f?sig=abc&x=1',
        link: '<https://h.example/p?page=2>; rel="next"',
        'content-location': '/f?v=2#top',
      }),
    ).toEqual({
      location: 'https://cdn.example/f',
      link: '<https://h.example/p?page=2>; rel="next"',
      'content-location': '/f',
    });
  });
});
