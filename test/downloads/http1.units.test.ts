import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkedDecoder } from '../../src/downloads/http1/chunked.js';
import { bodyFraming, reusable } from '../../src/downloads/http1/framing.js';
import { findHeadEnd, MAX_HEAD_BYTES, parseHead, type ResponseHead } from '../../src/downloads/http1/head.js';
import { classifyError } from '../../src/errors/classify.js';
import { ProtocolError } from '../../src/errors/ProtocolError.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');
const head = (text: string, url?: string): ResponseHead => parseHead(bytes(text), url);

/** Runs `fn`, expecting a ProtocolError; returns it for further checks. */
function protocolError(fn: () => unknown): ProtocolError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ProtocolError);
  const error = thrown as ProtocolError;
  expect(error.code).toBe('ERR_HTTP_PROTOCOL');
  expect(error.retryable).toBe(true);
  return error;
}

/** Fields of which only the first copy is kept (as node:http does). */
const SINGLE_VALUE = new Set([
  'age',
  'authorization',
  'content-range',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

describe('parseHead', () => {
  it('parses a CRLF head with the blank line included', () => {
    const parsed = head(
      'HTTP/1.1 206 Partial Content\r\nContent-Length: 10\r\nContent-Range: bytes 0-9/20\r\nETag: "abc"\r\n\r\n',
    );
    expect(parsed).toEqual({
      minorVersion: 1,
      statusCode: 206,
      statusMessage: 'Partial Content',
      headers: { 'content-length': '10', 'content-range': 'bytes 0-9/20', etag: '"abc"' },
    });
  });

  it('parses bare LF line ends, and a head without its blank line', () => {
    const expected = {
      minorVersion: 1,
      statusCode: 200,
      statusMessage: 'OK',
      headers: { 'content-type': 'text/plain', 'x-a': 'b' },
    };
    expect(head('HTTP/1.1 200 OK\nContent-Type: text/plain\nX-A: b\n\n')).toEqual(expected);
    expect(head('HTTP/1.1 200 OK\r\nContent-Type: text/plain\nX-A: b\r\n')).toEqual(expected);
  });

  it('tells HTTP/1.0 from HTTP/1.1', () => {
    expect(head('HTTP/1.0 200 OK\r\n\r\n').minorVersion).toBe(0);
    expect(head('HTTP/1.1 200 OK\r\n\r\n').minorVersion).toBe(1);
  });

  it('accepts an empty or missing reason phrase, and keeps an odd one verbatim', () => {
    expect(head('HTTP/1.1 204\r\n\r\n')).toMatchObject({ statusCode: 204, statusMessage: '' });
    expect(head('HTTP/1.1 404 \r\n\r\n')).toMatchObject({ statusCode: 404, statusMessage: '' });
    expect(head('HTTP/1.1 599 Some  Odd: reason\r\n\r\n')).toMatchObject({
      statusCode: 599,
      statusMessage: 'Some  Odd: reason',
    });
  });

  it('lower-cases names and trims values (spaces and tabs)', () => {
    expect(
      head('HTTP/1.1 200 OK\r\nX-MiXeD-Case:\t \tvalue with  inner  spaces \t \r\nEmpty:\r\n\r\n').headers,
    ).toEqual({
      'x-mixed-case': 'value with  inner  spaces',
      empty: '',
    });
  });

  it('joins repeated list fields with ", ", keeps set-cookie as an array and the first single-value field', () => {
    const parsed = head(
      [
        'HTTP/1.1 200 OK',
        'Set-Cookie: a=1',
        'Vary: Accept',
        'Content-Type: application/octet-stream',
        'set-cookie: b=2; Path=/',
        'vary: Range',
        'Content-Type: text/html',
        'ETag: "first"',
        'ETag: "second"',
        'Location: /a',
        'Location: /b',
        'Single-Cookie-Like: x',
        '',
        '',
      ].join('\r\n'),
    );
    expect(parsed.headers['set-cookie']).toEqual(['a=1', 'b=2; Path=/']);
    expect(parsed.headers.vary).toBe('Accept, Range');
    expect(parsed.headers['content-type']).toBe('application/octet-stream');
    expect(parsed.headers.etag).toBe('"first"');
    expect(parsed.headers.location).toBe('/a');
    expect(parsed.headers['single-cookie-like']).toBe('x');
  });

  it('gives set-cookie an array even when it appears once', () => {
    expect(head('HTTP/1.1 200 OK\r\nSet-Cookie: only=1\r\n\r\n').headers['set-cookie']).toEqual(['only=1']);
  });

  it('replaces obsolete line folding with a single space', () => {
    expect(
      head('HTTP/1.1 200 OK\r\nX-Folded: first\r\n   second\r\n\tthird\r\nX-After: z\r\n\r\n').headers,
    ).toEqual({
      'x-folded': 'first second third',
      'x-after': 'z',
    });
    expect(head('HTTP/1.1 200 OK\nX-Folded: a\n b\n\n').headers['x-folded']).toBe('a b');
  });

  // RFC 9110 §5.5: a field value never includes leading or trailing whitespace, also after
  // obs-fold was replaced by SP (RFC 9112 §5.2). head.ts joins `${previous} ${continuation}` even
  // when the value before the fold is empty, leaving a leading space.
  it('a folded value that starts on the continuation line has no leading space', () => {
    expect(head('HTTP/1.1 200 OK\r\nX-Folded:\r\n value\r\n\r\n').headers['x-folded']).toBe('value');
  });

  // Names that are also Object.prototype properties: `headers` is a plain `{}` in head.ts, so
  // `headers['constructor']` is already defined (Object) and addField() "joins" the new value to it.
  it('a header named like an Object.prototype property keeps its value', () => {
    expect(head('HTTP/1.1 200 OK\r\nConstructor: x\r\n\r\n').headers.constructor).toBe('x');
  });

  it('accepts repeated equal Content-Length values, in one field or several', () => {
    expect(head('HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n').headers['content-length']).toBe('5');
    expect(
      head('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n').headers['content-length'],
    ).toBe('5');
    expect(head('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n').headers['content-length']).toBe('0');
  });

  it.each([
    ['a bad protocol name', 'HTTPS/1.1 200 OK\r\n\r\n', /bad status line "HTTPS\/1\.1 200 OK"/],
    ['HTTP/2', 'HTTP/2 200 OK\r\n\r\n', /bad status line/],
    ['HTTP/1.2', 'HTTP/1.2 200 OK\r\n\r\n', /bad status line/],
    ['a two-digit status', 'HTTP/1.1 20 OK\r\n\r\n', /bad status line/],
    ['a four-digit status', 'HTTP/1.1 2000 OK\r\n\r\n', /bad status line/],
    ['a status starting with 0', 'HTTP/1.1 099 OK\r\n\r\n', /bad status line/],
    ['no space before the status', 'HTTP/1.1200 OK\r\n\r\n', /bad status line/],
    ['a leading space', ' HTTP/1.1 200 OK\r\n\r\n', /bad status line/],
    ['an empty head', '\r\n\r\n', /bad status line ""/],
    ['garbage', 'hello world\r\n\r\n', /bad status line "hello world"/],
    ['NUL in the reason', 'HTTP/1.1 200 O\0K\r\n\r\n', /bad status line/],
    [
      'a space before the colon',
      'HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\n',
      /bad header line "Content-Length : 5"/,
    ],
    ['no colon', 'HTTP/1.1 200 OK\r\nNoColonHere\r\n\r\n', /bad header line "NoColonHere"/],
    ['an empty name', 'HTTP/1.1 200 OK\r\n: value\r\n\r\n', /bad header line/],
    ['a separator in the name', 'HTTP/1.1 200 OK\r\nX(Y): 1\r\n\r\n', /bad header line/],
    ['a non-ASCII name', 'HTTP/1.1 200 OK\r\nX-\u00e9: 1\r\n\r\n', /bad header line/],
    ['a NUL in a value', 'HTTP/1.1 200 OK\r\nX-A: a\0b\r\n\r\n', /bad header line/],
    ['a bare CR in a value', 'HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n', /bad header line/],
    ['a control character in a value', 'HTTP/1.1 200 OK\r\nX-A: a\x01b\r\n\r\n', /control character in x-a/],
    ['DEL in a value', 'HTTP/1.1 200 OK\r\nX-B: a\x7fb\r\n\r\n', /control character in x-b/],
    [
      'an escape in a folded value',
      'HTTP/1.1 200 OK\r\nX-C: a\r\n b\x1b\r\n\r\n',
      /control character in x-c/,
    ],
    [
      'a continuation line before any field',
      'HTTP/1.1 200 OK\r\n folded\r\n\r\n',
      /continuation line before any field/,
    ],
    [
      'an empty line inside the head',
      'HTTP/1.1 200 OK\r\nA: 1\r\n\r\nB: 2\r\n\r\n',
      /empty line inside the head/,
    ],
    [
      'conflicting Content-Length fields',
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n',
      /invalid Content-Length "5, 6"/,
    ],
    [
      'conflicting Content-Length list',
      'HTTP/1.1 200 OK\r\nContent-Length: 5, 7\r\n\r\n',
      /invalid Content-Length/,
    ],
    [
      'a non-numeric Content-Length',
      'HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n',
      /invalid Content-Length "abc"/,
    ],
    ['a negative Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', /invalid Content-Length/],
    ['a signed Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n', /invalid Content-Length/],
    [
      'a fractional Content-Length',
      'HTTP/1.1 200 OK\r\nContent-Length: 5.0\r\n\r\n',
      /invalid Content-Length/,
    ],
    ['a hex Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n', /invalid Content-Length/],
    ['an empty Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n', /invalid Content-Length ""/],
    [
      'a 16-digit Content-Length',
      'HTTP/1.1 200 OK\r\nContent-Length: 1000000000000000\r\n\r\n',
      /invalid Content-Length/,
    ],
  ])('rejects %s with a ProtocolError naming the problem', (_name, text, message) => {
    const error = protocolError(() => head(text, 'https://mirror.example/model.bin'));
    expect(error.message).toMatch(/^Invalid HTTP response from https:\/\/mirror\.example\/model\.bin: /);
    expect(error.message).toMatch(message);
    expect(error.url).toBe('https://mirror.example/model.bin');
  });

  it('leaves the URL out of the message when none is given', () => {
    const error = protocolError(() => head('nope\r\n\r\n'));
    expect(error.message).toBe('Invalid HTTP response: bad status line "nope"');
    expect(error.url).toBeUndefined();
  });

  it('rejects a head larger than MAX_HEAD_BYTES and accepts one of exactly that size', () => {
    const start = 'HTTP/1.1 200 OK\r\nX-Pad: ';
    const end = '\r\n\r\n';
    const exact = start + 'p'.repeat(MAX_HEAD_BYTES - start.length - end.length) + end;
    expect(exact.length).toBe(MAX_HEAD_BYTES);
    expect(head(exact).headers['x-pad']).toHaveLength(MAX_HEAD_BYTES - start.length - end.length);
    const error = protocolError(() => head(`${start}p${exact.slice(start.length)}`));
    expect(error.message).toMatch(/larger than 65536 bytes/);
  });

  it('reads a head that is a view into a larger buffer', () => {
    const buffer = bytes('garbageHTTP/1.1 201 Created\r\nX-A: 1\r\n\r\nbody');
    const view = buffer.subarray(7, buffer.length - 4);
    expect(parseHead(view)).toMatchObject({ statusCode: 201, headers: { 'x-a': '1' } });
  });

  it('property: arbitrary bytes never make it throw anything but a ProtocolError', () => {
    const prefix = fc.constantFrom(
      '',
      'HTTP/1.1 200 OK\r\n',
      'HTTP/1.0 304 \n',
      'HTTP/1.1 101\r\nContent-Length: ',
    );
    const soup = fc.array(
      fc.oneof(
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom(0x0d, 0x0a, 0x20, 0x09, 0x3a, 0x2c, 0x30, 0x35),
      ),
      { maxLength: 300 },
    );
    fc.assert(
      fc.property(prefix, soup, (start, rest) => {
        const input = Buffer.concat([bytes(start), Buffer.from(rest)]);
        try {
          const parsed = parseHead(input);
          expect([0, 1]).toContain(parsed.minorVersion);
          expect(parsed.statusCode).toBeGreaterThanOrEqual(100);
          expect(parsed.statusCode).toBeLessThanOrEqual(999);
          const length = parsed.headers['content-length'];
          if (length !== undefined) expect(length).toMatch(/^\d{1,15}$/);
        } catch (error) {
          if (!(error instanceof ProtocolError)) throw error;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('property: valid header sets round-trip (names lower-cased, values trimmed, duplicates by the rules)', () => {
    const tchar = fc.constantFrom(
      ..."!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    );
    const name = fc
      .array(tchar, { minLength: 1, maxLength: 12 })
      .map((chars) => chars.join(''))
      // Names shared with Object.prototype are covered (as a known bug) above.
      .filter((n) => !(n.toLowerCase() in Object.prototype) && n.toLowerCase() !== 'content-length');
    const knownName = fc.constantFrom(
      'Set-Cookie',
      'ETag',
      'Content-Type',
      'Vary',
      'Cache-Control',
      'Location',
    );
    const visible = fc.integer({ min: 0x21, max: 0xff }).filter((c) => c !== 0x7f);
    const valueChar = fc.oneof(
      visible.map((c) => String.fromCharCode(c)),
      fc.constant(' '),
      fc.constant('\t'),
    );
    const value = fc.array(valueChar, { maxLength: 20 }).map((chars) => chars.join(''));
    const ows = fc.constantFrom('', ' ', '\t', '  \t');
    const field = fc.record({ name: fc.oneof(name, knownName), before: ows, value, after: ows });
    const eol = fc.constantFrom('\r\n', '\n');
    fc.assert(
      fc.property(
        fc.constantFrom(0, 1),
        fc.integer({ min: 100, max: 999 }),
        fc.array(field, { maxLength: 12 }),
        eol,
        (minor, status, fields, lineEnd) => {
          const text = [
            `HTTP/1.${minor} ${status} Reason`,
            ...fields.map((f) => `${f.name}:${f.before}${f.value}${f.after}`),
            '',
            '',
          ].join(lineEnd);
          const parsed = head(text);
          expect(parsed.minorVersion).toBe(minor);
          expect(parsed.statusCode).toBe(status);
          expect(parsed.statusMessage).toBe('Reason');
          // The model: RFC semantics as documented in head.ts.
          const single = SINGLE_VALUE;
          const expected: Record<string, string | string[]> = {};
          for (const f of fields) {
            const key = f.name.toLowerCase();
            const trimmed = f.value.replace(/^[ \t]+|[ \t]+$/g, '');
            const existing = expected[key];
            if (key === 'set-cookie')
              expected[key] = [...((existing as string[] | undefined) ?? []), trimmed];
            else if (existing === undefined) expected[key] = trimmed;
            else if (!single.has(key)) expected[key] = `${existing}, ${trimmed}`;
          }
          expect(parsed.headers).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});

/** A valid response head: status line, fields, blank line, with CRLF or LF line ends. */
const validHead = fc
  .record({
    status: fc.integer({ min: 100, max: 599 }),
    fields: fc.array(
      fc.record({
        name: fc.constantFrom('Content-Length', 'X-A', 'ETag', 'Vary', 'Server'),
        value: fc.string({ maxLength: 30 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'x')),
      }),
      { maxLength: 8 },
    ),
    ends: fc.array(fc.constantFrom('\r\n', '\n'), { minLength: 10, maxLength: 10 }),
  })
  .map(({ status, fields, ends }) => {
    const lines = [`HTTP/1.1 ${status} OK`, ...fields.map((f) => `${f.name}: ${f.value}`), ''];
    return lines.map((line, i) => `${line}${ends[i % ends.length]}`).join('');
  });

describe('findHeadEnd', () => {
  it('finds the end of CRLF, LF and mixed heads, and -1 before it arrived', () => {
    for (const text of [
      'HTTP/1.1 200 OK\r\nA: b\r\n\r\n',
      'HTTP/1.1 200 OK\nA: b\n\n',
      'HTTP/1.1 200 OK\r\nA: b\n\r\n',
    ]) {
      const buffer = bytes(`${text}BODY\r\n\r\n`);
      expect(findHeadEnd(buffer, buffer.length)).toBe(text.length);
      expect(findHeadEnd(buffer, text.length - 1)).toBe(-1);
      expect(findHeadEnd(buffer, text.length)).toBe(text.length);
    }
    expect(findHeadEnd(bytes(''), 0)).toBe(-1);
    expect(findHeadEnd(bytes('\n'), 1)).toBe(-1);
    // A lone CR between line ends is not a blank line.
    expect(findHeadEnd(bytes('HTTP/1.1 200 OK\r\n\r\r\n'), 19)).toBe(-1);
  });

  it('property: on head + body, incremental search from the last end finds exactly the head length', () => {
    fc.assert(
      fc.property(
        validHead,
        fc.uint8Array({ maxLength: 64 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 12 }),
        (text, body, cuts) => {
          const headBytes = bytes(text);
          const buffer = Buffer.concat([headBytes, body]);
          expect(findHeadEnd(buffer, buffer.length)).toBe(headBytes.length);
          // The bytes arrive in pieces; each search resumes where the previous one stopped.
          const points = [...new Set([...cuts.map((c) => Math.min(c, buffer.length)), buffer.length])].sort(
            (a, b) => a - b,
          );
          let from = 0;
          let found = -1;
          for (const end of points) {
            found = findHeadEnd(buffer, end, from);
            if (found >= 0) {
              expect(end).toBeGreaterThanOrEqual(headBytes.length);
              break;
            }
            expect(end).toBeLessThan(headBytes.length);
            from = end;
          }
          expect(found).toBe(headBytes.length);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

interface ChunkPlan {
  readonly payload: Buffer;
  readonly encoded: Buffer;
}

/** Chunked encoding of `payload` cut at `sizes`, with optional extensions and trailers. */
function encodeChunked(
  payload: Uint8Array,
  sizes: readonly number[],
  options: { extension: boolean; upper: boolean; zeros: number; trailers: readonly string[]; lf: boolean },
): ChunkPlan {
  const eol = options.lf ? '\n' : '\r\n';
  const parts: Buffer[] = [];
  let at = 0;
  let i = 0;
  while (at < payload.length) {
    const size = Math.min(sizes[i % Math.max(1, sizes.length)] ?? payload.length, payload.length - at) || 1;
    let hex = size.toString(16);
    if (options.upper) hex = hex.toUpperCase();
    hex = '0'.repeat(options.zeros) + hex;
    const extension = options.extension && i % 2 === 0 ? ` ;a=b;flag;q="x y"` : '';
    parts.push(bytes(`${hex}${extension}${eol}`), Buffer.from(payload.subarray(at, at + size)), bytes(eol));
    at += size;
    i++;
  }
  parts.push(bytes(`${'0'.repeat(options.zeros)}0${options.extension ? ';last=1' : ''}${eol}`));
  for (const trailer of options.trailers) parts.push(bytes(`${trailer}${eol}`));
  parts.push(bytes(eol));
  return { payload: Buffer.from(payload), encoded: Buffer.concat(parts) };
}

/** Feeds `input` to a decoder in the pieces given by `cuts`; returns the payload and consumed index. */
function decodeInPieces(
  decoder: ChunkedDecoder,
  input: Uint8Array,
  cuts: readonly number[],
): { out: Buffer; consumed: number } {
  const points = [...new Set([...cuts.map((c) => Math.min(c, input.length)), input.length])].sort(
    (a, b) => a - b,
  );
  const out: Buffer[] = [];
  let start = 0;
  let consumed = -1;
  for (const end of points) {
    if (end === start) continue;
    const next = decoder.feed(input, start, end, (slice) => {
      // Slices are views into the input, inside the window fed.
      expect(slice.buffer).toBe(input.buffer);
      out.push(Buffer.from(slice));
    });
    expect(next).toBeGreaterThanOrEqual(start);
    expect(next).toBeLessThanOrEqual(end);
    if (decoder.done) {
      consumed = next;
      break;
    }
    expect(next).toBe(end);
    start = end;
  }
  return { out: Buffer.concat(out), consumed };
}

describe('ChunkedDecoder', () => {
  it('decodes a simple body and stops after the trailers', () => {
    const decoder = new ChunkedDecoder();
    const input = bytes('5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Sum: 1\r\n\r\nNEXT');
    const out: string[] = [];
    const end = decoder.feed(input, 0, input.length, (slice) =>
      out.push(Buffer.from(slice).toString('latin1')),
    );
    expect(out.join('')).toBe('hello world');
    expect(decoder.done).toBe(true);
    expect(end).toBe(input.length - 4);
    // Nothing more is consumed once done.
    expect(decoder.feed(input, end, input.length, () => expect.unreachable())).toBe(end);
  });

  it('is not done before the final blank line', () => {
    const decoder = new ChunkedDecoder();
    const input = bytes('3\r\nabc\r\n0\r\nTrailer: x\r\n');
    expect(decoder.feed(input, 0, input.length, () => {})).toBe(input.length);
    expect(decoder.done).toBe(false);
    expect(decoder.feed(bytes('\r\n'), 0, 2, () => {})).toBe(2);
    expect(decoder.done).toBe(true);
  });

  it('property: any payload, cut and encoded any way, fed in any split, decodes exactly', () => {
    const trailer = fc.constantFrom('X-Checksum: abc', 'Expires: 0', 'X-Empty:');
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3000 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }),
        fc.record({
          extension: fc.boolean(),
          upper: fc.boolean(),
          zeros: fc.integer({ min: 0, max: 3 }),
          trailers: fc.array(trailer, { maxLength: 3 }),
          lf: fc.boolean(),
        }),
        fc.array(fc.integer({ min: 0, max: 4000 }), { maxLength: 20 }),
        fc.uint8Array({ maxLength: 20 }),
        (payload, sizes, options, cuts, extra) => {
          const plan = encodeChunked(payload, sizes, options);
          const input = Buffer.concat([plan.encoded, extra]);
          const decoder = new ChunkedDecoder('http://x/');
          const { out, consumed } = decodeInPieces(decoder, input, cuts);
          expect(decoder.done).toBe(true);
          expect(out.equals(plan.payload)).toBe(true);
          expect(consumed).toBe(plan.encoded.length);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('property: a body cut short is never done and emits only a prefix of the payload', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 500 }),
        fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        (payload, sizes, cutSeed) => {
          const { encoded } = encodeChunked(payload, sizes, {
            extension: false,
            upper: false,
            zeros: 0,
            trailers: [],
            lf: false,
          });
          const cut = cutSeed % encoded.length;
          const decoder = new ChunkedDecoder();
          const out: Buffer[] = [];
          expect(decoder.feed(encoded, 0, cut, (s) => out.push(Buffer.from(s)))).toBe(cut);
          expect(decoder.done).toBe(false);
          const got = Buffer.concat(out);
          expect(got.equals(Buffer.from(payload).subarray(0, got.length))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each([
    ['a non-hex size', 'zz\r\n', /bad chunk size "zz"/],
    ['an empty size line', '\r\n', /bad chunk size ""/],
    ['a 0x prefix', '0x5\r\nhello\r\n0\r\n\r\n', /bad chunk size "0x5"/],
    ['a negative size', '-5\r\nhello\r\n', /bad chunk size "-5"/],
    ['a leading space', ' 5\r\nhello\r\n', /bad chunk size/],
    ['a size with 14 hex digits', '00000000000005\r\nhello\r\n0\r\n\r\n', /bad chunk size "00000000000005"/],
    ['a size too large', 'fffffffffffffff\r\n', /bad chunk size/],
    ['garbage after the size', '5 x\r\nhello\r\n', /bad chunk size "5 x"/],
    ['data longer than its size', '5\r\nhelloX\r\n0\r\n\r\n', /chunk data longer than its size/],
    ['a missing CRLF after the data', '5\r\nhello0\r\n\r\n', /chunk data longer than its size/],
    ['a size line too long', `1;${'a'.repeat(5000)}\r\nx\r\n0\r\n\r\n`, /line too long/],
    ['a size line too long without its end', `1;${'a'.repeat(5000)}`, /line too long/],
    ['a trailer line too long', `0\r\nX-Big: ${'b'.repeat(5000)}\r\n\r\n`, /line too long/],
    [
      'a trailer section too large',
      `0\r\n${'X-T: 1234567890\r\n'.repeat(1100)}\r\n`,
      /trailer section too large/,
    ],
  ])('rejects %s with a ProtocolError', (_name, text, message) => {
    const error = protocolError(() =>
      new ChunkedDecoder('http://m/f').feed(bytes(text), 0, text.length, () => {}),
    );
    expect(error.message).toMatch(/^Invalid chunked body from http:\/\/m\/f: /);
    expect(error.message).toMatch(message);
  });

  it('rejects malformed input also when it arrives one byte at a time', () => {
    const input = bytes('4\r\nabcd\r\n3\r\nxyzW\r\n');
    const decoder = new ChunkedDecoder();
    const out: string[] = [];
    protocolError(() => {
      for (let i = 0; i < input.length; i++)
        decoder.feed(input, i, i + 1, (s) => out.push(Buffer.from(s).toString()));
    });
    expect(out.join('')).toBe('abcdxyz');
  });

  it('accepts the largest 13-digit size line (the data just has not arrived)', () => {
    const decoder = new ChunkedDecoder();
    const line = bytes('fffffffffffff\r\n');
    expect(decoder.feed(line, 0, line.length, () => {})).toBe(line.length);
    expect(decoder.done).toBe(false);
  });
});

describe('bodyFraming and reusable', () => {
  const table: [string, string, ReturnType<typeof bodyFraming>, boolean][] = [
    ['100 Continue', 'HTTP/1.1 100 Continue', { kind: 'none' }, true],
    ['103 Early Hints', 'HTTP/1.1 103 Early Hints\r\nLink: </a>', { kind: 'none' }, true],
    ['204 even with a length', 'HTTP/1.1 204 No Content\r\nContent-Length: 10', { kind: 'none' }, true],
    ['304 even chunked', 'HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked', { kind: 'none' }, true],
    ['a Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 1234', { kind: 'length', length: 1234 }, true],
    ['Content-Length 0', 'HTTP/1.1 200 OK\r\nContent-Length: 0', { kind: 'length', length: 0 }, true],
    [
      'a 404 with a length',
      'HTTP/1.1 404 Not Found\r\nContent-Length: 9',
      { kind: 'length', length: 9 },
      true,
    ],
    ['chunked', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked', { kind: 'chunked' }, true],
    ['chunked, any case', 'HTTP/1.1 200 OK\r\nTransfer-Encoding:  Chunked ', { kind: 'chunked' }, true],
    [
      'chunked over a Content-Length',
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked',
      { kind: 'chunked' },
      false,
    ],
    ['gzip then chunked', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked', { kind: 'chunked' }, true],
    [
      'gzip then chunked in two fields',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked',
      { kind: 'chunked' },
      true,
    ],
    ['chunked then gzip', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip', { kind: 'close' }, false],
    [
      'gzip only, with a length',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 5',
      { kind: 'close' },
      false,
    ],
    ['no Content-Length', 'HTTP/1.1 200 OK', { kind: 'close' }, false],
    [
      'connection: close',
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close',
      { kind: 'length', length: 3 },
      false,
    ],
    [
      'connection: Keep-Alive, CLOSE',
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: Keep-Alive, CLOSE',
      { kind: 'length', length: 3 },
      false,
    ],
    [
      'chunked with connection: close',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close',
      { kind: 'chunked' },
      false,
    ],
    ['HTTP/1.0 with a length', 'HTTP/1.0 200 OK\r\nContent-Length: 3', { kind: 'length', length: 3 }, false],
    [
      'HTTP/1.0 keep-alive',
      'HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive',
      { kind: 'length', length: 3 },
      true,
    ],
    [
      'HTTP/1.0 Keep-Alive among tokens',
      'HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: foo, Keep-Alive',
      { kind: 'length', length: 3 },
      true,
    ],
    [
      'HTTP/1.0 keep-alive without a length',
      'HTTP/1.0 200 OK\r\nConnection: keep-alive',
      { kind: 'close' },
      false,
    ],
    ['HTTP/1.0 204 keep-alive', 'HTTP/1.0 204 No Content\r\nConnection: keep-alive', { kind: 'none' }, true],
    ['HTTP/1.0 204', 'HTTP/1.0 204 No Content', { kind: 'none' }, false],
  ];

  it.each(table)('%s', (_name, text, framing, canReuse) => {
    const parsed = head(`${text}\r\n\r\n`);
    expect(bodyFraming(parsed)).toEqual(framing);
    expect(reusable(parsed, bodyFraming(parsed))).toBe(canReuse);
  });

  it('property: Transfer-Encoding together with Content-Length is never reusable', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 1),
        fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304),
        fc.constantFrom('chunked', 'gzip, chunked', 'identity', 'gzip'),
        fc.nat({ max: 1_000_000 }),
        fc.constantFrom('', '\r\nConnection: keep-alive'),
        (minor, status, coding, length, connection) => {
          const parsed = head(
            `HTTP/1.${minor} ${status} X\r\nTransfer-Encoding: ${coding}\r\nContent-Length: ${length}${connection}\r\n\r\n`,
          );
          const framing = bodyFraming(parsed);
          expect(framing.kind).toBe(coding.endsWith('chunked') ? 'chunked' : 'close');
          expect(reusable(parsed, framing)).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('ProtocolError', () => {
  it('is a retryable network failure with remediation, found through classifyError', () => {
    const error = new ProtocolError('Invalid HTTP response from https://mirror/x: bad status line', {
      url: 'https://mirror/x',
    });
    const classified = classifyError(error);
    expect(classified).toMatchObject({ category: 'network', retryable: true, code: 'ERR_HTTP_PROTOCOL' });
    expect(classified.remediation[0]).toMatch(/invalid HTTP response/);
    expect(error.url).toBe('https://mirror/x');
  });
});
